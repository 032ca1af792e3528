"""Choosing the metric CRS to measure in, and reading the CRS a user names.

Whether coordinates are where they claim to be is validation: see `_validate`."""

from __future__ import annotations

import geopandas as gpd
import pyproj
from pyproj.aoi import AreaOfInterest
from pyproj.database import query_utm_crs_info

from ._errors import PlanError, Problem

WGS84 = pyproj.CRS.from_epsg(4326)


def user_crs(text: str, source: str = "--crs") -> pyproj.CRS:
    try:
        return pyproj.CRS.from_user_input(text)
    except pyproj.exceptions.CRSError:
        raise PlanError(Problem(source, "unknown CRS", found=repr(text),
                                expected="an EPSG code such as EPSG:4547 or EPSG:32650")) from None


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
