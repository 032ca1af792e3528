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
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

NODE_TOLERANCE_M = 0.5
JOIN_SLACK_M = 50.0
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
    tree: shapely.STRtree    # of the joinable edges (indices into `joinable_edges`)
    joinable_edges: np.ndarray
    main_tree: shapely.STRtree
    main_edges: np.ndarray
    # The adjacency's entries, parallel edges reduced to the shortest, both directions.
    _rows: np.ndarray
    _cols: np.ndarray
    _weights: np.ndarray
    n_lines: int = 0         # street lines as given
    pieces_after_noding: int = 0  # street pieces once noded at every crossing
    gaps_closed: int = 0      # near-misses within the tolerance joined

    @property
    def n_nodes(self) -> int:
        return len(self.nodes_xy)

    def matrix(self, extra_u=(), extra_v=(), extra_w=(), n_extra: int = 0) -> csr_matrix:
        """Symmetric weighted adjacency, optionally with extra nodes and edges appended.

        The extra edges join new nodes only, so they never duplicate a street edge."""
        n = self.n_nodes + n_extra
        eu, ev = np.asarray(extra_u, dtype=int), np.asarray(extra_v, dtype=int)
        ew = np.maximum(np.asarray(extra_w, dtype=float), _MIN_WEIGHT)
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
        noded = shapely.get_parts(shapely.node(shapely.multilinestrings(
            np.concatenate([joined_lines, connectors]))))
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
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
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
                       tree=shapely.STRtree(segments[joinable_edges]),
                       joinable_edges=joinable_edges,
                       main_tree=shapely.STRtree(segments[main_edges]), main_edges=main_edges,
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
                       main=graph.main, tree=shapely.STRtree(edges[joinable_edges]),
                       joinable_edges=joinable_edges,
                       main_tree=shapely.STRtree(edges[main_edges]), main_edges=main_edges,
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


def _nearest(tree, edges_index, pts):
    edge = np.full(len(pts), -1)
    gap = np.full(len(pts), np.inf)
    if len(pts) and len(edges_index):
        (src, dst), dist = tree.query_nearest(pts, return_distance=True, all_matches=False)
        edge[src], gap[src] = edges_index[dst], dist
    return edge, gap


def snap(graph: StreetGraph, geoms: np.ndarray) -> Snap:
    """Join points (or polygons, from their nearest boundary point) to the network by the
    joining rule of this module's docstring."""
    edge, gap = _nearest(graph.tree, graph.joinable_edges, geoms)
    off_main = (edge >= 0) & (graph.component[graph.u[np.maximum(edge, 0)]] != graph.main)
    if off_main.any() and len(graph.main_edges):
        idx = np.flatnonzero(off_main)
        e2, g2 = _nearest(graph.main_tree, graph.main_edges, geoms[idx])
        better = g2 <= gap[idx] + JOIN_SLACK_M
        edge[idx[better]], gap[idx[better]] = e2[better], g2[better]
    ok = edge >= 0
    offset = np.zeros(len(geoms))
    if ok.any():
        # The point of the geometry nearest the edge, then its place along the edge.
        lines = shapely.shortest_line(geoms[ok], graph.edges[edge[ok]])
        on_edge = shapely.get_point(lines, 1)
        # A polygon whose side runs along the street is nearest along the whole side: it
        # joins where its centre faces the street, the middle of that side, not a corner.
        polygonal = shapely.get_type_id(geoms[ok]) >= 3
        if polygonal.any():
            idx = np.flatnonzero(ok)[polygonal]
            lines_p = graph.edges[edge[idx]]
            facing = shapely.line_interpolate_point(
                lines_p, shapely.line_locate_point(lines_p, shapely.centroid(geoms[idx])))
            face_gap = shapely.distance(geoms[idx], facing)
            even = face_gap <= gap[idx] + 1e-6
            on_edge[polygonal] = np.where(even, facing, on_edge[polygonal])
        offset[ok] = shapely.line_locate_point(graph.edges[edge[ok]], on_edge)
    return Snap(edge=edge, offset=offset, gap=gap)
