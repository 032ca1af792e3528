"""per_capita_land: eldercare land area ≥ rate × residents."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._frame import frame, judge, pick
from .._i18n import N_
from ..vocabulary import Status
from .catalogue import CATALOGUE

INFO = CATALOGUE["per_capita_land"]

FORMULA = N_("{rate_m2_per_person:g} m²/person × {population:,.0f} persons = {required:,.1f} m²")
FORMULA_ESTIMATED = (N_("{rate_m2_per_person:g} m²/person × {population:,.0f} persons "
                     "(estimated: {households:,.0f} households × {persons_per_household:g}) "
                     "= {required:,.1f} m²"))
FORMULA_GROUP = N_("{rate_m2_per_person:g} m²/person × ({members} = {group_population:,.0f}) persons = {required:,.1f} m²")
PASS = N_("Provides {provided:,.1f} m² of eldercare land; {required:,.1f} m² required.")
FAIL = N_("Provides {provided:,.1f} m² of eldercare land, {shortfall:,.1f} m² short of the {required:,.1f} m² required.")
FIX = N_("Add at least {shortfall:,.1f} m² of eldercare land (用地).")
MISSING = (N_("Some facilities it provides give no land area (neither land_area_m2 nor a polygon); "
           "the {provided:,.1f} m² known is short of the {required:,.1f} m² required."))
FIX_MISSING = N_("Give land_area_m2 for every facility, or draw it as a polygon.")
NO_PEOPLE = N_("The parcel has no residents.")


def evaluate(ctx, spec) -> pd.DataFrame:
    rate = float(spec.value("rate_m2_per_person"))
    population = np.nan_to_num(ctx.parcel_column("population"))
    estimated = ctx.parcel_column("population_estimated", 0.0) > 0
    households = np.nan_to_num(ctx.parcel_column("households_new")) + \
        np.nan_to_num(ctx.parcel_column("households_existing"))
    required = ctx.provision.group_total(rate * population)
    land = ctx.facility_column("land_area_m2")
    provided = ctx.provision.provided_total(np.nan_to_num(land))
    unknown = ctx.provision.provided_any(np.isnan(land))
    status, shortfall = judge(required, provided)
    no_people = population == 0
    missing = (status == Status.FAIL.value) & unknown
    status = np.where(no_people, Status.NOT_APPLICABLE.value,
                      np.where(missing, Status.INSUFFICIENT_DATA.value, status))
    return frame(
        parcel=np.arange(len(required)), status=status, required=required, provided=provided,
        shortfall=np.where(status == Status.FAIL.value, shortfall, 0.0),
        message=pick([no_people, missing, status == Status.FAIL.value], [NO_PEOPLE, MISSING, FAIL], PASS),
        formula=pick([ctx.provision.group_size > 1, estimated], [FORMULA_GROUP,
                     FORMULA_ESTIMATED], FORMULA),
        fix=pick([missing, status == Status.FAIL.value], [FIX_MISSING, FIX], None),
        rate_m2_per_person=rate, population=population, households=households,
        persons_per_household=ctx.standard.persons_per_household,
        group_population=ctx.provision.group_total(population),
        members=ctx.provision.group_terms(ctx.parcels["id"].astype(str).to_numpy(), population),
    )


EVALUATORS = {INFO.id: evaluate}
