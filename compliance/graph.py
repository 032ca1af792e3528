"""A walkable street graph from line geometries: nodes where lines end, edges with lengths.

Streets meet where their lines share an end point (as in OSM-derived networks such as OSMnx's);
lines that cross without a shared vertex are kept apart (bridges, tunnels). End points closer
than SNAP_M are merged, which absorbs the rounding of exported coordinates.
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

    @property
    def n_nodes(self) -> int:
        return len(self.nodes_xy)

    def matrix(self, extra_u=(), extra_v=(), extra_w=(), n_extra: int = 0) -> csr_matrix:
        """Symmetric weighted adjacency, optionally with extra nodes and edges appended."""
        n = self.n_nodes + n_extra
        u = np.concatenate([self.u, np.asarray(extra_u, dtype=int)])
        v = np.concatenate([self.v, np.asarray(extra_v, dtype=int)])
        # csgraph reads an explicit 0 as "no edge": coincident nodes get a tiny weight.
        w = np.maximum(np.concatenate([self.length, np.asarray(extra_w, dtype=float)]), 1e-9)
        return _min_duplicates(u, v, w, n)


def _min_duplicates(u, v, w, n) -> csr_matrix:
    """Parallel edges keep the shortest (coo → csr would add their lengths)."""
    a, b = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((w, b, a))
    a, b, w = a[order], b[order], w[order]
    keep = np.r_[True, (a[1:] != a[:-1]) | (b[1:] != b[:-1])]
    a, b, w = a[keep], b[keep], w[keep]
    return coo_matrix((np.r_[w, w], (np.r_[a, b], np.r_[b, a])), shape=(n, n)).tocsr()


def build(streets: gpd.GeoDataFrame) -> StreetGraph:
    lines = shapely.get_parts(streets.geometry.to_numpy())
    lines = lines[(shapely.get_type_id(lines) == 1) & ~shapely.is_empty(lines)]
    lines = lines[shapely.length(lines) > 0]
    starts = shapely.get_coordinates(shapely.get_point(lines, 0))
    ends = shapely.get_coordinates(shapely.get_point(lines, -1))
    keys = np.round(np.vstack([starts, ends]) / SNAP_M).astype(np.int64)
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    nodes_xy = np.vstack([starts, ends])[first]
    n_lines = len(lines)
    u, v = inverse[:n_lines], inverse[n_lines:]
    length = shapely.length(lines)
    n = len(nodes_xy)
    adjacency = coo_matrix((np.ones(n_lines), (u, v)), shape=(n, n))
    _, component = connected_components(adjacency, directed=False)
    return StreetGraph(edges=lines, u=u, v=v, length=length, nodes_xy=nodes_xy,
                       component=component)


@dataclass(frozen=True)
class Snap:
    """Where points join the network: the nearest point of the nearest edge."""

    edge: np.ndarray       # edge index
    offset: np.ndarray     # metres from the edge's start (u) along it
    gap: np.ndarray        # straight metres from the point to the edge


def snap(graph: StreetGraph, xy: np.ndarray, tree: shapely.STRtree | None = None) -> Snap:
    pts = shapely.points(xy)
    tree = tree or shapely.STRtree(graph.edges)
    (src, edge), gap = tree.query_nearest(pts, return_distance=True, all_matches=False)
    order = np.argsort(src)
    edge, gap = edge[order], gap[order]
    offset = shapely.line_locate_point(graph.edges[edge], pts)
    return Snap(edge=edge, offset=offset, gap=gap)
