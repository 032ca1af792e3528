"""`compliance standards show`: a standard's rules, parameters and citations as text."""

from __future__ import annotations

from .._i18n import N_, Translator
from .model import SOURCING_NAMES, _standard_name
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
    # The chain of standards by place and level, and how the words were obtained, as the
    # reports and `standards diff` name them.
    levels = " → ".join(_standard_name(s, x["id"], t) for x in s.levels)
    sourcing = t.pick(*SOURCING_NAMES[s.document.sourcing]) if s.document.sourcing else \
        t.gettext(N_("source document in the repository"))
    in_force = t.gettext(N_("in force {effective} – {expires}")).format(
        effective=s.effective or "…", expires=s.expires or "") \
        if s.effective or s.expires else ""
    lines = [f"{t.pick(s.title, s.title_en)}  [{s.id}]",
             f"{s.document.title}  {s.document.number or ''}  {s.document.issued or ''}",
             " · ".join(x for x in (levels, sourcing, in_force) if x),
             *( [f"url: {s.document.url}"] if s.document.url else []),
             *(t.gettext(N_("not in force on {as_of}: {standard}")).format(
                 as_of=s.as_of, standard=x["id"]) for x in s.not_in_force), ""]
    for rule_id, rule in s.rules.items():
        info = CATALOGUE[rule_id]
        summary = info.summary_zh if lang == "zh" else info.summary
        dated = ""
        if rule.deadline:
            dated = t.gettext(N_("target dated {deadline}")).format(deadline=rule.deadline)
            if rule.expired:
                dated = t.punctuate(dated + ", " + t.gettext(N_("expired")))
            dated = f"  [{dated}]"
        lines.append(f"{rule_id}{t.aside(t.severity(rule.severity))}{dated}  {summary}")
        if rule.applies_to:
            lines.append("    " + t.gettext(N_("applies to")) + t.colon + str(rule.applies_to))
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
    lines.append(t.gettext(N_("assumptions")) + t.colon.rstrip())
    for p in s.assumptions.values():
        mark = f"   [{inherited} {p.citation.standard_id}]" if p.inherited else ""
        lines.append(f"    {p.name} = {_value(p)}{mark}  ({p.citation.document.title} "
                     f"{p.citation.clause})")
    if s.district_targets:
        lines.append(t.gettext(N_("district targets")) + t.colon.rstrip())
        for d in s.district_targets.values():
            lines.append(f"    {d.id} ≥ {d.target:.0%}  ({d.citation.clause}: “{d.citation.quote}”)")
    return "\n".join(lines)
