"""The review desk under load: 20 users at once, each submitting the sample plans and polling
for their result, as an office's submission system would.

    python benchmarks/service_load.py [--users 20] [--checks-per-user 3] [--workers 2]

Starts `compliance serve` on a free local port with a fresh data folder, and prints checks
completed per second and the median, 95th and 99th percentile time of GET /api/checks/{id}.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PLANS = [("zunyi-failing.geojson", "zunyi"), ("dongying-compliant.geojson", "dongying"),
         ("dongying-shared.geojson", "dongying"), ("tongchuan-phased.geojson", "tongchuan")]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=20)
    ap.add_argument("--checks-per-user", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    data = tempfile.mkdtemp(prefix="desk-bench-")
    server = subprocess.Popen([sys.executable, "-m", "compliance", "serve", "--port", str(port),
                               "--data", data, "--workers", str(args.workers)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "LANG": "C.UTF-8"})
    try:
        for _ in range(300):
            try:
                httpx.get(url + "/api/standards", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        polls: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def user(k: int) -> None:
            with httpx.Client(base_url=url, timeout=60) as client:
                for j in range(args.checks_per_user):
                    name, standard = PLANS[(k + j) % len(PLANS)]
                    r = client.post("/api/checks", data={"standard": standard},
                                    files=[("plan", (name, (ROOT / "samples" / name).read_bytes()))])
                    check_id = r.json()["id"]
                    while True:
                        t = time.perf_counter()
                        body = client.get(f"/api/checks/{check_id}").json()
                        with lock:
                            polls.append(time.perf_counter() - t)
                        if body["status"] in ("done", "failed"):
                            if body["status"] == "failed":
                                with lock:
                                    failures.append(check_id)
                            break
                        time.sleep(0.2)

        start = time.perf_counter()
        threads = [threading.Thread(target=user, args=(k,)) for k in range(args.users)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - start
        total = args.users * args.checks_per_user
        polls.sort()

        def pct(q: float) -> float:
            return polls[min(len(polls) - 1, int(q * len(polls)))] * 1000

        print(f"machine: {len(os.sched_getaffinity(0))} cores; workers {args.workers}; "
              f"{args.users} concurrent users × {args.checks_per_user} checks of the sample plans")
        print(f"checks completed: {total - len(failures)} of {total} in {wall:.1f} s = "
              f"{total / wall:.2f} checks per second")
        print(f"GET /api/checks/{{id}}: {len(polls)} requests; median {statistics.median(polls) * 1000:.1f} ms, "
              f"p95 {pct(0.95):.1f} ms, p99 {pct(0.99):.1f} ms")
        return 1 if failures else 0
    finally:
        server.terminate()
        server.wait(20)


if __name__ == "__main__":
    sys.exit(main())
