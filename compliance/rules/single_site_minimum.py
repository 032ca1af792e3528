"""single_site_minimum: every eldercare facility site a parcel provides is at least the
single-site minimum (单处／单体面积), and, where the standard says so, the provision is one site."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, joined_per_parcel, judge, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["single_site_minimum"]

FORMULA = N_("single-site minimum {required:,.0f} m²; smallest site {site_id} {provided:,.1f} m²")
PASS = N_("Each of its {sites:,.0f} sites has at least {required:,.0f} m²; the smallest, {site_id}, has {provided:,.1f} m².")
FAIL = N_("Sites below the {required:,.0f} m² single-site minimum: {small}.")
FIX = N_("Enlarge {small_ids} to at least {required:,.0f} m² each, or combine them into one site.")
DISPERSED = N_("The provision is dispersed over {sites:,.0f} sites ({site_ids}); the standard requires it in one site (不得分散配置).")
FIX_DISPERSED = N_("Combine {site_ids} into one site.")
UNKNOWN = N_("The floor area of {unknown} is not known.")
FIX_UNKNOWN = N_("Give the floor area of {unknown}.")
POOLED_MIN = N_("{pooled_ids} serve several parcels (集中配置): the pooled-site minimum of {pooled_min:,.0f} m² applies to them.")
NONE = N_("The parcel provides no facility.")
EXISTING_ONLY = N_("Applies to new housing; this parcel has none.")
SMALL_POOLED = N_("A small project ({households:,.0f} households) pooled with its neighbours ({group} households): the single-site minimum does not apply to small pooled projects; the pooled total is judged by the area rule.")


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    ids = ctx.parcels["id"].astype(str).to_numpy()
    fac_ids = ctx.facilities["id"].astype(str).to_numpy()
    minimum = float(spec.value("min_site_area_m2"))
    pooled_min = spec.value("pooled_min_site_area_m2")
    area = ctx.facility_column("floor_area_m2")

    links = ctx.provision.group_links()
    f = links["facility"].to_numpy()
    links["area"] = area[f]
    links["fid"] = fac_ids[f]
    links["required"] = np.where(links["pooled"] & (pooled_min is not None),
                                 float(pooled_min if pooled_min is not None else 0), minimum)
    links["short"] = links["area"] < links["required"] - 0.005
    links["unknown"] = np.isnan(links["area"])
    # The site each finding shows: the one furthest below its minimum, else the smallest.
    links["margin"] = links["area"] - links["required"]
    shown = links[~links["unknown"]].sort_values(["parcel", "margin", "fid"]) \
        .drop_duplicates("parcel").set_index("parcel")

    sites = np.bincount(links["parcel"], minlength=n) if len(links) else np.zeros(n, int)
    links["term"] = [f"{i} {a:,.1f} m²" for i, a in zip(links["fid"], links["area"])]
    small = joined_per_parcel(links, links["short"], "term", n)
    small_ids = joined_per_parcel(links, links["short"], "fid", n)
    unknown = joined_per_parcel(links, links["unknown"], "fid", n)
    pooled_ids = joined_per_parcel(links, links["pooled"], "fid", n)
    site_ids = joined_per_parcel(links, np.ones(len(links), bool), "fid", n)

    required = np.full(n, np.nan)
    provided = np.full(n, np.nan)
    site_id = np.full(n, "", dtype=object)
    if len(shown):
        at = shown.index.to_numpy(dtype=int)
        required[at] = shown["required"].to_numpy()
        provided[at] = shown["area"].to_numpy()
        site_id[at] = shown["fid"].to_numpy()
    status, shortfall = judge(np.nan_to_num(required), np.nan_to_num(provided))

    households = np.nan_to_num(ctx.parcel_column("households_new")) + \
        np.nan_to_num(ctx.parcel_column("households_existing"))
    small_project = np.zeros(n, dtype=bool)
    max_hh = spec.value("small_project_max_households")
    max_gfa = spec.value("small_project_max_floor_area_m2")
    if max_hh is not None:
        small_project |= households < float(max_hh)
    if max_gfa is not None:
        small_project |= ctx.parcel_column("gross_floor_area_m2", np.inf) < float(max_gfa)
    small_pooled = small_project & (ctx.provision.group_size > 1)
    no_new = np.nan_to_num(ctx.parcel_column("households_new")) == 0
    existing_only = no_new & bool(spec.value("new_housing_only", False))
    dispersed = (sites > 1) & bool(spec.value("one_site", False))
    is_small = small != ""
    has_unknown = unknown != ""
    none = sites == 0

    conditions = [none, existing_only, small_pooled, is_small | dispersed, has_unknown]
    status = np.select(conditions, [Status.NOT_APPLICABLE.value, Status.NOT_APPLICABLE.value,
                                    Status.NOT_APPLICABLE.value, Status.FAIL.value,
                                    Status.INSUFFICIENT_DATA.value], Status.PASS.value)
    judged = ~(none | existing_only | small_pooled)
    notes = [[DISPERSED] if d and s else [] for d, s in zip(dispersed, is_small)]
    notes = [note + ([POOLED_MIN] if p and pooled_min is not None else [])
             for note, p in zip(notes, pooled_ids != "")]
    groups = ctx.provision.group_terms(ids, households)
    return frame(
        parcel=np.arange(n), status=status,
        required=np.where(judged, required, np.nan),
        provided=np.where(judged, provided, np.nan),
        shortfall=np.where(judged & ~np.isnan(provided), shortfall, np.nan),
        message=pick(conditions, [NONE, EXISTING_ONLY, SMALL_POOLED,
                                  np.where(is_small, FAIL, DISPERSED), UNKNOWN], PASS),
        formula=np.where(judged & ~np.isnan(provided), FORMULA, None),
        fix=pick([judged & is_small, judged & dispersed, judged & has_unknown],
                 [FIX, FIX_DISPERSED, FIX_UNKNOWN], None),
        sites=sites.astype(float), site_id=site_id, site_ids=site_ids, small=small,
        small_ids=small_ids, unknown=unknown, pooled_ids=pooled_ids,
        pooled_min=float(pooled_min) if pooled_min is not None else np.nan,
        households=households, group=groups, notes=notes,
    )


EVALUATORS = {INFO.id: evaluate}
