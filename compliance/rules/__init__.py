"""The rules. Importing this package registers every rule in REGISTRY."""

from ._registry import REGISTRY, ParamSpec, RuleInfo, register  # noqa: F401
from . import (  # noqa: F401  (each module registers its rule)
    area_per_households,
    minimum_area,
    per_capita_land,
    service_radius,
    facility_minimum_area,
    first_phase,
    institutions,
)
