"""service_radius: every household within N walking minutes of an eldercare facility."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyproj

from ._frame import Evaluation, frame, pick
from .. import projection
from .._i18n import N_
from ..context import Context
from ..settings import TOLERANCE
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["service_radius"]

# Uncovered buildings named in a finding; the rest are counted.
MAX_LISTED = 20

FORMULA = N_("{minutes:g} min × {speed_m_per_min:.1f} m/min = {required:,.0f} m")
FORMULA_FIXED = N_("radius {required:,.0f} m")
PASS_BUILDINGS = N_("Every household is within {provided:,.0f} m of a facility; the radius is {required:,.0f} m.")
PASS_PARCEL = N_("Every point of the parcel is within {provided:,.0f} m of a facility; the radius is {required:,.0f} m.")
FAIL_BUILDINGS = (N_("{uncovered_households:,.0f} households in {uncovered_buildings:,.0f} buildings "
                  "({listed}) are beyond the {required:,.0f} m radius; the farthest is "
                  "{provided:,.0f} m from the nearest facility."))
FAIL_PARCEL = (N_("Parts of the parcel are up to {provided:,.0f} m from the nearest facility, "
               "beyond the {required:,.0f} m radius (farthest point at {worst_point})."))
FAIL_NONE = N_("No eldercare facility in the plan can be reached.")
FAIL_UNREACHABLE = N_("Some households are on streets that do not connect to any facility "
                      "(a separate part of the network).")
FAIL_BEYOND = N_("Some households are more than {limit_m:,.0f} m from every facility along the "
                 "streets, beyond the {required:,.0f} m radius.")
FIX_CONNECT = N_("Connect their streets to the network, or plan a facility within "
                 "{required:,.0f} m of them.")
FIX = (N_("Add a facility within {required:,.0f} m of the uncovered households, or move one "
       "closer: the farthest is {shortfall:,.0f} m too far."))
FIX_NONE = N_("Plan an eldercare facility within {required:,.0f} m of the households.")
NETWORK_RATIO = N_("Along the streets the farthest household is {network_to_straight:.2f} × its "
                   "straight-line distance ({worst_straight_m:,.0f} m).")
NO_GEOMETRY = N_("The parcel has no geometry, so distances cannot be measured.")
FIX_GEOMETRY = N_("Give the parcel its polygon (and buildings with households).")


def _fixed_radius(spec, options) -> float | None:
    """A radius in metres that replaces minutes × speed: the user's option, else the
    standard's own fixed radius. The one place the override is read."""
    fixed = options.radius_m or spec.value("radius_m")
    return float(fixed) if fixed else None


def radius_m(ctx, spec) -> np.ndarray:
    """Per parcel: the walking radius in metres (rural parcels take the rural minutes)."""
    fixed = _fixed_radius(spec, ctx.options)
    if fixed is not None:
        return np.full(len(ctx.parcels), fixed)
    return minutes(ctx, spec) * ctx.walking_speed_m_per_min


def max_radius_m(standard, options) -> float:
    """The largest radius any parcel can have: the network search needs no more."""
    spec = standard.rules[INFO.id]
    fixed = _fixed_radius(spec, options)
    if fixed is not None:
        return fixed
    return max(float(spec.value("minutes_urban")), float(spec.value("minutes_rural") or 0)) \
        * options.walking_speed_m_per_min_for(standard)


def minutes(ctx, spec) -> np.ndarray:
    urban = float(spec.value("minutes_urban"))
    rural = spec.value("minutes_rural")
    is_rural = ctx.parcel_column("rural", 0.0) > 0
    return np.where(is_rural & (rural is not None), float(rural or urban), urban)


def evaluate(ctx, spec) -> Evaluation:
    n = len(ctx.parcels)
    required = radius_m(ctx, spec)
    cov = ctx.coverage
    worst = np.full(n, -np.inf)
    worst_at = np.full(n, -1)
    if cov is not None and len(cov.parcel):
        order = np.lexsort((cov.distance, cov.parcel))
        last = np.r_[cov.parcel[order][1:] != cov.parcel[order][:-1], True]
        idx = order[last]
        worst[cov.parcel[idx]] = cov.distance[idx]
        worst_at[cov.parcel[idx]] = idx
    measured = worst_at >= 0
    status = np.where(~measured, Status.INSUFFICIENT_DATA.value,
                      np.where(worst <= required + TOLERANCE, Status.PASS.value, Status.FAIL.value))
    unreachable = measured & np.isinf(worst)
    # Why a distance is infinite: no facility in the point's part of the network, or farther
    # than the network search went.
    cut_off = np.zeros(n, dtype=bool)
    disconnected = np.zeros(n, dtype=bool)
    if cov is not None and cov.limit_m is not None and len(cov.parcel):
        inf_pts = np.isinf(cov.distance)
        disconnected[np.unique(cov.parcel[inf_pts & ~cov.reachable])] = True
        cut_off[np.unique(cov.parcel[inf_pts & cov.reachable])] = True
        cut_off &= ~disconnected
    no_facility = unreachable & ~cut_off & ~disconnected
    provided = np.where(measured & ~unreachable, worst, np.nan)
    shortfall = np.where(status == Status.FAIL.value, provided - required, 0.0)

    by_building = np.zeros(n, dtype=bool)
    uncovered_hh = np.zeros(n)
    uncovered_b = np.zeros(n)
    listed = np.full(n, "", dtype=object)
    details = [dict() for _ in range(n)] if n else []
    if cov is not None and len(cov.parcel):
        by_building[np.unique(cov.parcel[cov.building >= 0])] = True
        out = (cov.building >= 0) & (cov.distance > required[cov.parcel] + TOLERANCE)
        if out.any():
            ids = ctx.buildings["id"].to_numpy() if "id" in ctx.buildings else \
                ctx.buildings.index.to_numpy()
            far = pd.DataFrame({"parcel": cov.parcel[out], "building": ids[cov.building[out]],
                                "distance": cov.distance[out], "households": cov.households[out]})
            far = far.sort_values(["parcel", "distance"], ascending=[True, False])
            grouped = far.groupby("parcel")
            uncovered_hh[grouped.size().index] = grouped["households"].sum()
            uncovered_b[grouped.size().index] = grouped.size()
            # Not traced (beyond the search limit, or no street leads to a facility).
            beyond = f"> {cov.limit_m:,.0f} m" if cov.limit_m else "—"
            parcel_of = far["parcel"].to_numpy()
            building = [str(b) for b in far["building"].tolist()]
            distance = far["distance"].to_numpy()
            households = far["households"].to_numpy().astype(int).tolist()
            finite = np.isfinite(distance)
            shown = [f"{b} ({d:,.0f} m)" if ok else f"{b} ({beyond})"
                     for b, d, ok in zip(building, distance.tolist(), finite.tolist())]
            metres = [round(d, 1) if ok else None
                      for d, ok in zip(distance.tolist(), finite.tolist())]
            starts = np.flatnonzero(np.r_[True, parcel_of[1:] != parcel_of[:-1]])
            ends = np.r_[starts[1:], len(parcel_of)]
            # One pass over the sorted rows, a slice per parcel (not a frame per parcel).
            for p, a, b in zip(parcel_of[starts].tolist(), starts.tolist(), ends.tolist()):
                head = min(b - a, MAX_LISTED)
                more = b - a - head
                listed[p] = ", ".join(shown[a:a + head]) + (f", +{more}" if more > 0 else "")
                details[p] = {"uncovered_buildings": [
                    {"id": building[i], "distance_m": metres[i], "households": households[i]}
                    for i in range(a, b)]}
        for p in np.flatnonzero(measured & ~unreachable):
            i = worst_at[p]
            details[p]["worst_point"] = [round(float(cov.xy[i, 0]), 2),
                                         round(float(cov.xy[i, 1]), 2)]
            if cov.method != "straight" and np.isfinite(cov.straight[i]) and cov.straight[i] > 0:
                details[p]["worst_straight_m"] = round(float(cov.straight[i]), 1)
                details[p]["network_to_straight"] = round(float(cov.distance[i] / cov.straight[i]), 3)

    ratio = np.array([d.get("network_to_straight", np.nan) for d in details], dtype=float)
    straight_m = np.array([d.get("worst_straight_m", np.nan) for d in details], dtype=float)
    worst_xy = np.full((n, 2), np.nan)
    worst_point = np.full(n, None, dtype=object)
    if cov is not None and measured.any():
        worst_xy[measured] = cov.xy[worst_at[measured]]
        said, kept = _as_given(ctx, worst_xy[measured])
        worst_point[measured] = said
        for p, point in zip(np.flatnonzero(measured).tolist(), kept or []):
            details[p]["worst_point_plan_crs"] = point
    fixed = _fixed_radius(spec, ctx.options) is not None
    failing = status == Status.FAIL.value
    findings = frame(
        parcel=np.arange(n), status=status, required=required, provided=provided,
        shortfall=np.where(failing & ~unreachable, shortfall, np.where(failing, np.nan, 0.0)),
        message=pick([~measured, no_facility, unreachable & disconnected, unreachable & cut_off,
                      failing & by_building, failing, by_building],
                     [NO_GEOMETRY, FAIL_NONE, FAIL_UNREACHABLE, FAIL_BEYOND, FAIL_BUILDINGS,
                      FAIL_PARCEL, PASS_BUILDINGS], PASS_PARCEL),
        formula=FORMULA_FIXED if fixed else FORMULA,
        fix=pick([~measured, no_facility, unreachable, failing],
                 [FIX_GEOMETRY, FIX_NONE, FIX_CONNECT, FIX], None),
        limit_m=cov.limit_m if cov is not None and cov.limit_m else np.nan,
        minutes=minutes(ctx, spec), speed_m_per_min=ctx.walking_speed_m_per_min,
        uncovered_households=uncovered_hh, uncovered_buildings=uncovered_b, listed=listed,
        worst_x=worst_xy[:, 0], worst_y=worst_xy[:, 1], worst_point=worst_point,
        network_to_straight=ratio, worst_straight_m=straight_m,
        notes=[[NETWORK_RATIO] if r == r else [] for r in ratio],
        details=details,
    )
    covered = np.zeros(0, dtype=bool)
    if cov is not None:
        covered = cov.distance <= required[cov.parcel] + TOLERANCE
    return Evaluation(findings, radius_m=required, covered=covered)


EVALUATORS = {INFO.id: evaluate}


def _as_given(ctx: Context, xy: np.ndarray) -> tuple[list[str], list[list[float]] | None]:
    """The farthest points as the office finds them, in the CRS the plan was given in (a
    drawing's own x and y, longitude and latitude for a GeoJSON): as a message writes them,
    and as the details keep them (None where the plan gave no CRS). The measuring CRS's
    metres about the plan's centre (x=-789) were said before, which no drawing has."""
    given, measuring = ctx.given_crs, ctx.parcels.crs
    if given is None or measuring is None:
        return [f"x={x:.1f}, y={y:.1f}" for x, y in xy.tolist()], None
    if projection.is_local(measuring):  # measured as drawn: the drawing's own x and y
        gx, gy = xy[:, 0], xy[:, 1]
    else:
        gx, gy = projection.transformer(pyproj.CRS(measuring), given).transform(xy[:, 0],
                                                                                xy[:, 1])
    points = np.column_stack([gx, gy]).tolist()
    digits = 7 if given.is_geographic else 2
    kept = [[round(x, digits), round(y, digits)] for x, y in points]  # Python's, correctly rounded
    if given.is_geographic:
        return [f"{abs(x):.6f}°{'E' if x >= 0 else 'W'}, {abs(y):.6f}°{'N' if y >= 0 else 'S'}"
                for x, y in points], kept
    # As a CAD program shows a point: no thousands separators, to be copied.
    return [f"x={x:.1f}, y={y:.1f}" for x, y in points], kept
