"""Choosing the CRS to measure in, reading the CRS a user names, and telling a Gauss-Krüger
zone from the prefix of its eastings.

Distances and areas are measured in a local transverse Mercator projection centred on the plan
(scale factor 1 at its centre): conformal, and within 0.002 % of ground distance 30 km from
the centre. Never in Web Mercator's metres, whose scale at 40° N is 1.31. A plan in a city's
own grid (--crs local, LOCAL) is measured as drawn.

Whether coordinates are where they claim to be is validation: see `_validate`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj

from ._i18n import N_
from ._errors import PlanError, Problem

WGS84 = pyproj.CRS.from_epsg(4326)

# CGCS2000 Gauss-Krüger with the zone number in front of the easting (e.g. 38 500 000):
# 3-degree zones 25–45 are EPSG:4513–4533, 6-degree zones 13–23 are EPSG:4491–4501.
_GK3_ZONES = (25, 45, 4513)
_GK6_ZONES = (13, 23, 4491)


# A drawing in a city's own grid (城市独立坐标系) or a site's own coordinates: metres on a plane
# no EPSG code names and no published parameters place on the Earth. It is measured as drawn
# (a planar grid's scale is within a few parts in 100,000 of the ground's, as such grids are
# made for), and written back in the same plane; nothing is said in longitude and latitude.
LOCAL = pyproj.CRS(
    'ENGCRS["local plane (城市独立坐标系), metres as drawn",EDATUM["unknown"],'
    'CS[Cartesian,2],AXIS["easting (X)",east,ORDER[1],LENGTHUNIT["metre",1]],'
    'AXIS["northing (Y)",north,ORDER[2],LENGTHUNIT["metre",1]]]')
# How a user names it with --crs.
LOCAL_NAMES = ("local", "独立坐标系", "城市独立坐标系")


def user_crs(text: str, source: str = "--crs") -> pyproj.CRS:
    if text.strip().lower() in LOCAL_NAMES:
        return LOCAL
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise PlanError(Problem(source, N_("unknown CRS"), found=repr(text),
                                expected=N_("an EPSG code such as EPSG:4547, a PROJ string or "
                                         "WKT, or local for a city's own grid"))) from None


def is_local(crs) -> bool:
    """Whether `crs` is the local plane (--crs local): measured as drawn, never transformed."""
    return crs is not None and pyproj.CRS(crs).is_engineering


def looks_like_degrees(bounds) -> bool:
    """Coordinates within ±180 on both axes: degrees, possibly with the axes swapped (which
    validation then says)."""
    minx, miny, maxx, maxy = bounds
    return bool(np.all(np.isfinite(bounds))) and -180 <= minx <= maxx <= 180 \
        and -180 <= miny <= maxy <= 180


def gauss_kruger_from_prefix(bounds) -> pyproj.CRS | None:
    """The CGCS2000 Gauss-Krüger CRS whose zone number prefixes the eastings, when every
    easting carries the same one; None otherwise."""
    minx, miny, maxx, maxy = bounds
    if not (np.isfinite(minx) and minx >= 10_000_000 and 0 <= miny <= 10_000_000):
        return None
    zone, last = int(minx // 1_000_000), int(maxx // 1_000_000)
    if zone != last:
        return None
    for first, final, epsg in (_GK3_ZONES, _GK6_ZONES):
        if first <= zone <= final:
            return pyproj.CRS.from_epsg(epsg + zone - first)
    return None


def local_crs(lon: float, lat: float) -> pyproj.CRS:
    """A transverse Mercator centred on (lon, lat), scale 1: the CRS every figure is measured
    in. Rounded to 0.001° so that the same plan gives the same CRS, and the same bytes."""
    return _local_crs(round(float(lon), 3), round(float(lat), 3))


@lru_cache(maxsize=64)
def _local_crs(lon: float, lat: float) -> pyproj.CRS:
    return pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0={lat} +lon_0={lon} +k=1 +x_0=0 +y_0=0 "
                                 "+datum=WGS84 +units=m +no_defs +type=crs")


def to_lonlat(crs: pyproj.CRS) -> pyproj.Transformer:
    """A transformer from `crs` to WGS 84 longitude/latitude."""
    return transformer(crs, WGS84)


@lru_cache(maxsize=64)
def transformer(source: pyproj.CRS, target: pyproj.CRS) -> pyproj.Transformer:
    """A transformer from `source` to `target`, x (easting, longitude) first (looked up once
    per pair: the search for a transformation takes longer than most plans' arithmetic)."""
    return pyproj.Transformer.from_crs(source, target, always_xy=True)


LOCAL_NOTE = "local plane (--crs local): the drawing's own coordinates, in metres as drawn"


def describe(crs: pyproj.CRS) -> str:
    """How the method section names the measuring CRS."""
    if is_local(crs):
        return LOCAL_NOTE
    params = {p.name: p.value for p in crs.coordinate_operation.params} \
        if crs.coordinate_operation else {}
    lon = params.get("Longitude of natural origin")
    lat = params.get("Latitude of natural origin")
    if lon is not None and lat is not None:
        return (f"local transverse Mercator centred at {lon:.3f}°E {lat:.3f}°N, scale 1 "
                f"(+proj=tmerc +lat_0={lat:g} +lon_0={lon:g} +k=1 +datum=WGS84)")
    return f"{crs.name} ({crs.to_string()})"


# --------------------------------------------------------------------------------------------
# Coordinates copied off Chinese web maps. 高德 and 腾讯 publish GCJ-02, 百度 BD-09: both are
# WGS 84 shifted by a published, non-invertible formula (hundreds of metres). The forward
# formula (WGS 84 → GCJ-02) is the public one; the inverse is found by fixed-point iteration to
# 1e-10° (about 0.01 mm), so a point converted back lies within 0.01 m of WGS 84 wherever the
# forward formula is exact; BD-09 → GCJ-02 uses the published closed form (within 1 m).

WEB_MAP_SYSTEMS = ("gcj02", "bd09")
_KRASOVSKY_A = 6378245.0
_KRASOVSKY_EE = 0.00669342162296594323
_X_PI = np.pi * 3000.0 / 180.0


def _outside_china(lng, lat):
    return (lng < 72.004) | (lng > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_offset(lng, lat):
    x, y = lng - 105.0, lat - 35.0
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y
            + 0.2 * np.sqrt(np.abs(x)) + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlng = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
            + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _KRASOVSKY_EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = dlat * 180.0 / ((_KRASOVSKY_A * (1 - _KRASOVSKY_EE)) / (magic * sqrt_magic) * np.pi)
    dlng = dlng * 180.0 / (_KRASOVSKY_A / sqrt_magic * np.cos(rad) * np.pi)
    outside = _outside_china(lng, lat)
    return np.where(outside, 0.0, dlng), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(xy: np.ndarray) -> np.ndarray:
    """(n, 2) longitude/latitude, WGS 84 → GCJ-02 (the published forward formula)."""
    xy = np.asarray(xy, dtype=float)
    dlng, dlat = _gcj_offset(xy[:, 0], xy[:, 1])
    return np.column_stack([xy[:, 0] + dlng, xy[:, 1] + dlat])


def gcj02_to_wgs84(xy: np.ndarray) -> np.ndarray:
    """GCJ-02 → WGS 84 by fixed-point iteration of the forward formula, all points at once."""
    gcj = np.asarray(xy, dtype=float)
    wgs = gcj.copy()
    for _ in range(30):
        error = wgs84_to_gcj02(wgs) - gcj
        wgs -= error
        if np.nanmax(np.abs(error), initial=0.0) < 1e-10:
            break
    return wgs


def bd09_to_gcj02(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=float)
    x, y = xy[:, 0] - 0.0065, xy[:, 1] - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return np.column_stack([z * np.cos(theta), z * np.sin(theta)])


def gcj02_to_bd09(xy: np.ndarray) -> np.ndarray:
    xy = np.asarray(xy, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return np.column_stack([z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006])


def from_web_map(geoms: np.ndarray, system: str) -> np.ndarray:
    """Geometries in web-map longitude/latitude (gcj02 or bd09) → WGS 84, vectorised over
    every coordinate of every geometry."""
    import shapely

    if system == "gcj02":
        return shapely.transform(geoms, gcj02_to_wgs84)
    if system == "bd09":
        return shapely.transform(geoms, lambda xy: gcj02_to_wgs84(bd09_to_gcj02(xy)))
    raise ValueError(system)
