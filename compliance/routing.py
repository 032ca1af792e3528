"""Walking distance along streets to the nearest facility: one multi-source Dijkstra pass.

Each facility becomes an extra node tied to the two ends of its nearest street edge (its
straight gap to the street plus the distance along the edge); scipy's Dijkstra runs once from
all of them with `min_only`, giving every street node its distance to, and the identity of,
the nearest facility. A household then takes the better of its edge's two ends (plus its own
gap and offset), or the direct way along the edge when a facility shares it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from . import graph as _graph

# Beyond this multiple of the largest radius, distances are not traced (reported as "more than").
LIMIT_FACTOR = 2.0

# A worker's streets reach this far beyond its points. A point whose street lies farther than
# this less the joining slack cannot be snapped there with certainty, and is measured by the
# whole network instead (rare: a house 450 m from any street).
WINDOW_MARGIN_M = 500.0


class Network:
    name = "network"

    def __init__(self, street_graph: _graph.StreetGraph, facilities: gpd.GeoDataFrame,
                 limit_m: float):
        self.graph = street_graph
        self.limit_m = limit_m
        # A polygon facility joins the network from its boundary point nearest the street,
        # as the straight-line distance is measured from its boundary.
        self.fac_geoms = facilities.geometry.to_numpy() if len(facilities) \
            else np.zeros(0, dtype=object)
        self.n_facilities = len(self.fac_geoms)
        self.node_dist = np.full(street_graph.n_nodes, np.inf)
        self.node_source = np.full(street_graph.n_nodes, -1)
        self.fac_snap = None
        if self.n_facilities and len(street_graph.joinable_edges):
            self.fac_snap = _graph.snap(street_graph, self.fac_geoms)
            self._solve()
        self.notes = {
            "street_lines": street_graph.n_lines,
            "street_segments": int(len(street_graph.edges)),
            "street_nodes": int(street_graph.n_nodes),
            "gaps_closed": street_graph.gaps_closed,
            "node_tolerance_m": _graph.NODE_TOLERANCE_M,
            "join_slack_m": _graph.JOIN_SLACK_M,
            **street_graph.pieces(),
            "search_limit_m": round(float(limit_m), 1),
        }
        if self.fac_snap is not None:
            self.notes.update(_connector_notes("facility", self.fac_snap.gap))

    @classmethod
    def from_streets(cls, streets: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame,
                     radius_m: float = 1000.0, extent=None) -> "Network":
        """`extent` (minx, miny, maxx, maxy): where households and facilities lie. Streets
        that come nowhere near it are set aside before the graph is built (see
        `streets_within_reach`)."""
        limit = LIMIT_FACTOR * radius_m
        beyond = 0
        if extent is not None:
            streets, beyond = streets_within_reach(streets, extent, limit)
        net = cls(_graph.build(streets), facilities, limit)
        if extent is not None:
            net.notes["street_lines_beyond_reach"] = beyond
        return net

    def _solve(self) -> None:
        g, s = self.graph, self.fac_snap
        n, m = g.n_nodes, self.n_facilities
        # A facility as near another street as its own joins both (Snap.tied).
        facility, edge, gap, offset = _joins(s)
        fac_nodes = n + facility
        length = g.length[edge]
        extra_u = np.r_[fac_nodes, fac_nodes]
        extra_v = np.r_[g.u[edge], g.v[edge]]
        extra_w = np.r_[gap + offset, gap + (length - offset)]
        matrix = g.matrix(extra_u, extra_v, extra_w, n_extra=m)
        dist, _, sources = dijkstra(matrix, directed=False, indices=n + np.arange(m),
                                    limit=self.limit_m, min_only=True, return_predecessors=True)
        self.node_dist = dist[:n]
        self.node_source = np.where(sources[:n] >= 0, sources[:n] - n, -1)

    def reach(self, radius_m: float) -> np.ndarray:
        """The street segments whose both ends lie within `radius_m` of a facility along the
        streets: the walking service area, as the maps draw it."""
        g = self.graph
        within = np.maximum(self.node_dist[g.u], self.node_dist[g.v]) <= radius_m
        return g.edges[within]

    def nearest(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        dist, source, _ = self.measure(xy)
        return dist, source

    def window(self, bounds, margin_m: float = WINDOW_MARGIN_M) -> "NetworkWindow":
        """What a worker needs to measure the points inside `bounds`: the streets within
        `margin_m` of it, the facilities' distances at their nodes, and nothing else (see
        NetworkWindow)."""
        return NetworkWindow(self, bounds, margin_m)

    def measure(self, xy: np.ndarray):
        """Distance to and position of the nearest facility, and whether any is reachable
        at all, for each point: one snap serves all three."""
        k = len(xy)
        if k == 0 or self.fac_snap is None or not (self.fac_snap.edge >= 0).any():
            return np.full(k, np.inf), np.full(k, -1), np.zeros(k, dtype=bool)
        s = _graph.snap_points(self.graph, xy)
        self.notes.update(_connector_notes("household", s.gap))
        return _shorter_of_ties(self.graph, self.node_dist, self.node_source, self.fac_snap,
                                self._fac_components(), s)

    def _fac_components(self) -> np.ndarray:
        g = self.graph
        return np.unique(g.component[g.u[_joins(self.fac_snap)[1]]])


def _joins(s: _graph.Snap):
    """Every join of a Snap, its ties included: (point, edge, gap, offset), joined points
    only."""
    ok = np.flatnonzero(s.edge >= 0)
    point, edge, gap, offset = ok, s.edge[ok], s.gap[ok], s.offset[ok]
    if s.tied is not None and len(s.tied[0]):
        tp, t = s.tied
        keep = t.edge >= 0
        point, edge = np.r_[point, tp[keep]], np.r_[edge, t.edge[keep]]
        gap, offset = np.r_[gap, t.gap[keep]], np.r_[offset, t.offset[keep]]
    return point, edge, gap, offset


def _shorter_of_ties(g, node_dist, node_source, fs, fac_components, s):
    """`_from_snap`, each point taking the shorter walk where another street is as near as the
    one it joins (Snap.tied): nearest facility first, then the lower facility number, so a
    part of the network answers as the whole does."""
    dist, source, reachable = _from_snap(g, node_dist, node_source, fs, fac_components, s)
    if s.tied is None or not len(s.tied[0]):
        return dist, source, reachable
    point, alt = s.tied
    d2, src2, r2 = _from_snap(g, node_dist, node_source, fs, fac_components, alt)
    cand_point = np.r_[np.arange(len(dist)), point]
    cand_dist, cand_source = np.r_[dist, d2], np.r_[source, src2]
    cand_reach = np.r_[reachable, r2]
    order = np.lexsort((np.where(cand_source >= 0, cand_source, np.iinfo(np.int64).max),
                        cand_dist, cand_point))
    first = order[np.r_[True, cand_point[order][1:] != cand_point[order][:-1]]]
    return cand_dist[first], cand_source[first], cand_reach[first]


def _from_snap(g, node_dist, node_source, fs, fac_components, s):
    """Distance, nearest facility and reachability of points joined to `g` at `s`, from the
    facilities' distances at the nodes and their own joins `fs` (edges in `g`'s numbering)."""
    k = len(s.edge)
    length = g.length[s.edge]
    via_u = s.gap + s.offset + node_dist[g.u[s.edge]]
    via_v = s.gap + (length - s.offset) + node_dist[g.v[s.edge]]
    dist = np.minimum(via_u, via_v)
    source = np.where(via_u <= via_v, node_source[g.u[s.edge]], node_source[g.v[s.edge]])
    # A facility on the same edge: the direct way along it may be shorter.
    pts = pd.DataFrame({"edge": s.edge, "offset": s.offset, "gap": s.gap,
                        "point": np.arange(k)})
    facility, f_edge, f_gap, f_offset = _joins(fs)
    facs = pd.DataFrame({"edge": f_edge, "f_offset": f_offset, "f_gap": f_gap,
                         "facility": facility})
    same = pts.merge(facs, on="edge")
    if len(same):
        same["d"] = same["gap"] + same["f_gap"] + (same["offset"] - same["f_offset"]).abs()
        best = same.sort_values(["point", "d"]).drop_duplicates("point")
        p = best["point"].to_numpy()
        better = best["d"].to_numpy() < dist[p]
        dist[p[better]] = best["d"].to_numpy()[better]
        source[p[better]] = best["facility"].to_numpy()[better]
    dist = np.where(source >= 0, dist, np.inf)
    reachable = np.isin(g.component[g.u[s.edge]], fac_components)
    return dist, source, reachable


class NetworkWindow:
    """The part of a Network that measures the points inside a box, to the same answer.

    Distances along the streets come from the facilities' shortest-path tree, already solved
    on the whole network: a node's distance is kept whatever part of the network is taken, so a
    path that leaves the box is still counted. What the part must get right is where a point
    joins the streets: its nearest street, and the main network's nearest for the joining
    rule. Both lie within the point's gap + JOIN_SLACK_M; every street within `margin_m` of
    the box is kept, so any point with a gap up to `margin_m` − JOIN_SLACK_M joins exactly
    where the whole network joins it. `measure` reports the others as unresolved, and the
    caller measures them with the whole network. A worker then holds streets in proportion to
    its partition, never the whole city's."""

    name = "network"

    def __init__(self, network: Network, bounds, margin_m: float):
        g = network.graph
        minx, miny, maxx, maxy = bounds
        box = shapely.box(minx - margin_m, miny - margin_m, maxx + margin_m, maxy + margin_m)
        edge_ids = np.flatnonzero(shapely.intersects(g.edges, box))
        self.graph, nodes = _graph.subgraph(g, edge_ids)
        self.node_dist = network.node_dist[nodes]
        self.node_source = network.node_source[nodes]
        self.margin_m = margin_m
        self.limit_m = network.limit_m
        self.n_facilities = network.n_facilities
        self.notes: dict = {}
        fs = network.fac_snap
        self._usable = fs is not None and bool((fs.edge >= 0).any())
        if self._usable:
            # The facilities' edges in the part's numbering (-1: not in the part, so no
            # point of the part can share it).
            local = np.full(len(g.edges), -1)
            local[edge_ids] = np.arange(len(edge_ids))
            tied = None
            if fs.tied is not None:
                tp, t = fs.tied
                tied = (tp, _graph.Snap(edge=np.where(t.edge >= 0, local[t.edge], -1),
                                        offset=t.offset, gap=t.gap))
            self.fac_snap = _graph.Snap(edge=np.where(fs.edge >= 0, local[fs.edge], -1),
                                        offset=fs.offset, gap=fs.gap, tied=tied)
            self._fac_components = network._fac_components()

    def measure(self, xy: np.ndarray):
        """(distance, facility, reachable, resolved) for each point."""
        k = len(xy)
        if k == 0 or not self._usable or not len(self.graph.joinable_edges):
            # No facility anywhere: nothing to find, here or on the whole network. No street
            # in the part: the whole network decides.
            return (np.full(k, np.inf), np.full(k, -1), np.zeros(k, dtype=bool),
                    np.full(k, not self._usable))
        s = _graph.snap_points(self.graph, xy)
        resolved = (s.edge >= 0) & (s.gap + _graph.JOIN_SLACK_M <= self.margin_m)
        self.notes.update(_connector_notes("household", s.gap[resolved]))
        dist, source, reachable = _shorter_of_ties(self.graph, self.node_dist,
                                                   self.node_source, self.fac_snap,
                                                   self._fac_components, s)
        return dist, source, reachable, resolved


def streets_within_reach(streets: gpd.GeoDataFrame, extent, limit_m: float):
    """The streets a traced path can use, and how many lines were set aside.

    A path that is counted is at most `limit_m` long, so it never leaves the plan's extent
    grown by `limit_m`; a street line that does not reach into that box cannot lie on one.
    Whole lines are kept (never cut), so every crossing inside the box is noded as before and
    every counted distance is the one the whole network gives. What changes is only what the
    joining rule calls the main network: the largest piece within reach, so a piece joined to
    the rest only by a detour longer than the limit counts as cut off, which for walking it
    is. A city's network is then built once per plan, not once per city (Wuhan: 92,667 lines
    for a 8 km district, of which a third are within reach)."""
    margin = limit_m + _graph.JOIN_SLACK_M + _graph.LONG_CONNECTOR_M
    minx, miny, maxx, maxy = extent
    box = shapely.box(minx - margin, miny - margin, maxx + margin, maxy + margin)
    keep = shapely.intersects(streets.geometry.to_numpy(), box)
    if keep.all():
        return streets, 0
    return streets[keep], int((~keep).sum())


def _connector_notes(what: str, gap: np.ndarray) -> dict:
    """How far points had to walk to reach a street, for the method section."""
    finite = gap[np.isfinite(gap)]
    long_ = finite > _graph.LONG_CONNECTOR_M
    return {f"{what}_connectors_over_{_graph.LONG_CONNECTOR_M:.0f}_m": int(long_.sum()),
            f"{what}_longest_connector_m": round(float(finite.max()), 1) if len(finite) else 0.0}
