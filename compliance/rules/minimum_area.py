"""minimum_area: the development's eldercare floor area is at least a fixed floor (e.g. 350 m²)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, judge, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["minimum_area"]

FORMULA = N_("minimum {required:,.0f} m²")
PASS = N_("Provides {provided:,.1f} m², at least the {required:,.0f} m² minimum.")
FAIL = N_("Provides {provided:,.1f} m², {shortfall:,.1f} m² below the {required:,.0f} m² minimum.")
FIX = N_("Add at least {shortfall:,.1f} m² so that the facilities total {required:,.0f} m².")
NOT_FLAGGED = N_("Applies only to parcels marked {applies_to}; this one is not.")


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    minimum = float(spec.value("min_floor_area_m2"))
    provided = ctx.provision.provided_total(ctx.facility_column("floor_area_m2", 0.0))
    required = np.full(n, minimum)
    status, shortfall = judge(required, provided)
    applies = np.ones(n, dtype=bool)
    if spec.applies_to:
        applies = ctx.parcel_column(spec.applies_to, 0.0) > 0
    status = np.where(applies, status, Status.NOT_APPLICABLE.value)
    return frame(
        parcel=np.arange(n), status=status,
        required=np.where(applies, required, np.nan),
        provided=np.where(applies, provided, np.nan),
        shortfall=np.where(applies, shortfall, np.nan),
        message=pick([~applies, status == Status.FAIL.value], [NOT_FLAGGED, FAIL], PASS),
        formula=np.where(applies, FORMULA, None),
        fix=np.where(status == Status.FAIL.value, FIX, None),
        applies_to=spec.applies_to or "",
    )


EVALUATORS = {INFO.id: evaluate}
