"""The multi-source nearest-facility pass against its peers, on the real Wuhan network.

    python benchmarks/routing_peers.py [build/bench/city-10000.gpkg]

Every street node gets its nearest facility along the streets, with a 2,000 m cut-off
(2 × a 1,000 m radius). Timed: this tool's pass (the matrix with the facilities' joining
edges, one multi-source Dijkstra), scipy's Dijkstra alone on the same matrix (the floor), and
networkx's multi-source Dijkstra, whose distances are compared with ours. python-igraph,
pandana and cityseer are not on this machine's package lists used by the project; their runs
are not written, and the script says so.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from compliance import io
from compliance.plan import build_plan
from compliance.routing import Network

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 2000.0


def best_of(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> int:
    path = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "build" / "bench" / "city-10000.gpkg")
    if not Path(path).exists():
        print(f"no {path}: run benchmarks/scale.py (or make_city.py) first", file=sys.stderr)
        return 2
    plan = build_plan(io.read_plan(path), strict=False)
    net = Network.from_streets(plan.streets, plan.facilities, LIMIT / 2)
    g, s = net.graph, net.fac_snap
    print(f"network: {g.n_nodes:,} nodes, {len(g.u):,} edges; {len(plan.facilities):,} "
          f"facilities; cut-off {LIMIT:,.0f} m")
    ours, _ = best_of(net._solve)
    print(f"  this tool (matrix + multi-source Dijkstra) {ours:8.3f} s")

    from scipy.sparse.csgraph import dijkstra

    n, m = g.n_nodes, len(plan.facilities)
    fac_nodes = n + np.arange(m)
    length = g.length[s.edge]
    matrix = g.matrix(np.r_[fac_nodes, fac_nodes], np.r_[g.u[s.edge], g.v[s.edge]],
                      np.r_[s.gap + s.offset, s.gap + (length - s.offset)], n_extra=m)
    floor, _ = best_of(lambda: dijkstra(matrix, directed=False, indices=fac_nodes,
                                        limit=LIMIT, min_only=True))
    print(f"  scipy Dijkstra alone (floor)               {floor:8.3f} s  "
          f"(ours / floor {ours / floor:.2f})")

    try:
        import networkx as nx
    except ImportError:
        print("  networkx: not installed, skipped")
    else:
        coo = matrix.tocoo()
        G = nx.Graph()
        G.add_weighted_edges_from(zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist()))
        t, dist = best_of(lambda: nx.multi_source_dijkstra_path_length(
            G, set(fac_nodes.tolist()), cutoff=LIMIT), repeat=1)
        print(f"  networkx multi_source_dijkstra             {t:8.3f} s  "
              f"({t / ours:.1f}× this tool)")
        ref = net.node_dist
        got = np.full(n, np.inf)
        keys = np.array([k for k in dist if k < n], dtype=int)
        got[keys] = [dist[k] for k in keys]
        finite = np.isfinite(ref) & np.isfinite(got)
        print(f"    same distances: {np.allclose(ref[finite], got[finite], atol=1e-6)} "
              f"({finite.sum():,} nodes within the cut-off)")
    for name in ("igraph", "pandana", "cityseer"):
        try:
            __import__(name)
        except ImportError:
            print(f"  {name}: not installed, skipped")
        else:
            print(f"  {name}: installed; no run of it is written in this script")
    return 0


if __name__ == "__main__":
    sys.exit(main())
