"""The result as plain data (the JSON contract of RESULT-FORMAT.md), shared by JSON and CSV."""

from __future__ import annotations

import datetime as _dt
import os

from .._i18n import Translator
from ..result import Finding, Result
from ..standard import Citation


def citation(c: Citation) -> dict:
    out = {"document": c.document.number or c.document.title, "title": c.document.title,
           "clause": c.clause, "quote": c.quote, "inherited": c.inherited}
    if c.note:
        out["note"] = c.note
    if c.document.issued:
        out["issued"] = c.document.issued
    return out


def finding(f: Finding, t: Translator) -> dict:
    out = {
        "rule": f.rule, "status": f.status, "severity": f.severity,
        "required": f.required, "provided": f.provided, "unit": f.unit,
        "citation": citation(f.citation),
        "message": t.text(f.message),
    }
    if f.kind:
        out["kind"] = f.kind
    if f.formula:
        out["formula"] = t.text(f.formula)
    if f.shortfall is not None and f.status == "fail":
        out["shortfall"] = f.shortfall
    if f.fix:
        out["fix"] = t.text(f.fix)
    if f.notes:
        out["notes"] = [t.text(n) for n in f.notes]
    if f.consequence or f.consequence_en:
        out["consequence"] = t.pick(f.consequence, f.consequence_en)
    out["inherited"] = f.inherited or bool(f.inherited_params)
    if f.inherited_params:
        out["inherited_params"] = list(f.inherited_params)
    if f.group:
        out["group"] = list(f.group)
    if f.inputs:
        out["inputs"] = f.inputs
    if f.details:
        out["details"] = f.details
    return out


def run_block(result: Result) -> dict:
    run = dict(result.run)
    # Reproducible output on request (reproducible-builds.org's convention).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        run["checked_at"] = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).isoformat()
    return run


def result_data(result: Result, lang: str = "zh", include_run: bool = True) -> dict:
    t = Translator(lang)
    s = result.standard
    out = {
        "standard": {"id": s.id, "title": s.title, "document": s.document.number or s.document.title,
                     "issued": s.document.issued, "place": s.place, "extends": list(s.chain[1:])},
        "parcels": [],
        "summary": result.summary,
    }
    for p in result.parcels:
        entry = {"id": p.id, "name": p.name, "verdict": p.verdict,
                 "households_new": p.households_new,
                 "households_existing": p.households_existing,
                 "population": p.population, "population_estimated": p.population_estimated}
        if p.group:
            entry["group"] = list(p.group)
        entry["findings"] = [finding(f, t) for f in p.findings]
        out["parcels"].append(entry)
    if result.facilities:
        out["facilities"] = [{"id": f.id, "name": f.name, "kind": f.kind, "verdict": f.verdict,
                              "findings": [finding(x, t) for x in f.findings]}
                             for f in result.facilities]
    if result.district:
        out["district"] = [{"id": d.id, "target": d.target, "achieved": d.achieved,
                            "numerator": d.numerator, "denominator": d.denominator,
                            "status": d.status, "message": t.text(d.message),
                            "citation": citation(d.citation) if d.citation else None}
                           for d in result.district]
    if result.groups:
        out["groups"] = [list(g) for g in result.groups]
    m = result.method
    out["method"] = {"crs": m.crs, "distance": m.distance,
                     "walking_speed_km_h": m.walking_speed_km_h,
                     "persons_per_household": m.persons_per_household}
    if m.radius_override_m:
        out["method"]["radius_m"] = m.radius_override_m
    if m.network:
        out["method"]["network"] = m.network
    if result.suggestions is not None and len(result.suggestions):
        out["suggestions"] = result.suggestions
    out["problems"] = [p.as_dict() for p in result.problems]
    if include_run:
        out["run"] = run_block(result)
    return out
