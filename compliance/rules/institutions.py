"""Rules for eldercare institutions (facilities with beds): bed mix and staffing ratios."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame
from .._i18n import N_
from ..settings import RATIO_TOLERANCE
from ..vocabulary import Status

PASS = N_("{numerator_label} {numerator:,.0f} / {denominator_label} {denominator:,.0f} = {ratio:.1%}, at least {required:.0%}.")
FAIL = N_("{numerator_label} {numerator:,.0f} / {denominator_label} {denominator:,.0f} = {ratio:.1%}, below {required:.0%}.")
FIX = N_("Make at least {needed:,.0f} of the {denominator:,.0f} {denominator_label} {numerator_label} (+{shortfall_count:,.0f}).")
MISSING = N_("The facility has {denominator:,.0f} {denominator_label} but gives no {numerator_field}.")
FIX_MISSING = N_("Give {numerator_field} for this facility.")
FORMULA = N_("{numerator_label} ≥ {required:.0%} × {denominator_label}")


def _ratio_rule(ctx, numerator_field: str, denominator_field: str, min_ratio: float,
                numerator_label: str, denominator_label: str) -> pd.DataFrame:
    den = ctx.facility_column(denominator_field)
    num = ctx.facility_column(numerator_field)
    applies = np.flatnonzero(np.nan_to_num(den) > 0)
    den, num = den[applies], num[applies]
    ratio = num / den
    needed = np.ceil(min_ratio * den - RATIO_TOLERANCE)
    missing = np.isnan(num)
    status = np.where(missing, Status.INSUFFICIENT_DATA.value,
                      np.where(ratio + RATIO_TOLERANCE >= min_ratio, Status.PASS.value,
                               Status.FAIL.value))
    return frame(
        facility=applies, status=status, required=min_ratio, provided=np.round(ratio, 6),
        shortfall=np.where(status == Status.FAIL, min_ratio - ratio, 0.0),
        message=np.select([missing, status == Status.FAIL], [MISSING, FAIL], PASS),
        formula=FORMULA,
        fix=np.select([missing, status == Status.FAIL], [FIX_MISSING, FIX], None),
        numerator=num, denominator=den, ratio=ratio,
        needed=needed, shortfall_count=needed - np.nan_to_num(num),
        numerator_label=numerator_label, denominator_label=denominator_label,
        numerator_field=numerator_field,
    )


def nursing_bed_ratio(ctx, spec) -> pd.DataFrame:
    return _ratio_rule(ctx, "nursing_beds", "beds", float(spec.value("min_ratio")),
                       N_("nursing beds"), N_("beds"))


def dementia_bed_ratio(ctx, spec) -> pd.DataFrame:
    return _ratio_rule(ctx, "dementia_beds", "nursing_beds", float(spec.value("min_ratio")),
                       N_("dementia beds"), N_("nursing beds"))


def social_workers_per_100_beds(ctx, spec) -> pd.DataFrame:
    minimum = float(spec.value("min_per_100_beds"))
    out = _ratio_rule(ctx, "social_workers", "beds", minimum / 100.0,
                      N_("social workers"), N_("beds"))
    # Reported per 100 beds, as the clause states it.
    for col in ("required", "provided", "shortfall"):
        out[col] = out[col] * 100.0
    fail = out["status"] == Status.FAIL
    out["message"] = np.select([out["status"] == Status.INSUFFICIENT_DATA, fail],
                               [MISSING, SW_FAIL], SW_PASS)
    out["formula"] = SW_FORMULA
    return out


SW_FORMULA = N_("{required:g} social workers per 100 beds × {denominator:,.0f} beds / 100")
SW_PASS = N_("{numerator:,.0f} social workers for {denominator:,.0f} beds = {provided:.2f} per 100 beds, at least {required:g}.")
SW_FAIL = N_("{numerator:,.0f} social workers for {denominator:,.0f} beds = {provided:.2f} per 100 beds, below {required:g}.")


EVALUATORS = {"nursing_bed_ratio": nursing_bed_ratio, "dementia_bed_ratio": dementia_bed_ratio,
              "social_workers_per_100_beds": social_workers_per_100_beds}
