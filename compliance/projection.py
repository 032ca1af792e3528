"""Choosing the CRS to measure in, reading the CRS a user names, and telling a Gauss-Krüger
zone from the prefix of its eastings.

Distances and areas are measured in a local transverse Mercator projection centred on the plan
(scale factor 1 at its centre): conformal, and within 0.002 % of ground distance 30 km from
the centre. Never in Web Mercator's metres, whose scale at 40° N is 1.31.

Whether coordinates are where they claim to be is validation: see `_validate`.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pyproj

from ._errors import PlanError, Problem

WGS84 = pyproj.CRS.from_epsg(4326)

# CGCS2000 Gauss-Krüger with the zone number in front of the easting (e.g. 38 500 000):
# 3-degree zones 25–45 are EPSG:4513–4533, 6-degree zones 13–23 are EPSG:4491–4501.
_GK3_ZONES = (25, 45, 4513)
_GK6_ZONES = (13, 23, 4491)


def user_crs(text: str, source: str = "--crs") -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise PlanError(Problem(source, "unknown CRS", found=repr(text),
                                expected="an EPSG code such as EPSG:4547, a PROJ string or "
                                         "WKT")) from None


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


@lru_cache(maxsize=64)
def to_lonlat(crs: pyproj.CRS) -> pyproj.Transformer:
    """A transformer from `crs` to WGS 84 longitude/latitude (looked up once per CRS: the
    search for a transformation takes longer than most plans' arithmetic)."""
    return pyproj.Transformer.from_crs(crs, WGS84, always_xy=True)


def describe(crs: pyproj.CRS) -> str:
    """How the method section names the measuring CRS."""
    params = {p.name: p.value for p in crs.coordinate_operation.params} \
        if crs.coordinate_operation else {}
    lon = params.get("Longitude of natural origin")
    lat = params.get("Latitude of natural origin")
    if lon is not None and lat is not None:
        return (f"local transverse Mercator centred at {lon:.3f}°E {lat:.3f}°N, scale 1 "
                f"(+proj=tmerc +lat_0={lat:g} +lon_0={lon:g} +k=1 +datum=WGS84)")
    return f"{crs.name} ({crs.to_string()})"
