"""Each rule of the catalogue bound to the function that evaluates it. Imported by the engine."""

from __future__ import annotations

from typing import Callable

from . import (area_per_households, facility_minimum_area, facility_siting, first_phase,
               floor_area_share, institutions, minimum_area, per_capita_land, service_radius,
               single_site_minimum)
from .catalogue import CATALOGUE

EVALUATORS: dict[str, Callable] = {
    **area_per_households.EVALUATORS, **minimum_area.EVALUATORS, **per_capita_land.EVALUATORS,
    **service_radius.EVALUATORS, **facility_minimum_area.EVALUATORS, **first_phase.EVALUATORS,
    **institutions.EVALUATORS, **single_site_minimum.EVALUATORS,
    **facility_siting.EVALUATORS, **floor_area_share.EVALUATORS,
}
if set(EVALUATORS) != set(CATALOGUE):  # pragma: no cover - a developer's mistake, caught on import
    raise RuntimeError("rules without an implementation or a catalogue entry: "
                       f"{sorted(set(EVALUATORS) ^ set(CATALOGUE))}")

# The rule whose required figure is the walking radius (it also bounds the network search).
_RADIUS_RULES = [r.id for r in CATALOGUE.values() if r.defines_radius]
_RADIUS_BOUNDS = {service_radius.INFO.id: service_radius.max_radius_m}


def radius_bound_m(standard, options) -> float:
    """The largest walking radius any parcel can have under `standard`: the network search
    needs no more. 0 when the standard has no radius rule."""
    bounds = [_RADIUS_BOUNDS[r](standard, options) for r in _RADIUS_RULES if r in standard.rules]
    return max(bounds, default=0.0)
