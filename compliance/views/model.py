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
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from .._i18n import N_, Translator, rule_label
from ..result import Finding, ParcelResult, Result, summarise
from ..rules.catalogue import CATALOGUE, param_label
from ..standard import Citation
from ..projection import LOCAL_NOTE
from ..vocabulary import (META_FIELDS, SIGNATORIES, Severity, Status, Verdict,
                          network_note_name, network_note_rank)

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


def _storeys(floor, floors, t) -> str:
    """Where a facility stands, as the plan gives it: 2 层, 地下 1 层, 半地下, and 共 2 层 where
    the number of floors is given; "" where no floor is."""
    if floor is None:
        return ""
    n = int(floor)
    where = t.gettext(N_("semi-basement")) if n == 0 else \
        t.gettext(N_("floor {n}")).format(n=n) if n > 0 else \
        t.gettext(N_("basement {n}")).format(n=-n)
    if floors is None:
        return where
    return t.gettext(N_("{where}, {floors} floors")).format(where=where, floors=int(floors))


def _crs_text(crs: str, lang: str) -> str:
    import re as _re

    m = _re.match(r"local transverse Mercator centred at ([\d.]+)°E ([\d.]+)°N", crs or "")
    if m and lang == "zh":
        return f"以东经 {m.group(1)}°、北纬 {m.group(2)}° 为中心的横轴墨卡托投影（比例因子 1），按实地距离量算"
    if crs == LOCAL_NOTE and lang == "zh":
        return "图纸自身平面坐标（--crs local，城市独立坐标系等），按图面米数量算，未定位到经纬度"
    return crs


# The level of a standard file, as a report names it: (Chinese, English).
LEVEL_NAMES = {"national": ("国家", "national"), "province": ("省级", "provincial"),
               "city": ("市级", "city"), "district": ("区县级", "district")}
# How a citation's words were obtained: (Chinese, English).
SOURCING_NAMES = {"official": ("官方来源", "official source"),
                  "statute_mirror": ("法规原文（转载）", "statute text, secondary host"),
                  "secondary": ("二手来源（报道或转载）", "secondary source (report or reprint)")}


def _level_of(standard, sid: str) -> dict:
    for x in standard.levels:  # a chain of three at most, asked for on every finding
        if x["id"] == sid:
            return x
    return {"id": sid, "level": "", "place": sid, "place_en": sid}


def _standard_name(standard, sid: str, t) -> str:
    """A figure's source named as a reader knows it: the place and level of the standard
    file that states it (贵州省（省级）), never its file id."""
    if sid == "national":
        return t.pick("国家基线", "the national baseline")
    x = _level_of(standard, sid)
    level = LEVEL_NAMES.get(x["level"])
    place = t.pick(x["place"], x["place_en"])
    return f"{place}（{level[0]}）" if level and t.lang == "zh" else \
        f"{place} ({level[1]})" if level else place


def _figure(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def citation(c: Citation, standard=None) -> dict:
    out = {"document": c.document.number or c.document.title, "title": c.document.title,
           "clause": c.clause, "quote": c.quote, "inherited": c.inherited}
    if c.note:
        out["note"] = c.note
    if c.document.issued:
        out["issued"] = c.document.issued
    if c.standard_id:
        out["standard"] = c.standard_id
        level = _level_of(standard, c.standard_id)["level"] if standard is not None else ""
        if level:
            out["level"] = level
    if c.how_sourced:
        out["sourcing"] = c.how_sourced
    if c.url or c.document.url:
        out["url"] = c.url or c.document.url
    return out


def finding(f: Finding, t: Translator, standard=None, citations: dict | None = None) -> dict:
    """A finding as the JSON contract has it, in the reader's language. `citations`: the
    citation entries made so far, by citation, to share one among a rule's findings."""
    if citations is None:
        cited = citation(f.citation, standard)
    else:
        # Keyed by identity (a citation is the same object on every finding of its rule),
        # the citation kept beside its entry so that the id names it for the cache's life.
        _, cited = citations.get(id(f.citation), (None, None))
        if cited is None:
            cited = citation(f.citation, standard)
            citations[id(f.citation)] = (f.citation, cited)
    out = {
        "rule": f.rule, "status": f.status.value if isinstance(f.status, Status) else f.status,
        "severity": f.severity, "required": f.required, "provided": f.provided, "unit": f.unit,
        "citation": cited,
        "message": t.text(f.message),
    }
    if f.expired:
        out["expired"] = True
        out["deadline"] = f.deadline
    if f.kind:
        out["kind"] = f.kind
    if f.formula:
        out["formula"] = t.text(f.formula)
    shortfall = _shortfall(f)
    if shortfall is not None:
        out["shortfall"] = shortfall
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
    inputs = f.inputs  # made from the arguments on each call
    if inputs:
        out["inputs"] = inputs
    if f.details:
        out["details"] = f.details
    if f.modified:
        out["modified"] = [dict(m) for m in f.modified]
    return out


def _shortfall(f: Finding) -> float | None:
    """A finding's shortfall as every view shows it: only where the rule failed."""
    return f.shortfall if f.status == Status.FAIL else None


def run_block(result: Result) -> dict:
    run = dict(result.run)
    # Reproducible output on request (reproducible-builds.org's convention).
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        run["checked_at"] = _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).isoformat()
    return run


class _Parcels(Sequence):
    """The parcels' view entries, each made when first asked for and then kept: a batch's
    printed summary needs a few dozen of them, and is typeset while the rest are made."""

    def __init__(self, builder: "_Builder", results: tuple[ParcelResult, ...]):
        self._builder, self._results = builder, results
        self._made: list[dict | None] = [None] * len(results)

    def __len__(self) -> int:
        return len(self._results)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        made = self._made[i]
        if made is None:
            made = self._made[i] = self._builder.parcel(self._results[i])
        return made

    def __iter__(self) -> Iterator[dict]:
        return (self[i] for i in range(len(self)))


@dataclass
class Model:
    result: Result
    lang: str
    t: Translator
    data: dict                       # the JSON contract
    parcels: Sequence[dict]          # per parcel: its JSON entry plus display forms
    institutions: list[dict]
    district: list[dict]
    header: dict                     # what every page's head and method section show
    verdicts: list[str]              # each parcel's verdict, as its entry has it
    headline_shortfalls: list[float]  # each parcel's shortfall of floor area, 0 if none

    def summary_of(self, parcels: list[dict]) -> dict:
        return summarise([p["result"] for p in parcels])

    def complete(self) -> "Model":
        """Every parcel's entry made, and the JSON contract's list of them filled in."""
        if not isinstance(self.parcels, list):
            self.parcels = list(self.parcels)
        if self.data.get("parcels") is None:
            self.data["parcels"] = [p["entry"] for p in self.parcels]
        return self


class Row(Mapping):
    """A finding's display form, read as a dict by the views and templates: its JSON entry
    (`data`), the forms it shares with its rule's findings (`cited`: the rule's name, the
    document, the quote), and labels and formatted figures of its own, later keys over
    earlier. Each is made when a view asks for it: a district's tables and map layers ask
    a few of each finding, only a parcel's page asks for all (10,000 parcels: 0.7 s of
    dicts merged for every finding, most never read)."""

    __slots__ = ("_f", "_data", "_cited", "_t")

    def __init__(self, f: Finding, data: dict, cited: dict, t: Translator):
        self._f, self._data, self._cited, self._t = f, data, cited, t

    def __getitem__(self, key: str):
        made = _DISPLAY.get(key)
        if made is not None:
            return made(self._f, self._data, self._t)
        if key not in _CITED_OVER_DATA:
            data = self._data
            if key in data:
                return data[key]
        return self._cited[key]

    def get(self, key: str, default=None):
        return self[key] if key in self else default

    def __getattr__(self, key: str):
        # Templates read `r.label`: looked up here only when no attribute has the name.
        if key.startswith("_"):  # a slot not yet set (a copy being made)
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        seen = set()
        for key in (*self._data, *self._cited, *_DISPLAY):
            if key not in seen:
                seen.add(key)
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        # A finding always has a form; `if row` must not count its keys (__len__).
        return True

    def __contains__(self, key) -> bool:
        return key in _DISPLAY or key in self._cited or key in self._data


# The keys of a finding's entry whose display form the shared forms hold (Builder._cited).
_CITED_OVER_DATA = frozenset({"inherited_params", "modified"})
# The statuses whose fix a parcel's page lists.
_TO_FIX = (Status.FAIL, Status.INSUFFICIENT_DATA)
# A finding's display forms: (finding, its entry, translator) → the form.
_DISPLAY = {
    "kind_label": lambda f, data, t: t.kind(f.kind) if f.kind else "",
    "status_label": lambda f, data, t: t.status(f.status),
    "required_text": lambda f, data, t: number(f.required, f.unit),
    "provided_text": lambda f, data, t: number(f.provided, f.unit),
    "shortfall_text": lambda f, data, t:
        number(data["shortfall"], f.unit) if data.get("shortfall") else "",
    "formula": lambda f, data, t: data.get("formula", ""),
    "fix": lambda f, data, t: data.get("fix", ""),
    "notes": lambda f, data, t: data.get("notes", []),
    "consequence": lambda f, data, t:
        data.get("consequence", "") if f.status == Status.FAIL else "",
    "expired": lambda f, data, t: t.gettext(N_(
        "A target dated {deadline}, now passed: reported for information, not binding."
    )).format(deadline=f.deadline) if f.expired else "",
    "group": lambda f, data, t: list(f.group or ()),
    "advisory": lambda f, data, t: f.severity == Severity.ADVISORY,
}


class _Builder:
    def __init__(self, result: Result, lang: str):
        self.result, self.lang, self.t = result, lang, Translator(lang)
        fac = result.plan.facilities
        self.fac_records = fac.drop(columns="geometry").to_dict("records")
        self._cited_forms: dict = {}
        self._citations: dict = {}

    # -------------------------------------------------------------- display forms

    def row(self, f: Finding, data: dict) -> "Row":
        """A finding's display form: its JSON entry with labels and formatted figures."""
        return Row(f, data, self._cited(f), self.t)

    def _cited(self, f: Finding) -> dict:
        """The display forms a finding shares with every finding of its rule and clause (the
        rule's name, the document, the quote, the standard's figures modified by the run):
        made once per rule and clause."""
        key = (f.rule, id(f.citation), f.inherited_params, id(f.modified))
        # What the ids name is kept beside the forms, so they name it for the builder's life.
        _, cited = self._cited_forms.get(key, (None, None))
        if cited is None:
            t, c = self.t, f.citation
            stated_by = _standard_name(self.result.standard, c.standard_id, t)
            cited = {
                "label": rule_label(f.rule, self.lang),
                "document": t.punctuate(c.document.number
                                        or t.pick(c.document.title, c.document.title_en)),
                "clause": c.clause,
                "cited_inherited": c.inherited,
                "inherited_from": stated_by,
                "stated_by": stated_by,
                "sourcing": t.pick(*SOURCING_NAMES[c.how_sourced]) if c.how_sourced else "",
                "secondary": c.secondary,
                "inherited_params": [self._inherited_param(f.rule, n)
                                     for n in f.inherited_params],
                "quote": t.punctuate(c.quote), "citation_note": t.punctuate(c.note or ""),
                "quote_en": (c.quote_en or "") if self.lang == "en" else "",
                "modified": [{**m, "published_text": _figure(m["published"]),
                              "used_text": _figure(m["used"]),
                              "param_label": param_label(m["param"], self.lang)}
                             for m in f.modified],
            }
            self._cited_forms[key] = ((c, f.modified), cited)
        return cited

    def _inherited_param(self, rule: str, name: str) -> str:
        """An inherited parameter named with the standard it comes from: 服务半径（贵州省（省级））."""
        spec = self.result.standard.rules.get(rule)
        p = spec.params.get(name) if spec else None
        label = param_label(name, self.lang)
        if p is None:
            return label
        source = _standard_name(self.result.standard, p.citation.standard_id, self.t)
        return f"{label}（{source}）" if self.lang == "zh" else f"{label} ({source})"

    def facility(self, link) -> dict:
        row = self.fac_records[link.position]

        def value(key):
            v = row.get(key)
            return None if v is None or v != v else v

        sharing = row["parcel_ids"]
        return {"id": link.id, "label": self.t.named(link.id), "position": link.position,
                "name": value("name") or "",
                "kind": row["kind"],
                "kind_label": self.t.kind(row["kind"]),
                "floor_area_m2": value("floor_area_m2"), "land_area_m2": value("land_area_m2"),
                "floor_area": number(value("floor_area_m2"), "m2"),
                "land_area": number(value("land_area_m2"), "m2"),
                "status": row["status"], "status_label": self.t.gettext(row["status"]),
                "phase": number(value("phase")),
                "storeys": _storeys(value("floor"), value("floors"), self.t),
                "direct": link.direct, "shared": link.shared,
                "shared_by": "; ".join(map(self.t.named, sharing)) if len(sharing) > 1
                else ""}

    def parcel(self, p: ParcelResult) -> dict:
        findings = [finding(f, self.t, self.result.standard, self._citations)
                    for f in p.findings]
        verdict = p.verdict  # decided from the findings on each call
        failing = p.mandatory_failures
        entry = {"id": p.id, "name": p.name, "verdict": verdict.value,
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
        for r, d in zip(rows, findings):
            by_rule.setdefault(d["rule"], r)
        headline = by_rule.get(HEADLINE_AREA)
        radius = next((by_rule[r] for r in RADIUS_RULES if r in by_rule), None)
        return {
            "result": p, "entry": entry, "id": p.id, "label": self.t.named(p.id),
            "name": p.name or "",
            "anchor": f"parcel-{p.position}", "position": p.position,
            "verdict": verdict.value, "verdict_label": self.t.verdict(verdict),
            "rows": rows, "by_rule": by_rule,
            "fixes": [r for r, f, d in zip(rows, p.findings, findings)
                      if d["status"] in _TO_FIX and d.get("fix")
                      and f.severity != Severity.ADVISORY],
            "advice": [r for r, f, d in zip(rows, p.findings, findings)
                       if d["status"] in _TO_FIX and d.get("fix")
                       and f.severity == Severity.ADVISORY],
            "households_new": p.households_new, "households_existing": p.households_existing,
            "households": p.households_new + p.households_existing,
            "population": p.population, "population_estimated": p.population_estimated,
            "group": list(p.group or ()),
            "failing": [f.rule for f in failing],
            "failing_labels": [rule_label(f.rule, self.lang) for f in failing],
            "facilities": [self.facility(link) for link in p.facilities],
            "problems": [self.t.problem(q) for q in p.problems],
            "headline": headline, "radius": radius,
        }

    def institution(self, fr) -> dict:
        findings = [finding(x, self.t) for x in fr.findings]
        return {"entry": {"id": fr.id, "name": fr.name, "kind": fr.kind,
                          "verdict": fr.verdict.value, "findings": findings},
                "id": fr.id, "label": self.t.named(fr.id), "name": fr.name or "",
                "kind": fr.kind,
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
                 "quote": t.punctuate(d.citation.quote) if d.citation else "",
                 "quote_en": (d.citation.quote_en or "") if d.citation and self.lang == "en"
                 else ""}
                for d in self.result.district]

    def _lapsed(self, x: dict) -> str:
        t, s = self.t, self.result.standard
        name = _standard_name(s, x["id"], t)
        if x["effective"] and s.as_of < x["effective"]:
            text = t.gettext(N_("{standard} is in force only from {effective}: on {as_of} "
                                "the standard it extends applies instead."))
        else:
            text = t.gettext(N_("{standard} lapsed on {expires}: on {as_of} the standard "
                                "it extends applies instead."))
        out = text.format(standard=name, effective=x["effective"], expires=x["expires"],
                          as_of=s.as_of)
        note = s.expires_note if x["id"] == s.id else None
        return t.punctuate(f"{out} {note}" if note else out)

    def header(self, run: dict) -> dict:
        result, t = self.result, self.t
        s = result.standard
        inherited = sorted({(rule_label(r.id, self.lang), param_label(p.name, self.lang),
                             _standard_name(s, p.citation.standard_id, t) + " · "
                             + t.punctuate(p.citation.document.title),
                             t.punctuate(p.citation.note or ""))
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
                         "sha256": s.sha256,
                         "levels": " → ".join(_standard_name(s, x["id"], t) for x in s.levels),
                         "sourcing": t.pick(*SOURCING_NAMES[s.document.sourcing])
                         if s.document.sourcing else "",
                         "as_of": s.as_of},
            "not_in_force": [self._lapsed(x) for x in s.not_in_force],
            "passed_deadlines": [
                t.gettext(N_("{standard}: {rule}, a target dated {deadline}, has passed.")).format(
                    standard=_standard_name(s, x["id"], t), rule=rule_label(x["rule"], self.lang),
                    deadline=x["deadline"]) for x in s.passed_deadlines],
            "modified": [dict(m) for m in result.modified],
            "options": result.run.get("options", {}),
            "version": __version__,
            "checked_at": checked[:10] if checked else _dt.date.today().isoformat(),
            "fingerprint": result.plan.fingerprint or "",
            "groups": [list(g) for g in result.groups],
            "method": result.method,
            # The technical appendix: each note named, its key beside it as the JSON has it.
            "network_notes": [(*network_note_name(k, self.lang), v, k)
                              for k, v in sorted(result.method.network.items(),
                                                 key=lambda kv: network_note_rank(kv[0]))],
            "radius": sorted({round(float(r), 1) for r in result.radius_m})
            if result.radius_m is not None else [],
            "inherited": inherited,
            "assumptions": [(param_label(p.name, self.lang), p.value,
                             t.punctuate(p.citation.document.title), p.citation.clause,
                             t.punctuate(p.citation.note or "")) for p in s.assumptions.values()],
            "crs_text": _crs_text(result.method.crs, self.lang) if result.method.crs != "—"
            else t.gettext(N_("none (the plan has no geometry; nothing is measured)")),
            "problems": [t.problem(p) for p in result.problems],
            # A parcel's own page lists what concerns the whole plan (a layer, a file); a
            # feature's problem is on the pages of the parcels it counts for, and all are on
            # the overview (a district of 700 problems printed them on each of 3,000 pages).
            "plan_problems": [t.problem(p) for p in result.problems if p.feature is None],
            "rejected": [t.problem(p) for p in result.problems if p.level == "error"],
            "warnings": [t.problem(p) for p in result.problems if p.level == "warning"],
            "meta": dict(result.meta),
            "meta_rows": [(k, t.pick(*META_FIELDS[k]), result.meta.get(k, ""))
                          for k in META_FIELDS if k not in SIGNATORIES],
            "signatures": [(k, t.pick(*META_FIELDS[k]), result.meta.get(k, ""))
                           for k in SIGNATORIES],
            "title": result.meta.get("project") or result.plan.name,
            # Page numbers as the print stylesheet writes them (static text, no user input).
            "page_css": '"第 " counter(page) " 页 共 " counter(pages) " 页"' if self.lang == "zh"
            else '"Page " counter(page) " of " counter(pages)',
            # OpenStreetMap-derived data must carry its attribution (ODbL).
            "osm": bool(_OSM.search(result.plan.source or "")),
        }


# The written conclusion (审查结论), composed from the verdicts the result decided.
C_OPENING = N_("Having reviewed {subject} against {standard}: {parcels} parcels, {compliant} compliant, {non_compliant} non-compliant, {incomplete} incomplete.")
C_FAILS = N_("{parcel}: {rule} does not meet {clause} ({figures}).")
C_FIGURES = N_("required {required}, provided {provided}, short by {shortfall}")
C_INCOMPLETE = N_("{parcel}: cannot be judged until {what} is provided.")
C_BAD_DATA = N_("{parcel}: its own data cannot be used ({fields}); to be corrected and checked again.")
C_MORE = N_("and {n} more parcels, listed in the tables below.")
C_PASS = N_("The plan meets the standard's requirements for community eldercare facilities.")
C_FAIL = N_("The plan does not meet the standard's requirements; it is to be revised as set out above and submitted again.")
C_INC = N_("The plan cannot be judged in full; the missing information is to be provided and the plan checked again.")
# A parcel's own page (a batch's parcels/*.html) concludes on that parcel alone.
C_OPENING_PARCEL = N_("Having reviewed parcel {parcel} of {subject} against {standard}: {verdict}.")
C_PASS_PARCEL = N_("The parcel meets the standard's requirements for community eldercare facilities.")
C_FAIL_PARCEL = N_("The parcel does not meet the standard's requirements; it is to be revised as set out above and submitted again.")
C_INC_PARCEL = N_("The parcel cannot be judged in full; the missing information is to be provided and the parcel checked again.")
# At most this many parcels are named in the conclusion; the tables list every one.
CONCLUSION_NAMES = 10


def _conclusion(model: "Model") -> list[str]:
    t = model.t
    summary = model.data["summary"]
    out = [t.gettext(C_OPENING).format(subject=_subject(model), standard=_standard_title(model),
                                       **summary)]
    named = 0
    for i, verdict in enumerate(model.verdicts):
        if verdict == Verdict.COMPLIANT:
            continue
        if named == CONCLUSION_NAMES:
            left = sum(v != Verdict.COMPLIANT for v in model.verdicts) - named
            out.append(t.gettext(C_MORE).format(n=left))
            break
        named += 1
        out += _findings_said(model, i)
    closing = {0: C_PASS, 1: C_FAIL, 3: C_INC}[model.result.exit_code if model.result.exit_code
                                                in (0, 1, 3) else 1]
    out.append(t.gettext(closing))
    return [t.punctuate(x) for x in out]


def conclusion_of(model: "Model", position: int) -> list[str]:
    """The conclusion of one parcel's own page: its verdict and what decided it, never the
    district's (each parcel's page of a batch is printed and signed on its own)."""
    t = model.t
    verdict = Verdict(model.verdicts[position])
    out = [t.gettext(C_OPENING_PARCEL).format(
        parcel=_who(model, position), subject=_subject(model), standard=_standard_title(model),
        verdict=t.verdict(verdict))]
    if verdict != Verdict.COMPLIANT:
        out += _findings_said(model, position)
    out.append(t.gettext({Verdict.COMPLIANT: C_PASS_PARCEL, Verdict.NON_COMPLIANT: C_FAIL_PARCEL,
                          Verdict.INCOMPLETE: C_INC_PARCEL}[verdict]))
    return [t.punctuate(x) for x in out]


def _subject(model: "Model") -> str:
    return f"“{model.header['meta'].get('project') or model.header['plan_name']}”"


def _standard_title(model: "Model") -> str:
    s, t = model.result.standard, model.t
    return f"《{t.pick(s.title, s.title_en)}》" if model.lang == "zh" \
        else t.pick(s.title, s.title_en)


def _who(model: "Model", i: int) -> str:
    p = model.parcels[i]
    name = p["name"]
    if not name:
        return p["label"]
    # A name already in brackets ((无名小区) of an unnamed OSM area) is not bracketed twice.
    bracketed = name[0] in "(（" and name[-1] in ")）"
    if model.lang == "zh":
        return p["label"] + (name if bracketed else f"（{name}）")
    return f"{p['label']} {name if bracketed else f'({name})'}"


def _findings_said(model: "Model", i: int) -> list[str]:
    """What keeps parcel `i` from compliance, a sentence each: its own data unusable, each
    mandatory rule it fails with the figures, or what is missing to judge it."""
    t, lang = model.t, model.lang
    p = model.parcels[i]
    who = _who(model, i)
    if p["problems"]:
        fields = sorted({q.field or "—" for q in p["result"].problems})
        return [t.gettext(C_BAD_DATA).format(parcel=who, fields=", ".join(fields))]
    out = []
    failing = [r for r in p["rows"] if r["status"] == Status.FAIL and not r["advisory"]]
    for r in failing:
        figures = t.gettext(C_FIGURES).format(required=r["required_text"],
                                              provided=r["provided_text"],
                                              shortfall=r["shortfall_text"] or "—")
        clause = f"{r['document']} {r['clause']}".strip()
        out.append(t.gettext(C_FAILS).format(parcel=who, rule=r["label"], clause=clause,
                                              figures=figures))
    if not failing:
        missing = [r["label"] for r in p["rows"]
                   if r["status"] == Status.INSUFFICIENT_DATA and not r["advisory"]]
        out.append(t.gettext(C_INCOMPLETE).format(parcel=who, what="、".join(missing)
                                                   if lang == "zh" else ", ".join(missing)))
    return out


def build(result: Result, lang: str = "zh", *, lazy: bool = False) -> Model:
    """The view model of `result` in `lang`. `lazy`: each parcel's entry is made when a view
    first asks for it, and `data["parcels"]` is None until `Model.complete` (a batch
    typesets its printed summary from the few parcels it lists, then completes the model)."""
    b = _Builder(result, lang)
    parcels = _Parcels(b, result.parcels)
    if not lazy:
        parcels = list(parcels)
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
                     "modified": [dict(m) for m in result.modified],
                     "level": s.level, "province": s.province,
                     "levels": [dict(x) for x in s.levels],
                     "as_of": s.as_of, "effective": s.effective, "expires": s.expires,
                     "not_in_force": [dict(x) for x in s.not_in_force],
                     "passed_deadlines": [dict(x) for x in s.passed_deadlines],
                     "sourcing": s.document.sourcing, "url": s.document.url},
        "parcels": None if lazy else [p["entry"] for p in parcels],
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
    model = Model(result=result, lang=lang, t=b.t, data=data, parcels=parcels,
                  institutions=institutions, district=district, header=b.header(run),
                  verdicts=[p.verdict.value for p in result.parcels],
                  headline_shortfalls=[_headline_shortfall(p) for p in result.parcels])
    model.header["conclusion"] = _conclusion(model)
    return model


def _headline_shortfall(p: ParcelResult) -> float:
    """The shortfall of the parcel's headline floor-area finding (its first), as its entry
    has it: only where the finding failed."""
    f = next((f for f in p.findings if f.rule == HEADLINE_AREA), None)
    return (_shortfall(f) or 0) if f is not None else 0


def index_order(model: Model) -> list[int]:
    """The district table's order of parcels (their positions): problems first, largest
    shortfall first, then by id."""
    ids = [p.id for p in model.result.parcels]
    keys = [(VERDICT_ORDER[v], -s, pid)  # a Verdict is its word: looked up by it
            for v, s, pid in zip(model.verdicts, model.headline_shortfalls, ids)]
    return sorted(range(len(keys)), key=keys.__getitem__)


def index_rows(model: Model, links: list[str], positions: list[int]) -> list[dict]:
    """The district table's rows of the parcels at `positions` (see index_order): made for
    the rows a page shows, not for the whole district each time."""
    rows = []
    for i in positions:
        p, link = model.parcels[i], links[i]
        area, radius = p["headline"], p["radius"]
        rows.append({"id": p["id"], "label": p["label"], "name": p["name"],
                     "verdict": p["verdict"],
                     "verdict_label": p["verdict_label"], "link": link,
                     "households": p["households"],
                     "required": area["required"] if area else None,
                     "provided": area["provided"] if area else None,
                     "shortfall": area.get("shortfall", 0.0) if area else 0.0,
                     "worst": radius["provided"] if radius else None,
                     "failing": ", ".join(p["failing_labels"]),
                     "group": " + ".join(p["group"])})
    return rows
