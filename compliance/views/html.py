"""The HTML reports: one self-contained file (CSS and maps inline, nothing loaded from
anywhere), in Chinese or English, printable to A4. They present the Result; they decide nothing.

`ReportBuilder` prepares what every page shares once (template environment, spatial indexes,
which facilities each parcel provides), so a batch renders hundreds of parcel pages a second.
"""

from __future__ import annotations

import datetime as _dt
import re
from functools import lru_cache

import jinja2

from .. import __version__
from .._i18n import N_, Translator, rule_label, translations
from ..result import Result
from . import svgmap
from .data import run_block

_OSM = re.compile(r"openstreetmap|(^|[^a-z])osm([^a-z]|$)", re.IGNORECASE)
_UNITS = {"m2": "m²", "m": "m", "ratio": "", "per_100_beds": "", "": ""}
# Marked for extraction; shown through the facility table's status column.
_STATUS_WORDS = (N_("planned"), N_("existing"))


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


class ReportBuilder:
    def __init__(self, result: Result, lang: str = "zh"):
        self.result = result
        self.lang = lang
        self.t = Translator(lang)
        self.env = environment(lang)
        self.map_index = svgmap.MapIndex(result)
        t = self.t
        self.labels = {
            "map": t.gettext("Map of the parcel"), "parcel": t.gettext("parcel"),
            "own": t.gettext("facility it provides"), "shared": t.gettext("shared facility"),
            "other": t.gettext("other facility"),
            "existing": t.gettext("existing facility (dashed outline)"), "covered": t.gettext("building within reach"),
            "uncovered": t.gettext("building out of reach"),
            "radius": t.gettext("walking radius"), "district": t.gettext("District map"),
        }
        self.provided: dict[int, list[int]] = {}
        prov = result.provision
        if prov is not None:
            for parcel_pos, fac_pos in zip(prov.parcel.tolist(), prov.facility.tolist()):
                self.provided.setdefault(parcel_pos, []).append(fac_pos)
        self.fac_records = result.plan.facilities.drop(columns="geometry").to_dict("records")
        self._common = self._common_model()

    # ---------------------------------------------------------------- pieces

    def _finding_row(self, f) -> dict:
        t, lang, c = self.t, self.lang, f.citation
        return {
            "rule": f.rule, "label": rule_label(f.rule, lang),
            "kind": t.kind(f.kind) if f.kind else "", "status": f.status,
            "severity": f.severity, "formula": t.text(f.formula),
            "required": _num(f.required, f.unit), "provided": _num(f.provided, f.unit),
            "shortfall": _num(f.shortfall, f.unit) if f.status == "fail" and f.shortfall else "",
            "message": t.text(f.message), "fix": t.text(f.fix) if f.status != "pass" else "",
            "notes": [t.text(n) for n in f.notes],
            "consequence": t.pick(f.consequence, f.consequence_en) if f.status == "fail" else "",
            "document": c.document.number or c.document.title, "clause": c.clause,
            "quote": c.quote, "citation_note": c.note or "", "inherited": c.inherited,
            "inherited_from": c.standard_id, "inherited_params": list(f.inherited_params),
            "group": list(f.group or ()),
        }

    def _facility_row(self, i: int) -> dict:
        row = self.fac_records[i]

        def value(key):
            v = row.get(key)
            return None if v is None or v != v else v

        shared = len(row["parcel_ids"]) > 1
        return {"id": row["id"], "name": value("name") or "", "kind": self.t.kind(row["kind"]),
                "floor_area": _num(value("floor_area_m2"), "m2"),
                "land_area": _num(value("land_area_m2"), "m2"),
                "status": self.t.gettext(row["status"]), "phase": _num(value("phase")),
                "shared": "; ".join(row["parcel_ids"]) if shared else ""}

    def _district(self) -> list[dict]:
        return [{"id": d.id, "label": rule_label(d.id, self.lang),
                 "target": _num(d.target, "ratio"), "achieved": _num(d.achieved, "ratio"),
                 "numerator": d.numerator, "denominator": d.denominator, "status": d.status,
                 "message": self.t.text(d.message),
                 "clause": d.citation.clause if d.citation else "",
                 "quote": d.citation.quote if d.citation else ""}
                for d in self.result.district]

    def parcel(self, p) -> dict:
        rows = [self._finding_row(f) for f in p.findings]
        return {
            "id": p.id, "name": p.name or "", "anchor": f"parcel-{p.position}",
            "verdict": p.verdict, "rows": rows,
            "fixes": [r for r in rows if r["status"] in ("fail", "insufficient_data")
                      and r["severity"] == "mandatory" and r["fix"]],
            "advice": [r for r in rows if r["status"] in ("fail", "insufficient_data")
                       and r["severity"] == "advisory" and r["fix"]],
            "households_new": p.households_new, "households_existing": p.households_existing,
            "population": p.population, "population_estimated": p.population_estimated,
            "group": list(p.group or ()),
            "map": svgmap.parcel_map(self.result, p.position, self.labels, self.map_index),
            "failing": len(p.mandatory_failures),
            "facilities": [self._facility_row(i) for i in self.provided.get(p.position, [])],
        }

    def _common_model(self) -> dict:
        result, t, lang = self.result, self.t, self.lang
        s = result.standard
        inherited = sorted({(r.id, p.name, p.citation.document.title, p.citation.note or "")
                            for r in s.rules.values() for p in r.params.values()
                            if p.inherited})
        run = run_block(result)
        checked = run.get("checked_at", "")
        return {
            "lang": lang, "html_lang": "zh-CN" if lang == "zh" else "en",
            "plan_name": result.plan.name, "source": result.plan.source,
            "standard": {"id": s.id, "title": t.pick(s.title, s.title_en),
                         "place": t.pick(s.place, s.place_en), "document": s.document.title,
                         "number": s.document.number or "", "issued": s.document.issued or "",
                         "chain": list(s.chain[1:])},
            "version": __version__,
            "checked_at": checked[:10] if checked else _dt.date.today().isoformat(),
            "fingerprint": result.plan.fingerprint or "",
            "facilities": [{"id": f.id, "name": f.name or "", "kind": t.kind(f.kind),
                            "verdict": f.verdict,
                            "rows": [self._finding_row(x) for x in f.findings]}
                           for f in result.facilities],
            "district": self._district() if len(result.parcels) > 1 else [],
            "groups": [list(g) for g in result.groups],
            "method": result.method,
            "radius": sorted({round(float(r), 1) for r in result.radius_m})
            if result.radius_m is not None else [],
            "inherited": inherited,
            "assumptions": [(p.name, p.value, p.citation.document.title, p.citation.clause,
                             p.citation.note or "") for p in s.assumptions.values()],
            "problems": [str(p) for p in result.problems],
            "legend": svgmap.legend(self.labels),
            # OpenStreetMap-derived data must carry its attribution (ODbL).
            "osm": bool(_OSM.search(result.plan.source or "")),
            "back": None,
        }

    # ---------------------------------------------------------------- pages

    def full(self) -> str:
        parcels = [self.parcel(p) for p in self.result.parcels]
        model = {**self._common, "parcels": parcels, "many": len(parcels) > 1,
                 "summary": self.result.summary}
        return self.env.get_template("report.html.j2").render(**model)

    def single(self, p, back: str | None = None) -> str:
        """One parcel's page (batch): the same report, restricted to the parcel."""
        summary = {"parcels": 1, "compliant": int(p.verdict == "compliant"),
                   "non_compliant": int(p.verdict == "non_compliant"),
                   "incomplete": int(p.verdict == "incomplete")}
        model = {**self._common, "parcels": [self.parcel(p)], "many": False,
                 "summary": summary, "facilities": [], "district": [], "back": back}
        return self.env.get_template("report.html.j2").render(**model)

    def index(self, links: list[str]) -> str:
        """The district page of a batch: map, figures, sortable table, links."""
        result = self.result
        verdicts = [p.verdict for p in result.parcels]
        rows = []
        for p, link in zip(result.parcels, links):
            area = next((f for f in p.findings if f.rule == "area_per_households"), None)
            radius = next((f for f in p.findings if f.rule == "service_radius"), None)
            rows.append({"id": p.id, "name": p.name or "", "verdict": p.verdict, "link": link,
                         "households": p.households_new + p.households_existing,
                         "required": area.required if area else None,
                         "provided": area.provided if area else None,
                         "shortfall": area.shortfall if area and area.status == "fail" else 0.0,
                         "worst": radius.provided if radius else None,
                         "failing": ", ".join(rule_label(f.rule, self.lang)
                                              for f in p.mandatory_failures),
                         "group": " + ".join(p.group or ())})
        order = {"non_compliant": 0, "incomplete": 1, "compliant": 2}
        rows.sort(key=lambda r: (order[r["verdict"]], -(r["shortfall"] or 0), r["id"]))
        anchors = [link or f"#row-{i}" for i, link in enumerate(links)]
        model = {**self._common, "rows": rows, "district": self._district(), "problems": [],
                 "summary": result.summary, "suggestions": result.suggestions or [],
                 "map": svgmap.district_map(result, self.map_index, verdicts, anchors, self.labels),
                 "rejected": [str(p) for p in result.problems if p.level == "error"],
                 "warnings": [str(p) for p in result.problems if p.level == "warning"]}
        return self.env.get_template("index.html.j2").render(**model)


def render(result: Result, lang: str = "zh") -> str:
    return ReportBuilder(result, lang).full()
