"""The result: one typed object that every view (terminal, JSON, CSV, HTML, GeoPackage) shows.

Verdicts and the summary are decided here, once; views only present them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import Problem
from .standard import Citation, Standard
from .vocabulary import Severity, Status, Verdict


# Slots: a district holds hundreds of thousands of findings and their texts.
@dataclass(frozen=True, slots=True)
class Text:
    """A message to be rendered in the report's language: an English msgid and its arguments."""

    msgid: str
    args: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    status: str
    severity: str
    required: float | None
    provided: float | None
    unit: str
    citation: Citation
    message: Text
    formula: Text | None = None
    fix: Text | None = None
    notes: tuple[Text, ...] = ()
    shortfall: float | None = None
    inherited: bool = False
    inherited_params: tuple[str, ...] = ()
    group: tuple[str, ...] | None = None
    kind: str | None = None
    consequence: str | None = None
    consequence_en: str | None = None
    details: dict = field(default_factory=dict)
    # Which of the message's arguments are the numbers the finding was computed from (see
    # `inputs`): the rule's numeric columns, and the columns whose numbers count value by
    # value. One pair shared by a rule's findings, where a dict each took 6 MiB at 10,000
    # parcels.
    input_columns: tuple[frozenset, frozenset] = (frozenset(), frozenset())
    # Parameters of this rule whose used value is not the published one (RESULT-FORMAT.md
    # standard.modified), so that the report never shows the quote as support for them.
    modified: tuple[dict, ...] = ()
    # A target whose date has passed ("到2022年底"): reported, advisory, never binding.
    deadline: str | None = None
    expired: bool = False

    @property
    def inputs(self) -> dict:
        """The numbers the finding was computed from, in the order of its arguments."""
        numeric, mixed = self.input_columns
        return {k: v for k, v in self.message.args.items()
                if k in numeric or (k in mixed and isinstance(v, (int, float))
                                    and not isinstance(v, bool))}


def verdict(findings) -> str:
    """RESULT-FORMAT.md: any mandatory fail → non_compliant; else any mandatory
    insufficient_data → incomplete; else compliant. Advisory findings never decide."""
    mandatory = [f.status for f in findings if f.severity == Severity.MANDATORY]
    if Status.FAIL in mandatory:
        return Verdict.NON_COMPLIANT
    if Status.INSUFFICIENT_DATA in mandatory:
        return Verdict.INCOMPLETE
    return Verdict.COMPLIANT


@dataclass(frozen=True, slots=True)
class ProvidedFacility:
    """A facility whose floor area counts for a parcel (see Provision.provided_by_group)."""

    id: str
    position: int        # in plan.facilities
    direct: bool         # the parcel itself names or contains it
    shared: bool         # counted for a group of parcels that pool facilities (统筹配置)


@dataclass(frozen=True, slots=True)
class ParcelResult:
    id: str
    name: str | None
    findings: tuple[Finding, ...]
    position: int
    households_new: float = 0.0
    households_existing: float = 0.0
    population: float = 0.0
    population_estimated: bool = False
    group: tuple[str, ...] | None = None
    facilities: tuple[ProvidedFacility, ...] = ()
    # Problems with the parcel's own data: it is not judged, and is incomplete (资料不全).
    problems: tuple[Problem, ...] = ()

    @property
    def verdict(self) -> str:
        if self.problems:
            return Verdict.INCOMPLETE
        return verdict(self.findings)

    @property
    def mandatory_failures(self) -> list[Finding]:
        """The findings that make the parcel non-compliant."""
        return [f for f in self.findings
                if f.status == Status.FAIL and f.severity == Severity.MANDATORY]


def summarise(parcels) -> dict:
    """How many parcels of each verdict: the one count every summary shows."""
    verdicts = [p.verdict for p in parcels]
    return {
        "parcels": len(verdicts),
        "compliant": verdicts.count(Verdict.COMPLIANT),
        "non_compliant": verdicts.count(Verdict.NON_COMPLIANT),
        "incomplete": verdicts.count(Verdict.INCOMPLETE),
    }


@dataclass(frozen=True, slots=True)
class FacilityResult:
    id: str
    name: str | None
    kind: str
    findings: tuple[Finding, ...]
    position: int

    @property
    def verdict(self) -> str:
        return verdict(self.findings)


@dataclass(frozen=True)
class Method:
    crs: str
    distance: str
    walking_speed_km_h: float
    persons_per_household: float
    radius_override_m: float | None = None
    boundary_step_m: float | None = None   # sampling step of parcels without buildings
    network: dict = field(default_factory=dict)


@dataclass(frozen=True)
class DistrictFigure:
    id: str
    target: float | None
    achieved: float | None
    numerator: int
    denominator: int
    status: str
    citation: Citation | None
    message: Text


@dataclass
class Result:
    standard: Standard
    plan: Any                      # compliance.plan.Plan (geometry for the map views)
    parcels: tuple[ParcelResult, ...]
    facilities: tuple[FacilityResult, ...]
    method: Method
    coverage: Any = None           # compliance.distance.Coverage
    provision: Any = None          # compliance.provision.Provision
    radius_m: np.ndarray | None = None    # per parcel, the walking radius judged against
    covered: np.ndarray | None = None     # per coverage point: within its parcel's radius
    service_area: Any = None       # network mode: street segments within the walking radius
    district: tuple[DistrictFigure, ...] = ()
    suggestions: Any = None        # candidate sites for new facilities (batch)
    problems: tuple[Problem, ...] = ()
    run: dict = field(default_factory=dict)
    modified: tuple[dict, ...] = ()   # the standard's and the options' changed figures
    meta: dict = field(default_factory=dict)  # report metadata: project, report_no, reviewer…

    @property
    def summary(self) -> dict:
        out = summarise(self.parcels)
        fac = [f.verdict for f in self.facilities]
        if fac:
            out["institutions"] = len(fac)
            out["institutions_non_compliant"] = fac.count(Verdict.NON_COMPLIANT)
            out["institutions_incomplete"] = fac.count(Verdict.INCOMPLETE)
        rejected = [p for p in self.problems if p.level == "error"]
        if rejected:
            out["rejected_features"] = len(rejected)
        return out

    @property
    def exit_code(self) -> int:
        """0 all compliant, 1 any non-compliant (parcel or institution), 3 any incomplete."""
        verdicts = [p.verdict for p in self.parcels] + [f.verdict for f in self.facilities]
        if Verdict.NON_COMPLIANT in verdicts:
            return 1
        if Verdict.INCOMPLETE in verdicts:
            return 3
        return 0

    @property
    def groups(self) -> list[tuple[str, ...]]:
        seen = []
        for p in self.parcels:
            if p.group and p.group not in seen:
                seen.append(p.group)
        return seen
