"""The view model: what every view shows, prepared once from a Result.

`build(result, lang)` turns the typed result into plain data in the reader's language: the
JSON contract of RESULT-FORMAT.md (`Model.data`), and beside it the display forms that the
HTML, CSV, GeoPackage and terminal views render (formatted numbers, labels, each parcel's
facilities). Views render this; none computes a figure, a verdict, a shortfall, or which
facilities belong to which parcel. The HTML view extends the JSON one, as ifctester's does.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from .._i18n import Translator, rule_label
from ..result import Finding, ParcelResult, Result, summarise
from ..rules.catalogue import CATALOGUE
from ..standard import Citation
from ..vocabulary import Severity, Status, Verdict

_UNITS = {"m2": "m²", "m": "m", "ratio": "", "per_100_beds": "", "": ""}
_OSM = re.compile(r"openstreetmap|(^|[^a-z])osm([^a-z]|$)", re.IGNORECASE)
# The rules whose figures head a parcel's row in district tables and map layers.
HEADLINE_AREA = next(r.id for r in CATALOGUE.values() if r.headline_area)
RADIUS_RULES = tuple(r.id for r in CATALOGUE.values() if r.defines_radius)
# Order of verdicts in lists a reviewer reads: problems first.
VERDICT_ORDER = {Verdict.NON_COMPLIANT: 0, Verdict.INCOMPLETE: 1, Verdict.COMPLIANT: 2}


def number(value, unit: str = "", digits: int = 1) -> str:
    """A figure as the reports print it: thousands separators, its unit, "—" for none."""
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value:.1%}"
    text = f"{value:,.{digits}f}" if abs(value - round(value)) > 1e-9 else f"{value:,.0f}"
    return f"{text} {_UNITS.get(unit, unit)}".strip()


def _figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def citation(c: Citation) -> dict:
    out = {"document": c.document.number or c.document.title, "title": c.document.title,
           "clause": c.clause, "quote": c.quote, "inherited": c.inherited}
    if c.note:
        out["note"] = c.note
    if c.document.issued:
        out["issued"] = c.document.issued
    return out


def finding(f: Finding, t: Translator) -> dict:
    """A finding as the JSON contract has it, in the reader's language."""
    out = {
        "rule": f.rule, "status": f.status.value if isinstance(f.status, Status) else f.status,
        "severity": f.severity, "required": f.required, "provided": f.provided, "unit": f.unit,
        "citation": citation(f.citation),
        "message": t.text(f.message),
    }
    if f.kind:
        out["kind"] = f.kind
    if f.formula:
        out["formula"] = t.text(f.formula)
    # A shortfall exists only where the rule failed: decided here, for every view.
    if f.shortfall is not None and f.status == Status.FAIL:
        out["shortfall"] = f.shortfall
    if f.fix and f.status != Status.PASS:
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
    if f.modified:
        out["modified"] = [dict(m) for m in f.modified]
    return out


def run_block(result: Result) -> dict:
    run = dict(result.run)
    # Reproducible output on request (reproducible-builds.org's convention).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        run["checked_at"] = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).isoformat()
    return run


@dataclass
class Model:
    result: Result
    lang: str
    t: Translator
    data: dict                       # the JSON contract
    parcels: list[dict]              # per parcel: its JSON entry plus display forms
    institutions: list[dict]
    district: list[dict]
    header: dict                     # what every page's head and method section show
    extra: dict = field(default_factory=dict)

    def summary_of(self, parcels: list[dict]) -> dict:
        return summarise([p["result"] for p in parcels])

    def finding_rows(self, parcel: dict) -> list[dict]:
        return parcel["rows"]


class _Builder:
    def __init__(self, result: Result, lang: str):
        self.result, self.lang, self.t = result, lang, Translator(lang)
        fac = result.plan.facilities
        self.fac_records = fac.drop(columns="geometry").to_dict("records")

    # -------------------------------------------------------------- display forms

    def row(self, f: Finding, data: dict) -> dict:
        """A finding's display form: its JSON entry with labels and formatted figures."""
        t, c = self.t, f.citation
        return {
            **data,
            "label": rule_label(f.rule, self.lang),
            "kind_label": t.kind(f.kind) if f.kind else "",
            "status_label": t.status(f.status),
            "required_text": number(f.required, f.unit),
            "provided_text": number(f.provided, f.unit),
            "shortfall_text": number(data["shortfall"], f.unit) if data.get("shortfall") else "",
            "formula": data.get("formula", ""), "fix": data.get("fix", ""),
            "notes": data.get("notes", []),
            "consequence": data.get("consequence", "") if f.status == Status.FAIL else "",
            "document": data["citation"]["document"], "clause": c.clause, "quote": c.quote,
            "citation_note": c.note or "", "cited_inherited": c.inherited,
            "inherited_from": c.standard_id, "inherited_params": list(f.inherited_params),
            "group": list(f.group or ()), "advisory": f.severity == Severity.ADVISORY,
            "modified": [{**m, "published_text": _figure(m["published"]),
                          "used_text": _figure(m["used"])} for m in f.modified],
        }

    def facility(self, link) -> dict:
        row = self.fac_records[link.position]

        def value(key):
            v = row.get(key)
            return None if v is None or v != v else v

        sharing = row["parcel_ids"]
        return {"id": link.id, "position": link.position, "name": value("name") or "",
                "kind": row["kind"],
                "kind_label": self.t.kind(row["kind"]),
                "floor_area_m2": value("floor_area_m2"), "land_area_m2": value("land_area_m2"),
                "floor_area": number(value("floor_area_m2"), "m2"),
                "land_area": number(value("land_area_m2"), "m2"),
                "status": row["status"], "status_label": self.t.gettext(row["status"]),
                "phase": number(value("phase")), "direct": link.direct, "shared": link.shared,
                "shared_by": "; ".join(sharing) if len(sharing) > 1 else ""}

    def parcel(self, p: ParcelResult) -> dict:
        findings = [finding(f, self.t) for f in p.findings]
        entry = {"id": p.id, "name": p.name, "verdict": p.verdict.value,
                 "households_new": p.households_new,
                 "households_existing": p.households_existing,
                 "population": p.population, "population_estimated": p.population_estimated}
        if p.group:
            entry["group"] = list(p.group)
        entry["facilities"] = [{"id": f.id, "direct": f.direct, "shared": f.shared}
                               for f in p.facilities]
        entry["findings"] = findings
        if p.problems:
            entry["problems"] = [q.as_dict() for q in p.problems]
        rows = [self.row(f, d) for f, d in zip(p.findings, findings)]
        by_rule = {}
        for r in rows:
            by_rule.setdefault(r["rule"], r)
        headline = by_rule.get(HEADLINE_AREA)
        radius = next((by_rule[r] for r in RADIUS_RULES if r in by_rule), None)
        return {
            "result": p, "entry": entry, "id": p.id, "name": p.name or "",
            "anchor": f"parcel-{p.position}", "position": p.position,
            "verdict": p.verdict.value, "verdict_label": self.t.verdict(p.verdict),
            "rows": rows, "by_rule": by_rule,
            "fixes": [r for r in rows if r["status"] in (Status.FAIL, Status.INSUFFICIENT_DATA)
                      and not r["advisory"] and r["fix"]],
            "advice": [r for r in rows if r["status"] in (Status.FAIL, Status.INSUFFICIENT_DATA)
                       and r["advisory"] and r["fix"]],
            "households_new": p.households_new, "households_existing": p.households_existing,
            "households": p.households_new + p.households_existing,
            "population": p.population, "population_estimated": p.population_estimated,
            "group": list(p.group or ()),
            "failing": [f.rule for f in p.mandatory_failures],
            "failing_labels": [rule_label(f.rule, self.lang) for f in p.mandatory_failures],
            "facilities": [self.facility(link) for link in p.facilities],
            "problems": [str(q) for q in p.problems],
            "headline": headline, "radius": radius,
        }

    def institution(self, fr) -> dict:
        findings = [finding(x, self.t) for x in fr.findings]
        return {"entry": {"id": fr.id, "name": fr.name, "kind": fr.kind,
                          "verdict": fr.verdict.value, "findings": findings},
                "id": fr.id, "name": fr.name or "", "kind": fr.kind,
                "kind_label": self.t.kind(fr.kind), "verdict": fr.verdict.value,
                "verdict_label": self.t.verdict(fr.verdict),
                "rows": [self.row(f, d) for f, d in zip(fr.findings, findings)]}

    def district(self) -> list[dict]:
        t = self.t
        return [{"id": d.id, "label": rule_label(d.id, self.lang), "target": d.target,
                 "achieved": d.achieved, "numerator": d.numerator,
                 "denominator": d.denominator, "status": str(d.status),
                 "status_label": t.status(d.status), "message": t.text(d.message),
                 "citation": citation(d.citation) if d.citation else None,
                 "target_text": number(d.target, "ratio"),
                 "achieved_text": number(d.achieved, "ratio"),
                 "clause": d.citation.clause if d.citation else "",
                 "quote": d.citation.quote if d.citation else ""}
                for d in self.result.district]

    def header(self, run: dict) -> dict:
        result, t = self.result, self.t
        s = result.standard
        inherited = sorted({(r.id, p.name, p.citation.document.title, p.citation.note or "")
                            for r in s.rules.values() for p in r.params.values()
                            if p.inherited})
        checked = run.get("checked_at", "")
        return {
            "lang": self.lang, "html_lang": "zh-CN" if self.lang == "zh" else "en",
            "plan_name": result.plan.name, "source": result.plan.source,
            "standard": {"id": s.id, "title": t.pick(s.title, s.title_en),
                         "place": t.pick(s.place, s.place_en), "document": s.document.title,
                         "number": s.document.number or "", "issued": s.document.issued or "",
                         "chain": list(s.chain[1:]), "source": s.source,
                         "sha256": s.sha256},
            "modified": [dict(m) for m in result.modified],
            "options": result.run.get("options", {}),
            "version": __version__,
            "checked_at": checked[:10] if checked else _dt.date.today().isoformat(),
            "fingerprint": result.plan.fingerprint or "",
            "groups": [list(g) for g in result.groups],
            "method": result.method,
            "radius": sorted({round(float(r), 1) for r in result.radius_m})
            if result.radius_m is not None else [],
            "inherited": inherited,
            "assumptions": [(p.name, p.value, p.citation.document.title, p.citation.clause,
                             p.citation.note or "") for p in s.assumptions.values()],
            "problems": [str(p) for p in result.problems],
            "rejected": [str(p) for p in result.problems if p.level == "error"],
            "warnings": [str(p) for p in result.problems if p.level == "warning"],
            # OpenStreetMap-derived data must carry its attribution (ODbL).
            "osm": bool(_OSM.search(result.plan.source or "")),
        }


def build(result: Result, lang: str = "zh") -> Model:
    b = _Builder(result, lang)
    parcels = [b.parcel(p) for p in result.parcels]
    institutions = [b.institution(f) for f in result.facilities]
    district = b.district()
    run = run_block(result)
    run["options"] = {**run.get("options", {}), "lang": lang}
    s = result.standard
    data: dict[str, Any] = {
        "standard": {"id": s.id, "title": s.title,
                     "document": s.document.number or s.document.title,
                     "issued": s.document.issued, "place": s.place,
                     "extends": list(s.chain[1:]), "source": s.source, "sha256": s.sha256,
                     "sha256_chain": list(s.sha256_chain),
                     "modified": [dict(m) for m in result.modified]},
        "parcels": [p["entry"] for p in parcels],
        "summary": result.summary,
    }
    if institutions:
        data["facilities"] = [i["entry"] for i in institutions]
    if district:
        data["district"] = [{k: d[k] for k in ("id", "target", "achieved", "numerator",
                                               "denominator", "status", "message", "citation")}
                            for d in district]
    if result.groups:
        data["groups"] = [list(g) for g in result.groups]
    m = result.method
    data["method"] = {"crs": m.crs, "distance": m.distance,
                      "walking_speed_km_h": m.walking_speed_km_h,
                      "persons_per_household": m.persons_per_household}
    if m.radius_override_m:
        data["method"]["radius_m"] = m.radius_override_m
    if m.network:
        data["method"]["network"] = m.network
    if result.suggestions is not None and len(result.suggestions):
        data["suggestions"] = result.suggestions
    data["problems"] = [p.as_dict() for p in result.problems]
    data["run"] = run
    return Model(result=result, lang=lang, t=b.t, data=data, parcels=parcels,
                 institutions=institutions, district=district, header=b.header(run))


def index_rows(model: Model, links: list[str]) -> list[dict]:
    """The district table's rows, problems first, largest shortfall first."""
    rows = []
    for p, link in zip(model.parcels, links):
        area, radius = p["headline"], p["radius"]
        rows.append({"id": p["id"], "name": p["name"], "verdict": p["verdict"],
                     "verdict_label": p["verdict_label"], "link": link,
                     "households": p["households"],
                     "required": area["required"] if area else None,
                     "provided": area["provided"] if area else None,
                     "shortfall": area.get("shortfall", 0.0) if area else 0.0,
                     "worst": radius["provided"] if radius else None,
                     "failing": ", ".join(p["failing_labels"]),
                     "group": " + ".join(p["group"])})
    rows.sort(key=lambda r: (VERDICT_ORDER[Verdict(r["verdict"])], -(r["shortfall"] or 0),
                             r["id"]))
    return rows
