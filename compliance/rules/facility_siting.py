"""facility_siting: each eldercare facility a parcel provides sits where the standard allows it
(PLAN-FORMAT.md, facilities: siting): not below ground, not above the stated floor, a
barrier-free lift from the stated floor, its own entrance."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, joined_per_parcel, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["facility_siting"]

PASS = N_("All {sites:,.0f} facilities it provides are sited as the standard requires.")
FAIL = N_("Sited where the standard does not allow: {bad_ids}.")
FIX = N_("Resite {bad_ids} as the notes say.")
MISSING = N_("The plan does not give the siting of {unknown_ids}.")
FIX_MISSING = N_("Give floor, floors, own_entrance and lift of {unknown_ids}.")
NONE = N_("The parcel provides no facility.")
NOTHING = N_("The standard states no siting rule that the plan can show.")

BELOW = N_("Below ground (floor 0 = semi-basement, below 0 = basement): {below_ids}.")
ABOVE = N_("Above floor {max_floor:,.0f}: {above_ids}.")
NO_LIFT = N_("Reaching floor {lift_from_floor:,.0f} or higher without a barrier-free lift: {no_lift_ids}.")
NO_LIFT_OR_RAMP = N_("Reaching floor {lift_from_floor:,.0f} or higher with neither a barrier-free lift nor a ramp: {no_lift_ids}.")
NO_ENTRANCE = N_("Without an entrance of its own: {no_entrance_ids}.")
ONE_FLOOR = N_("{one_floor_ids} give no number of floors: taken as one floor.")


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    max_floor = spec.value("max_floor")
    lift_from = spec.value("lift_from_floor")
    # Checked only where the standard says so (below_ground_allowed: false).
    below_forbidden = spec.value("below_ground_allowed") is False
    ramp_ok = bool(spec.value("ramp_instead_of_lift", False))
    entrance = bool(spec.value("own_entrance", False))

    links = ctx.provision.group_links()
    f = links["facility"].to_numpy()
    links["fid"] = ctx.facilities["id"].astype(str).to_numpy()[f]
    floor = ctx.facility_column("floor")[f]
    floors = ctx.facility_column("floors")[f]
    top = floor + np.nan_to_num(floors, nan=1.0) - 1
    # Storeys are numbered without a 0 between a basement and the ground (0 is a
    # semi-basement, only ever a facility's lowest): from −1, two floors reach the ground, 1.
    top = np.where((floor < 0) & (top >= 0), top + 1, top)
    lift = ctx.facility_column("lift")[f]
    ramp = ctx.facility_column("ramp")[f]
    own = ctx.facility_column("own_entrance")[f]

    floor_needed = below_forbidden or max_floor is not None or lift_from is not None
    unknown = np.zeros(len(links), dtype=bool)
    if floor_needed:
        unknown |= np.isnan(floor)
    below = (floor <= 0) if below_forbidden else np.zeros(len(links), bool)
    above = (top > float(max_floor)) if max_floor is not None else np.zeros(len(links), bool)
    no_lift = np.zeros(len(links), dtype=bool)
    if lift_from is not None:
        needs = top >= float(lift_from)
        ramp_serves = (ramp == 1) if ramp_ok else np.zeros(len(links), bool)
        ramp_refused = (ramp == 0) if ramp_ok else np.ones(len(links), bool)
        served = (lift == 1) | ramp_serves
        refused = (lift == 0) & ramp_refused
        no_lift = needs & refused
        unknown |= needs & ~served & ~refused
    no_entrance = (own == 0) if entrance else np.zeros(len(links), bool)
    if entrance:
        unknown |= np.isnan(own)
    bad = below | above | no_lift | no_entrance
    one_floor = ~np.isnan(floor) & np.isnan(floors) & (max_floor is not None or
                                                       lift_from is not None)

    sites = np.bincount(links["parcel"], minlength=n) if len(links) else np.zeros(n, int)
    cols = {name: joined_per_parcel(links, mask, "fid", n) for name, mask in (
        ("bad_ids", bad), ("unknown_ids", unknown & ~bad), ("below_ids", below),
        ("above_ids", above), ("no_lift_ids", no_lift), ("no_entrance_ids", no_entrance),
        ("one_floor_ids", one_floor))}
    has_bad = cols["bad_ids"] != ""
    has_unknown = cols["unknown_ids"] != ""
    rules_stated = floor_needed or entrance
    notes = []
    for i in range(n):
        note = [m for m, key in ((BELOW, "below_ids"), (ABOVE, "above_ids"),
                                 (NO_LIFT_OR_RAMP if ramp_ok else NO_LIFT, "no_lift_ids"),
                                 (NO_ENTRANCE, "no_entrance_ids"), (ONE_FLOOR, "one_floor_ids"))
                if cols[key][i]]
        notes.append(note)
    conditions = [np.full(n, not rules_stated), sites == 0, has_bad, has_unknown]
    status = np.select(conditions, [Status.NOT_APPLICABLE.value, Status.NOT_APPLICABLE.value,
                                    Status.FAIL.value, Status.INSUFFICIENT_DATA.value],
                       Status.PASS.value)
    return frame(
        parcel=np.arange(n), status=status, required=np.nan, provided=np.nan, shortfall=np.nan,
        message=pick(conditions, [NOTHING, NONE, FAIL, MISSING], PASS), formula=None,
        fix=pick([status == Status.FAIL.value, status == Status.INSUFFICIENT_DATA.value],
                 [FIX, FIX_MISSING], None),
        sites=sites.astype(float), **cols,
        max_floor=float(max_floor) if max_floor is not None else np.nan,
        lift_from_floor=float(lift_from) if lift_from is not None else np.nan,
        notes=notes,
    )


EVALUATORS = {INFO.id: evaluate}
