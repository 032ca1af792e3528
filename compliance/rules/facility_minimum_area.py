"""facility_minimum_area: each facility of a kind at least its kind's minimum floor area."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, judge
from .._i18n import N_
from ..settings import TOLERANCE
from ..vocabulary import Status
from .catalogue import CATALOGUE, KIND_MINIMA


INFO = CATALOGUE["facility_minimum_area"]

FORMULA = N_("minimum for {kind_label}: {required:,.0f} m²")
PASS = N_("The smallest {kind_label} ({facility_id}) has {provided:,.1f} m², at least the {required:,.0f} m² minimum.")
FAIL = N_("{facility_id} ({kind_label}) has {provided:,.1f} m², {shortfall:,.1f} m² below the {required:,.0f} m² minimum for its kind.")
FIX = N_("Enlarge {facility_id} to at least {required:,.0f} m² (+{shortfall:,.1f} m²).")
NONE = N_("The parcel provides no facility of a kind with a minimum area.")
FEW_ELDERLY = (N_("It would meet the {few_elderly_min:,.0f} m² minimum for communities with few "
               "elderly residents (老年人口较少的社区); the document sets no threshold, so the "
               "standard must set few_elderly_threshold for it to apply."))


def evaluate(ctx, spec) -> pd.DataFrame:
    n = len(ctx.parcels)
    minimums = {k: float(spec.value(k)) for k in KIND_MINIMA if spec.value(k) is not None}
    links = ctx.provision.links()
    fac = ctx.facilities
    links["kind"] = fac["kind"].to_numpy()[links["facility"].to_numpy()] if len(links) else []
    links = links[links["kind"].isin(list(minimums))]
    if links.empty:
        return frame(parcel=np.arange(n), status=Status.NOT_APPLICABLE.value, required=np.nan,
                     provided=np.nan, shortfall=np.nan, message=NONE, formula=None, fix=None)
    links = links.assign(area=fac["floor_area_m2"].to_numpy(dtype=float)[links["facility"]],
                         facility_id=fac["id"].to_numpy()[links["facility"]])
    smallest = links.sort_values(["parcel", "kind", "area", "facility_id"]) \
        .drop_duplicates(["parcel", "kind"])
    required = smallest["kind"].map(minimums).to_numpy(dtype=float)

    few_min = spec.value("community_station_few_elderly")
    threshold = spec.value("few_elderly_threshold")
    station = smallest["kind"].eq("community_station").to_numpy()
    elderly = ctx.parcel_column("elderly_population")[smallest["parcel"].to_numpy()]
    if few_min is not None and threshold is not None:
        few = station & (elderly < float(threshold))
        required = np.where(few, float(few_min), required)
    provided = smallest["area"].to_numpy()
    status, shortfall = judge(required, provided)
    notes = [[]] * len(smallest)
    if few_min is not None and threshold is None:
        would = station & (status == Status.FAIL.value) & (provided + TOLERANCE >= float(few_min))
        notes = [[FEW_ELDERLY] if w else [] for w in would]
    found = frame(
        parcel=smallest["parcel"].to_numpy(), kind=smallest["kind"].to_numpy(), status=status,
        required=required, provided=provided, shortfall=shortfall,
        message=np.where(status == Status.FAIL.value, FAIL, PASS), formula=FORMULA,
        fix=np.where(status == Status.FAIL.value, FIX, None),
        facility_id=smallest["facility_id"].to_numpy(),
        few_elderly_min=float(few_min) if few_min is not None else np.nan,
        notes=notes,
    )
    missing = np.setdiff1d(np.arange(n), found["parcel"].to_numpy())
    none = frame(parcel=missing, status=Status.NOT_APPLICABLE.value, required=np.nan, provided=np.nan,
                 shortfall=np.nan, message=NONE, formula=None, fix=None)
    return pd.concat([found, none], ignore_index=True)


EVALUATORS = {INFO.id: evaluate}
