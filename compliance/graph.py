"""A walkable street graph from line geometries, as planners and OpenStreetMap draw them.

Streets meet where their lines share a vertex (OSM ways), and also where they cross or touch
without one (CAD centre-lines drawn as long crossing lines, T-junctions ending on another
line's interior): the lines are noded with shapely at every intersection. Lines marked
`connect: false` (bridges, tunnels, elevated or underground ways) are walked but not noded
with what they cross, and nothing joins them but their own ends.

Near-misses are closed within a true distance, NODE_TOLERANCE_M: two ends closer than that
are joined by an edge of their true length, and an end that stops that close to another
street's side is joined to it the same way.

Where households and facilities join the network (the joining rule): each point joins the
nearest street edge it may join; but when that edge lies in a small piece of network cut off
from the main one (a flight of steps, an isolated footbridge, a compound road drawn
unconnected) and an edge of the main network lies at most JOIN_SLACK_M farther, it joins the
main network instead. The main network is the largest connected piece by length. Connectors
longer than LONG_CONNECTOR_M and the small pieces are reported in the method section.

A point or a facility as near one street as another, within TIE_M (a block's corner between
two streets of one width, as CAD draws them), may join either: a household's walk is the
shorter of the two, and a facility joins both (Snap.tied). The street taken is then never
decided by the order the lines were drawn in, nor by the rounding of a reprojection (2,025
parcels of a drawing, its street lines drawn in reverse order: 717 farthest walks changed,
by up to 47.5 m).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from ._arrays import unique_rows

NODE_TOLERANCE_M = 0.5
JOIN_SLACK_M = 50.0
TIE_M = 0.01
LONG_CONNECTOR_M = 100.0
# csgraph reads an explicit 0 as "no edge": coincident points get a tiny weight.
_MIN_WEIGHT = 1e-9
# Coordinates equal to this are one vertex (the noise of noding and reprojection).
_SAME_POINT_M = 1e-6


@dataclass(frozen=True)
class StreetGraph:
    edges: np.ndarray        # LineString per edge (one straight segment each)
    u: np.ndarray            # start node of each edge
    v: np.ndarray            # end node of each edge
    length: np.ndarray       # metres
    joinable: np.ndarray     # per edge: households and facilities may join here
    nodes_xy: np.ndarray     # (n, 2)
    component: np.ndarray    # connected component of each node
    main: int                # the largest component by length
    joinable_edges: np.ndarray
    main_edges: np.ndarray
    # The adjacency's entries, parallel edges reduced to the shortest, both directions.
    _rows: np.ndarray
    _cols: np.ndarray
    _weights: np.ndarray
    n_lines: int = 0         # street lines as given
    pieces_after_noding: int = 0  # street pieces once noded at every crossing
    gaps_closed: int = 0      # near-misses within the tolerance joined

    @cached_property
    def joinable_index(self) -> "_SegmentIndex":
        return _SegmentIndex(self.edges, self.joinable_edges)

    @cached_property
    def main_index(self) -> "_SegmentIndex":
        return _SegmentIndex(self.edges, self.main_edges)

    @property
    def n_nodes(self) -> int:
        return len(self.nodes_xy)

    def matrix(self, extra_u=(), extra_v=(), extra_w=(), n_extra: int = 0) -> csr_matrix:
        """Symmetric weighted adjacency, optionally with extra nodes and edges appended.

        The extra edges join new nodes only, so they never duplicate a street edge; two
        joining one pair of nodes (a facility joined to two streets that meet at a node) are
        reduced to the shorter, as the matrix would add them up."""
        n = self.n_nodes + n_extra
        eu, ev = np.asarray(extra_u, dtype=int), np.asarray(extra_v, dtype=int)
        ew = np.maximum(np.asarray(extra_w, dtype=float), _MIN_WEIGHT)
        if len(eu):
            order = np.lexsort((ew, ev, eu))
            eu, ev, ew = eu[order], ev[order], ew[order]
            first = np.r_[True, (eu[1:] != eu[:-1]) | (ev[1:] != ev[:-1])]
            eu, ev, ew = eu[first], ev[first], ew[first]
        rows = np.concatenate([self._rows, eu, ev])
        cols = np.concatenate([self._cols, ev, eu])
        weights = np.concatenate([self._weights, ew, ew])
        return csr_matrix((weights, (rows, cols)), shape=(n, n))

    def pieces(self) -> dict:
        """The network's connected pieces, for the method section: how many, and how much of
        the network lies outside the main one."""
        comp_of_edge = self.component[self.u]
        by_comp = np.bincount(comp_of_edge, weights=self.length,
                              minlength=self.component.max() + 1 if len(self.u) else 0)
        small = np.delete(by_comp, self.main) if len(by_comp) else by_comp
        return {"street_components": int(len(by_comp)),
                "main_network_m": round(float(by_comp[self.main]), 1) if len(by_comp) else 0.0,
                "small_pieces": int((small > 0).sum()),
                "small_pieces_m": round(float(small.sum()), 1),
                "largest_small_piece_m": round(float(small.max()), 1) if len(small) else 0.0}


def _adjacency_entries(u, v, w):
    """Parallel edges keep the shortest (coo → csr would add their lengths)."""
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], np.maximum(w[order], _MIN_WEIGHT)
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])] if len(a) else np.zeros(0, bool)
    a, b, w = a[keep], b[keep], w[keep]
    return np.r_[a, b], np.r_[b, a], np.r_[w, w]


def _near_miss_connectors(lines: np.ndarray, tolerance: float) -> np.ndarray:
    """Short lines that close the gap where a street ends within `tolerance` of another
    street's side without touching it, each reaching 1 mm past that side so that noding
    splits the street there."""
    if not len(lines) or tolerance <= 0:
        return np.zeros(0, dtype=object)
    ends = np.concatenate([shapely.get_point(lines, 0), shapely.get_point(lines, -1)])
    owner = np.r_[np.arange(len(lines)), np.arange(len(lines))]
    tree = shapely.STRtree(lines)
    src, dst = tree.query(ends, predicate="dwithin", distance=tolerance)
    keep = owner[src] != dst
    src, dst = src[keep], dst[keep]
    if not len(src):
        return np.zeros(0, dtype=object)
    gap = shapely.distance(ends[src], lines[dst])
    # Ends that already touch another line are noded anyway.
    open_ = gap > _SAME_POINT_M
    src, dst, gap = src[open_], dst[open_], gap[open_]
    if not len(src):
        return np.zeros(0, dtype=object)
    target = shapely.get_coordinates(shapely.shortest_line(ends[src], lines[dst]))[1::2]
    start = shapely.get_coordinates(ends[src])
    direction = (target - start) / gap[:, None]
    return shapely.linestrings(np.stack([start, target + direction * 1e-3], axis=1))


# The grid streets are snapped to where GEOS cannot node them as given (a millimetre: far
# below what any drawing or survey holds).
_NODING_GRID_M = 1e-3


def _noded(lines: np.ndarray) -> np.ndarray:
    """The lines cut at every crossing. GEOS's noding in floating point can fail to converge
    on nearly coincident segments (a network reprojected from one transverse Mercator to
    another: "Iterated noding failed to converge"); snap-rounded to a millimetre grid it
    cannot, and no figure moves by more than the grid."""
    try:
        return shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    except shapely.errors.GEOSException:
        snapped = shapely.union_all(lines, grid_size=_NODING_GRID_M)
        return shapely.get_parts(snapped)


def build(streets: gpd.GeoDataFrame, tolerance_m: float = NODE_TOLERANCE_M) -> StreetGraph:
    geoms = streets.geometry.to_numpy()
    connect = streets["connect"].to_numpy(dtype=bool) if "connect" in streets \
        else np.ones(len(geoms), dtype=bool)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    is_line = (shapely.get_type_id(parts) == 1) & ~shapely.is_empty(parts)
    parts, joined = parts[is_line], connect[owner[is_line]]
    n_lines = int(len(parts))

    joined_lines = parts[joined]
    connectors = _near_miss_connectors(joined_lines, tolerance_m)
    noded = np.zeros(0, dtype=object)
    if len(joined_lines):
        noded = _noded(np.concatenate([joined_lines, connectors]))
    apart = parts[~joined]
    pieces = np.concatenate([noded, apart])
    piece_joined = np.r_[np.ones(len(noded), bool), np.zeros(len(apart), bool)]

    coords, line_of = shapely.get_coordinates(pieces, return_index=True)
    same_line = line_of[1:] == line_of[:-1]
    starts, ends = coords[:-1][same_line], coords[1:][same_line]
    seg_line = line_of[:-1][same_line]
    length = np.hypot(*(ends - starts).T)
    keep = length > 0
    starts, ends, length, seg_line = starts[keep], ends[keep], length[keep], seg_line[keep]
    joinable = piece_joined[seg_line]

    # Nodes: identical points first; then ends closer than the tolerance become one node.
    # The inner vertices of `connect: false` lines never merge with anything.
    points = np.vstack([starts, ends])
    n_seg = len(starts)
    line_starts = np.r_[True, seg_line[1:] != seg_line[:-1]] if n_seg else np.zeros(0, bool)
    line_ends = np.r_[seg_line[1:] != seg_line[:-1], True] if n_seg else np.zeros(0, bool)
    is_end = np.r_[line_starts, line_ends]
    private = ~np.r_[joinable, joinable] & ~is_end
    keys = np.round(points / _SAME_POINT_M).astype(np.int64)
    keys = np.column_stack([keys, np.where(private, np.arange(len(points)), -1)])
    _, first, inverse = unique_rows(keys)
    nodes_xy = points[first]
    mergeable = np.zeros(len(nodes_xy), dtype=bool)
    mergeable[inverse[~private]] = True
    u, v = inverse[:n_seg], inverse[n_seg:]
    # Near-miss ends are joined by a short edge of their true length, so no metre is lost.
    gaps_closed = 0
    if tolerance_m > 0 and mergeable.sum() > 1:
        candidates = np.flatnonzero(mergeable)
        pairs = cKDTree(nodes_xy[candidates]).query_pairs(tolerance_m, output_type="ndarray")
        if len(pairs):
            a, b = candidates[pairs[:, 0]], candidates[pairs[:, 1]]
            gaps_closed = int(len(a))
            u, v = np.r_[u, a], np.r_[v, b]
            starts, ends = np.vstack([starts, nodes_xy[a]]), np.vstack([ends, nodes_xy[b]])
            length = np.r_[length, np.hypot(*(nodes_xy[b] - nodes_xy[a]).T)]
            joinable = np.r_[joinable, np.ones(len(a), dtype=bool)]
            n_seg = len(u)
    loops = u == v
    if loops.any():  # a segment shorter than the tolerance, merged into one node
        u, v, starts, ends, length, joinable = (x[~loops] for x in
                                               (u, v, starts, ends, length, joinable))
        n_seg = len(u)
    segments = shapely.linestrings(np.stack([starts, ends], axis=1)) if n_seg \
        else np.zeros(0, dtype=object)
    n = len(nodes_xy)
    adjacency = coo_matrix((np.ones(n_seg), (u, v)), shape=(n, n))
    _, component = connected_components(adjacency, directed=False)
    by_comp = np.bincount(component[u], weights=length, minlength=component.max() + 1) \
        if n_seg else np.zeros(1)
    main = int(np.argmax(by_comp))
    joinable_edges = np.flatnonzero(joinable)
    main_edges = joinable_edges[component[u[joinable_edges]] == main]
    rows, cols, weights = _adjacency_entries(u, v, length)
    return StreetGraph(edges=segments, u=u, v=v, length=length, joinable=joinable,
                       nodes_xy=nodes_xy, component=component, main=main,
                       joinable_edges=joinable_edges, main_edges=main_edges,
                       _rows=rows, _cols=cols, _weights=weights, n_lines=n_lines,
                       pieces_after_noding=int(len(pieces)), gaps_closed=gaps_closed + len(connectors))


def subgraph(graph: StreetGraph, edge_ids: np.ndarray) -> tuple[StreetGraph, np.ndarray]:
    """The graph of the given edges alone, with its own node numbers, and the original number
    of each of its nodes. Components keep their labels (and `main` its own): which piece an
    edge belongs to is a fact of the whole network, not of the part taken."""
    edge_ids = np.asarray(edge_ids, dtype=int)
    u, v = graph.u[edge_ids], graph.v[edge_ids]
    nodes, local = np.unique(np.r_[u, v], return_inverse=True)
    lu, lv = local[:len(edge_ids)], local[len(edge_ids):]
    joinable = graph.joinable[edge_ids]
    component = graph.component[nodes]
    joinable_edges = np.flatnonzero(joinable)
    main_edges = joinable_edges[component[lu[joinable_edges]] == graph.main]
    edges = graph.edges[edge_ids]
    rows, cols, weights = _adjacency_entries(lu, lv, graph.length[edge_ids])
    part = StreetGraph(edges=edges, u=lu, v=lv, length=graph.length[edge_ids],
                       joinable=joinable, nodes_xy=graph.nodes_xy[nodes], component=component,
                       main=graph.main, joinable_edges=joinable_edges, main_edges=main_edges,
                       _rows=rows, _cols=cols, _weights=weights, n_lines=graph.n_lines,
                       pieces_after_noding=graph.pieces_after_noding,
                       gaps_closed=graph.gaps_closed)
    return part, nodes


@dataclass(frozen=True)
class Snap:
    """Where points join the network: the nearest point of the edge the joining rule picks."""

    edge: np.ndarray       # edge index
    offset: np.ndarray     # metres from the edge's start (u) along it
    gap: np.ndarray        # straight metres from the point to the edge (the connector)
    # Other edges as near as the one picked (within TIE_M), each with the point that may
    # join it: (points, Snap of those edges); None where ties were not looked for.
    tied: "tuple[np.ndarray, Snap] | None" = None


@dataclass(frozen=True)
class _Ties:
    """Candidate joins as near as a point's nearest: point, edge, gap, offset, one each."""

    point: np.ndarray
    edge: np.ndarray
    gap: np.ndarray
    offset: np.ndarray

    @classmethod
    def none(cls) -> "_Ties":
        return cls(np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros(0), np.zeros(0))

    @classmethod
    def concat(cls, parts: list["_Ties"]) -> "_Ties":
        if not parts:
            return cls.none()
        return cls(*(np.concatenate([getattr(t, f) for t in parts])
                     for f in ("point", "edge", "gap", "offset")))

    def take(self, mask: np.ndarray) -> "_Ties":
        return _Ties(self.point[mask], self.edge[mask], self.gap[mask], self.offset[mask])


class _SegmentIndex:
    """The exact nearest of a set of straight edges to each of many points, vectorised.

    Each edge is cut into pieces of at most PIECE_M; a k-d tree holds the pieces' midpoints.
    For a point, the k nearest midpoints name candidate edges, whose exact distances give the
    best so far, d. A piece not among them lies at least as far as the k-th midpoint, less
    half a piece; when that bound is ≥ d no edge can be nearer, and otherwise the point is
    asked again with 4k. Equally near edges go to the lowest edge number, so a part of the
    network (a NetworkWindow) joins a point where the whole network joins it."""

    PIECE_M = 20.0
    FIRST_K = 8
    # Points asked at once: bounds the (points × k) arrays of a million-building district.
    CHUNK = 100_000

    def __init__(self, edges: np.ndarray, ids: np.ndarray):
        xy = shapely.get_coordinates(edges[ids]).reshape(-1, 2, 2)
        self.ids = ids
        self.ax, self.ay = xy[:, 0, 0].copy(), xy[:, 0, 1].copy()
        self.dx, self.dy = xy[:, 1, 0] - self.ax, xy[:, 1, 1] - self.ay
        self.l2 = self.dx * self.dx + self.dy * self.dy
        self.length = np.sqrt(self.l2)
        n = np.maximum(np.ceil(self.length / self.PIECE_M), 1).astype(np.int64)
        self.piece_edge = np.repeat(np.arange(len(ids)), n)
        first = np.repeat(np.cumsum(n) - n, n)
        s = self.piece_edge
        along = (np.arange(len(s)) - first + 0.5) / n[s]
        self.half_piece = float((self.length / n).max() / 2) if len(ids) else 0.0
        self.tree = cKDTree(np.column_stack([self.ax[s] + along * self.dx[s],
                                             self.ay[s] + along * self.dy[s]]))

    def __len__(self) -> int:
        return len(self.ids)

    def _exact(self, px, py, local):
        """Distance from points to edges, and the edges' fraction (0–1) where it is reached."""
        dx, dy, l2 = self.dx[local], self.dy[local], self.l2[local]
        rx, ry = px - self.ax[local], py - self.ay[local]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(l2 > 0, np.clip((rx * dx + ry * dy) / l2, 0.0, 1.0), 0.0)
        ex, ey = rx - t * dx, ry - t * dy
        return np.sqrt(ex * ex + ey * ey), t

    def nearest(self, xy: np.ndarray, ties: bool = False):
        """(edge, distance, offset along the edge from its start) of each point's nearest;
        with `ties`, also the other edges within TIE_M as near (_Ties)."""
        n = len(xy)
        edge, gap, offset = np.full(n, -1), np.full(n, np.inf), np.zeros(n)
        tied = []
        if len(self) and n:
            for lo in range(0, n, self.CHUNK):
                part = slice(lo, min(lo + self.CHUNK, n))
                edge[part], gap[part], offset[part], found = self._nearest(xy[part], ties)
                tied.append(replace(found, point=found.point + lo))
        return (edge, gap, offset, _Ties.concat(tied)) if ties else (edge, gap, offset)

    def _nearest(self, xy, ties: bool):
        n = len(xy)
        best, gap, frac = np.zeros(n, dtype=int), np.full(n, np.inf), np.zeros(n)
        tied = []
        # Looking for ties, a point is asked again until no piece left out can be within TIE_M.
        margin = TIE_M if ties else 0.0
        todo, k = np.arange(n), self.FIRST_K
        while len(todo):
            k = min(k, len(self.piece_edge))
            p = xy[todo]
            reach, piece = self.tree.query(p, k=k, workers=-1)
            reach, piece = reach.reshape(len(p), k), piece.reshape(len(p), k)
            local = self.piece_edge[piece]
            d, t = self._exact(p[:, :1], p[:, 1:], local)
            lowest = np.where(d == d.min(axis=1, keepdims=True), local, len(self)).argmin(axis=1)
            rows = np.arange(len(p))
            best[todo], gap[todo], frac[todo] = local[rows, lowest], d[rows, lowest], \
                t[rows, lowest]
            more = np.zeros(len(p), dtype=bool) if k == len(self.piece_edge) else \
                reach[:, -1] - self.half_piece < gap[todo] + margin
            if ties:  # the points answered in this round: their other edges as near
                near = (d <= gap[todo][:, None] + TIE_M) & (local != best[todo][:, None]) \
                    & ~more[:, None]
                r, c = np.nonzero(near)
                tied.append(_Ties(todo[r], local[r, c], d[r, c], t[r, c]))
            todo = todo[more]
            k *= 4
        found = _Ties.concat(tied)
        if len(found.point):  # an edge's several pieces among the candidates: once
            _, first = np.unique(np.column_stack([found.point, found.edge]), axis=0,
                                 return_index=True)
            found = found.take(np.sort(first))
        found = _Ties(found.point, self.ids[found.edge], found.gap,
                      found.offset * self.length[found.edge])
        return self.ids[best], gap, frac * self.length[best], found


def _nearest_shapes(edges, edges_index, geoms):
    edge = np.full(len(geoms), -1)
    gap = np.full(len(geoms), np.inf)
    if len(geoms) and len(edges_index):
        tree = shapely.STRtree(edges[edges_index])
        (src, dst), dist = tree.query_nearest(geoms, return_distance=True, all_matches=False)
        edge[src], gap[src] = edges_index[dst], dist
    return edge, gap


def _off_main(graph: StreetGraph, edge: np.ndarray) -> np.ndarray:
    """Joined to a small piece cut off from the main network: the joining rule looks again."""
    off = (edge >= 0) & (graph.component[graph.u[np.maximum(edge, 0)]] != graph.main)
    return np.flatnonzero(off) if len(graph.main_edges) else np.zeros(0, dtype=int)


def _snap_points(graph: StreetGraph, xy: np.ndarray):
    edge, gap, offset, tied = graph.joinable_index.nearest(xy, ties=True)
    idx = _off_main(graph, edge)
    if len(idx):
        e2, g2, o2, tied2 = graph.main_index.nearest(xy[idx], ties=True)
        better = g2 <= gap[idx] + JOIN_SLACK_M
        edge[idx[better]], gap[idx[better]], offset[idx[better]] = \
            e2[better], g2[better], o2[better]
        # A point that joins the main network instead: its ties are the main network's.
        moved = tied2.take(better[tied2.point])
        tied = _Ties.concat([tied.take(~np.isin(tied.point, idx[better])),
                             replace(moved, point=idx[moved.point])])
    return edge, gap, offset, tied


def _snap_shapes(graph: StreetGraph, geoms: np.ndarray):
    """Polygons (and lines) join from their nearest boundary point."""
    edge, gap = _nearest_shapes(graph.edges, graph.joinable_edges, geoms)
    idx = _off_main(graph, edge)
    if len(idx):
        e2, g2 = _nearest_shapes(graph.edges, graph.main_edges, geoms[idx])
        better = g2 <= gap[idx] + JOIN_SLACK_M
        edge[idx[better]], gap[idx[better]] = e2[better], g2[better]
    ok = edge >= 0
    offset = np.zeros(len(geoms))
    if ok.any():
        offset[ok] = _offsets(graph, geoms[ok], edge[ok], gap[ok])
    return edge, gap, offset, _shape_ties(graph, geoms, edge, gap)


def _offsets(graph: StreetGraph, geoms: np.ndarray, edge: np.ndarray, gap: np.ndarray):
    """Where shapes join their edges, as metres along each edge from its start."""
    # The point of the geometry nearest the edge, then its place along the edge.
    lines = shapely.shortest_line(geoms, graph.edges[edge])
    on_edge = shapely.get_point(lines, 1)
    # A polygon whose side runs along the street is nearest along the whole side: it
    # joins where its centre faces the street, the middle of that side, not a corner.
    polygonal = shapely.get_type_id(geoms) >= 3
    if polygonal.any():
        lines_p = graph.edges[edge[polygonal]]
        facing = shapely.line_interpolate_point(
            lines_p, shapely.line_locate_point(lines_p, shapely.centroid(geoms[polygonal])))
        face_gap = shapely.distance(geoms[polygonal], facing)
        even = face_gap <= gap[polygonal] + 1e-6
        on_edge[polygonal] = np.where(even, facing, on_edge[polygonal])
    return shapely.line_locate_point(graph.edges[edge], on_edge)


def _shape_ties(graph: StreetGraph, geoms: np.ndarray, edge: np.ndarray,
                gap: np.ndarray) -> _Ties:
    """The other edges a shape may join as near as its own (within TIE_M), of the network
    its own lies in (main, or the small pieces it may join)."""
    ok = np.flatnonzero(edge >= 0)
    if not len(ok):
        return _Ties.none()
    on_main = graph.component[graph.u[edge[ok]]] == graph.main
    parts = []
    for among, which in ((graph.main_edges, on_main), (graph.joinable_edges, ~on_main)):
        idx = ok[which]
        if not len(idx) or not len(among):
            continue
        src, dst = shapely.STRtree(graph.edges[among]).query(
            geoms[idx], predicate="dwithin", distance=gap[idx] + TIE_M)
        point, cand = idx[src], among[dst]
        keep = cand != edge[point]
        point, cand = point[keep], cand[keep]
        d = shapely.distance(geoms[point], graph.edges[cand])
        near = np.abs(d - gap[point]) <= TIE_M
        point, cand, d = point[near], cand[near], d[near]
        if len(point):
            parts.append(_Ties(point, cand, d, _offsets(graph, geoms[point], cand, d)))
    return _Ties.concat(parts)


def snap(graph: StreetGraph, geoms: np.ndarray) -> Snap:
    """Join points (or polygons, from their nearest boundary point) to the network by the
    joining rule of this module's docstring, with the other edges each may join as near
    (Snap.tied)."""
    n = len(geoms)
    edge, gap, offset = np.full(n, -1), np.full(n, np.inf), np.zeros(n)
    ties = []
    is_point = (shapely.get_type_id(geoms) == 0) & ~shapely.is_empty(geoms)
    for pick, join in ((is_point, _snap_points), (~is_point, _snap_shapes)):
        idx = np.flatnonzero(pick)
        if len(idx):
            where = shapely.get_coordinates(geoms[idx]) if join is _snap_points else geoms[idx]
            edge[idx], gap[idx], offset[idx], tied = join(graph, where)
            ties.append(replace(tied, point=idx[tied.point]))
    tied = _Ties.concat(ties)
    return Snap(edge=edge, offset=offset, gap=gap,
                tied=(tied.point, Snap(edge=tied.edge, offset=tied.offset, gap=tied.gap)))


def snap_points(graph: StreetGraph, xy: np.ndarray) -> Snap:
    """`snap` for points given as coordinates, (n, 2): no geometry is made for them; with
    the other edges each point may join as near (Snap.tied), for the shorter walk."""
    edge, gap, offset, tied = _snap_points(graph, np.asarray(xy, dtype=float).reshape(-1, 2))
    return Snap(edge=edge, offset=offset, gap=gap,
                tied=(tied.point, Snap(edge=tied.edge, offset=tied.offset, gap=tied.gap)))
