"""The multi-source nearest-facility pass against its peers, on the real Wuhan network.

    python benchmarks/routing_peers.py [build/bench/city-10000.gpkg]

Every street node gets its nearest facility along the streets, with a 2,000 m cut-off
(2 × a 1,000 m radius). Timed: this tool's pass (the matrix with the facilities' joining
edges, one multi-source Dijkstra), scipy's Dijkstra alone on the same matrix (the floor), and
networkx's multi-source Dijkstra, python-igraph (a single-source Dijkstra from an extra node
joined to every facility) and pandana (contraction hierarchies, nearest_pois), each optional
and skipped when not installed, with their distances compared with ours; and cityseer
(network structure from a networkx graph, then compute_accessibilities), with the share of
nodes whose distance is within 1 m of ours.
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


def _igraph(matrix, fac_nodes, n, nodes_xy, facilities):
    """igraph has no multi-source search: one extra node joined to every facility at 0 m,
    and a single-source Dijkstra from it (igraph's own C), distances to every node."""
    import igraph

    coo = matrix.tocoo()
    upper = coo.row < coo.col
    super_source = matrix.shape[0]
    edges = np.column_stack([np.r_[coo.row[upper], np.full(len(fac_nodes), super_source)],
                             np.r_[coo.col[upper], fac_nodes]])
    weights = np.r_[coo.data[upper], np.zeros(len(fac_nodes))]
    graph = igraph.Graph(n=super_source + 1, edges=edges.tolist())
    graph.es["weight"] = weights.tolist()
    # igraph's distances() takes no cut-off: it searches the whole network.
    t, dist = best_of(lambda: graph.distances(source=[super_source], weights="weight")[0])
    return t, np.asarray(dist[:n], dtype=float)


def _pandana(matrix, fac_nodes, n, nodes_xy, facilities):
    """pandana (contraction hierarchies): the facilities are nodes of the graph at their own
    places, set as points of interest, and nearest_pois within the cut-off. Timed: the
    hierarchy's build with the query, as a batch pays both."""
    import pandana
    import pandas as pd
    import shapely

    coo = matrix.tocoo()
    upper = coo.row < coo.col
    fac_xy = shapely.get_coordinates(shapely.centroid(facilities.geometry.to_numpy()))
    xy = np.vstack([nodes_xy, fac_xy])

    def run():
        net = pandana.Network(pd.Series(xy[:, 0]), pd.Series(xy[:, 1]),
                              pd.Series(coo.row[upper]), pd.Series(coo.col[upper]),
                              pd.DataFrame({"length": coo.data[upper]}), twoway=True)
        net.set_pois("facility", LIMIT, 1, pd.Series(fac_xy[:, 0]), pd.Series(fac_xy[:, 1]))
        return net.nearest_pois(LIMIT, "facility", num_pois=1)[1].to_numpy()

    t, dist = best_of(run, repeat=1)
    # pandana writes the cut-off itself where no facility is within it.
    dist = np.where(dist >= LIMIT, np.inf, dist)
    return t, dist[:n]


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
    ref = net.node_dist
    # pandana keeps distances in 32-bit floats: the same to within 5 cm over 2 km.
    for name, run, tolerance in (("igraph", _igraph, 1e-6), ("pandana", _pandana, 0.05)):
        try:
            __import__(name)
        except ImportError:
            print(f"  {name}: not installed, skipped")
            continue
        t, got = run(matrix, fac_nodes, n, g.nodes_xy, plan.facilities)
        within = np.isfinite(ref) & (ref <= LIMIT)
        same = np.allclose(ref[within], got[within], rtol=0, atol=tolerance)
        print(f"  {name:<42} {t:8.3f} s  ({t / ours:.1f}× this tool); same distances "
              f"(to {tolerance:g} m): {same}")
    try:
        __import__("cityseer")
    except ImportError:
        print("  cityseer: not installed, skipped")
    else:
        t_structure, t_access, got = _cityseer(g, plan)
        finite = np.isfinite(ref) & np.isfinite(got)
        close = np.abs(ref[finite] - got[finite]) < 1.0
        print(f"  cityseer (structure + accessibilities)     {t_structure + t_access:8.3f} s  "
              f"({(t_structure + t_access) / ours:.0f}× this tool; structure "
              f"{t_structure:.1f} s, accessibilities {t_access:.1f} s)")
        print(f"    {close.mean():.1%} of {finite.sum():,} nodes within 1 m of ours: cityseer "
              f"joins a facility to the street nodes by its own rule")
    return 0


def _cityseer(g, plan):
    """cityseer's way to a node's nearest facility: a networkx graph of the same segments
    (string node keys, a CRS, each edge's geometry), its network structure, and
    `compute_accessibilities` with a 2,000 m distance, whose `nearest_max` is the distance.
    Timed: the structure and the accessibilities (a batch pays both), one run each."""
    import logging

    import geopandas as gpd
    import networkx as nx
    import shapely
    from cityseer.metrics import layers
    from cityseer.tools import io as cityseer_io

    logging.getLogger("cityseer").setLevel(logging.WARNING)
    graph = nx.MultiGraph()
    graph.graph["crs"] = plan.crs.to_wkt()
    xy = g.nodes_xy
    graph.add_nodes_from((str(i), {"x": float(xy[i, 0]), "y": float(xy[i, 1])})
                         for i in range(g.n_nodes))
    graph.add_edges_from((str(u), str(v), {"geom": e})
                         for u, v, e in zip(g.u.tolist(), g.v.tolist(), g.edges))
    t = time.perf_counter()
    nodes, _, structure = cityseer_io.network_structure_from_nx(graph)
    t_structure = time.perf_counter() - t
    facilities = gpd.GeoDataFrame({"kind": "facility"}, index=range(len(plan.facilities)),
                                  geometry=shapely.centroid(plan.facilities.geometry.to_numpy()),
                                  crs=plan.crs)
    t = time.perf_counter()
    out = layers.compute_accessibilities(facilities, "kind", ["facility"], nodes, structure,
                                         distances=[int(LIMIT)])
    t_access = time.perf_counter() - t
    got = np.full(g.n_nodes, np.inf)
    got[np.array([int(k) for k in out.index])] = \
        out[f"cc_facility_nearest_max_{int(LIMIT)}"].to_numpy(dtype=float)
    return t_structure, t_access, got


if __name__ == "__main__":
    sys.exit(main())
