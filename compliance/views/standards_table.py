"""The shipped standards side by side: `compliance standards list` (grouped by province),
`compliance standards diff A B`, and docs/standards.md, all made from the standard files."""

from __future__ import annotations

from .._i18n import N_, Translator, rule_label
from ..rules.catalogue import CATALOGUE, SUMMARY_FIGURES, param_label
from ..standard import Standard
from .model import LEVEL_NAMES, SOURCING_NAMES, _standard_name

_NATIONAL = ("全国", "National")


def _value(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _group_key(s: Standard) -> tuple:
    if s.level == "national":
        return (0, "", *_NATIONAL)
    return (1, s.province_en or s.place_en, s.province or s.place, s.province_en or s.place_en)


def grouped(standards: list[Standard]) -> list[tuple[str, str, list[Standard]]]:
    """(province, province_en, its standards: the province's own file first)."""
    groups: dict[tuple, list[Standard]] = {}
    for s in standards:
        groups.setdefault(_group_key(s), []).append(s)
    order = {"national": 0, "province": 1, "city": 2, "district": 3}
    return [(k[2], k[3], sorted(v, key=lambda s: (order.get(s.level, 9), s.id)))
            for k, v in sorted(groups.items())]


def _when(s: Standard, t: Translator) -> str:
    parts = []
    if s.effective:
        parts.append(t.gettext(N_("in force from {date}")).format(date=s.effective))
    if s.expires:
        parts.append(t.gettext(N_("lapsed {date}")).format(date=s.expires)
                     if s.as_of >= s.expires and s.as_of != "*" else
                     t.gettext(N_("until {date}")).format(date=s.expires))
    return ", ".join(parts)


def render_list(standards: list[Standard], lang: str = "zh") -> str:
    t = Translator(lang)
    lines = []
    for province, province_en, members in grouped(standards):
        lines.append(f"{t.pick(province, province_en)}" + (f"  {province_en}" if lang == "zh"
                                                           else ""))
        for s in members:
            level = t.pick(*LEVEL_NAMES[s.level])
            sourcing = t.pick(*SOURCING_NAMES[s.document.sourcing]) if s.document.sourcing \
                else t.gettext(N_("source document in the repository"))
            extends = f" → {s.chain[1]}" if len(s.chain) > 1 else ""
            when = _when(s, t)
            lines.append(f"  {s.id:<11} {t.pick(s.place, s.place_en)}（{level}）{extends}"
                         if lang == "zh" else
                         f"  {s.id:<11} {s.place_en} ({level}){extends}")
            doc = " ".join(x for x in (t.pick(s.document.title, s.document.title_en),
                                       s.document.number or "", s.document.issued or "") if x)
            lines.append(f"              {t.punctuate(doc)}")
            lines.append(f"              {sourcing}" + (f" · {when}" if when else ""))
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _rows(s: Standard, t: Translator) -> dict[tuple[str, str], tuple[str, str]]:
    """(rule, parameter) → (value, where it comes from), with the rule's severity."""
    out = {}
    for rule in s.rules.values():
        expired = " (" + t.gettext(N_("expired target")) + ")" if rule.expired else ""
        out[(rule.id, "severity")] = (t.severity(rule.severity) + expired,
                                      rule.citation.standard_id)
        for p in rule.params.values():
            out[(rule.id, p.name)] = (_value(p.value), p.citation.standard_id)
        out[(rule.id, "citation")] = (
            f"{rule.citation.document.number or rule.citation.document.title} "
            f"{rule.citation.clause}", rule.citation.standard_id)
    return out


def render_diff(a: Standard, b: Standard, lang: str = "zh") -> str:
    t = Translator(lang)
    ra, rb = _rows(a, t), _rows(b, t)
    def order(key):
        names = [p.name for p in CATALOGUE[key[0]].params]
        return (list(CATALOGUE).index(key[0]), key[1] != "severity", key[1] == "citation",
                names.index(key[1]) if key[1] in names else -1)

    keys = sorted(set(ra) | set(rb), key=order)
    head = [t.gettext(N_("figure")), f"{a.id}", f"{b.id}"]
    rows = []
    for rule, name in keys:
        label = rule_label(rule, lang) + " · " + (
            t.gettext(N_("severity")) if name == "severity" else
            t.gettext(N_("citation")) if name == "citation" else param_label(name, lang))
        cells = []
        for s, r in ((a, ra), (b, rb)):
            value, sid = r.get((rule, name), ("—", None))
            if sid and sid != s.id and name != "citation":
                value += f" [{_standard_name(s, sid, t)}]"
            cells.append(t.punctuate(value))
        same = ra.get((rule, name), (None,))[0] == rb.get((rule, name), (None,))[0]
        rows.append((label, *cells, "" if same or name == "citation" else "≠"))
    widths = [max(_width(r[i]) for r in [tuple(head) + ("",), *rows]) for i in range(3)]
    lines = []
    for s in (a, b):
        sourcing = t.pick(*SOURCING_NAMES[s.document.sourcing]) if s.document.sourcing else \
            t.gettext(N_("source document in the repository"))
        levels = " → ".join(_standard_name(s, x["id"], t) for x in s.levels)
        lines += [f"{s.id}: {t.punctuate(t.pick(s.title, s.title_en))}",
                  f"    {levels} · {sourcing}"]
    lines.append("")
    lines.append("  ".join(_pad(h, w) for h, w in zip(head, widths)))
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, w) for c, w in zip(row[:3], widths)) + f"  {row[3]}")
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _width(text: str) -> int:
    """Display width: a CJK character takes two columns."""
    return sum(2 if "\u2e80" <= ch <= "\uffef" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


# --------------------------------------------------------------------------- docs/standards.md

def _figure(s: Standard, rule: str, name: str, unit: str = "") -> str:
    spec = s.rules.get(rule)
    if spec is None or name not in spec.params or spec.params[name].value is None:
        return "—"
    p = spec.params[name]
    text = f"{_value(p.value)}{unit}"
    if p.inherited:
        text += f" ({p.citation.standard_id})"
    return text


def render_markdown(standards: list[Standard]) -> str:
    out = ["# Standards", "",
           "Generated by `compliance standards list --markdown` from the standard files in "
           "`standards/`; do not edit by hand. Figures in parentheses name the standard they "
           "are inherited from. Rates (new / existing) are m² of floor area per 100 "
           "households; “site” is the single-site minimum (单处) in m²; radius in metres (or "
           "walking minutes); land in m² per resident. Sourcing: **official** = the issuing "
           "body's own site; **statute mirror** = the statute's own words on a secondary host; "
           "**secondary** = a news report or reprint (shown as such in every report). A draft "
           "(草案, 征求意见稿) is never encoded; see "
           "[what is not encoded](standards-not-encoded.md).", "",
           "| id | jurisdiction | level | extends | "
           + " | ".join(h for h, *_ in SUMMARY_FIGURES)
           + " | other rules | document | sourcing | in force |",
           "|" + "---|" * (len(SUMMARY_FIGURES) + 8)]
    tabulated = {rule for _, rule, *_ in SUMMARY_FIGURES}
    t = Translator("en")
    for province, province_en, members in grouped(standards):
        for s in members:
            figures = []
            for _, rule, name, fallback in SUMMARY_FIGURES:
                text = _figure(s, rule, name)
                if text == "—" and fallback:
                    text = _figure(s, rule, fallback[0], fallback[1])
                figures.append(text)
            other = []
            for rid, rule in s.rules.items():
                if rid in tabulated:
                    continue
                params = ", ".join(f"{n}={_value(p.value)}" for n, p in rule.params.items())
                mark = f" ({rule.citation.standard_id})" if rule.citation.standard_id != s.id \
                    else ""
                other.append(f"`{rid}`" + (f" {params}" if params else "") + mark
                             + (f" — target dated {rule.deadline}" if rule.deadline else ""))
            doc = " ".join(x for x in (s.document.title, s.document.number or "",
                                       s.document.issued or "") if x)
            if s.document.url:
                doc = f"[{doc}]({s.document.url.split(' ')[0]})"
            sourcing = (s.document.sourcing or "seed document").replace("_", " ")
            out.append(
                f"| `{s.id}` | {s.place} {s.place_en} | {s.level} | "
                f"{s.chain[1] if len(s.chain) > 1 else '—'} | " + " | ".join(figures)
                + f" | {'<br>'.join(other) or '—'} | {doc} | {sourcing} | "
                f"{_when(s, t) or '—'} |")
    return "\n".join(out) + "\n"


def render_not_encoded(lang: str) -> str:
    """The places found but not encoded, each with why, in the reader's language."""
    from ..not_encoded import PLACES

    t = Translator(lang)
    out = [t.gettext(N_("Found in the sources, not encoded (check against --city national or a "
                        "standard file of your own):")), ""]
    for p in PLACES:
        out += [f"  {p.jurisdiction}", f"    {t.punctuate(t.gettext(p.why))}"]
    return "\n".join(out) + "\n"


def render_not_encoded_markdown() -> str:
    """docs/standards-not-encoded.md, from compliance.not_encoded."""
    from ..not_encoded import PLACES

    out = ["# Jurisdictions found but not encoded", "",
           "Generated by `compliance standards not-encoded --markdown` from "
           "`compliance/not_encoded.py`; do not edit by hand. The standards in "
           "[standards.md](standards.md) encode every jurisdiction whose figures were seen in "
           "a final text. These were found as well, and are deliberately left out; each can be "
           "added as a standard file once its final words are quoted (see `compliance "
           "standards validate`). Asked for by name (`--city 北京`), the tool says why and "
           "checks nothing.", "",
           "| jurisdiction | what was seen | why it is not encoded |", "|---|---|---|"]
    out += [f"| {p.jurisdiction} | {p.seen} | {p.why} |" for p in PLACES]
    return "\n".join(out) + "\n"
