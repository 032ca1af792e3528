"""The engine: run every rule a standard enables over all parcels at once, into one Result.

It knows rules only through the catalogue's declarations (judged per shared group, defines the
walking radius), never by their ids.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import replace

import numpy as np
import pandas as pd

from . import __version__, _process, distance
from ._errors import PlanError, Problem
from ._i18n import N_
from .context import Context
from .district import figures
from .plan import Plan
from .provision import link_facilities
from .result import FacilityResult, Finding, Method, ParcelResult, ProvidedFacility, Result, Text
from .rules._frame import Evaluation
from .rules.catalogue import CATALOGUE
from .rules.registry import EVALUATORS, radius_bound_m
from .settings import Options
from .standard import Standard
from .suggest import candidate_sites
from .vocabulary import Severity, Status

_CORE = {"parcel", "facility", "rule", "kind", "existing_only", "status", "required", "provided", "shortfall",
         "message", "formula", "fix", "notes", "details"}


def distance_method(plan: Plan, standard: Standard, options: Options):
    """The way distances are measured: straight lines, or along the plan's streets. Asking for
    the network without streets is an error, never a silent fall-back to straight lines."""
    if options.distance != "network":
        return distance.StraightLine(plan.facilities)
    if plan.streets is None or plan.streets.empty:
        raise PlanError(Problem(plan.source, N_("--distance network needs a streets layer"),
                                layer="streets",
                                expected=N_("LineString features with layer 'street', or "
                                         "--distance straight")))
    from .routing import Network

    return Network.from_streets(plan.streets, plan.facilities,
                                radius_bound_m(standard, options) or 1000.0,
                                extent=plan.extent())


def check(plan: Plan, standard: Standard, options: Options | None = None,
          network=None, mapper=None) -> Result:
    """Judge `plan` against `standard`. `network` may hold a prepared routing.Network (the
    caller's, to reuse one across runs); otherwise the engine builds what options ask for.
    `mapper` measures the household points on a cluster (cluster.PointMapper)."""
    options = options or Options()
    provision = link_facilities(plan.parcels, plan.facilities)
    coverage = measured_by = None
    if any(CATALOGUE[r].defines_radius for r in standard.rules):
        measured_by = network if (network is not None and options.distance == "network") \
            else distance_method(plan, standard, options)
        _process.release_freed_memory()  # the graph's transients, before the findings
        coverage = distance.measure(plan.parcels, plan.buildings, plan.facilities, measured_by,
                                    mapper=mapper)
    ctx = Context(standard=standard, parcels=plan.parcels, facilities=plan.facilities,
                  buildings=plan.buildings, provision=provision, coverage=coverage,
                  options=options, given_crs=plan.given_crs)

    modified = _modified(standard, options)
    by_rule: dict[str, tuple[dict, ...]] = {}
    for m in modified:
        rules = [r for r in standard.rules if CATALOGUE[r].defines_radius] \
            if m["param"] == "walking_speed_km_h" else [m["rule"]]
        for r in rules:
            by_rule[r] = by_rule.get(r, ()) + (m,)
    groups = _group_members(plan.parcels["id"].to_numpy(), provision)
    parcel_findings: list[list[Finding]] = [[] for _ in range(len(plan.parcels))]
    facility_findings: list[list[Finding]] = [[] for _ in range(len(plan.facilities))]
    radius = covered = None
    for rule_id, info in CATALOGUE.items():
        spec = standard.rules.get(rule_id)
        if spec is None:
            continue
        evaluation = EVALUATORS[rule_id](ctx, spec)
        if not isinstance(evaluation, Evaluation):
            evaluation = Evaluation(evaluation)
        if info.defines_radius:
            radius, covered = evaluation.radius_m, evaluation.covered
        frame = evaluation.findings
        target = parcel_findings if info.scope == "parcel" else facility_findings
        key = "parcel" if info.scope == "parcel" else "facility"
        rows = frame[key].to_numpy()
        row_groups = [groups[r] for r in rows] if info.pooled else None
        for row, finding in zip(rows, _findings(frame, info, spec, row_groups,
                                                by_rule.get(rule_id, ()))):
            target[row].append(finding)

    parcel_problems = [tuple(ps) for ps in plan.parcels["problems"]] \
        if "problems" in plan.parcels else [()] * len(plan.parcels)
    for i, own in enumerate(parcel_problems):
        if own:  # its own data is bad: not judged, incomplete with its problems
            parcel_findings[i] = []
    for i, notes in _affected(plan, provision, parcel_problems, groups).items():
        parcel_findings[i] = [_mark_affected(f, notes) for f in parcel_findings[i]]

    fac_ids = plan.facilities["id"].astype(str).to_numpy()
    provided = provision.provided_by_group()
    # Only the columns a result holds: itertuples reads every column it is given.
    columns = plan.parcels[["id", "name", "households_new", "households_existing", "population",
                            "population_estimated"]]
    parcels = tuple(
        ParcelResult(id=str(row.id), name=row.name if isinstance(row.name, str) else None,
                     findings=tuple(parcel_findings[i]), position=i,
                     households_new=_number_or_zero(row.households_new),
                     households_existing=_number_or_zero(row.households_existing),
                     population=float(row.population),
                     population_estimated=bool(row.population_estimated),
                     group=groups[i], problems=parcel_problems[i],
                     facilities=tuple(ProvidedFacility(id=fac_ids[f], position=f,
                                                       direct=direct,
                                                       shared=groups[i] is not None)
                                      for f, direct in provided[i]))
        for i, row in enumerate(columns.itertuples(index=False)))
    # A part of a batch by place judges only its own facilities (plan.Cut: `judged`);
    # the others are there to be walked to.
    judged = plan.facilities["judged"].to_numpy(dtype=bool) if "judged" in plan.facilities \
        else np.ones(len(plan.facilities), dtype=bool)
    facilities = tuple(
        FacilityResult(id=str(row.id), name=row.name if isinstance(row.name, str) else None,
                       kind=str(row.kind), findings=tuple(facility_findings[i]), position=i)
        for i, row in enumerate(plan.facilities.itertuples(index=False))
        if facility_findings[i] and judged[i])
    method = Method(
        crs=plan.crs_note or "—",
        distance=coverage.method if coverage is not None else options.distance,
        walking_speed_km_h=options.walking_speed_km_h_for(standard),
        persons_per_household=standard.persons_per_household,
        radius_override_m=options.radius_m,
        boundary_step_m=distance.BOUNDARY_STEP_M,
        network=dict(coverage.notes) if coverage is not None else {},
    )
    district = figures(parcels, standard, ctx, radius) if len(parcels) else ()
    suggestions = None
    if options.suggest and radius is not None:
        suggestions = candidate_sites(coverage, covered, radius, plan.parcels["id"].to_numpy(),
                                      plan.streets, plan.crs)
    service_area = None
    if radius is not None and hasattr(measured_by, "reach") and len(radius):
        service_area = measured_by.reach(float(np.max(radius)))
    return Result(standard=standard, plan=plan, parcels=parcels, facilities=facilities,
                  service_area=service_area,
                  district=district, suggestions=suggestions,
                  method=method, coverage=coverage, provision=provision, radius_m=radius,
                  covered=covered,
                  problems=tuple(plan.problems), modified=tuple(modified),
                  run={"tool": "compliance", "version": __version__,
                       "options": options.as_run_options(standard),
                       "checked_at": _dt.datetime.now(_dt.timezone.utc)
                       .replace(microsecond=0).isoformat(),
                       "input": plan.source, "input_sha256": plan.fingerprint})


# A bad value in a feature that adds provision (a facility) can only raise what is provided, so
# it may turn a fail into a pass; one that adds demand (a parcel's households, a building) can
# only raise what is required, so it may turn a pass into a fail. Either way the finding is no
# longer certain, and says why.
AFFECTED = N_("{features} could not be read in full: this figure may change when corrected.")


def _affected(plan: Plan, provision, parcel_problems, groups) -> dict[int, list[tuple]]:
    """Per parcel, the bad features whose figures count for it: (label, fields as
    "layer.field")."""
    out: dict[int, list[tuple]] = {}
    position = {pid: i for i, pid in enumerate(plan.parcels["id"].astype(str))}

    def add(parcel, label, fields):
        out.setdefault(int(parcel), []).append((label, tuple(fields)))

    fac = plan.facilities
    if "bad_fields" in fac and len(provision.parcel):
        fac_bad = fac["bad_fields"].to_numpy()
        for parcel, f in zip(provision.parcel, provision.facility):
            if fac_bad[f]:
                add(parcel, str(fac["id"].iloc[f]), [f"facilities.{x}" for x in fac_bad[f]])
    b = plan.buildings
    if b is not None and "bad_fields" in b:
        bad_fields = b["bad_fields"].to_numpy()
        parcel_of = b["parcel"].to_numpy()
        has_bad = np.fromiter((bool(x) for x in bad_fields), dtype=bool, count=len(bad_fields))
        for i in np.flatnonzero(has_bad & (parcel_of >= 0)):
            add(parcel_of[i], str(b["id"].iloc[i]), [f"buildings.{x}" for x in bad_fields[i]])
    for d in plan.dropped:
        for pid in d.parcel_ids:
            if pid in position:
                add(position[pid], d.feature, [f"{d.layer}.{x}" for x in d.fields]
                    + [f"{d.layer}.geometry"])
    by_id = dict(position)
    for i, own in enumerate(parcel_problems):
        if own and groups[i] is not None:
            fields = [f"parcels.{'households' if (p.field or '').startswith('households') else p.field}"
                      for p in own]
            for member in groups[i]:
                if by_id[member] != i:
                    add(by_id[member], plan.parcels["id"].iloc[i], fields)
    return out


def _mark_affected(finding: Finding, notes: list[tuple]) -> Finding:
    reads = set(CATALOGUE[finding.rule].reads)
    hits = [(label, [f for f in fields if f in reads]) for label, fields in notes]
    hits = [(label, fields) for label, fields in hits if fields]
    if not hits:
        return finding
    provision_side = any(f.startswith("facilities.") for _, fields in hits for f in fields)
    demand_side = any(not f.startswith("facilities.") or f == "facilities.kind"
                      for _, fields in hits for f in fields)
    # A rule that found nothing to judge may find it once the field is read: a facility of
    # no known kind has no minimum, yet a street centre of 600 m² is short of its 1,000.
    uncertain = (provision_side and finding.status == Status.FAIL) or \
        (demand_side and finding.status == Status.PASS) or \
        finding.status == Status.NOT_APPLICABLE
    text = "; ".join(f"{label} ({', '.join(f.split('.', 1)[1] for f in fields)})"
                     for label, fields in hits)
    note = Text(AFFECTED, {"features": text})
    return replace(finding, notes=finding.notes + (note,),
                   status=Status.INSUFFICIENT_DATA if uncertain else finding.status,
                   consequence=None if uncertain else finding.consequence,
                   consequence_en=None if uncertain else finding.consequence_en)


def _modified(standard: Standard, options: Options) -> list[dict]:
    """Every figure used that differs from the published standard: those the user's standard
    file changed, and those an option changed."""
    out = list(standard.modified)
    published = standard.published or standard
    if options.radius_m:
        for rule in standard.rules:
            if CATALOGUE[rule].defines_radius:
                was = round(radius_bound_m(published, Options()), 6)
                if was != options.radius_m:
                    out.append({"rule": rule, "param": "radius_m", "published": was,
                                "used": float(options.radius_m), "by": "--radius"})
    speed = options.walking_speed_km_h_for(standard)
    if options.walking_speed_km_h and speed != published.walking_speed_km_h:
        out.append({"rule": "assumptions", "param": "walking_speed_km_h",
                    "published": published.walking_speed_km_h, "used": speed,
                    "by": "--walk-speed"})
    return out


def _group_members(ids: np.ndarray, provision) -> list[tuple[str, ...] | None]:
    out: list[tuple[str, ...] | None] = [None] * len(ids)
    shared = np.flatnonzero(provision.group_size > 1)
    if len(shared):
        frame = pd.DataFrame({"group": provision.group[shared], "id": ids[shared],
                              "pos": shared})
        for _, rows in frame.groupby("group"):
            members = tuple(rows["id"].astype(str))
            for p in rows["pos"]:
                out[p] = members
    return out


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _column(values) -> list:
    """A frame column as plain Python values, NaN as None (one pass, not one call a value)."""
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        return np.where(np.isnan(arr), None, arr).tolist()
    if arr.dtype.kind in "iub":
        return arr.tolist()
    return [_plain(v) for v in arr.tolist()]


def _findings(frame: pd.DataFrame, info, spec, groups=None, modified=()):
    """The rule's findings, one per frame row; `groups`: each row's shared group (pooled
    rules), `modified`: the standard's figures this run changed for the rule.

    A district has a finding for every rule of every parcel (150,000 at 50,000 parcels):
    whatever can be worked out once per column or per distinct value is, and the loop only
    assembles each row's pieces."""
    inherited_params = tuple(sorted(n for n, p in spec.params.items() if p.inherited))
    digits = 4 if info.unit == "ratio" else 2
    arg_cols = [c for c in frame.columns if c not in _CORE]
    n = len(frame)
    arrays = {c: frame[c].to_numpy() for c in arg_cols}
    # Which arguments are the rule's numeric inputs: a numeric column's every value, another
    # column's numbers value by value (never a flag).
    input_columns = (frozenset(c for c, a in arrays.items() if a.dtype.kind in "iuf"),
                     frozenset(c for c, a in arrays.items() if a.dtype.kind not in "iufb"))
    core = {c: (_shared(frame[c]) if c in frame else [None] * n)
            for c in ("status", "message", "formula", "fix", "kind")}
    core |= {c: (frame[c].tolist() if c in frame else [None] * n) for c in ("notes", "details")}
    # The figures as the messages show them, and as the finding holds them: rounded.
    figures = [k for k in ("required", "provided", "shortfall") if k in frame]
    as_float = {k: frame[k].to_numpy(dtype=float) for k in figures}
    numbers = {k: _column(a) for k, a in as_float.items()}
    rounded = {k: _rounded(a, digits) for k, a in as_float.items()}
    rounded |= {k: [None] * n for k in ("required", "provided", "shortfall") if k not in frame}
    # Each row's arguments: the rule's columns, then its figures, missing values left out.
    names = [*arg_cols, *figures]
    values = zip(*([_column(arrays[c]) for c in arg_cols] + [numbers[k] for k in figures])) \
        if names else iter([()] * n)
    statuses = {v: Status(str(v)) for v in set(core["status"])}
    fail_consequence = (spec.consequence, spec.consequence_en)
    remedy = (spec.remedy_existing, spec.remedy_existing_en)
    has_remedy = bool(remedy[0] or remedy[1])
    existing_only = frame["existing_only"].to_numpy(dtype=bool).tolist() \
        if "existing_only" in frame and has_remedy else [False] * n
    # An expired target is shown for what it was, and never decides a verdict.
    severity = Severity.ADVISORY if spec.expired else spec.severity
    citation, deadline, expired, inherited = spec.citation, spec.deadline, spec.expired, \
        spec.inherited
    for i, row in enumerate(values):
        args = {c: v for c, v in zip(names, row) if v is not None}
        kind = core["kind"][i] if isinstance(core["kind"][i], str) else None
        if kind:
            args["kind_label"] = kind
        status = statuses[core["status"][i]]
        notes = core["notes"][i]
        consequence = remedy if existing_only[i] else fail_consequence
        formula, fix, details = core["formula"][i], core["fix"][i], core["details"][i]
        failed = status == Status.FAIL
        yield Finding(
            rule=info.id, status=status, severity=severity,
            deadline=deadline, expired=expired,
            required=rounded["required"][i], provided=rounded["provided"][i],
            unit=info.unit, citation=citation,
            message=Text(core["message"][i], args),
            formula=Text(formula, args) if isinstance(formula, str) else None,
            fix=Text(fix, args) if isinstance(fix, str) else None,
            notes=tuple(Text(m, args) for m in notes) if isinstance(notes, list) else (),
            shortfall=rounded["shortfall"][i],
            inherited=inherited, inherited_params=inherited_params, kind=kind,
            consequence=consequence[0] if failed else None,
            consequence_en=consequence[1] if failed else None,
            details=details if isinstance(details, dict) else {},
            input_columns=input_columns,
            group=groups[i] if groups is not None else None,
            modified=modified,
        )


def _shared(column: pd.Series) -> list:
    """A column of a few distinct texts (statuses, message templates) as Python values, one
    object per distinct text: `tolist` made one string per row (10,000 parcels: 12 MiB of
    copies of the same templates, held by every finding). Missing values become None."""
    codes, uniques = pd.factorize(column)
    values = [*uniques.tolist(), None]  # code -1 (missing) takes the last
    return [values[c] for c in codes.tolist()]


def _number_or_zero(value) -> float:
    value = float(value)
    return value if value == value else 0.0  # NaN (not given) counts as none


def _rounded(values: np.ndarray, digits: int) -> list:
    """Python's `round(v, digits)` of each value, None where it is not a finite number, worked
    out for the whole column at once (150,000 findings: 0.8 s of calls one value at a time).

    rint(v · 10^d) / 10^d is Python's answer wherever the product's own rounding cannot carry
    it across a half (the division of two exact numbers is the double nearest the decimal,
    as Python's is); where it might, a hair from a half or beyond 2^52, Python's round
    decides."""
    scale = 10.0 ** digits
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = values * scale
        out = np.rint(scaled) / scale
        frac = np.abs(scaled - np.trunc(scaled))
        unsure = (np.abs(frac - 0.5) <= 4 * np.spacing(np.abs(scaled))) | \
            (np.abs(scaled) >= 2.0 ** 52)
    finite = np.isfinite(values)
    result = out.tolist()
    for i in np.flatnonzero(~finite | unsure).tolist():
        result[i] = round(float(values[i]), digits) if finite[i] else None
    return result
