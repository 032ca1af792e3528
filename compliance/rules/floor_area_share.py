"""floor_area_share: eldercare floor area ≥ share × the above-ground residential floor area of
the new housing (e.g. Shaoxing: 套内建筑面积不少于地上住宅总建筑面积千分之二)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, judge, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["floor_area_share"]

FORMULA = N_("{share_permille:g}‰ × {residential_floor_area_m2:,.0f} m² above-ground residential floor area = {required:,.1f} m²")
FORMULA_GROUP = N_("{share_permille:g}‰ × ({members} = {group_residential_floor_area_m2:,.0f}) m² above-ground residential floor area = {required:,.1f} m²")
PASS = N_("Provides {provided:,.1f} m² of eldercare floor area; {required:,.1f} m² required.")
FAIL = N_("Provides {provided:,.1f} m² of eldercare floor area, {shortfall:,.1f} m² short of the {required:,.1f} m² required.")
FIX = N_("Add at least {shortfall:,.1f} m² of eldercare floor area.")
NO_NEW = N_("No new housing: the share applies to new residential floor area.")
MISSING = N_("The plan gives no above-ground residential floor area for this parcel's new housing.")
FIX_MISSING = N_("Give residential_floor_area_m2 (地上住宅建筑面积) of the parcel.")
ALSO_EXISTING = N_("The parcel also has {households_existing:,.0f} existing households: their requirement is judged by the per-100-household rule against the same floor area.")


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    share = float(spec.value("share"))
    area = ctx.parcel_column("residential_floor_area_m2")
    hh_new = np.nan_to_num(ctx.parcel_column("households_new"))
    hh_existing = np.nan_to_num(ctx.parcel_column("households_existing"))
    own_required = share * np.nan_to_num(area)
    required = ctx.provision.group_total(own_required)
    provided = ctx.provision.provided_total(ctx.facility_column("floor_area_m2", 0.0))
    status, shortfall = judge(required, provided)
    missing = np.isnan(area) & (hh_new > 0)
    no_new = np.isnan(area) & (hh_new == 0)
    status = np.select([no_new, missing], [Status.NOT_APPLICABLE.value,
                                           Status.INSUFFICIENT_DATA.value], status)
    judged = ~(no_new | missing)
    pooled = ctx.provision.group_size > 1
    ids = ctx.parcels["id"].astype(str).to_numpy()
    return frame(
        parcel=np.arange(n), status=status,
        required=np.where(judged, required, np.nan),
        provided=np.where(judged, provided, np.nan),
        shortfall=np.where(judged, shortfall, np.nan),
        message=pick([no_new, missing, status == Status.FAIL.value], [NO_NEW, MISSING, FAIL],
                      PASS),
        formula=np.where(judged, np.where(pooled, FORMULA_GROUP, FORMULA), None),
        fix=pick([status == Status.FAIL.value, missing], [FIX, FIX_MISSING], None),
        share_permille=share * 1000, residential_floor_area_m2=area,
        group_residential_floor_area_m2=ctx.provision.group_total(area),
        members=ctx.provision.group_terms(ids, np.nan_to_num(area)),
        households_existing=hh_existing, own_required=own_required,
        notes=[[ALSO_EXISTING] if j and e > 0 else [] for j, e in zip(judged, hh_existing)],
    )


EVALUATORS = {INFO.id: evaluate}
