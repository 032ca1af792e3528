"""A plan in memory: validated layers, projected to one metric CRS, ready for the rules."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from . import _validate, projection
from ._errors import PlanError, Problem
from .io import RawPlan
from .vocabulary import FacilityState


@dataclass
class Plan:
    source: str
    name: str
    crs: pyproj.CRS | None
    parcels: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame | None
    streets: gpd.GeoDataFrame | None
    fingerprint: str | None = None
    crs_note: str = ""
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


def build_plan(raw: RawPlan, *, crs: str | None = None, strict: bool = True,
               persons_per_household: float = 3.0, name: str | None = None) -> Plan:
    """Validate, project and assemble. Strict: any bad feature stops the run (exit 2).
    Lenient (batch): bad features are dropped and listed in `plan.problems`."""
    problems = list(raw.problems)
    source_crs, crs_from_user = _source_crs(raw, crs, problems)

    def file_of(layer):
        return raw.files.get(layer, raw.source)

    pattrs, pgeoms, L = _validate.validate_parcels(raw.layers["parcels"], file_of("parcels"))
    checks = [L]
    parcel_ok = ~L.bad
    parcel_ids = set(pattrs.loc[parcel_ok, "id"])

    empty_frame = gpd.GeoDataFrame({"_row": []}, geometry=gpd.GeoSeries([], crs=source_crs))
    fac_raw = raw.layers.get("facilities", empty_frame)
    fattrs, fgeoms, FL = _validate.validate_facilities(fac_raw, file_of("facilities"),
                                                       parcel_ids)
    checks.append(FL)
    # A facility whose parcel_id names no parcel still serves the radius rule: keep it.
    fac_ok = ~FL.bad | _only_link_errors(FL)

    buildings = None
    if "buildings" in raw.layers:
        battrs, bgeoms, BL = _validate.validate_buildings(raw.layers["buildings"],
                                                          file_of("buildings"), parcel_ids)
        checks.append(BL)
        bmask = ~BL.bad | _only_link_errors(BL)
        buildings = gpd.GeoDataFrame(battrs[bmask].reset_index(drop=True),
                                     geometry=gpd.GeoSeries(bgeoms[bmask], crs=source_crs))
    streets = None
    if "streets" in raw.layers:
        keep, sgeoms, SL = _validate.validate_streets(raw.layers["streets"], file_of("streets"))
        checks.append(SL)
        smask = keep & ~SL.bad
        streets = gpd.GeoDataFrame(geometry=gpd.GeoSeries(sgeoms[smask], crs=source_crs))

    for c in checks:
        problems += c.problems
    parcels = gpd.GeoDataFrame(pattrs[parcel_ok].reset_index(drop=True),
                               geometry=gpd.GeoSeries(pgeoms[parcel_ok], crs=source_crs))
    facilities = gpd.GeoDataFrame(fattrs[fac_ok].reset_index(drop=True),
                                  geometry=gpd.GeoSeries(fgeoms[fac_ok], crs=source_crs))

    if source_crs is not None and source_crs.is_geographic and len(parcels):
        problems += _validate.geographic_coordinates(parcels.total_bounds, file_of("parcels"),
                                                "parcels")
    if strict and any(p.level == "error" for p in problems):
        raise PlanError([p for p in problems if p.level == "error"])
    if parcels.empty:
        raise PlanError([p for p in problems if p.level == "error"] + [Problem(
            file_of("parcels"), "no parcel is left to check", layer="parcels",
            expected="at least one valid parcel")])

    if crs and not crs_from_user:
        metric = projection.user_crs(crs)
        if not metric.is_projected:
            raise PlanError(Problem("--crs", "the CRS to measure in must be projected (metres)",
                                    found=metric.name, expected="e.g. EPSG:4547 or EPSG:32650"))
    else:
        metric = source_crs if source_crs.is_projected else projection.choose_crs(parcels)
    parcels = parcels.to_crs(metric)
    facilities = facilities.to_crs(metric)
    buildings = buildings.to_crs(metric) if buildings is not None else None
    streets = streets.to_crs(metric) if streets is not None else None
    problems += _validate.plan_extent(parcels, file_of("parcels"))

    # Zero-area parcels can only be told in metres.
    zero, zero_problems = _validate.zero_area_parcels(parcels, file_of("parcels"))
    if zero.any():
        problems += zero_problems
        if strict:
            raise PlanError(zero_problems)
        parcels = parcels[~zero].reset_index(drop=True)

    parcels = _complete_parcels(parcels, persons_per_household)
    facilities = _complete_facilities(facilities)
    if buildings is not None:
        buildings, outside = _assign_buildings(buildings, parcels)
        problems += [Problem(file_of("buildings"), "the building lies outside every parcel; "
                             "its households are not counted", layer="buildings",
                             feature=str(b), field="geometry", level="warning")
                     for b in outside]
    return Plan(source=raw.source, name=name or _plan_name(raw.source), crs=metric,
                parcels=parcels, facilities=facilities, buildings=buildings, streets=streets,
                fingerprint=raw.fingerprint, problems=problems,
                crs_note=f"{metric.name} ({metric.to_string()})")


def _only_link_errors(L) -> np.ndarray:
    """Rows whose only errors are a parcel_id naming no parcel."""
    only = np.zeros(len(L.bad), dtype=bool)
    by_row: dict[str, set] = {}
    for p in L.problems:
        if p.level == "error":
            by_row.setdefault(p.feature, set()).add(p.field)
    for i, label in enumerate(L.labels):
        fields = by_row.get(str(label))
        only[i] = fields == {"parcel_id"}
    return only


def _source_crs(raw: RawPlan, crs: str | None, problems: list[Problem]):
    declared = raw.layers["parcels"].crs
    if "parcels" in raw.undeclared_crs or declared is None:
        if crs:
            return projection.user_crs(crs), True
        minx, miny, maxx, maxy = raw.layers["parcels"].total_bounds
        if -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90:
            problems.append(Problem(raw.files.get("parcels", raw.source),
                                    "no CRS declared (no .prj?): assumed WGS 84 longitude/"
                                    "latitude from the coordinates' range", layer="parcels",
                                    level="warning", expected="a .prj file, or --crs"))
            return projection.WGS84, False
        raise PlanError(Problem(raw.files.get("parcels", raw.source),
                                "no CRS declared and the coordinates are not degrees",
                                layer="parcels",
                                found=f"x {minx:,.0f}…{maxx:,.0f}, y {miny:,.0f}…{maxy:,.0f}",
                                expected="a .prj file, or name the CRS with --crs EPSG:…"))
    return declared, False


def _plan_name(source: str) -> str:
    from pathlib import Path

    return Path(source).stem if source else "plan"


def _complete_parcels(parcels: gpd.GeoDataFrame, persons: float) -> gpd.GeoDataFrame:
    hh = parcels["households_new"].fillna(0) + parcels["households_existing"].fillna(0)
    estimated = parcels["population"].isna()
    parcels["population_estimated"] = estimated
    parcels["population"] = parcels["population"].where(~estimated, np.round(hh * persons))
    return parcels


def _complete_facilities(facilities: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    polygon = facilities.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
    from_geometry = facilities["land_area_m2"].isna().to_numpy() & polygon
    facilities["land_area_from_geometry"] = from_geometry
    facilities.loc[from_geometry, "land_area_m2"] = facilities.area[from_geometry]
    return facilities


def _assign_buildings(buildings: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame):
    """Each building's parcel: its parcel_id, else the parcel containing it (-1: none)."""
    position = pd.Series(np.arange(len(parcels)), index=parcels["id"].to_numpy())
    assigned = buildings["parcel_id"].map(position).fillna(-1).astype(int).to_numpy().copy()
    need = np.flatnonzero(assigned < 0)
    if len(need) and len(parcels):
        pts = shapely.points(shapely.get_coordinates(
            buildings.geometry.iloc[need].representative_point().to_numpy()))
        tree = shapely.STRtree(parcels.geometry.to_numpy())
        src, dst = tree.query(pts, predicate="within")
        order = np.lexsort((dst, src))
        src, dst = src[order], dst[order]
        first = np.r_[True, src[1:] != src[:-1]] if len(src) else np.zeros(0, dtype=bool)
        assigned[need[src[first]]] = dst[first]
    buildings["parcel"] = assigned
    outside = buildings.loc[assigned < 0, "id"].astype(str).tolist()
    return buildings, outside


def from_figures(*, households_new: int = 0, households_existing: int = 0,
                 facility_area_m2: float = 0.0, land_area_m2: float | None = None,
                 population: int | None = None, complete_community: bool = False,
                 rural: bool = False, phases: int | None = None,
                 persons_per_household: float = 3.0) -> Plan:
    """A one-parcel plan from figures alone (the quick check): no geometry, so rules that
    measure distance report insufficient data."""
    parcels = gpd.GeoDataFrame({
        "id": ["quick"], "name": [None],
        "households_new": [float(households_new)],
        "households_existing": [float(households_existing)],
        "population": [np.nan if population is None else float(population)],
        "elderly_population": [np.nan], "phases": [np.nan if phases is None else float(phases)],
        "complete_community": [complete_community], "rural": [rural], "row": ["quick"],
    }, geometry=gpd.GeoSeries([None]))
    rows = []
    if facility_area_m2 > 0:
        rows.append({"id": "F1", "name": None, "kind": "community_station",
                     "floor_area_m2": float(facility_area_m2),
                     "land_area_m2": np.nan if land_area_m2 is None else float(land_area_m2),
                     "status": FacilityState.PLANNED.value, "phase": np.nan, "beds": np.nan,
                     "nursing_beds": np.nan, "dementia_beds": np.nan, "social_workers": np.nan,
                     "parcel_ids": ["quick"], "row": "F1"})
    columns = ["id", "name", "kind", "floor_area_m2", "land_area_m2", "status", "phase", "beds",
               "nursing_beds", "dementia_beds", "social_workers", "parcel_ids", "row"]
    facilities = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns),
                                  geometry=gpd.GeoSeries([None] * len(rows)))
    facilities["land_area_from_geometry"] = False
    parcels = _complete_parcels(parcels, persons_per_household)
    return Plan(source="(command line figures)", name="quick check", crs=None, parcels=parcels,
                facilities=facilities, buildings=None, streets=None,
                crs_note="—", fingerprint=None)
