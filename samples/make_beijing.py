"""Build samples/beijing-xueqing-osm.gpkg from the OpenStreetMap export in ../shared/data.

    python samples/make_beijing.py

A district plan on real data (© OpenStreetMap contributors, ODbL 1.0): the 10 residential
areas (landuse=residential) around 学清路, 海淀区 as parcels; the buildings inside them with
households estimated from their footprint; the walkable streets (everything but motorways and
roads under construction); and three eldercare facilities that this sample invents. Beijing
has no standard file here, so the sample is checked against `national`.

Households per building (an estimate for the sample, not a standard figure): footprint × floors
(OSM building:levels, else 6) × 0.75 usable / 90 m² per dwelling, at least 1.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).parent
OSM = HERE.parent.parent / "shared" / "data" / "beijing-haidian-xueqing.osm"
OUT = HERE / "beijing-xueqing-osm.gpkg"
DEFAULT_FLOORS = 6
NOT_WALKABLE = {"motorway", "motorway_link", "construction", "trunk"}


def _levels(tags) -> float:
    m = re.search(r"\"building:levels\"=>\"(\d+)\"", tags if isinstance(tags, str) else "")
    return float(m.group(1)) if m else float(DEFAULT_FLOORS)


def main() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        areas = gpd.read_file(OSM, layer="multipolygons", engine="pyogrio")
        lines = gpd.read_file(OSM, layer="lines", engine="pyogrio")
    metric = areas.estimate_utm_crs()
    residential = areas[areas["landuse"] == "residential"].copy()
    residential = residential.sort_values(["name", "osm_way_id"], na_position="last")
    residential["id"] = [f"BJ-{i + 1:02d}" for i in range(len(residential))]
    residential["name"] = residential["name"].fillna("(无名小区)")

    homes = areas[areas["building"].isin(["residential", "apartments", "yes", "house"])].copy()
    homes = homes.to_crs(metric)
    parcels_m = residential.to_crs(metric)
    centre = homes.geometry.representative_point()
    tree = shapely.STRtree(parcels_m.geometry.to_numpy())
    src, dst = tree.query(centre.to_numpy(), predicate="within")
    homes = homes.iloc[src].copy()
    homes["parcel_id"] = parcels_m["id"].to_numpy()[dst]
    floors = homes["other_tags"].map(_levels)
    homes["households"] = np.maximum(1, np.round(homes.area * floors * 0.75 / 90)).astype(int)
    homes["id"] = [f"BJ-B{i + 1:03d}" for i in range(len(homes))]

    per_parcel = homes.groupby("parcel_id")["households"].sum()
    residential["households_existing"] = residential["id"].map(per_parcel).fillna(0).astype(int)

    # Three facilities invented for the sample: two existing stations, one planned centre.
    picks = {"富润家园": ("BJ-F1", "富润家园社区养老服务站", "community_station", 350, "existing"),
             "双泉嘉苑": ("BJ-F2", "双泉嘉苑社区养老服务站", "community_station", 420, "existing"),
             "静淑苑": ("BJ-F3", "静淑苑日间照料中心(规划)", "day_care_center", 600, "planned")}
    rows = []
    for name, (fid, fname, kind, area, status) in picks.items():
        hit = parcels_m[parcels_m["name"] == name]
        if hit.empty:
            continue
        rows.append({"id": fid, "name": fname, "kind": kind, "floor_area_m2": area,
                     "status": status, "parcel_id": hit["id"].iloc[0],
                     "geometry": hit.geometry.iloc[0].representative_point()})
    facilities = gpd.GeoDataFrame(rows, crs=metric).to_crs(4326)

    streets = lines[lines["highway"].notna() & ~lines["highway"].isin(NOT_WALKABLE)]
    # Bridges, tunnels and ways on another level are walked but never joined to what they
    # cross, nor to buildings (PLAN-FORMAT.md, streets: `connect`).
    tags = streets["other_tags"].fillna("")
    other_level = tags.str.contains(r'"(?:bridge|tunnel)"=>"(?!no")', regex=True) | \
        tags.str.contains(r'"layer"=>"-?[1-9]', regex=True)
    streets = streets.assign(connect=~other_level)
    streets = streets[["highway", "connect", "geometry"]].explode(index_parts=False)

    if OUT.exists():
        OUT.unlink()
    residential[["id", "name", "households_existing", "geometry"]].to_file(
        OUT, layer="parcels", driver="GPKG", engine="pyogrio")
    facilities.to_file(OUT, layer="facilities", driver="GPKG", engine="pyogrio")
    homes[["id", "households", "parcel_id", "geometry"]].to_crs(4326).to_file(
        OUT, layer="buildings", driver="GPKG", engine="pyogrio")
    streets.to_file(OUT, layer="streets", driver="GPKG", engine="pyogrio")
    print(f"wrote {OUT}: {len(residential)} parcels, {len(homes)} buildings, "
          f"{int(per_parcel.sum()):,} households, {len(facilities)} facilities, "
          f"{len(streets)} street lines")


if __name__ == "__main__":
    main()
