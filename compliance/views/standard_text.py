"""`compliance standards show`: a standard's rules, parameters and citations as text."""

from __future__ import annotations

from .._i18n import N_, Translator
from ..rules.catalogue import CATALOGUE
from ..standard import Standard


def _value(p) -> str:
    if isinstance(p.value, bool):
        return "true" if p.value else "false"
    return "—" if p.value is None else f"{p.value:g}" if isinstance(p.value, (int, float)) \
        else str(p.value)


def render(s: Standard, lang: str = "zh") -> str:
    t = Translator(lang)
    inherited = t.gettext("inherited from")
    lines = [f"{t.pick(s.title, s.title_en)}  [{s.id}]",
             f"{s.document.title}  {s.document.number or ''}  {s.document.issued or ''}",
             f"extends: {' → '.join(s.chain[1:]) or '—'}   level: {s.level}   "
             f"sourcing: {s.document.sourcing or 'source document'}"
             + (f"   in force: {s.effective or '…'} – {s.expires or ''}"
                if s.effective or s.expires else ""),
             *( [f"url: {s.document.url}"] if s.document.url else []),
             *(f"not in force on {s.as_of}: {x['id']}" for x in s.not_in_force), ""]
    for rule_id, rule in s.rules.items():
        info = CATALOGUE[rule_id]
        summary = info.summary_zh if lang == "zh" else info.summary
        dated = ""
        if rule.deadline:
            dated = t.gettext(N_("target dated {deadline}")).format(deadline=rule.deadline)
            if rule.expired:
                dated = t.punctuate(dated + ", " + t.gettext(N_("expired")))
            dated = f"  [{dated}]"
        lines.append(f"{rule_id}  {t.punctuate('(' + t.severity(rule.severity) + ')')}{dated}"
                     f"  {summary}")
        if rule.applies_to:
            lines.append(f"    applies to: {rule.applies_to}")
        for p in rule.params.values():
            mark = f"   [{inherited} {p.citation.standard_id}]" if p.inherited else ""
            lines.append(f"    {p.name} = {_value(p)} {p.unit}{mark}")
        c = rule.citation
        where = f"{c.document.number or c.document.title} {c.clause}"
        mark = f" [{inherited} {c.standard_id}]" if c.inherited else ""
        lines.append(f"    {where}{mark}")
        lines.append(f"    “{c.quote}”")
        for p in rule.params.values():
            if p.citation != c and p.citation.note:
                lines.append(f"    {p.name}: {p.citation.document.title}: {p.citation.note}")
        if c.note:
            lines.append(f"    {c.note}")
        lines.append("")
    lines.append("assumptions:")
    for p in s.assumptions.values():
        mark = f"   [{inherited} {p.citation.standard_id}]" if p.inherited else ""
        lines.append(f"    {p.name} = {_value(p)}{mark}  ({p.citation.document.title} "
                     f"{p.citation.clause})")
    if s.district_targets:
        lines.append("district targets:")
        for d in s.district_targets.values():
            lines.append(f"    {d.id} ≥ {d.target:.0%}  ({d.citation.clause}: “{d.citation.quote}”)")
    return "\n".join(lines)
