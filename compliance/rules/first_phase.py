"""first_phase: in a phased development the eldercare facility is built in phase 1."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["first_phase"]

PASS = N_("All {facilities:,.0f} facilities it provides are in phase 1 of {phases:,.0f}.")
FAIL = N_("Facilities {late} are planned after phase 1.")
FIX = N_("Move {late} into phase 1 (首期).")
MISSING = N_("Facilities {unknown} give no phase.")
FIX_MISSING = N_("Give the phase of {unknown}.")
SINGLE = N_("Not a phased development (phases ≤ 1 or not given).")
NONE = N_("The parcel provides no facility.")


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    phases = np.nan_to_num(ctx.parcel_column("phases"), nan=1.0)
    links = ctx.provision.links()
    fac = ctx.facilities
    links["phase"] = ctx.facility_column("phase")[links["facility"].to_numpy()]
    links["fid"] = fac["id"].to_numpy()[links["facility"].to_numpy()] if len(links) else []
    count = np.bincount(links["parcel"], minlength=n) if len(links) else np.zeros(n)
    late = links[links["phase"] > 1].groupby("parcel")["fid"].agg(", ".join)
    unknown = links[links["phase"].isna()].groupby("parcel")["fid"].agg(", ".join)
    late_s = np.full(n, "", dtype=object)
    unknown_s = np.full(n, "", dtype=object)
    late_s[late.index.to_numpy()] = late.to_numpy()
    unknown_s[unknown.index.to_numpy()] = unknown.to_numpy()
    phased = phases > 1
    has_late = late_s != ""
    has_unknown = unknown_s != ""
    status = np.select([~phased, count == 0, has_late, has_unknown],
                       [Status.NOT_APPLICABLE.value, Status.NOT_APPLICABLE.value, Status.FAIL.value, Status.INSUFFICIENT_DATA.value], Status.PASS.value)
    return frame(
        parcel=np.arange(n), status=status, required=np.nan, provided=np.nan, shortfall=np.nan,
        message=pick([~phased, count == 0, has_late, has_unknown], [SINGLE, NONE, FAIL, MISSING],
                     PASS),
        formula=None,
        fix=pick([status == Status.FAIL.value, status == Status.INSUFFICIENT_DATA.value], [FIX, FIX_MISSING], None),
        facilities=count.astype(float), phases=phases, late=late_s, unknown=unknown_s,
    )


EVALUATORS = {INFO.id: evaluate}
