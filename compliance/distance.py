"""Distances from households to the nearest eldercare facility, for all parcels at once.

Where a parcel has buildings with households, the points are those buildings. Where it has
none, the points are the candidates where the farthest point of the parcel from every facility
can lie: the parcel's vertices, the vertices of the facilities' Voronoi cells inside it, and
the crossings of cell edges with its boundary. For point facilities and straight-line distance
that maximum is exact (distance to one point is convex on each cell, so it peaks at a corner of
cell ∩ parcel); the boundary is also densified so that network distances are sampled finely.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

# Boundary sampling step (m); keeps the network method's worst point within this of the truth.
BOUNDARY_STEP_M = 20.0


@dataclass(frozen=True)
class Coverage:
    """One row per household point (a building, or a sample of a parcel without buildings)."""

    method: str                  # "straight" or "network"
    parcel: np.ndarray           # parcel position of each point
    building: np.ndarray         # building position, or -1 for a parcel sample point
    xy: np.ndarray               # (n, 2) metric coordinates
    households: np.ndarray       # households at the point (0 for parcel samples)
    distance: np.ndarray         # to the nearest facility by `method`; inf where none is reachable
    straight: np.ndarray         # straight-line distance to the nearest facility in a straight line
    nearest: np.ndarray          # facility position, -1 where none is reachable
    reachable: np.ndarray | None = None  # a facility lies in the point's part of the network
    limit_m: float | None = None         # distances beyond this were not traced (network)
    notes: dict = field(default_factory=dict)


class DistanceMethod(Protocol):
    name: str

    def nearest(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance to, and position of, the nearest facility for each point."""


class StraightLine:
    name = "straight"

    def __init__(self, facilities: gpd.GeoDataFrame):
        self._geoms = facilities.geometry.to_numpy()
        self._tree = shapely.STRtree(self._geoms)

    def nearest(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = len(xy)
        if n == 0 or len(self._geoms) == 0:
            return np.full(n, np.inf), np.full(n, -1)
        (src, dst), dist = self._tree.query_nearest(shapely.points(xy), return_distance=True,
                                                    all_matches=False)
        out_d = np.full(n, np.inf)
        out_f = np.full(n, -1)
        out_d[src] = dist
        out_f[src] = dst
        return out_d, out_f


def straight_to_nearest(xy: np.ndarray, facilities: gpd.GeoDataFrame) -> np.ndarray:
    """Straight-line distance from each point to the nearest facility. Facilities that are all
    points are asked of a k-d tree (a district's households at once, 5× faster than GEOS)."""
    geoms = facilities.geometry.to_numpy()
    if len(xy) and len(geoms) and ((shapely.get_type_id(geoms) == 0)
                                   & ~shapely.is_empty(geoms)).all():
        from scipy.spatial import cKDTree  # here: a quick check never measures a network

        return cKDTree(shapely.get_coordinates(geoms)).query(xy, workers=-1)[0]
    return StraightLine(facilities).nearest(xy)[0]


def straight_distance(xy: np.ndarray, facilities: gpd.GeoDataFrame,
                      facility: np.ndarray) -> np.ndarray:
    """Straight-line distance from each point to a given facility (-1 gives inf)."""
    out = np.full(len(xy), np.inf)
    ok = facility >= 0
    if ok.any():
        geoms = facilities.geometry.to_numpy()[facility[ok]]
        out[ok] = shapely.distance(shapely.points(xy[ok]), geoms)
    return out


def household_points(parcels: gpd.GeoDataFrame, buildings: pd.DataFrame | None,
                     facilities: gpd.GeoDataFrame, step: float | None = None):
    """Points whose distance decides the radius rule: (parcel, building, xy, households)."""
    n = len(parcels)
    parts = []
    has_building = np.zeros(n, dtype=bool)
    if buildings is not None and len(buildings):
        b = buildings[(buildings["households"] > 0) & (buildings["parcel"] >= 0)
                      & buildings["x"].notna()]
        pts = b[["x", "y"]].to_numpy(dtype=float)
        parts.append((b["parcel"].to_numpy(), b.index.to_numpy(), pts,
                      b["households"].to_numpy(dtype=float)))
        has_building[np.unique(b["parcel"].to_numpy())] = True

    geoms = parcels.geometry.to_numpy()
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    need = np.flatnonzero(valid & ~has_building)
    if len(need):
        parcel, xy = _polygon_candidates(geoms[need], facilities, step or BOUNDARY_STEP_M)
        parts.append((need[parcel], np.full(len(parcel), -1), xy, np.zeros(len(parcel))))
    if not parts:
        return (np.zeros(0, dtype=int), np.zeros(0, dtype=int), np.zeros((0, 2)), np.zeros(0))
    parcel = np.concatenate([p[0] for p in parts]).astype(int)
    building = np.concatenate([p[1] for p in parts]).astype(int)
    xy = np.concatenate([p[2] for p in parts])
    households = np.concatenate([p[3] for p in parts])
    return parcel, building, xy, households


def _polygon_candidates(polygons: np.ndarray, facilities: gpd.GeoDataFrame, step: float):
    # Cut part by part, leaving out parts of no length: GEOS cannot cut a ring that has
    # collapsed to one repeated point (a vertex 1e-38° from another, once projected).
    rings, ring_owner = shapely.get_parts(shapely.boundary(polygons), return_index=True)
    some_length = shapely.length(rings) > 0
    rings, ring_owner = rings[some_length], ring_owner[some_length]
    xy, part = shapely.get_coordinates(shapely.segmentize(rings, step), return_index=True)
    owner = ring_owner[part]
    chunks = [(owner, xy)]
    fac_pts = shapely.get_coordinates(facilities.geometry.centroid.to_numpy()) \
        if len(facilities) else np.zeros((0, 2))
    fac_pts = np.unique(fac_pts, axis=0)
    if len(fac_pts) >= 2:
        env = shapely.envelope(shapely.union_all(polygons))
        cells = shapely.get_parts(shapely.voronoi_polygons(
            shapely.multipoints(fac_pts), extend_to=shapely.buffer(env, 1.0)))
        tree = shapely.STRtree(polygons)
        # Cell corners inside a parcel.
        corners = shapely.points(np.unique(shapely.get_coordinates(cells), axis=0))
        pi, ci = tree.query(corners, predicate="within")
        chunks.append((ci, shapely.get_coordinates(corners[pi])))
        # Cell edges crossing a parcel boundary.
        edges = shapely.boundary(cells)
        ei, pj = tree.query(edges, predicate="intersects")
        if len(ei):
            crossings = shapely.intersection(edges[ei], shapely.boundary(polygons[pj]))
            cxy, cidx = shapely.get_coordinates(crossings, return_index=True)
            chunks.append((pj[cidx], cxy))
    owner = np.concatenate([c[0] for c in chunks]).astype(int)
    xy = np.concatenate([c[1] for c in chunks])
    return owner, xy


def measure(parcels: gpd.GeoDataFrame, buildings: pd.DataFrame | None,
            facilities: gpd.GeoDataFrame, method: DistanceMethod, mapper=None) -> Coverage:
    """Every household point's distance to its nearest facility. `mapper` (cluster.PointMapper)
    measures the points in partitions on other processes or machines, with the same answer."""
    parcel, building, xy, households = household_points(parcels, buildings, facilities)
    if mapper is not None and len(xy):
        distance, nearest, reachable, point_notes = mapper(method, xy)
        if reachable is None:
            reachable = np.full(len(xy), len(facilities) > 0)
        if hasattr(method, "notes"):
            method.notes.update(point_notes)
    elif hasattr(method, "measure"):
        distance, nearest, reachable = method.measure(xy)
    else:
        distance, nearest = method.nearest(xy)
        reachable = np.full(len(xy), len(facilities) > 0)
    # The detour note compares the walk with the straight line to the nearest facility in a
    # straight line, which may be another facility than the nearest along the streets.
    straight = distance if method.name == "straight" else straight_to_nearest(xy, facilities)
    notes = dict(getattr(method, "notes", {}))
    if method.name == "network":
        notes["unreachable_points"] = int((~reachable).sum())
    return Coverage(method=method.name, parcel=parcel, building=building, xy=xy,
                    households=households, distance=distance, straight=straight,
                    nearest=nearest, reachable=reachable,
                    limit_m=getattr(method, "limit_m", None), notes=notes)
