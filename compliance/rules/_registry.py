"""The rule registry: every rule's stable id, one-line summary, parameters and evaluator.

Like a linter's rule table: the standards loader validates against it, `compliance rules`
and the generated docs page list it, and the engine runs what a standard enables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class ParamSpec:
    name: str
    description: str
    required: bool = True
    minimum: float = 0.0
    maximum: float | None = None
    nullable: bool = False
    unit: str = ""


@dataclass(frozen=True)
class RuleInfo:
    id: str
    summary: str
    summary_zh: str
    # "parcel": one finding (or more, by kind) per parcel; "facility": one per eldercare institution.
    scope: str
    unit: str
    params: tuple[ParamSpec, ...] = ()
    evaluate: Callable | None = field(default=None, compare=False, repr=False)

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.params if p.name == name), None)


REGISTRY: dict[str, RuleInfo] = {}


def register(info: RuleInfo) -> Callable:
    """Decorate a rule's evaluate function, adding the rule to the registry under its id."""

    def wrap(fn: Callable) -> Callable:
        if info.id in REGISTRY:
            raise RuntimeError(f"rule id registered twice: {info.id}")
        REGISTRY[info.id] = RuleInfo(**{**info.__dict__, "evaluate": fn})
        return fn

    return wrap
