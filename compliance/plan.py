"""A plan in memory: validated layers, projected to one metric CRS, ready for the rules."""

from __future__ import annotations

import concurrent.futures
from dataclasses import dataclass, field, replace
from typing import Callable

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from . import _process, _validate, projection
from ._i18n import N_
from ._errors import PlanError, Problem
from .io import RawPlan
from .vocabulary import FacilityState


@dataclass(frozen=True)
class DroppedFeature:
    """A feature left out because nothing of it could be used (no usable geometry), with the
    parcels it names: their figures could change when it is corrected."""

    layer: str
    feature: str
    parcel_ids: tuple[str, ...]
    fields: tuple[str, ...]


def _union_box(boxes) -> np.ndarray | None:
    """The box (minx, miny, maxx, maxy) holding the finite ones of `boxes`; None if none."""
    bounds = np.array(boxes, dtype=float).reshape(-1, 4)
    bounds = bounds[np.isfinite(bounds).all(axis=1)]
    if not len(bounds):
        return None
    return np.r_[bounds[:, :2].min(axis=0), bounds[:, 2:].max(axis=0)]


class Footprints:
    """Building outlines held as one WKB buffer, in the order of `Plan.buildings`.

    As shapely objects a district's outlines are most of a plan's memory (200,000 buildings:
    157 MiB); as WKB a tenth of it. The rules measure from each building's representative
    point; only the views draw outlines, and take back the few they draw."""

    __slots__ = ("_buffer", "_offsets", "total_bounds")

    def __init__(self, buffer: bytes, lengths: np.ndarray, total_bounds: np.ndarray):
        self._buffer = buffer
        self._offsets = np.r_[0, np.cumsum(lengths, dtype=np.int64)]
        self.total_bounds = total_bounds

    @staticmethod
    def piece(geoms: np.ndarray) -> tuple[bytes, np.ndarray, np.ndarray]:
        """One batch's outlines, ready to be joined by `concat`."""
        wkb = shapely.to_wkb(geoms)
        present = ~shapely.is_missing(geoms)
        lengths = np.zeros(len(wkb), dtype=np.int64)
        lengths[present] = np.fromiter(map(len, wkb[present]), dtype=np.int64,
                                       count=int(present.sum()))
        bounds = shapely.total_bounds(geoms) if len(geoms) else np.full(4, np.nan)
        return b"".join(wkb[present]), lengths, bounds

    @classmethod
    def concat(cls, pieces: list) -> "Footprints":
        total = _union_box([p[2] for p in pieces])
        return cls(b"".join(p[0] for p in pieces),
                   np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, np.int64),
                   np.full(4, np.nan) if total is None else total)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def take(self, positions) -> np.ndarray:
        """The outlines at these positions, as shapely geometries (None where missing)."""
        buf, off = self._buffer, self._offsets
        wkb = np.empty(len(positions), dtype=object)
        for k, i in enumerate(np.asarray(positions, dtype=np.int64)):
            wkb[k] = buf[off[i]:off[i + 1]] or None
        return shapely.from_wkb(wkb)


@dataclass
class Plan:
    source: str
    name: str
    crs: pyproj.CRS | None
    parcels: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    # One row per building: its fields, its parcel (position, -1: none) and x, y its
    # representative point in metres; the outlines are in `footprints`.
    buildings: pd.DataFrame | None
    streets: gpd.GeoDataFrame | None
    fingerprint: str | None = None
    crs_note: str = ""
    problems: list[Problem] = field(default_factory=list)
    dropped: list[DroppedFeature] = field(default_factory=list)
    # The buildings' outlines; `buildings` holds each one's representative point.
    footprints: Footprints | None = None
    # The CRS the plan's parcels were given in (its facilities' where the parcels have no
    # shapes; WGS 84 for points off a web map): GIS files are written back in it, so that they
    # lie on the office's own data with its coordinates. None: nothing was placed.
    given_crs: pyproj.CRS | None = None

    def building_outlines(self, positions) -> np.ndarray:
        """The outlines of the buildings at these positions (a point where one was given)."""
        return self.footprints.take(positions)

    def extent(self):
        """The box holding every parcel, building outline and facility (None if empty)."""
        boxes = [layer.total_bounds for layer in (self.parcels, self.facilities)
                 if layer is not None and len(layer)]
        if self.footprints is not None:
            boxes.append(self.footprints.total_bounds)
        box = _union_box(boxes)
        return None if box is None else tuple(box)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]


# Errors that leave nothing of a facility or building to use.
_UNUSABLE = {"geometry"}


def build_plan(raw: RawPlan, *, crs: str | None = None, strict: bool = True,
               persons_per_household: float = 3.0, name: str | None = None,
               coords: str | None = None,
               on_buildings: Callable[[int], None] | None = None,
               place_field: str | None = None) -> Plan:
    """Validate, project and assemble.

    `place_field`: a field of the parcels naming each one's place (城市), carried as the
    column `place` for a batch that judges each place by its own standard.

    `on_buildings(n)` is told how many buildings have been read, batch after batch.

    Strict (check): any error stops the run with every problem listed (exit 2). Lenient
    (batch): nothing usable is dropped. A parcel with bad data stays, to be reported
    incomplete with its problems; a facility or building keeps whatever of it is valid (a bad
    field becomes unknown) and is dropped only when it has no usable geometry. Every layer is
    read in its own CRS, and all are measured in one local conformal CRS.
    """
    problems = list(raw.problems)

    def file_of(layer):
        return raw.files.get(layer, raw.source)

    layer_crs = {layer: _layer_crs(raw, layer, crs, problems, file_of(layer))
                 for layer in raw.layer_names}
    _one_plane(layer_crs, file_of)
    streamed = set(raw.streams)  # their coordinates are looked at batch by batch
    for layer, gdf in raw.layers.items():
        if layer_crs[layer].is_geographic and len(gdf):
            bounds = _finite_bounds(gdf)
            if bounds is not None:
                problems += _validate.geographic_coordinates(bounds, file_of(layer), layer)

    if coords:
        raw.materialise()
        _from_web_map(raw, layer_crs, coords, problems, file_of)
    geometry_required = not raw.geometry_optional
    pattrs, pgeoms, L = _validate.validate_parcels(raw.layers["parcels"], file_of("parcels"),
                                                   geometry_required=geometry_required)
    if place_field is not None:
        pattrs["place"] = _place_column(raw.layers["parcels"], place_field, file_of("parcels"))
    # A second parcel with an id already used cannot be told apart: it is left out.
    duplicate = np.zeros(len(pattrs), dtype=bool)
    duplicate[[i for i, ps in L.problems_of.items()
               if any(p.message == "id used twice" for p in ps)]] = True
    keep_parcel = ~duplicate
    parcel_ids = set(pattrs.loc[keep_parcel, "id"])
    checks = [L]

    empty_frame = gpd.GeoDataFrame({"_row": []}, geometry=gpd.GeoSeries([]))
    fac_raw = raw.layers.get("facilities", empty_frame)
    fattrs, fgeoms, FL = _validate.validate_facilities(fac_raw, file_of("facilities"),
                                                       parcel_ids,
                                                       geometry_required=geometry_required)
    checks.append(FL)
    fac_keep = ~FL.unusable(_UNUSABLE)
    fattrs["bad_fields"] = FL.fields_column(leave_out="parcel_id")
    dropped = [DroppedFeature("facilities", str(FL.labels[i]),
                              tuple(fattrs["parcel_ids"].iloc[i]),
                              tuple(sorted(FL.fields_of.get(i, ()))))
               for i in np.flatnonzero(~fac_keep)]

    streets = None
    if "streets" in raw.layers:
        sattrs, sgeoms, SL = _validate.validate_streets(raw.layers["streets"],
                                                        file_of("streets"))
        smask = sattrs["walkable"].to_numpy(dtype=bool) & ~SL.bad
        streets = gpd.GeoDataFrame(sattrs.loc[smask, ["connect"]].reset_index(drop=True),
                                   geometry=gpd.GeoSeries(sgeoms[smask],
                                                          crs=layer_crs["streets"]))

    pattrs["problems"] = [tuple(L.problems_of.get(i, ())) for i in range(len(pattrs))]
    parcels = gpd.GeoDataFrame(pattrs[keep_parcel].reset_index(drop=True),
                               geometry=gpd.GeoSeries(pgeoms[keep_parcel],
                                                      crs=layer_crs["parcels"]))
    fac_crs = layer_crs.get("facilities", layer_crs["parcels"])
    facilities = gpd.GeoDataFrame(fattrs[fac_keep].reset_index(drop=True),
                                  geometry=gpd.GeoSeries(fgeoms[fac_keep], crs=fac_crs))
    # The measuring CRS comes from the parcels and facilities, so that the buildings can be
    # projected batch by batch as they are read.
    metric = _measuring_crs(parcels, facilities) if not parcels.empty else None

    buildings = footprints = None
    building_dropped: list[DroppedFeature] = []
    building_off: list[Problem] = []
    if "buildings" in raw.layer_names:
        read = _read_buildings(raw, file_of("buildings"), layer_crs["buildings"], parcel_ids,
                               geometry_required, metric,
                               look_at_coordinates="buildings" in streamed,
                               on_batch=on_buildings)
        buildings, footprints = read.points, read.footprints
        problems += read.crs_problems
        checks.append(read)
        building_dropped, building_off = read.dropped, read.unprojectable
    if "streets" in raw.layers:
        checks.append(SL)
    dropped += building_dropped

    for c in checks:
        problems += c.problems
    if strict and any(p.level == "error" for p in problems):
        raise PlanError([p for p in problems if p.level == "error"])
    if parcels.empty:
        raise PlanError([p for p in problems if p.level == "error"] + [Problem(
            file_of("parcels"), N_("no parcel is left to check"), layer="parcels",
            expected=N_("at least one parcel"))])

    parcels = parcels.to_crs(metric)
    facilities = facilities.to_crs(metric)
    streets = streets.to_crs(metric) if streets is not None else None
    # A feature thousands of kilometres from the rest cannot be held in metres: the parcel is
    # incomplete with its problem, any other feature left out, never a crash further on.
    off, off_problems = _validate.unprojectable(parcels, file_of("parcels"), "parcels")
    if off.any():
        problems += off_problems
        if strict:
            raise PlanError(off_problems)
        parcels.loc[off, "geometry"] = None
        for i, prob in zip(np.flatnonzero(off), off_problems):
            parcels.at[i, "problems"] = tuple(parcels.at[i, "problems"]) + (prob,)
    others = {"facilities": facilities, "streets": streets}
    for layer in ("facilities", "buildings", "streets"):
        if layer == "buildings":
            off, off_problems = None, building_off  # found as each batch was projected
        elif others[layer] is None:
            continue
        else:
            off, off_problems = _validate.unprojectable(others[layer], file_of(layer), layer)
        if not off_problems:
            continue
        problems += off_problems
        if strict:
            raise PlanError(off_problems)
        if layer != "streets":
            dropped += [DroppedFeature(layer, prob.feature, (), ("geometry",))
                        for prob in off_problems]
        if off is not None:
            others[layer] = others[layer][~off].reset_index(drop=True)
    facilities, streets = others["facilities"], others["streets"]
    problems += _validate.plan_extent(parcels, file_of("parcels"))

    # Zero-area parcels can only be told in metres: incomplete, never silently dropped.
    zero, zero_problems = _validate.zero_area_parcels(parcels, file_of("parcels"))
    if zero.any():
        problems += zero_problems
        if strict:
            raise PlanError(zero_problems)
        for i, prob in zip(np.flatnonzero(zero), zero_problems):
            parcels.at[i, "problems"] = tuple(parcels.at[i, "problems"]) + (prob,)

    parcels = _complete_parcels(parcels, persons_per_household)
    facilities = _complete_facilities(facilities)
    if buildings is not None:
        buildings, outside = _assign_buildings(buildings, parcels)
        problems += [Problem(file_of("buildings"), N_("the building lies outside every parcel; "
                             "its households are not counted"), layer="buildings",
                             feature=str(b), field="geometry", level="warning")
                     for b in outside]
        problems += _validate.household_totals(parcels, buildings, file_of("parcels"))
    problems = _merge_layer_warnings(problems)
    # A list of projects without geometry is measured in no CRS: the report says so rather
    # than name the fixed point the measuring CRS falls back on.
    shaped = {name: layer is not None and len(layer) > 0
              and _any_shape(layer.geometry.to_numpy())
              for name, layer in (("parcels", parcels), ("facilities", facilities),
                                  ("streets", streets))}
    measured = any(shaped.values()) \
        or (buildings is not None and len(buildings) > 0)  # points held as x, y
    # GIS files go back in the CRS of the first layer placed: the parcels', else the facilities'.
    given = next((layer_crs[name] for name in ("parcels", "facilities") if shaped[name]), None)
    return Plan(source=raw.source, name=name or _plan_name(raw.source), crs=metric,
                parcels=parcels, facilities=facilities, buildings=buildings, streets=streets,
                fingerprint=raw.fingerprint, problems=problems, dropped=dropped,
                crs_note=projection.describe(metric) if measured else "—",
                footprints=footprints, given_crs=given)


def _place_column(gdf: gpd.GeoDataFrame, place_field: str, file: str) -> list[str | None]:
    """Each parcel's place as its field gives it (the field's name in any case), None where
    blank."""
    wanted = place_field.strip().lower()
    column = next((c for c in gdf.columns if str(c).strip().lower() == wanted), None)
    if column is None:
        raise PlanError(Problem(file, N_("the parcels have no field of this name"),
                                layer="parcels", field=place_field,
                                found=", ".join(str(c) for c in gdf.columns
                                                if c not in ("geometry", "_row")) or "—",
                                expected=N_("the field naming each parcel's place "
                                            "(城市, 所在城市)")))
    text = gdf[column].astype(object).where(gdf[column].notna(), None)
    # A code kept as a number (XZQDM 520300, or 520300.0 from a spreadsheet) reads as a code.
    text = [int(v) if isinstance(v, float) and v.is_integer() else v for v in text]
    return [None if v is None or not str(v).strip() else str(v).strip() for v in text]


class Cut:
    """A plan cut into parts, one per place (a batch by place). What every part needs of the
    whole plan (whose parcel each feature, problem and facility is) is found once, here, so
    that a part costs what its own features cost: found again for each part, the labels of a
    district's 200,000 buildings took 0.2 s a part."""

    def __init__(self, plan: Plan):
        self.plan = plan
        parcels, facilities, buildings = plan.parcels, plan.facilities, plan.buildings
        n = len(parcels)
        self._ids = parcels["id"].astype(str).tolist()
        position = dict(zip(self._ids, range(n)))
        # What is said of a feature belongs to the part of the parcel the feature is of.
        self._problem_parcel = {id(q): i for i, qs in enumerate(parcels["problems"])
                                for q in qs}
        self._label_parcel = {**dict(zip(parcels["row"].astype(str), range(n))), **position}
        self._building_parcel = {}
        if buildings is not None:
            on = buildings["parcel"].to_numpy() >= 0  # outside every parcel: said in every part
            self._building_parcel = dict(zip(buildings["id"][on].astype(str),
                                             buildings["parcel"].to_numpy()[on]))
        self._facility_labels = set(facilities["id"].dropna().astype(str)) | \
            set(facilities["row"].astype(str))
        # The parcels each facility names (parcel_id), as (facility, parcel) position pairs.
        named = facilities["parcel_ids"].explode().dropna()
        named = named[named.isin(position)]
        self._named_facility = named.index.to_numpy(dtype=np.int64)
        self._named_parcel = named.map(position).to_numpy(dtype=np.int64)
        self._names_any = np.array([bool(ids) for ids in facilities["parcel_ids"]], dtype=bool)
        # A facility that names no parcel is judged with the parcel it lies in or is nearest to
        # (-1: it names one; it has no shape: judged in every part it is in).
        geoms = facilities.geometry.to_numpy()
        placed = ~self._names_any & ~shapely.is_missing(geoms)
        self._home = np.full(len(facilities), -1, dtype=np.int64)
        shaped = np.flatnonzero(~shapely.is_missing(parcels.geometry.to_numpy()))
        if placed.any() and len(shaped):
            tree = shapely.STRtree(parcels.geometry.to_numpy()[shaped])
            which, nearest = tree.query_nearest(shapely.point_on_surface(geoms[placed]),
                                                all_matches=False)
            self._home[np.flatnonzero(placed)[which]] = shaped[nearest]

    def part(self, positions, persons_per_household: float, reach_m: float) -> Plan:
        """The plan of these parcels alone (positions into the plan's parcels), as if it had
        been read by itself: measured in the CRS a plan of them alone is measured in, holding
        their buildings and the facilities and streets within `reach_m` of them (a home may
        walk to a facility beyond its own parcels, never farther than the radius), the
        problems of the plan as a whole and of these features, and the population the plan
        estimated estimated again by this standard's persons per household."""
        plan = self.plan
        positions = np.sort(np.asarray(positions, dtype=np.int64))
        mine = np.zeros(len(plan.parcels), dtype=bool)
        mine[positions] = True
        parcels = plan.parcels.iloc[positions].reset_index(drop=True)
        parcels["population"] = parcels["population"].mask(parcels["population_estimated"])
        parcels = _complete_parcels(parcels, persons_per_household)

        buildings, footprints, outlines = plan.buildings, plan.footprints, None
        if buildings is not None:
            new = np.full(len(plan.parcels) + 1, -1, dtype=np.int64)  # [-1]: outside all
            new[positions] = np.arange(len(positions))
            keep = np.flatnonzero(new[buildings["parcel"].to_numpy()] >= 0)
            buildings = buildings.iloc[keep].reset_index(drop=True)
            buildings["parcel"] = new[buildings["parcel"].to_numpy()]
            outlines = footprints.take(keep) if footprints is not None else None

        # The facilities naming these parcels, and those naming others.
        names_mine = np.bincount(self._named_facility, weights=mine[self._named_parcel],
                                 minlength=len(plan.facilities)) > 0
        names_other = np.bincount(self._named_facility, weights=~mine[self._named_parcel],
                                  minlength=len(plan.facilities)) > 0
        taken = names_mine | shapely.is_missing(plan.facilities.geometry.to_numpy())
        streets = plan.streets
        box = _union_box([parcels.total_bounds] + (
            [[buildings["x"].min(), buildings["y"].min(), buildings["x"].max(),
              buildings["y"].max()]] if buildings is not None and len(buildings) else []))
        if box is not None:
            near = shapely.box(*box).buffer(reach_m)
            taken[plan.facilities.sindex.query(near, predicate="intersects")] = True
            if streets is not None:
                streets = streets.iloc[np.sort(streets.sindex.query(near))] \
                    .reset_index(drop=True)
        else:
            taken[:] = True
        kept = np.flatnonzero(taken)
        # A facility is judged (its beds, its staff) in one part: that of the parcels it
        # names, else of the parcel it lies in or is nearest to; in the others it is a place a
        # home may walk to, no more.
        home = self._home[kept]
        judged = np.where(self._names_any[kept], names_mine[kept],
                          (home < 0) | mine[np.maximum(home, 0)])
        facilities = plan.facilities.iloc[kept].reset_index(drop=True).assign(judged=judged)

        here = set(facilities["id"].dropna().astype(str)) | set(facilities["row"].astype(str))
        problems = [q for q in plan.problems if self._said_here(q, mine, here)]
        own_ids = set(parcels["id"].astype(str))
        dropped = [d for d in plan.dropped if not d.parcel_ids or own_ids & set(d.parcel_ids)]
        # A facility the plan shares between these parcels and others, judged by another
        # standard, counts here whole, as it does there: said, for the reviewer to apportion.
        shared = (names_mine & names_other)[kept]
        if shared.any():
            problems.append(Problem(
                plan.source, SHARED_ACROSS_STANDARDS, layer="facilities",
                found=", ".join(facilities["id"].astype(str)[shared]),
                expected=N_("each part's share of the facility given as a facility of its own"),
                level="warning"))

        crs = plan.crs
        if crs is not None and not projection.is_local(crs) and box is not None:
            given = plan.given_crs or crs
            crs = _measuring_crs(parcels.to_crs(given) if parcels.geometry.notna().any()
                                 else parcels, facilities.to_crs(given))
        if crs is not None and plan.crs is not None and not crs.equals(plan.crs):
            parcels, facilities = parcels.to_crs(crs), facilities.to_crs(crs)
            streets = streets.to_crs(crs) if streets is not None else None
            if outlines is not None:
                step = projection.transformer(plan.crs, crs)
                outlines = shapely.transform(outlines, lambda xy: np.column_stack(
                    step.transform(xy[:, 0], xy[:, 1])))
                # Each home's point is taken of its outline in the metres it is measured in,
                # as when the plan is read (see _reduce_buildings).
                points = shapely.point_on_surface(outlines)
                buildings["x"], buildings["y"] = shapely.get_x(points), shapely.get_y(points)
            elif buildings is not None and len(buildings):
                buildings["x"], buildings["y"] = projection.transformer(plan.crs, crs) \
                    .transform(buildings["x"].to_numpy(), buildings["y"].to_numpy())
        if outlines is not None:
            footprints = Footprints.concat([Footprints.piece(outlines)])
        # The plan spans a country; each place's part is as large as its own parcels.
        large = [q for q in problems if q.message == _validate.LARGE_PLAN]
        if large:
            problems = [q for q in problems if q.message != _validate.LARGE_PLAN] + \
                _validate.plan_extent(parcels, large[0].file)
        crs_note = plan.crs_note if crs is plan.crs else projection.describe(crs)
        return replace(plan, crs=crs, parcels=parcels, facilities=facilities, streets=streets,
                       buildings=buildings, footprints=footprints, problems=problems,
                       dropped=dropped, crs_note=crs_note)

    def _said_here(self, problem: Problem, mine: np.ndarray, facilities_here: set) -> bool:
        """Whether a problem of the plan is this part's: the plan's as a whole, or of its own
        parcels, buildings and facilities (a building outside every parcel: every part's)."""
        owner = self._problem_parcel.get(id(problem))
        if owner is None and problem.feature is not None:
            if problem.layer == "parcels":
                owner = self._label_parcel.get(problem.feature)
            elif problem.layer == "buildings":
                owner = self._building_parcel.get(problem.feature)
            elif problem.layer == "facilities":
                return problem.feature not in self._facility_labels \
                    or problem.feature in facilities_here
        return owner is None or bool(mine[owner])


SHARED_ACROSS_STANDARDS = N_("facilities shared with parcels judged by another standard: "
                             "each counts whole for these parcels, as for those")


def _from_web_map(raw, layer_crs, coords, problems, file_of) -> None:
    """--coords gcj02|bd09: longitude/latitude copied off a Chinese web map, to WGS 84, before
    anything else. Projected layers are not web-map coordinates and are left as they are."""
    for layer, gdf in raw.layers.items():
        if layer_crs[layer].is_geographic:
            raw.layers[layer] = gdf.set_geometry(
                projection.from_web_map(gdf.geometry.to_numpy(), coords), crs=gdf.crs)
        else:
            problems.append(Problem(file_of(layer),
                                    N_("--coords applies to longitude/latitude only; this "
                                       "layer is projected and was not converted"),
                                    found=f"--coords {coords}", layer=layer, level="warning"))


def _merge_layer_warnings(problems: list[Problem]) -> list[Problem]:
    """One warning said of several layers of one file (the same words, the same finding) is
    said once, naming them all."""
    out: list[Problem] = []
    seen: dict[tuple, int] = {}
    for prob in problems:
        key = (prob.file, prob.message, prob.level, prob.feature, prob.field, prob.found)
        if prob.level == "warning" and prob.layer and prob.feature is None and key in seen:
            first = out[seen[key]]
            out[seen[key]] = replace(first, layer=f"{first.layer}, {prob.layer}")
            continue
        seen.setdefault(key, len(out))
        out.append(prob)
    return out


def _finite_bounds(gdf):
    geoms = gdf.geometry.to_numpy()
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return None
    xy = shapely.get_coordinates(geoms[ok])
    xy = xy[np.isfinite(xy).all(axis=1)]
    if not len(xy):
        return None
    return np.r_[xy.min(axis=0), xy.max(axis=0)]


def _layer_crs(raw: RawPlan, layer: str, crs: str | None, problems: list[Problem],
               file: str) -> pyproj.CRS:
    """The CRS a layer's coordinates are in: its own declaration; for a layer without one,
    the user's --crs, else WGS 84 when its coordinates are degrees, else the Gauss-Krüger zone
    its eastings' prefix names; otherwise the layer is refused with a message naming --crs."""
    if layer in raw.streams:  # streamed only where its file declares its CRS
        return pyproj.CRS.from_user_input(raw.streams[layer].crs)
    gdf = raw.layers[layer]
    undeclared = layer in raw.undeclared_crs or gdf.crs is None
    implied = layer in raw.implied_wgs84
    if not undeclared and not implied:
        return pyproj.CRS.from_user_input(gdf.crs)
    bounds = _finite_bounds(gdf)
    degrees = bounds is None or projection.looks_like_degrees(bounds)
    if implied and degrees:
        return projection.WGS84
    if crs:
        return projection.user_crs(crs)
    if degrees:
        problems.append(Problem(file, N_("no CRS declared (no .prj?): assumed WGS 84 longitude/"
                                "latitude from the coordinates' range"), layer=layer,
                                level="warning", expected=N_("a .prj file, or --crs")))
        return projection.WGS84
    zone = projection.gauss_kruger_from_prefix(bounds)
    if zone is not None:
        problems.append(Problem(file, N_("no CRS declared: the eastings' zone prefix gives a zone"),
                                found=f"{zone.name} (EPSG:{zone.to_epsg()})", layer=layer,
                                level="warning", expected=N_("a declared CRS, or --crs")))
        return zone
    minx, miny, maxx, maxy = bounds
    what = N_("GeoJSON coordinates are not longitude/latitude") if implied else \
        N_("no CRS declared and the coordinates are not degrees")
    raise PlanError(Problem(file, what, layer=layer,
                            found=f"x {minx:,.0f}…{maxx:,.0f}, y {miny:,.0f}…{maxy:,.0f}",
                            expected=N_("name their CRS with --crs, e.g. --crs EPSG:4547 for "
                                     "CGCS2000 / 3-degree Gauss-Krüger CM 114°E, or --crs "
                                     "local for a city's own grid (城市独立坐标系), measured as "
                                     "drawn")))


def _one_plane(layer_crs: dict, file_of) -> None:
    """A plan in the local plane (--crs local) is measured as drawn: a layer placed on the
    Earth (one declaring its CRS) cannot be set beside it, as nothing says where the plane
    lies. Refused, naming the layers of each kind."""
    local = [layer for layer, c in layer_crs.items() if projection.is_local(c)]
    placed = [layer for layer in layer_crs if layer not in local]
    if local and placed:
        raise PlanError(Problem(
            file_of(placed[0]), N_("layers in the local plane (--crs local) and layers placed "
                                   "on the Earth cannot be measured together"),
            layer=", ".join(placed),
            found=", ".join(f"{layer}: {layer_crs[layer].name}" for layer in placed),
            expected=N_("every layer in the drawing's own coordinates, or every layer's CRS "
                        "named")))


def _measuring_crs(parcels: gpd.GeoDataFrame, facilities: gpd.GeoDataFrame) -> pyproj.CRS:
    """The local conformal CRS centred on the plan's parcels (facilities when no parcel has
    a geometry; a fixed point for a plan without any geometry); the local plane itself for a
    plan drawn in one (--crs local)."""
    if projection.is_local(parcels.crs) or projection.is_local(facilities.crs):
        return projection.LOCAL
    for layer in (parcels, facilities):
        bounds = _finite_bounds(layer) if len(layer) else None
        if bounds is not None and layer.crs is not None:
            lon, lat = projection.to_lonlat(pyproj.CRS(layer.crs)).transform((bounds[0] + bounds[2]) / 2,
                                           (bounds[1] + bounds[3]) / 2)
            if np.isfinite(lon) and np.isfinite(lat):
                return projection.local_crs(lon, lat)
    return projection.local_crs(116.4, 39.9)


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


@dataclass
class _BuildingsRead:
    points: pd.DataFrame | None         # one row per building kept, x/y its representative point
    footprints: Footprints | None
    problems: list[Problem]             # from validation, batch after batch
    crs_problems: list[Problem]         # about the layer's coordinates as a whole
    dropped: list[DroppedFeature]
    unprojectable: list[Problem]


def _read_buildings(raw: RawPlan, file: str, crs: pyproj.CRS, parcel_ids: set[str],
                    geometry_required: bool, metric: pyproj.CRS | None,
                    look_at_coordinates: bool,
                    on_batch: Callable[[int], None] | None = None) -> _BuildingsRead:
    """The buildings layer, batch by batch (io.STREAM_ROWS): each validated, projected to
    `metric` and reduced to representative points, its outlines kept as WKB, before the next
    but one is read. A batch's polygons are freed soon after, so the plan's memory follows
    the batch, not the district. Without a measuring CRS (no parcel left) the batches are
    only validated, for the list of problems.

    Validation runs here, batch after batch, for it carries state from one batch to the next
    (the ids seen); the reduction of a batch runs in a thread meanwhile (`_reduce_buildings`:
    projection, representative points, WKB), so a second core reads and validates the next
    batch: 1,000,000 buildings, 11.3 → 9.3 s. What overlaps is what lets go of the GIL:
    GDAL's reading, PROJ's projecting and GEOS's work in shapely's vectorised functions
    (is_valid on 400,000 outlines: 0.21 s in one thread, 0.12 s split over two); the pandas
    and Python of validation hold it."""
    seen_ids: set = set()
    problems, dropped = [], []
    boxes = []
    read = 0
    reduced: list[concurrent.futures.Future] = []
    # The thread is started by the second batch: a layer of one batch (most plans) is reduced
    # here, without the 50 ms a new thread's PROJ context costs.
    first = pool = None
    try:
        for chunk in raw.chunks("buildings"):
            read += len(chunk)
            if on_batch is not None:
                on_batch(read)
            if look_at_coordinates and crs.is_geographic and len(chunk):
                box = _finite_bounds(chunk)
                if box is not None:
                    boxes.append(box)
            battrs, bgeoms, BL = _validate.validate_buildings(
                chunk, file, parcel_ids, geometry_required=geometry_required,
                seen_ids=seen_ids)
            del chunk
            # A field the whole layer lacks is said once, not once a batch.
            problems += [q for q in BL.problems_by_feature()
                         if q.feature is not None or q not in problems]
            keep = ~BL.unusable(_UNUSABLE)
            battrs["bad_fields"] = BL.fields_column(leave_out="parcel_id")
            dropped += [DroppedFeature("buildings", str(BL.labels[i]),
                                       tuple(x for x in [battrs["parcel_id"].iloc[i]] if x),
                                       tuple(sorted(BL.fields_of.get(i, ()))))
                        for i in np.flatnonzero(~keep)]
            if metric is None:
                continue
            job = (battrs[keep].reset_index(drop=True), bgeoms[keep], crs, metric, file)
            del battrs, bgeoms
            if first is None and pool is None:
                first = job
                continue
            if pool is None:
                pool = concurrent.futures.ThreadPoolExecutor(
                    max_workers=1, initializer=_process.leave_signals_to_the_main_thread)
                reduced.append(pool.submit(_reduce_buildings, *first))
                first = None
            # At most one batch waits while another is reduced: memory stays that of a few
            # batches whatever the layer's size.
            if len(reduced) >= 2:
                reduced[-2].result()
            reduced.append(pool.submit(_reduce_buildings, *job))
        batches = [f.result() for f in reduced] if pool is not None else \
            [_reduce_buildings(*first)] if first is not None else []
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    box = _union_box(boxes)
    crs_problems = [] if box is None else \
        _validate.geographic_coordinates(box, file, "buildings")
    if metric is None:
        return _BuildingsRead(None, None, problems, crs_problems, dropped, [])
    frames = [frame for frame, _, _ in batches]
    points = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return _BuildingsRead(points, Footprints.concat([piece for _, piece, _ in batches]),
                          problems, crs_problems, dropped,
                          [p for _, _, off_found in batches for p in off_found])


def _reduce_buildings(attrs: pd.DataFrame, geoms: np.ndarray, crs: pyproj.CRS,
                      metric: pyproj.CRS, file: str):
    """A validated batch of buildings projected to `metric`, as (attributes with the x/y of
    each representative point, outlines as a Footprints piece, problems of coordinates that
    cannot be projected); those are left out."""
    kept = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, crs=crs)).to_crs(metric)
    off, off_found = _validate.unprojectable(kept, file, "buildings")
    if off.any():
        kept = kept[~off].reset_index(drop=True)
    outlines = kept.geometry.to_numpy()
    piece = Footprints.piece(outlines)
    # Every distance is measured from a building's representative point, taken of its
    # outline in metres; held as two columns (16 bytes, where a shapely point is 200). Taken
    # of the outline as drawn and then projected, it would cost a quarter as much, but move
    # with the CRS the plan is drawn in: the Beijing sample's buildings in CGCS2000 / GK
    # CM 114°E, 2.3° from their meridian, moved by up to 23.9 m, so that one plan gave two
    # answers (see test_a_buildings_point_is_the_same_whatever_crs_the_plan_is_drawn_in).
    points = shapely.point_on_surface(outlines)
    frame = pd.DataFrame(kept.drop(columns="geometry"))
    frame["x"], frame["y"] = shapely.get_x(points), shapely.get_y(points)
    return frame, piece, off_found


def _any_shape(geoms: np.ndarray) -> bool:
    """Whether any geometry is there and not empty (an empty one measures nothing)."""
    return bool((~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)).any())


def _assign_buildings(buildings: gpd.GeoDataFrame, parcels: gpd.GeoDataFrame):
    """Each building's parcel: its parcel_id, else the parcel containing it (-1: none)."""
    position = pd.Series(np.arange(len(parcels)), index=parcels["id"].to_numpy())
    assigned = buildings["parcel_id"].map(position).fillna(-1).astype(int).to_numpy().copy()
    need = np.flatnonzero(assigned < 0)
    if len(need) and len(parcels):
        pts = shapely.points(buildings[["x", "y"]].to_numpy()[need])
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
                 persons_per_household: float = 3.0, parcel_id: str = "quick",
                 name: str = "quick check", source: str = "(command line figures)") -> Plan:
    """A one-parcel plan from figures alone (the quick check): no geometry, so rules that
    measure distance report insufficient data. `parcel_id` names the one parcel in the
    report (the project's name, or a word for it); `name` and `source` the plan, in the
    report's language."""
    parcels = gpd.GeoDataFrame({
        "id": [parcel_id], "name": [None],
        "households_new": [float(households_new)],
        "households_existing": [float(households_existing)],
        "population": [np.nan if population is None else float(population)],
        "elderly_population": [np.nan], "phases": [np.nan if phases is None else float(phases)],
        "complete_community": [complete_community], "rural": [rural], "row": [parcel_id],
        "problems": [()],
    }, geometry=gpd.GeoSeries([None]))
    rows = []
    if facility_area_m2 > 0:
        rows.append({"id": "F1", "name": None, "kind": "community_station",
                     "floor_area_m2": float(facility_area_m2),
                     "land_area_m2": np.nan if land_area_m2 is None else float(land_area_m2),
                     "status": FacilityState.PLANNED.value, "phase": np.nan, "beds": np.nan,
                     "nursing_beds": np.nan, "dementia_beds": np.nan, "social_workers": np.nan,
                     "parcel_ids": [parcel_id], "row": "F1"})
    columns = ["id", "name", "kind", "floor_area_m2", "land_area_m2", "status", "phase", "beds",
               "nursing_beds", "dementia_beds", "social_workers", "parcel_ids", "row"]
    facilities = gpd.GeoDataFrame(pd.DataFrame(rows, columns=columns),
                                  geometry=gpd.GeoSeries([None] * len(rows)))
    facilities["land_area_from_geometry"] = False
    parcels = _complete_parcels(parcels, persons_per_household)
    return Plan(source=source, name=name, crs=None, parcels=parcels,
                facilities=facilities, buildings=None, streets=None,
                crs_note="—", fingerprint=None)
