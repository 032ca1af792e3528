"""The HTML report: one self-contained file (CSS and maps inline, nothing loaded from
anywhere), in Chinese or English, printable to A4. It presents the Result; it decides nothing."""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

import jinja2

from .. import __version__
from .._i18n import N_, Translator, rule_label, translations
from ..result import Result
from . import svgmap
from .data import run_block

_UNITS = {"m2": "m²", "m": "m", "ratio": "", "per_100_beds": "", "": ""}


@lru_cache(maxsize=None)
def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compliance", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)
    env.filters["num"] = _num
    return env


def _num(value, unit: str = "", digits: int = 1) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return f"{value:.1%}"
    text = f"{value:,.{digits}f}" if abs(value - round(value)) > 1e-9 else f"{value:,.0f}"
    return f"{text} {_UNITS.get(unit, unit)}".strip()


def _finding_row(f, t: Translator, lang: str) -> dict:
    c = f.citation
    return {
        "rule": f.rule, "label": rule_label(f.rule, lang), "kind": t.kind(f.kind) if f.kind else "",
        "status": f.status, "severity": f.severity,
        "formula": t.text(f.formula), "required": _num(f.required, f.unit),
        "provided": _num(f.provided, f.unit),
        "shortfall": _num(f.shortfall, f.unit) if f.status == "fail" and f.shortfall else "",
        "message": t.text(f.message), "fix": t.text(f.fix) if f.status != "pass" else "",
        "notes": [t.text(n) for n in f.notes],
        "consequence": t.pick(f.consequence, f.consequence_en) if f.status == "fail" else "",
        "document": c.document.number or c.document.title, "document_title": c.document.title,
        "clause": c.clause, "quote": c.quote, "citation_note": c.note or "",
        "inherited": c.inherited, "inherited_from": c.standard_id,
        "inherited_params": list(f.inherited_params), "group": list(f.group or ()),
        "details": f.details,
    }


def _facility_row(row, t: Translator, shared: bool) -> dict:
    def value(key):
        v = row.get(key)
        return None if v is None or v != v else v

    return {"id": row["id"], "name": value("name") or "", "kind": t.kind(row["kind"]),
            "floor_area": _num(value("floor_area_m2"), "m2"),
            "land_area": _num(value("land_area_m2"), "m2"),
            "status": t.gettext(row["status"]), "phase": _num(value("phase")),
            "shared": "; ".join(row["parcel_ids"]) if shared else ""}


def model(result: Result, lang: str) -> dict:
    t = Translator(lang)
    s = result.standard
    labels = {
        # Marked for extraction; shown through the facility table's status column.
        "_status": (N_("planned"), N_("existing")),
        "map": t.gettext("Map of the parcel"), "parcel": t.gettext("parcel"),
        "own": t.gettext("facility it provides"), "shared": t.gettext("shared facility"),
        "other": t.gettext("other facility"), "covered": t.gettext("building within reach"),
        "uncovered": t.gettext("building out of reach"),
        "radius": t.gettext("walking radius"),
    }
    fac = result.plan.facilities
    provided: dict[int, list[int]] = {}
    prov = result.provision
    if prov is not None:
        for parcel_pos, fac_pos in zip(prov.parcel, prov.facility):
            provided.setdefault(int(parcel_pos), []).append(int(fac_pos))
    parcels = []
    for p in result.parcels:
        rows = [_finding_row(f, t, lang) for f in p.findings]
        parcels.append({
            "id": p.id, "name": p.name or "", "anchor": f"parcel-{p.position}",
            "verdict": p.verdict, "rows": rows,
            "fixes": [r for r in rows if r["status"] in ("fail", "insufficient_data")
                      and r["severity"] == "mandatory" and r["fix"]],
            "advice": [r for r in rows if r["status"] in ("fail", "insufficient_data")
                       and r["severity"] == "advisory" and r["fix"]],
            "households_new": p.households_new, "households_existing": p.households_existing,
            "population": p.population, "population_estimated": p.population_estimated,
            "group": list(p.group or ()),
            "map": svgmap.parcel_map(result, p.position, labels),
            "failing": sum(r["status"] == "fail" and r["severity"] == "mandatory" for r in rows),
            "facilities": [_facility_row(fac.iloc[i], t, shared=len(fac.iloc[i]["parcel_ids"]) > 1)
                           for i in provided.get(p.position, [])],
        })
    facilities = [{"id": f.id, "name": f.name or "", "kind": t.kind(f.kind),
                   "verdict": f.verdict, "rows": [_finding_row(x, t, lang) for x in f.findings]}
                  for f in result.facilities]
    inherited = sorted({(r.id, p.name, p.citation.document.title, p.citation.note or "")
                        for r in s.rules.values() for p in r.params.values() if p.inherited})
    run = run_block(result)
    checked = run.get("checked_at", "")
    return {
        "lang": lang, "html_lang": "zh-CN" if lang == "zh" else "en",
        "plan_name": result.plan.name, "source": result.plan.source,
        "standard": {"id": s.id, "title": t.pick(s.title, s.title_en), "place": t.pick(s.place, s.place_en),
                     "document": s.document.title, "number": s.document.number or "",
                     "issued": s.document.issued or "", "chain": list(s.chain[1:])},
        "version": __version__, "checked_at": checked[:10] if checked else
        _dt.date.today().isoformat(), "fingerprint": result.plan.fingerprint or "",
        "summary": result.summary, "parcels": parcels, "facilities": facilities,
        "district": [{"id": d.id, "label": rule_label(d.id, lang), "target": _num(d.target, "ratio"),
                      "achieved": _num(d.achieved, "ratio"), "numerator": d.numerator,
                      "denominator": d.denominator, "status": d.status,
                      "message": t.text(d.message),
                      "clause": d.citation.clause if d.citation else "",
                      "quote": d.citation.quote if d.citation else ""}
                     for d in result.district],
        "groups": [list(g) for g in result.groups],
        "method": result.method, "radius": sorted({round(float(r), 1) for r in result.radius_m})
        if result.radius_m is not None else [],
        "inherited": inherited,
        "assumptions": [(p.name, p.value, p.citation.document.title, p.citation.clause,
                         p.citation.note or "") for p in s.assumptions.values()],
        "problems": [str(p) for p in result.problems],
        "legend": svgmap.legend(labels), "many": len(parcels) > 1,
        "osm": "openstreetmap" in (result.plan.source or "").lower(),
    }


def render(result: Result, lang: str = "zh") -> str:
    return environment(lang).get_template("report.html.j2").render(**model(result, lang))
