"""area_per_households: eldercare floor area ≥ rate × households / 100."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, judge, pick
from .._i18n import N_
from ..settings import TOLERANCE
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["area_per_households"]

FORMULA_NEW = N_("{rate_new:g} m²/100 households × {households_new:,.0f} new households / 100 = {required:,.1f} m²")
FORMULA_EXISTING = N_("{rate_existing:g} m²/100 households × {households_existing:,.0f} existing households / 100 = {required:,.1f} m²")
FORMULA_MIXED = (N_("({rate_new:g} × {households_new:,.0f} new + {rate_existing:g} × "
                 "{households_existing:,.0f} existing households) / 100 = {required:,.1f} m²"))
# Parcels sharing facilities (统筹配置) are judged on their group's sums: the formula prints
# the group's arithmetic, each member's households and their total, so the sum shown is the
# requirement shown.
FORMULA_GROUP_NEW = N_("{rate_new:g} m²/100 households × ({members_new} = {group_households_new:,.0f}) new households / 100 = {required:,.1f} m²")
FORMULA_GROUP_EXISTING = N_("{rate_existing:g} m²/100 households × ({members_existing} = {group_households_existing:,.0f}) existing households / 100 = {required:,.1f} m²")
FORMULA_GROUP_MIXED = N_("({rate_new:g} × ({members_new} = {group_households_new:,.0f}) new + {rate_existing:g} × ({members_existing} = {group_households_existing:,.0f}) existing households) / 100 = {required:,.1f} m²")
PASS = N_("Provides {provided:,.1f} m² of eldercare floor area; {required:,.1f} m² required.")
FAIL = N_("Provides {provided:,.1f} m² of eldercare floor area, {shortfall:,.1f} m² short of the {required:,.1f} m² required.")
FIX = N_("Add at least {shortfall:,.1f} m² of eldercare floor area.")
NO_HOUSEHOLDS = N_("The parcel has no households.")
NEW_BY_SHARE = N_("The standard sets no per-100-household rate for new housing: its new housing is judged by the share of residential floor area.")
RECOMMENDED = (N_("Below the recommended {rate_new_recommended:g} m²/100 new households "
               "({recommended_required:,.1f} m²); a note, not a failure."))


def evaluate(ctx, spec) -> pd.DataFrame:
    hh_new_given = np.nan_to_num(ctx.parcel_column("households_new"))
    hh_existing = np.nan_to_num(ctx.parcel_column("households_existing"))
    # A standard that measures new housing by another quantity (floor_area_share) states no
    # per-100-household rate for it: here only existing housing is judged.
    new_elsewhere = spec.value("rate_new") is None
    hh_new = np.zeros_like(hh_new_given) if new_elsewhere else hh_new_given
    rate_new = 0.0 if new_elsewhere else float(spec.value("rate_new"))
    rate_existing = float(spec.value("rate_existing"))
    own_required = (rate_new * hh_new + rate_existing * hh_existing) / 100.0
    required = ctx.provision.group_total(own_required)
    provided = ctx.provision.provided_total(ctx.facility_column("floor_area_m2", 0.0))
    status, shortfall = judge(required, provided)
    pooled = ctx.provision.group_size > 1
    group_new = ctx.provision.group_total(hh_new)
    group_existing = ctx.provision.group_total(hh_existing)
    ids = ctx.parcels["id"].astype(str).to_numpy()
    no_households = (hh_new_given + hh_existing) == 0
    only_new_elsewhere = ~no_households & (hh_new + hh_existing == 0)
    status = np.where(no_households | only_new_elsewhere, Status.NOT_APPLICABLE.value, status)
    judged = ~(no_households | only_new_elsewhere)

    out = frame(
        parcel=np.arange(len(required)), status=status,
        required=np.where(judged, required, np.nan), provided=np.where(judged, provided, np.nan),
        shortfall=np.where(judged, shortfall, np.nan),
        message=pick([no_households, only_new_elsewhere, status == Status.FAIL.value],
                     [NO_HOUSEHOLDS, NEW_BY_SHARE, FAIL], PASS),
        formula=pick([~judged, pooled & (group_existing == 0), pooled & (group_new == 0),
                      pooled, hh_existing == 0, hh_new == 0],
                     [None, FORMULA_GROUP_NEW, FORMULA_GROUP_EXISTING, FORMULA_GROUP_MIXED,
                      FORMULA_NEW, FORMULA_EXISTING], FORMULA_MIXED),
        fix=np.where(status == Status.FAIL.value, FIX, None),
        rate_new=np.nan if new_elsewhere else rate_new, rate_existing=rate_existing, households_new=hh_new,
        households_existing=hh_existing, own_required=own_required,
        group_households_new=group_new, group_households_existing=group_existing,
        members_new=ctx.provision.group_terms(ids, hh_new),
        members_existing=ctx.provision.group_terms(ids, hh_existing),
        # Existing housing only: where the standard says how a shortfall there is made up
        # (购置、置换、租赁), the finding's consequence says so.
        existing_only=(hh_new_given == 0) & (hh_existing > 0),
    )
    if new_elsewhere:
        out["notes"] = [[NEW_BY_SHARE] if j and n > 0 else []
                        for j, n in zip(judged, hh_new_given)]
    recommended = spec.value("rate_new_recommended")
    if recommended is not None:
        rec_required = ctx.provision.group_total(
            (float(recommended) * hh_new + rate_existing * hh_existing) / 100.0)
        below = (hh_new > 0) & (provided + TOLERANCE < rec_required) & ~no_households
        out["rate_new_recommended"] = float(recommended)
        out["recommended_required"] = rec_required
        out["notes"] = [[RECOMMENDED] if b else [] for b in below]
    return out


EVALUATORS = {INFO.id: evaluate}
