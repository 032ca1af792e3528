"""first_phase: in a phased development the eldercare facilities are built in phase 1, or,
where the standard allows it, finished before a share of the housing is complete; and, where
the standard says so, not split across phases (不得拆分)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, joined_per_parcel as _joined, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["first_phase"]

PASS = N_("All {facilities:,.0f} facilities it provides are in phase 1 of {phases:,.0f}.")
PASS_SHARE = N_("{finished_early} are finished before {max_share_pct:g} % of the housing is complete.")
FAIL = N_("Facilities {late} are planned after phase 1.")
FAIL_SHARE = N_("Facilities {late} are planned after phase 1 and finished only when {late_share} of the housing is complete, not before {max_share_pct:g} %.")
FIX = N_("Move {late} into phase 1 (首期).")
FIX_SHARE = N_("Move {late} into phase 1 (首期), or finish it before {max_share_pct:g} % of the housing is complete.")
SPLIT = N_("The facilities are split across phases {split_phases}; the standard does not allow it (不得拆分).")
FIX_SPLIT = N_("Build all the eldercare facilities in one phase, the first.")
MISSING = N_("Facilities {unknown} give no phase.")
FIX_MISSING = N_("Give the phase of {unknown}.")
MISSING_SHARE = N_("Facilities {unknown_share} are after phase 1; the plan does not say how much of the housing is complete when they are finished.")
FIX_MISSING_SHARE = N_("Give housing_share_complete of {unknown_share}, or move them into phase 1.")
SINGLE = N_("Not a phased development (phases ≤ 1 or not given).")
NONE = N_("The parcel provides no facility.")


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    phases = np.nan_to_num(ctx.parcel_column("phases"), nan=1.0)
    max_share = spec.value("max_housing_share_complete")
    no_split = bool(spec.value("no_split", False))
    links = ctx.provision.links()
    fac = ctx.facilities
    f = links["facility"].to_numpy()
    links["phase"] = ctx.facility_column("phase")[f]
    links["share"] = ctx.facility_column("housing_share_complete")[f]
    links["fid"] = fac["id"].astype(str).to_numpy()[f] if len(links) else []
    links["share_text"] = [f"{i} {v * 100:g} %" for i, v in zip(links["fid"], links["share"])]
    count = np.bincount(links["parcel"], minlength=n) if len(links) else np.zeros(n)

    after = links["phase"] > 1
    if max_share is None:
        early = np.zeros(len(links), dtype=bool)
        unknown_share = np.zeros(len(links), dtype=bool)
    else:
        # "必须在住宅总规模完成50%之前": finished while less than the share is complete.
        early = after & (links["share"] < float(max_share))
        unknown_share = after & links["share"].isna()
    late = after & ~early & ~unknown_share
    late_s = _joined(links, late, "fid", n)
    late_share = _joined(links, late & links["share"].notna(), "share_text", n)
    early_s = _joined(links, early, "fid", n)
    unknown_s = _joined(links, links["phase"].isna(), "fid", n)
    unknown_share_s = _joined(links, unknown_share, "fid", n)
    distinct = links.dropna(subset=["phase"]).drop_duplicates(["parcel", "phase"])
    split_count = np.bincount(distinct["parcel"], minlength=n) if len(distinct) else np.zeros(n)
    distinct = distinct.sort_values(["parcel", "phase"])
    distinct["p"] = [f"{v:g}" for v in distinct["phase"]]
    split_phases = _joined(distinct, np.ones(len(distinct)), "p", n)

    phased = phases > 1
    has_late = late_s != ""
    split = (split_count > 1) & no_split
    has_unknown = unknown_s != ""
    has_unknown_share = unknown_share_s != ""
    conditions = [~phased, count == 0, has_late, split, has_unknown, has_unknown_share]
    status = np.select(conditions, [Status.NOT_APPLICABLE.value, Status.NOT_APPLICABLE.value,
                                    Status.FAIL.value, Status.FAIL.value,
                                    Status.INSUFFICIENT_DATA.value,
                                    Status.INSUFFICIENT_DATA.value], Status.PASS.value)
    fail_late = FAIL if max_share is None else FAIL_SHARE
    fix_late = FIX if max_share is None else FIX_SHARE
    notes = [[PASS_SHARE] if e and s == Status.PASS.value else
             [SPLIT] if sp and hl else []
             for e, s, sp, hl in zip(early_s != "", status, split, has_late)]
    return frame(
        parcel=np.arange(n), status=status, required=np.nan, provided=np.nan, shortfall=np.nan,
        message=pick(conditions, [SINGLE, NONE, fail_late, SPLIT, MISSING, MISSING_SHARE],
                     PASS),
        formula=None,
        fix=pick([phased & (count > 0) & has_late, phased & (count > 0) & split,
                  phased & (count > 0) & has_unknown,
                  phased & (count > 0) & has_unknown_share],
                 [fix_late, FIX_SPLIT, FIX_MISSING, FIX_MISSING_SHARE], None),
        facilities=count.astype(float), phases=phases, late=late_s, late_share=late_share,
        finished_early=early_s, unknown=unknown_s, unknown_share=unknown_share_s,
        split_phases=split_phases,
        max_share_pct=float(max_share) * 100 if max_share is not None else np.nan,
        notes=notes,
    )


EVALUATORS = {INFO.id: evaluate}
