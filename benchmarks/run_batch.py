"""Time each stage of a district batch and compare with the targets of the batch issue.

    python benchmarks/make_city.py            # 10,000 parcels, 200,000 buildings, 1,000 facilities
    python benchmarks/run_batch.py [build/bench/city.gpkg] [--city changzhou]

Prints: read, validate+project, network build, rules (network distance), write of the
results files; the I/O floor (read + write) and the batch/floor ratio (target ≤ 3); the
multi-source network pass against per-facility single-source networkx searches with the same
cut-off (target ≥ 30×); per-parcel HTML pages per second (target ≥ 300); peak memory (target
< 2 GB, from the process's maximum resident set size).
"""

from __future__ import annotations

import argparse
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path


from compliance import io
from compliance.settings import Options
from compliance.engine import check, distance_method
from compliance.plan import build_plan
from compliance.routing import Network
from compliance.standard import load_standard
from compliance.views import csv as csv_view
from compliance.views import gpkg as gpkg_view
from compliance.views import html as html_view
from compliance.views import json as json_view
from compliance.views import model as view_model
from compliance.views import xlsx as xlsx_view

ROOT = Path(__file__).resolve().parent.parent


class Clock:
    def __init__(self):
        self.times: dict[str, float] = {}

    def __call__(self, name):
        clock = self

        class _T:
            def __enter__(self):
                self.t = time.perf_counter()

            def __exit__(self, *exc):
                clock.times[name] = clock.times.get(name, 0.0) + time.perf_counter() - self.t
        return _T()


def networkx_baseline(net: Network, sample: int) -> tuple[float, int]:
    """Seconds for `sample` single-source networkx Dijkstra searches (same cut-off)."""
    import networkx as nx

    g = net.graph
    G = nx.Graph()
    G.add_weighted_edges_from(zip(g.u.tolist(), g.v.tolist(), g.length.tolist()))
    starts = g.u[net.fac_snap.edge][:sample]
    t = time.perf_counter()
    for node in starts.tolist():
        nx.single_source_dijkstra_path_length(G, node, cutoff=net.limit_m, weight="weight")
    return time.perf_counter() - t, len(starts)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("plan", nargs="?", default=str(ROOT / "build" / "bench" / "city.gpkg"))
    ap.add_argument("--city", default="changzhou")
    ap.add_argument("--pages", type=int, default=1000, help="parcel pages to render")
    ap.add_argument("--nx-sample", type=int, default=200,
                    help="facilities searched one by one with networkx (extrapolated)")
    args = ap.parse_args()
    if not Path(args.plan).exists():
        print(f"no {args.plan}: run benchmarks/make_city.py first", file=sys.stderr)
        return 2
    clock = Clock()
    standard = load_standard(args.city)
    options = Options(distance="network", suggest=True)

    with clock("read"):
        raw = io.read_plan(args.plan)
    with clock("validate+project"):
        plan = build_plan(raw, strict=False, persons_per_household=standard.persons_per_household)
    with clock("network build"):
        # As the batch builds it: streets beyond reach of the plan set aside.
        net = distance_method(plan, standard, options)
    with clock("rules"):
        result = check(plan, standard, options, network=net)
    out = Path(tempfile.mkdtemp(prefix="bench-"))
    with clock("view model"):
        model = view_model.build(result, "zh")
    with clock("write"):
        io.write_atomic(out / "results.json", json_view.render(model))
        io.write_atomic(out / "results.csv", csv_view.render(model))
        io.write_gpkg_atomic(out / "results.gpkg", gpkg_view.layers(model))
    with clock("results.xlsx"):
        io.write_atomic(out / "results.xlsx", xlsx_view.render(model))
    builder = html_view.ReportBuilder(model)
    with clock("index.html"):
        io.write_atomic(out / "index.html", builder.index([""] * len(result.parcels)))

    pages = min(args.pages, len(result.parcels))
    t = time.perf_counter()
    for p in model.parcels[:pages]:
        builder.single(p)
    page_rate = pages / (time.perf_counter() - t)

    # The network pass alone, against networkx one facility at a time.
    t = time.perf_counter()
    Network(net.graph, plan.facilities, net.limit_m)
    ours = time.perf_counter() - t
    nx_seconds, searched = networkx_baseline(net, args.nx_sample)
    nx_all = nx_seconds / searched * len(plan.facilities)

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ts = clock.times
    floor = ts["read"] + ts["write"]
    batch = sum(ts.values())
    print(f"machine: {platform.machine()}, {platform.python_implementation()} "
          f"{platform.python_version()}, {len(__import__('os').sched_getaffinity(0))} cores")
    print(f"plan: {len(plan.parcels):,} parcels, {len(plan.buildings):,} buildings, "
          f"{len(plan.facilities):,} facilities, {len(plan.streets):,} street edges")
    for name, secs in ts.items():
        print(f"  {name:<18} {secs:8.2f} s")
    print(f"batch without parcel pages: {batch:.2f} s; I/O floor (read + write) {floor:.2f} s; "
          f"ratio {batch / floor:.2f} (target ≤ 3)")
    print(f"network pass: {ours:.3f} s for {len(plan.facilities):,} facilities; networkx "
          f"single-source: {nx_seconds:.2f} s for {searched} → {nx_all:.1f} s for all; "
          f"speed-up {nx_all / ours:.0f}× (target ≥ 30×)")
    print(f"parcel pages: {page_rate:.0f} per second over {pages} (target ≥ 300)")
    print(f"peak memory (max RSS): {peak_mb:,.0f} MB (target < 2,048)")
    print(f"summary: {result.summary}")
    sites = result.suggestions or []
    print(f"suggested sites: {len(sites)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
