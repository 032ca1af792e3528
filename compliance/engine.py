"""The engine: run every rule a standard enables over all parcels at once, into one Result."""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from . import __version__, distance
from .context import Context, Options
from .plan import Plan
from .district import figures
from .provision import link_facilities
from .suggest import candidate_sites
from .result import FacilityResult, Finding, Method, ParcelResult, Result, Text
from .rules import REGISTRY
from .standard import Standard

_CORE = {"parcel", "facility", "rule", "kind", "status", "required", "provided", "shortfall",
         "message", "formula", "fix", "notes", "details"}


def check(plan: Plan, standard: Standard, options: Options | None = None,
          network=None) -> Result:
    """Judge `plan` against `standard`. `network` is a prepared routing.Network for
    options.distance == "network" (built by the caller from plan.streets)."""
    options = options or Options()
    provision = link_facilities(plan.parcels, plan.facilities)
    coverage = None
    if "service_radius" in standard.rules:
        if options.distance == "network" and network is not None:
            method = network
        else:
            method = distance.StraightLine(plan.facilities)
        coverage = distance.measure(plan.parcels, plan.buildings, plan.facilities, method)
    ctx = Context(standard=standard, parcels=plan.parcels, facilities=plan.facilities,
                  buildings=plan.buildings, provision=provision, coverage=coverage,
                  options=options)

    groups = _group_members(plan.parcels["id"].to_numpy(), provision)
    parcel_findings: list[list[Finding]] = [[] for _ in range(len(plan.parcels))]
    facility_findings: list[list[Finding]] = [[] for _ in range(len(plan.facilities))]
    for rule_id, info in REGISTRY.items():
        spec = standard.rules.get(rule_id)
        if spec is None:
            continue
        frame = info.evaluate(ctx, spec)
        target = parcel_findings if info.scope == "parcel" else facility_findings
        key = "parcel" if info.scope == "parcel" else "facility"
        area_rule = rule_id in ("area_per_households", "minimum_area", "per_capita_land")
        for row, finding in zip(frame[key].to_numpy(), _findings(frame, info, spec)):
            if area_rule and groups[row] is not None:
                finding = _with_group(finding, groups[row])
            target[row].append(finding)

    radius = covered = None
    if "service_radius" in standard.rules:
        from .rules.service_radius import radius_m

        radius = radius_m(ctx, standard.rules["service_radius"])
        covered = coverage.distance <= radius[coverage.parcel] + 1e-6
    parcels = tuple(
        ParcelResult(id=str(row.id), name=row.name if isinstance(row.name, str) else None,
                     findings=tuple(parcel_findings[i]), position=i,
                     households_new=float(np.nan_to_num(row.households_new)),
                     households_existing=float(np.nan_to_num(row.households_existing)),
                     population=float(row.population),
                     population_estimated=bool(row.population_estimated),
                     group=groups[i])
        for i, row in enumerate(plan.parcels.itertuples(index=False)))
    facilities = tuple(
        FacilityResult(id=str(row.id), name=row.name if isinstance(row.name, str) else None,
                       kind=str(row.kind), findings=tuple(facility_findings[i]), position=i)
        for i, row in enumerate(plan.facilities.itertuples(index=False))
        if facility_findings[i])
    method = Method(
        crs=plan.crs_note or "—",
        distance=coverage.method if coverage is not None else options.distance,
        walking_speed_km_h=options.walking_speed_km_h
        or float(standard.assumptions["walking_speed_km_h"].value),
        persons_per_household=standard.persons_per_household,
        radius_override_m=options.radius_m,
        network=dict(coverage.notes) if coverage is not None else {},
    )
    district = figures(parcels, standard, ctx, radius) if len(parcels) else ()
    suggestions = None
    if options.suggest and radius is not None:
        suggestions = candidate_sites(coverage, covered, radius, plan.parcels["id"].to_numpy(),
                                      plan.streets, plan.crs)
    return Result(standard=standard, plan=plan, parcels=parcels, facilities=facilities,
                  district=district, suggestions=suggestions,
                  method=method, coverage=coverage, provision=provision, radius_m=radius,
                  covered=covered,
                  problems=tuple(plan.problems),
                  run={"tool": "compliance", "version": __version__,
                       "checked_at": _dt.datetime.now(_dt.timezone.utc)
                       .replace(microsecond=0).isoformat(),
                       "input": plan.source, "input_sha256": plan.fingerprint})


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


def _with_group(f: Finding, members: tuple[str, ...]) -> Finding:
    from dataclasses import replace

    return replace(f, group=members)


def _plain(value):
    if isinstance(value, (np.floating, float)):
        return None if np.isnan(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _findings(frame: pd.DataFrame, info, spec):
    inherited_params = tuple(sorted(n for n, p in spec.params.items() if p.inherited))
    arg_cols = [c for c in frame.columns if c not in _CORE]
    digits = 4 if info.unit == "ratio" else 2
    for rec in frame.to_dict("records"):
        args = {c: _plain(rec[c]) for c in arg_cols}
        args = {k: v for k, v in args.items() if v is not None}
        for k in ("required", "provided", "shortfall"):
            v = _plain(rec.get(k))
            if v is not None:
                args[k] = v
        if "kind" in rec and isinstance(rec["kind"], str):
            args["kind_label"] = rec["kind"]
        notes = rec.get("notes")
        yield Finding(
            rule=info.id, status=str(rec["status"]), severity=spec.severity,
            required=_round(rec.get("required"), digits),
            provided=_round(rec.get("provided"), digits),
            unit=info.unit, citation=spec.citation,
            message=Text(rec["message"], args),
            formula=Text(rec["formula"], args) if isinstance(rec.get("formula"), str) else None,
            fix=Text(rec["fix"], args) if isinstance(rec.get("fix"), str) else None,
            notes=tuple(Text(n, args) for n in notes) if isinstance(notes, list) else (),
            shortfall=_round(rec.get("shortfall"), digits),
            inherited=spec.inherited, inherited_params=inherited_params,
            kind=rec["kind"] if isinstance(rec.get("kind"), str) else None,
            consequence=spec.consequence if rec["status"] == "fail" else None,
            consequence_en=spec.consequence_en if rec["status"] == "fail" else None,
            details=rec.get("details") if isinstance(rec.get("details"), dict) else {},
            inputs={k: v for k, v in args.items()
                    if isinstance(v, (int, float)) and k not in ("required", "provided",
                                                                 "shortfall")},
        )


def _round(value, digits: int = 2):
    v = _plain(value)
    if v is None or isinstance(v, str):
        return None
    if np.isinf(v):
        return None
    return round(float(v), digits)
