"""A walkable street graph from line geometries: every vertex a node, every segment an edge.

Streets meet where their lines share a vertex, as OSM ways share nodes (whether at a way's end
or in its middle); lines that cross without a shared vertex are kept apart (bridges, tunnels).
Vertices closer than SNAP_M are merged, which absorbs the rounding of exported coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components

SNAP_M = 0.01


@dataclass(frozen=True)
class StreetGraph:
    edges: np.ndarray        # LineString per edge
    u: np.ndarray            # start node of each edge
    v: np.ndarray            # end node of each edge
    length: np.ndarray       # metres
    nodes_xy: np.ndarray     # (n, 2)
    component: np.ndarray    # connected component of each node
    tree: shapely.STRtree    # of the edges, for snapping
    # The adjacency's entries, parallel edges reduced to the shortest, both directions.
    _rows: np.ndarray
    _cols: np.ndarray
    _weights: np.ndarray
    n_lines: int = 0         # street lines before splitting into segments

    @property
    def n_nodes(self) -> int:
        return len(self.nodes_xy)

    def matrix(self, extra_u=(), extra_v=(), extra_w=(), n_extra: int = 0) -> csr_matrix:
        """Symmetric weighted adjacency, optionally with extra nodes and edges appended.

        The extra edges join new nodes only, so they never duplicate a street edge."""
        n = self.n_nodes + n_extra
        eu, ev = np.asarray(extra_u, dtype=int), np.asarray(extra_v, dtype=int)
        # csgraph reads an explicit 0 as "no edge": coincident points get a tiny weight.
        ew = np.maximum(np.asarray(extra_w, dtype=float), 1e-9)
        rows = np.concatenate([self._rows, eu, ev])
        cols = np.concatenate([self._cols, ev, eu])
        weights = np.concatenate([self._weights, ew, ew])
        return csr_matrix((weights, (rows, cols)), shape=(n, n))


def _adjacency_entries(u, v, w):
    """Parallel edges keep the shortest (coo → csr would add their lengths)."""
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], np.maximum(w[order], 1e-9)
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])] if len(a) else np.zeros(0, bool)
    a, b, w = a[keep], b[keep], w[keep]
    return np.r_[a, b], np.r_[b, a], np.r_[w, w]


def build(streets: gpd.GeoDataFrame) -> StreetGraph:
    lines = shapely.get_parts(streets.geometry.to_numpy())
    lines = lines[(shapely.get_type_id(lines) == 1) & ~shapely.is_empty(lines)]
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    same_line = owner[1:] == owner[:-1]
    starts, ends = coords[:-1][same_line], coords[1:][same_line]
    length = np.hypot(*(ends - starts).T)
    keep = length > 0
    starts, ends, length = starts[keep], ends[keep], length[keep]
    segments = shapely.linestrings(np.stack([starts, ends], axis=1))
    keys = np.round(np.vstack([starts, ends]) / SNAP_M).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    nodes_xy = np.vstack([starts, ends])[first]
    n_seg = len(segments)
    u, v = inverse[:n_seg], inverse[n_seg:]
    n = len(nodes_xy)
    adjacency = coo_matrix((np.ones(n_seg), (u, v)), shape=(n, n))
    _, component = connected_components(adjacency, directed=False)
    rows, cols, weights = _adjacency_entries(u, v, length)
    return StreetGraph(edges=segments, u=u, v=v, length=length, nodes_xy=nodes_xy,
                       component=component, tree=shapely.STRtree(segments), _rows=rows,
                       _cols=cols, _weights=weights, n_lines=int(len(lines)))


@dataclass(frozen=True)
class Snap:
    """Where points join the network: the nearest point of the nearest edge."""

    edge: np.ndarray       # edge index
    offset: np.ndarray     # metres from the edge's start (u) along it
    gap: np.ndarray        # straight metres from the point to the edge


# Most homes stand within this of a street; a bounded search first is several times faster.
_NEAR_M = 250.0


def snap(graph: StreetGraph, xy: np.ndarray) -> Snap:
    pts = shapely.points(xy)
    edge = np.full(len(pts), -1)
    gap = np.full(len(pts), np.inf)
    (src, dst), dist = graph.tree.query_nearest(pts, max_distance=_NEAR_M,
                                                return_distance=True, all_matches=False)
    edge[src], gap[src] = dst, dist
    far = np.flatnonzero(edge < 0)
    if len(far):
        (src, dst), dist = graph.tree.query_nearest(pts[far], return_distance=True,
                                                    all_matches=False)
        edge[far[src]], gap[far[src]] = dst, dist
    offset = shapely.line_locate_point(graph.edges[edge], pts)
    return Snap(edge=edge, offset=offset, gap=gap)
