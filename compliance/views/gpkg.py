"""GeoPackage view: layers a QGIS user can style (parcels with verdict and each rule's figures,
uncovered buildings, facilities, walking-radius areas, the streets within the walking radius
when distances run along them, suggested sites), from the view model."""

from __future__ import annotations

from typing import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..rules.catalogue import CATALOGUE
from .model import Model


def _parcel_row(p: dict, rules: list[str]) -> dict:
    row = {"id": p["id"], "name": p["name"] or None, "verdict": p["verdict"],
           "households_new": p["households_new"],
           "households_existing": p["households_existing"], "population": p["population"]}
    # One set of columns per rule of the standard (the first finding of each rule).
    for rule in rules:
        f = p["by_rule"].get(rule)
        row[f"{rule}_status"] = f["status"] if f else None
        row[f"{rule}_required"] = f["required"] if f else None
        row[f"{rule}_provided"] = f["provided"] if f else None
        row[f"{rule}_shortfall"] = f.get("shortfall", 0.0) if f else None
    row["failing_rules"] = ";".join(p["failing"])
    row["group"] = ";".join(p["group"])
    row["facility_ids"] = ";".join(f["id"] for f in p["facilities"])
    return row


def layers(model: Model) -> Iterator[tuple[str, gpd.GeoDataFrame]]:
    """The layers, (name, frame), one at a time: each is written, and freed, before the next
    is made. They are in the CRS the plan's parcels were given in (plan.given_crs)."""
    result = model.result
    plan = result.plan
    crs = plan.crs
    given = plan.given_crs
    if given is not None and crs is not None and not given.equals(crs):
        # Measured in metres about the plan; handed back in the CRS the plan came in.
        return ((name, frame.to_crs(given)) for name, frame in _layers(model, crs))
    return _layers(model, crs)


def _layers(model: Model, crs) -> Iterator[tuple[str, gpd.GeoDataFrame]]:
    result = model.result
    plan = result.plan
    rules = [r for r in CATALOGUE if r in result.standard.rules
             and CATALOGUE[r].scope == "parcel"]
    # Column by column: a row's dict lives only while it is spread into the columns (50,000
    # parcels held as rows of dicts were 60 MB at the file's peak).
    columns: dict[str, list] = {}
    for p in model.parcels:
        for key, value in _parcel_row(p, rules).items():
            columns.setdefault(key, []).append(value)
    yield "parcels", gpd.GeoDataFrame(columns, geometry=plan.parcels.geometry.to_numpy(),
                                      crs=crs)
    del columns

    fac = plan.facilities
    verdicts = {i["id"]: i["verdict"] for i in model.institutions}
    yield "facilities", gpd.GeoDataFrame({
        "id": fac["id"].astype(str), "name": fac["name"], "kind": fac["kind"],
        "floor_area_m2": fac["floor_area_m2"], "land_area_m2": fac["land_area_m2"],
        "status": fac["status"], "parcel_ids": fac["parcel_ids"].map(";".join),
        "institution_verdict": fac["id"].astype(str).map(verdicts),
    }, geometry=fac.geometry.to_numpy(), crs=crs)

    cov = result.coverage
    if cov is not None and result.covered is not None and plan.buildings is not None:
        out_b = (cov.building >= 0) & ~result.covered
        if out_b.any():
            b = plan.buildings.iloc[cov.building[out_b]]
            yield "uncovered_buildings", gpd.GeoDataFrame({
                "id": b["id"].astype(str).to_numpy(),
                "parcel_id": plan.parcels["id"].to_numpy()[cov.parcel[out_b]],
                "households": cov.households[out_b],
                "distance_m": np.where(np.isfinite(cov.distance[out_b]),
                                       np.round(cov.distance[out_b], 1), np.nan),
                "reachable": cov.reachable[out_b] if cov.reachable is not None else True,
            }, geometry=plan.building_outlines(cov.building[out_b]), crs=crs)
    if result.radius_m is not None and len(fac):
        areas = []
        for r in np.unique(np.round(result.radius_m, 1)):
            areas.append(gpd.GeoDataFrame(
                {"facility_id": fac["id"].astype(str).to_numpy(), "radius_m": float(r),
                 "method": "straight-line"},
                geometry=shapely.buffer(fac.geometry.to_numpy(), float(r), quad_segs=16),
                crs=crs))
        yield "walking_radius", pd.concat(areas, ignore_index=True)
    if result.service_area is not None and len(result.service_area):
        # Along the streets, the map's service area: every street segment both of whose ends
        # a household reaches within the largest radius (the circles above bound it).
        radius = round(float(np.max(result.radius_m)), 1)
        yield "walking_streets", gpd.GeoDataFrame(
            {"radius_m": np.full(len(result.service_area), radius), "method": "network"},
            geometry=np.asarray(result.service_area, dtype=object), crs=crs)
    if result.suggestions:
        s = pd.DataFrame(result.suggestions)
        s["parcels"] = s["parcels"].map(";".join)
        yield "suggested_sites", gpd.GeoDataFrame(
            s.drop(columns=["x", "y"]), geometry=shapely.points(s[["x", "y"]].to_numpy()),
            crs=crs)
