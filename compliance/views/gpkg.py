"""GeoPackage view: layers a QGIS user can style (parcels with verdict and shortfall columns,
uncovered buildings, facilities, walking-radius areas, suggested sites)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..result import Result


def _finding(p, rule):
    return next((f for f in p.findings if f.rule == rule), None)


def layers(result: Result) -> dict[str, gpd.GeoDataFrame]:
    plan = result.plan
    crs = plan.crs
    rows = []
    for p in result.parcels:
        area = _finding(p, "area_per_households")
        radius = _finding(p, "service_radius")
        land = _finding(p, "per_capita_land")
        rows.append({
            "id": p.id, "name": p.name, "verdict": p.verdict,
            "households_new": p.households_new, "households_existing": p.households_existing,
            "population": p.population,
            "area_status": area.status if area else None,
            "area_required_m2": area.required if area else None,
            "area_provided_m2": area.provided if area else None,
            "area_shortfall_m2": area.shortfall if area and area.status == "fail" else 0.0,
            "land_status": land.status if land else None,
            "land_shortfall_m2": land.shortfall if land and land.status == "fail" else 0.0,
            "radius_status": radius.status if radius else None,
            "radius_m": radius.required if radius else None,
            "farthest_m": radius.provided if radius else None,
            "failing_rules": ";".join(f.rule for f in p.mandatory_failures),
            "group": ";".join(p.group or ()),
        })
    parcels = gpd.GeoDataFrame(rows, geometry=plan.parcels.geometry.to_numpy(), crs=crs)
    out = {"parcels": parcels}

    fac = plan.facilities
    verdicts = {f.id: f.verdict for f in result.facilities}
    facilities = gpd.GeoDataFrame({
        "id": fac["id"].astype(str), "name": fac["name"], "kind": fac["kind"],
        "floor_area_m2": fac["floor_area_m2"], "land_area_m2": fac["land_area_m2"],
        "status": fac["status"], "parcel_ids": fac["parcel_ids"].map(";".join),
        "institution_verdict": fac["id"].astype(str).map(verdicts),
    }, geometry=fac.geometry.to_numpy(), crs=crs)
    out["facilities"] = facilities

    cov = result.coverage
    if cov is not None and result.covered is not None and plan.buildings is not None:
        out_b = (cov.building >= 0) & ~result.covered
        if out_b.any():
            b = plan.buildings.iloc[cov.building[out_b]]
            out["uncovered_buildings"] = gpd.GeoDataFrame({
                "id": b["id"].astype(str).to_numpy(),
                "parcel_id": plan.parcels["id"].to_numpy()[cov.parcel[out_b]],
                "households": cov.households[out_b],
                "distance_m": np.where(np.isfinite(cov.distance[out_b]),
                                       np.round(cov.distance[out_b], 1), np.nan),
                "reachable": cov.reachable[out_b] if cov.reachable is not None else True,
            }, geometry=b.geometry.to_numpy(), crs=crs)
    if result.radius_m is not None and len(fac):
        areas = []
        for r in np.unique(np.round(result.radius_m, 1)):
            areas.append(gpd.GeoDataFrame(
                {"facility_id": fac["id"].astype(str).to_numpy(), "radius_m": float(r),
                 "method": "straight-line"},
                geometry=shapely.buffer(fac.geometry.to_numpy(), float(r), quad_segs=16),
                crs=crs))
        out["walking_radius"] = pd.concat(areas, ignore_index=True)
    if result.suggestions:
        s = pd.DataFrame(result.suggestions)
        s["parcels"] = s["parcels"].map(";".join)
        out["suggested_sites"] = gpd.GeoDataFrame(
            s.drop(columns=["x", "y"]), geometry=shapely.points(s[["x", "y"]].to_numpy()),
            crs=crs)
    return out
