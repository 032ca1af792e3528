"""The HTML reports: one self-contained file (CSS and maps inline, nothing loaded from
anywhere), in Chinese or English, printable to A4. They render the view model and draw maps
from the result's geometry; they decide nothing.

`ReportBuilder` prepares what every page shares once (template environment, spatial indexes),
so a batch renders hundreds of parcel pages a second.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator

import jinja2
from markupsafe import Markup

from .._i18n import CJK, N_, translations, zh_punctuation
from ..result import Result
from . import svgmap
from .model import Model, build, conclusion_of, index_order, index_rows, number

# Marked for extraction; shown through the facility table's status column.
_STATUS_WORDS = (N_("planned"), N_("existing"))


@lru_cache(maxsize=None)
def environment(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compliance", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
        # The templates are the package's own and do not change under a running process:
        # no stat of each included template on every page (12 a parcel page).
        auto_reload=False,
    )
    catalogue = translations(lang)
    env.install_gettext_translations(catalogue, newstyle=True)

    # Jinja's newstyle gettext, without its per-call context lookups: the same Markup and the
    # same "%" formatting (our templates are always autoescaped), each message translated
    # once. A parcel page says some fifty messages; a district's batch, a page per parcel.
    @lru_cache(maxsize=4096)
    def translated(msgid: str) -> Markup:
        return Markup(catalogue.gettext(msgid))

    def gettext(__string: str, **variables) -> str:
        return translated(__string) % variables

    env.globals.update(_=gettext, gettext=gettext, font_family=svgmap.FONT_FAMILY)
    env.filters["num"] = number
    env.filters["verbatim"] = _verbatim
    return env


_RAW = re.compile(r"(<(style|script)\b.*?</\2>)", re.S)
# Names, ids and paths from the input are shown as given: the `verbatim` filter fences them
# with this invisible character, and typesetting leaves what lies between the fences.
_FENCE = "\u2061"


def _verbatim(value) -> str:
    return f"{_FENCE}{'' if value is None else value}{_FENCE}"


# A district's table repeats a few texts on every row (a verdict, the rules not met): each
# is set once (50,000 parcels: 150,000 texts, a few hundred of them distinct).
@lru_cache(maxsize=4096)
def _punctuate_unfenced(text: str) -> str:
    pieces = text.split(_FENCE)
    return "".join(_punctuate_escaped(x) if i % 2 == 0 else x for i, x in enumerate(pieces))


# An escaped character (&#39; &amp; &lt;) ends in a semicolon that is not punctuation: set
# Chinese punctuation made it "；" and the page showed "&#39；" as text.
_ENTITY = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
_HELD = "\ue000"  # a private-use character: neither Chinese, nor punctuation, nor space


def _punctuate_escaped(text: str) -> str:
    """zh_punctuation over escaped HTML text, its character references held aside."""
    if "&" not in text or _HELD in text:
        return zh_punctuation(text)
    held = _ENTITY.findall(text)
    if not held:
        return zh_punctuation(text)
    pieces = zh_punctuation(_ENTITY.sub(_HELD, text)).split(_HELD)
    return "".join(piece + (held[i] if i < len(held) else "") for i, piece in enumerate(pieces))


# Text between tags with Chinese in it: the rest (numbers, ids, English) is left as it is.
_TEXT = re.compile(f"(?<=>)([^<]*[{CJK}][^<]*)(?=<)")


def _typeset(page: str, lang: str) -> str:
    """Chinese pages set as Chinese is set: the punctuation of every text between tags
    (the templates' own words and the data's) full-width beside Chinese. Styles, scripts and
    attributes are left as they are."""
    if lang != "zh":
        return page.replace(_FENCE, "")
    parts = _RAW.split(page)
    out = []
    skip = 0
    for part in parts:
        if skip:
            skip -= 1
            if part in ("style", "script"):
                continue
        if part.startswith(("<style", "<script")):
            out.append(part)
            skip = 1
            continue
        out.append(_TEXT.sub(lambda m: _punctuate_unfenced(m.group(1)), part))
    return "".join(out).replace(_FENCE, "")


# A printed suggested site names this many of the parcels it reaches (a site in a large
# district reaches hundreds: pages of ids no reader uses); the screen and JSON list them all.
PRINTED_SITE_PARCELS = 12
# A printed summary lists this many of the district's shared-facility groups and of each kind
# of input problem: a district of 50,000 parcels has a thousand groups, eighteen pages of ids
# in a summary no one reads there; every one is in results.xlsx and results.json beside it,
# and on the overview page.
PRINTED_LIST_ITEMS = 30


class ReportBuilder:
    def __init__(self, model: Model):
        self.model = model
        self.lang = model.lang
        t = model.t
        self.env = environment(self.lang)
        self.map_index = svgmap.MapIndex(model.result, named=t.named)
        self.labels = {
            "map": t.gettext("Map of the parcel"), "parcel": t.gettext("parcel"),
            "own": t.gettext("facility it provides"), "shared": t.gettext("shared facility"),
            "other": t.gettext("other facility"),
            "existing": t.gettext("existing facility (dashed outline)"),
            "covered": t.gettext("building within reach"),
            "uncovered": t.gettext("building out of reach"),
            "radius": t.gettext("walking radius"), "district": t.gettext("District map"),
            "unreachable": t.gettext("not connected"),
            "reach": t.gettext("streets within the walking radius"),
        }
        network = model.result.service_area is not None
        self._common = {**model.header, "legend": svgmap.legend(self.labels, network=network),
                        "back": None, "institutions": model.institutions, "district": model.district,
                        "problems_elsewhere": 0}

    def _with_map(self, p: dict) -> dict:
        return {**p, "map": svgmap.parcel_map(self.model.result, p["position"], p["facilities"],
                                              self.labels, self.map_index)}

    def full(self) -> str:
        parcels = [self._with_map(p) for p in self.model.parcels]
        many = len(parcels) > 1
        model = {**self._common, "parcels": parcels, "many": many,
                 "summary": self.model.data["summary"],
                 "district": self.model.district if many else []}
        return _typeset(self.env.get_template("report.html.j2").render(**model), self.lang)

    def single(self, p: dict, back: str | None = None) -> str:
        """One parcel's page (batch): the same report, restricted to the parcel."""
        problems = self._common["plan_problems"]
        model = {**self._common, "parcels": [self._with_map(p)], "many": False,
                 "summary": self.model.summary_of([p]), "institutions": [], "district": [],
                 "back": back, "problems": problems,
                 "conclusion": conclusion_of(self.model, p["position"]),
                 "problems_elsewhere": len(self._common["problems"]) - len(problems)}
        return _typeset(self.env.get_template("report.html.j2").render(**model), self.lang)

    def index(self, links: list[str], rows_limit: int | None = None,
              pages: list[str] | None = None, page_rows: int = 0,
              printed: bool = False, up: str | None = None) -> str:
        """The district page of a batch: map, figures, sortable table, links. With
        `rows_limit` (the printed summary, a large district) the table lists the first rows
        only, problems first, and says where the rest are: `pages` of `page_rows` each.
        `up`: the overview by place this district's folder sits in, linked above it."""
        result = self.model.result
        verdicts = self.model.verdicts
        anchors = [link or f"#row-{i}" for i, link in enumerate(links)]
        order = index_order(self.model)
        shown = index_rows(self.model, links, order[:rows_limit] if rows_limit else order)
        lists = {name: self._common[name] for name in ("groups", "rejected", "warnings")}
        model = {**self._common, "rows": shown, "rows_total": len(order), "problems": [],
                 **{f"{name}_total": len(items) for name, items in lists.items()},
                 **({name: items[:PRINTED_LIST_ITEMS] for name, items in lists.items()}
                    if printed else {}),
                 "printed": printed, "printed_site_parcels": PRINTED_SITE_PARCELS, "up": up,
                 "pages": pages or [], "page_rows": page_rows,
                 "summary": self.model.data["summary"],
                 "suggestions": result.suggestions or [],
                 "map": svgmap.district_map(result, self.map_index, verdicts, anchors,
                                            self.labels, linked=not printed)}
        return _typeset(self.env.get_template("index.html.j2").render(**model), self.lang)


    def table_pages(self, links: list[str], page_rows: int,
                    overview: str = "index.html") -> Iterator[tuple[str, str]]:
        """The district's whole parcel table, `page_rows` to a page, problems first:
        (file name, page), a page at a time, each linking back to the `overview` page. A
        browser opens each at once, at any district size; `table_page_names` names them
        beforehand."""
        order = index_order(self.model)
        names = table_page_names(len(order), page_rows)
        template = self.env.get_template("table_page.html.j2")
        for k, name in enumerate(names):
            chunk = index_rows(self.model, links, order[k * page_rows:(k + 1) * page_rows])
            page = template.render(**self._common, rows=chunk, rows_total=len(order),
                                   pages=names, page_no=k + 1, first=k * page_rows + 1,
                                   overview=overview,
                                   last=k * page_rows + len(chunk))
            yield name, _typeset(page, self.lang)


def table_page_names(n_rows: int, page_rows: int) -> list[str]:
    return [f"parcels-{k + 1:03d}.html" for k in range(-(-n_rows // page_rows))]


_TABLE_PAGE_NAME = re.compile(r"parcels-[0-9]{3,}\.html")


def is_table_page_name(name: str) -> bool:
    """Whether `name` is one `table_page_names` gives (the review desk serves those)."""
    return _TABLE_PAGE_NAME.fullmatch(name) is not None


def render(model: Model | Result, lang: str = "zh") -> str:
    if isinstance(model, Result):
        model = build(model, lang)
    return ReportBuilder(model).full()


def places_overview(outcome, lang: str) -> str:
    """The overview of a batch by place (workflow.batch_by_place): each standard's places,
    its verdict counts and its folder; the parcels no standard judged, and why."""
    from .. import country
    from .._i18n import Translator
    from ..vocabulary import Verdict

    says = Translator(lang)
    groups = [{
        "folder": folder, "standard_id": group.standard.id,
        "title": says.pick(group.standard.title, group.standard.title_en),
        "place": says.pick(group.standard.place, group.standard.place_en),
        "places": group.places_by(country.OWN),
        "by_fallback": group.places_by(country.FALLBACK),
        "by_covering": group.places_by(country.COVERING),
        "parcels": result.summary["parcels"],
        "verdicts": [result.summary[str(verdict)] for verdict in Verdict],
    } for group, result, folder in outcome.groups]
    parcels = outcome.plan.parcels
    unchecked = [{
        "place": item.place or "—", "count": len(item.positions),
        "ids": [str(parcels["id"].iat[i]) for i in item.positions[:UNCHECKED_IDS]],
        "more": max(0, len(item.positions) - UNCHECKED_IDS),
        "why": says.problem(item.problem),
    } for item in outcome.unchecked]
    page = environment(lang).get_template("places.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en", plan_name=outcome.plan.name,
        source=outcome.plan.source, fingerprint=outcome.plan.fingerprint,
        groups=groups, unchecked=unchecked,
        verdict_names=[says.verdict(verdict) for verdict in Verdict],
        parcels_total=len(parcels),
        unchecked_total=sum(len(item.positions) for item in outcome.unchecked))
    return _typeset(page, lang)


# An unchecked place lists this many of its parcels' ids; all are in the plan.
UNCHECKED_IDS = 20
