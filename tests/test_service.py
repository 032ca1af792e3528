"""`compliance serve` as its users meet it: a server started on a free local port, its API
driven with an HTTP client, its page with Playwright on Debian's Chromium. Results are
compared with what the command line writes for the same files."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from compliance.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, max_upload_mb: int = 5, workers: int = 2):
        self.data, self.max_upload_mb, self.workers = data, max_upload_mb, workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        env = {**os.environ, "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "compliance", "serve", "--port", str(self.port),
             "--data", str(self.data), "--workers", str(self.workers),
             "--max-upload-mb", str(self.max_upload_mb)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/api/standards", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start: " + self.proc.stdout.read().decode())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("desk")).start()
    yield s
    s.stop()


def submit(server, files, standard="zunyi", **fields):
    payload = [("plan", (name, data)) for name, data in files]
    # Messages in English (?lang=en); the report's language is the form's `lang`.
    return httpx.post(server.url + "/api/checks?lang=en", data={"standard": standard, **fields},
                      files=payload, timeout=60)


def wait(server, check_id, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = httpx.get(f"{server.url}/api/checks/{check_id}", timeout=30).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"check {check_id} did not finish: {body}")


def cli_result(plan: Path, standard: str, tmp_path: Path) -> dict:
    out = tmp_path / f"cli-{plan.stem}-{standard}.json"
    CliRunner().invoke(main, ["check", str(plan), "--city", standard, "-o", str(out)])
    return json.loads(out.read_text(encoding="utf-8"))


def _differences(x, y, path=""):
    if type(x) is not type(y):
        return [f"{path}: {x!r} ≠ {y!r}"]
    if isinstance(x, dict):
        return [d for k in sorted(set(x) | set(y), key=str)
                for d in _differences(x.get(k), y.get(k), f"{path}.{k}")]
    if isinstance(x, list):
        out = [f"{path}: {len(x)} ≠ {len(y)} items"] if len(x) != len(y) else []
        return out + [d for i, (p, q) in enumerate(zip(x, y))
                      for d in _differences(p, q, f"{path}[{i}]")]
    return [] if x == y else [f"{path}: {x!r} ≠ {y!r}"]


def same_result(api: dict, cli: dict) -> None:
    assert _differences(api["parcels"], cli["parcels"]) == []
    assert api["summary"] == cli["summary"]
    assert api["standard"]["id"] == cli["standard"]["id"]


# --------------------------------------------------------------------------- the API

def test_standards_are_offered_with_their_names(server):
    body = httpx.get(server.url + "/api/standards").json()
    ids = {s["id"] for s in body}
    assert {"national", "zunyi", "fujian", "shandong"} <= ids
    fujian = next(s for s in body if s["id"] == "fujian")
    assert fujian["place"] == "福建省" and fujian["place_en"] == "Fujian"


def test_a_check_gives_what_the_command_line_gives(server, tmp_path):
    plan = SAMPLES / "zunyi-failing.geojson"
    accepted = submit(server, [("汇川 plan.geojson", plan.read_bytes())])
    assert accepted.status_code == 202
    check_id = accepted.json()["id"]
    assert len(check_id) >= 22  # 18 random bytes: unguessable
    done = wait(server, check_id)
    assert done["status"] == "done" and done["progress"] == 1.0
    same_result(done["result"], cli_result(plan, "zunyi", tmp_path))
    # The files, as the command line writes them.
    pdf = httpx.get(f"{server.url}/api/checks/{check_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = httpx.get(f"{server.url}/api/checks/{check_id}/results.csv")
    assert "ZY-01" in csv.text
    gpkg = httpx.get(f"{server.url}/api/checks/{check_id}/results.gpkg")
    assert gpkg.content.startswith(b"SQLite format 3\x00")
    # The history lists it, newest first.
    history = httpx.get(server.url + "/api/checks?limit=5").json()
    assert history[0]["id"] == check_id or check_id in {h["id"] for h in history}


def test_twenty_concurrent_checks_all_finish_as_the_command_line_says(server, tmp_path):
    plans = [("zunyi-failing.geojson", "zunyi"), ("dongying-compliant.geojson", "dongying"),
             ("dongying-shared.geojson", "dongying"), ("tongchuan-phased.geojson", "tongchuan")]
    expected = {name: cli_result(SAMPLES / name, std, tmp_path) for name, std in plans}
    ids: list[tuple[str, str]] = []
    lock = threading.Lock()

    def user(k):
        name, std = plans[k % len(plans)]
        r = submit(server, [(name, (SAMPLES / name).read_bytes())], standard=std)
        assert r.status_code == 202, r.text
        with lock:
            ids.append((r.json()["id"], name))

    threads = [threading.Thread(target=user, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 20 and len({i for i, _ in ids}) == 20
    for check_id, name in ids:
        done = wait(server, check_id)
        assert done["status"] == "done", done["error"]
        same_result(done["result"], expected[name])


def test_requests_it_cannot_take_are_400_with_problems(server):
    no_plan = httpx.post(server.url + "/api/checks?lang=en", data={"standard": "zunyi"},
                         files=[("other", ("x.txt", b"x"))])
    assert no_plan.status_code == 400 and no_plan.json()["problems"][0]["file"] == "plan"
    unknown = submit(server, [("p.geojson", b"{}")], standard="atlantis")
    assert unknown.status_code == 400 and "atlantis" in unknown.text
    dwg = submit(server, [("site.dwg", b"AC1032" + b"\0" * 100)])
    assert dwg.status_code == 400 and "DXF" in dwg.text


def test_an_upload_over_the_limit_is_413(server):
    big = b"{" + b" " * (6 * 1024 * 1024) + b"}"
    assert submit(server, [("big.geojson", big)]).status_code == 413


def test_zip_paths_outside_the_folder_and_zip_bombs_are_refused(server):
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as z:
        z.writestr("../../evil.geojson", "{}")
    r = submit(server, [("plan.zip", slip.getvalue())])
    assert r.status_code == 400 and "outside" in r.text
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("parcels.geojson", b" " * (50 * 1024 * 1024))
    r = submit(server, [("plan.zip", bomb.getvalue())])
    assert r.status_code == 400 and "zip bomb" in r.text
    assert not list((server.data / "checks").glob("*/input/plan/parcels.geojson"))


def test_a_zip_of_a_folder_plan_is_checked(server, tmp_path):
    # The sample folder plan, zipped with its folder as people do.
    folder = SAMPLES / "zunyi-site"
    if not folder.is_dir():
        folder = next(p for p in SAMPLES.iterdir() if p.is_dir())
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in sorted(folder.iterdir()):
            z.write(f, f"{folder.name}/{f.name}")
    r = submit(server, [(f"{folder.name}.zip", buf.getvalue())])
    assert r.status_code == 202, r.text
    done = wait(server, r.json()["id"])
    assert done["status"] in ("done", "failed")
    if done["status"] == "failed":  # a folder needing options: its problems, never a 500
        assert done["error"]["problems"]


def test_a_bad_plan_is_a_failed_check_naming_the_uploaded_file(server):
    r = submit(server, [("指标表.csv", "编号,新建户数\nP1,many\n".encode("utf-8"))],
               lang="en")
    assert r.status_code == 202
    done = wait(server, r.json()["id"])
    assert done["status"] == "failed" and done["result"] is None
    problem = done["error"]["problems"][0]
    assert problem["file"] == "指标表.csv" and "households_new" in problem["message"]
    assert str(server.data) not in json.dumps(done)


def test_unknown_ids_are_404(server):
    assert httpx.get(server.url + "/api/checks/nope").status_code == 404
    assert httpx.get(server.url + "/api/checks/../../etc/passwd").status_code == 404
    assert httpx.get(server.url + "/api/checks/nope/report.pdf").status_code == 404


# --------------------------------------------------------------------------- restarts, crashes

def test_a_restart_keeps_the_history_and_finishes_what_was_accepted(tmp_path):
    s = Server(tmp_path / "desk", workers=1).start()
    try:
        first = submit(s, [("a.geojson", (SAMPLES / "dongying-compliant.geojson").read_bytes())],
                       standard="dongying").json()["id"]
        assert wait(s, first)["status"] == "done"
        pending = [submit(s, [("b.geojson", (SAMPLES / "zunyi-failing.geojson").read_bytes())]
                          ).json()["id"] for _ in range(3)]
        s.stop(signal.SIGKILL)  # in the middle: some queued, one running
        s.port = _free_port()
        s.url = f"http://127.0.0.1:{s.port}"
        s.start()
        for check_id in pending:
            assert wait(s, check_id)["status"] == "done"
        history = {h["id"] for h in httpx.get(s.url + "/api/checks?limit=10").json()}
        assert {first, *pending} <= history
    finally:
        s.stop()


def _crash(data_dir, check_id):
    os._exit(3)


def _fine(data_dir, check_id):
    from compliance.history import History

    History(data_dir).update(check_id, status="done", progress=1.0, summary={"parcels": 0})
    return "done"


def test_a_check_that_kills_its_worker_fails_with_a_message(tmp_path):
    from compliance.history import History
    from compliance.jobs import MAX_ATTEMPTS, Jobs

    history = History(tmp_path)
    for cid in ("crash", "fine"):
        history.add(cid, standard="zunyi", lang="en", distance="straight", meta={},
                    files=["p.geojson"], plan="input/plan.geojson", plan_table=None,
                    input_sha256="0" * 64)
    jobs = Jobs(tmp_path, workers=1, target=_crash)
    jobs.submit("crash")
    deadline = time.time() + 60
    while history.get("crash").status != "failed" and time.time() < deadline:
        time.sleep(0.1)
    crashed = history.get("crash")
    assert crashed.status == "failed" and "crashed" in crashed.error["error"]
    assert crashed.attempts == MAX_ATTEMPTS
    # The pool is rebuilt: the next check runs.
    jobs.target = _fine
    jobs.submit("fine")
    while history.get("fine").status != "done" and time.time() < deadline:
        time.sleep(0.1)
    assert history.get("fine").status == "done"
    jobs.shutdown()


# --------------------------------------------------------------------------- the page

@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is installed by "
                    "scripts/test")
def test_the_page_as_a_planner_uses_it(server, tmp_path):
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(accept_downloads=True)
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(server.url) and not r.url.startswith("data:") else None)
        page.goto(server.url + "/")
        assert page.locator("h1").inner_text() == "养老服务设施配建审查台"
        page.select_option("#standard", "zunyi")
        page.set_input_files("#plan", str(SAMPLES / "zunyi-failing.geojson"))
        page.fill("#meta-project", "遵义汇川·云著住宅小区")
        # Without a mouse: focus the button and press Enter.
        page.focus("button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/checks/**")
        page.wait_for_selector("iframe.report", timeout=240_000)
        assert "不合规 1" in page.content()
        report = page.frame_locator("iframe.report")
        assert "养老服务设施配建审查报告" in report.locator("h1").inner_text()
        with page.expect_download() as download:
            page.click("a[href$='report.pdf']")
        pdf = tmp_path / "report.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        # Back to the desk: the history lists the check.
        page.goto(server.url + "/?lang=en")
        assert "History" in page.content() and "zunyi-failing.geojson" in page.content()
        page.screenshot(path=str(tmp_path / "desk.png"), full_page=True)
        browser.close()
    assert outside == []


def test_bad_input_on_the_page_is_said_in_the_users_language(server):
    r = httpx.post(server.url + "/?lang=zh", data={"standard": "atlantis"},
                   files=[("plan", ("p.geojson", b"{}"))])
    assert r.status_code == 400 and "未知的标准" in r.text and "atlantis" in r.text
