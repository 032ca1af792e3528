"""Choosing the metric CRS and checking that coordinates are where they claim to be."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyproj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from ._errors import PlanError, Problem

WGS84 = pyproj.CRS.from_epsg(4326)
# China's extent, generously: a plan outside it is warned about, not refused.
CHINA_LONLAT = (73.0, 17.0, 136.0, 54.0)
# Larger than any district: probably a wrong CRS or a stray feature.
LARGE_EXTENT_M = 150_000.0


def user_crs(text: str, source: str = "--crs") -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise PlanError(Problem(source, "unknown CRS", found=repr(text),
                                expected="an EPSG code such as EPSG:4547 or EPSG:32650")) from None


def check_geographic(bounds: np.ndarray, file: str, layer: str) -> list[Problem]:
    """Coordinates that a WGS 84 file cannot hold, or that put the plan off the map."""
    minx, miny, maxx, maxy = bounds
    problems = []
    lon_lat_swapped = (CHINA_LONLAT[1] <= minx and maxx <= CHINA_LONLAT[3]
                       and CHINA_LONLAT[0] <= miny and maxy <= CHINA_LONLAT[2]
                       and not (CHINA_LONLAT[0] <= minx and maxx <= CHINA_LONLAT[2]))
    if lon_lat_swapped:
        raise PlanError(Problem(
            file, "longitude and latitude look swapped", layer=layer,
            found=f"x {minx:.4f}…{maxx:.4f} (latitudes?), y {miny:.4f}…{maxy:.4f} (longitudes?)",
            expected="GeoJSON order [longitude, latitude] (RFC 7946)"))
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        raise PlanError(Problem(
            file, "coordinates are not longitude/latitude although the file claims WGS 84",
            layer=layer, found=f"x {minx:,.0f}…{maxx:,.0f}, y {miny:,.0f}…{maxy:,.0f}",
            expected="degrees; if these are projected metres, name their CRS with --crs "
                     "(e.g. --crs EPSG:4547 for CGCS2000 / 3-degree GK CM 114E)"))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if not (CHINA_LONLAT[0] <= cx <= CHINA_LONLAT[2] and CHINA_LONLAT[1] <= cy <= CHINA_LONLAT[3]):
        problems.append(Problem(file, "the plan lies outside China; checked all the same",
                                layer=layer, found=f"centre {cx:.4f}, {cy:.4f}",
                                level="warning"))
    return problems


def choose_crs(parcels: gpd.GeoDataFrame) -> pyproj.CRS:
    """The UTM zone of the plan's centre: metres with < 0.1 % scale error across a district."""
    lonlat = parcels.to_crs(WGS84) if parcels.crs and not parcels.crs.equals(WGS84) else parcels
    minx, miny, maxx, maxy = lonlat.total_bounds
    infos = query_utm_crs_info(datum_name="WGS 84",
                               area_of_interest=AreaOfInterest((minx + maxx) / 2,
                                                               (miny + maxy) / 2,
                                                               (minx + maxx) / 2,
                                                               (miny + maxy) / 2))
    if not infos:
        return pyproj.CRS.from_epsg(3857)
    return pyproj.CRS.from_epsg(int(infos[0].code))


def check_extent(projected: gpd.GeoDataFrame, file: str) -> list[Problem]:
    minx, miny, maxx, maxy = projected.total_bounds
    width, height = maxx - minx, maxy - miny
    if max(width, height) > LARGE_EXTENT_M:
        return [Problem(file, "the plan is larger than any district: check the CRS and stray "
                              "features", layer="parcels",
                        found=f"{width / 1000:,.1f} km × {height / 1000:,.1f} km",
                        level="warning")]
    return []
