"""Generate a synthetic district on the real Wuhan street network.

    python benchmarks/make_city.py --parcels 10000 --buildings 200000 --facilities 1000 \
        -o build/bench/city.gpkg

Parcels are a grid of blocks over the centre of the street data; each holds buildings
(rectangles with 10–60 households); facilities sit in parcels (parcel_id set), a fifth of them
shared by two neighbouring parcels. The streets are ../shared/data/wuhan-streets.parquet
(© OpenStreetMap contributors, ODbL 1.0). Everything is seeded, so a scale gives one city.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
STREETS = ROOT.parent / "shared" / "data" / "wuhan-streets.parquet"


def make_city(n_parcels: int, n_buildings: int, n_facilities: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    streets = gpd.read_parquet(STREETS)
    crs = streets.crs
    minx, miny, maxx, maxy = streets.total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    cols = int(math.ceil(math.sqrt(n_parcels * 1.25)))
    rows = int(math.ceil(n_parcels / cols))
    w, h = 150.0, 120.0
    x0, y0 = cx - cols * w / 2, cy - rows * h / 2
    idx = np.arange(n_parcels)
    px, py = x0 + (idx % cols) * w, y0 + (idx // cols) * h
    parcel_geoms = shapely.box(px + 5, py + 5, px + w - 5, py + h - 5)
    ids = np.array([f"P{i:05d}" for i in idx])

    per = np.bincount(rng.integers(0, n_parcels, n_buildings), minlength=n_parcels)
    owner = np.repeat(idx, per)
    bx = px[owner] + rng.uniform(10, w - 40, len(owner))
    by = py[owner] + rng.uniform(10, h - 25, len(owner))
    households = rng.integers(10, 61, len(owner))
    buildings = gpd.GeoDataFrame({
        "id": [f"B{i:06d}" for i in range(len(owner))], "households": households,
        "parcel_id": ids[owner]}, geometry=shapely.box(bx, by, bx + 25, by + 12), crs=crs)

    hh = np.bincount(owner, weights=households, minlength=n_parcels).astype(int)
    existing = rng.random(n_parcels) < 0.3
    parcels = gpd.GeoDataFrame({
        "id": ids, "name": [f"地块{i}" for i in idx],
        "households_new": np.where(existing, 0, hh),
        "households_existing": np.where(existing, hh, 0),
        "complete_community": rng.random(n_parcels) < 0.1,
    }, geometry=parcel_geoms, crs=crs)

    host = rng.choice(n_parcels, n_facilities, replace=False)
    shared = rng.random(n_facilities) < 0.2
    neighbour = np.minimum(host + 1, n_parcels - 1)
    parcel_id = np.where(shared & (neighbour != host),
                         pd.Series(ids[host]) + ";" + pd.Series(ids[neighbour]), ids[host])
    kinds = rng.choice(["community_station", "day_care_center", "street_center", "care_home"],
                       n_facilities, p=[0.6, 0.25, 0.1, 0.05])
    beds = np.where(kinds == "care_home", rng.integers(50, 300, n_facilities), 0)
    facilities = gpd.GeoDataFrame({
        "id": [f"F{i:04d}" for i in range(n_facilities)], "kind": kinds,
        "floor_area_m2": rng.uniform(150, 1800, n_facilities).round(1),
        "status": np.where(rng.random(n_facilities) < 0.5, "existing", "planned"),
        "parcel_id": parcel_id, "phase": 1,
        "beds": beds, "nursing_beds": (beds * rng.uniform(0.3, 0.9, n_facilities)).astype(int),
    }, geometry=shapely.points(px[host] + w / 2, py[host] + h / 2), crs=crs)
    facilities.loc[facilities["beds"] == 0, ["beds", "nursing_beds"]] = None
    return {"parcels": parcels, "buildings": buildings, "facilities": facilities,
            "streets": streets[["geometry"]]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--parcels", type=int, default=10_000)
    ap.add_argument("--buildings", type=int, default=200_000)
    ap.add_argument("--facilities", type=int, default=1_000)
    ap.add_argument("-o", "--output", default=str(ROOT / "build" / "bench" / "city.gpkg"))
    args = ap.parse_args()
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    for name, gdf in make_city(args.parcels, args.buildings, args.facilities).items():
        gdf.to_file(out, layer=name, driver="GPKG", engine="pyogrio")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
