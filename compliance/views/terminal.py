"""The terminal summary: one line per parcel, one per finding beneath it."""

from __future__ import annotations

import click

from .._i18n import Translator
from ..result import Result

_MARK = {"pass": ("✓", "green"), "fail": ("✗", "red"), "not_applicable": ("–", None),
         "insufficient_data": ("?", "yellow")}
_VERDICT = {"compliant": "green", "non_compliant": "red", "incomplete": "yellow"}


def _num(v, unit):
    if v is None:
        return "—"
    if unit == "ratio":
        return f"{v:.1%}"
    return f"{v:,.1f}"


def render(result: Result, lang: str = "zh", color: bool | None = None, limit: int = 50) -> str:
    t = Translator(lang)
    s = result.standard
    lines = [click.style(f"{t.pick(s.title, s.title_en)}  [{s.id}]", bold=True),
             f"{s.document.number or ''} {s.document.issued or ''}".strip()]
    labels = {"compliant": t.gettext("compliant"), "non_compliant": t.gettext("non-compliant"),
              "incomplete": t.gettext("incomplete")}
    for p in result.parcels[:limit]:
        v = p.verdict
        head = f"{p.id}" + (f" {p.name}" if p.name else "")
        lines.append("")
        lines.append(click.style(f"{head}: {labels[v]}", fg=_VERDICT[v], bold=True))
        for f in p.findings:
            mark, colour = _MARK[f.status]
            sev = "" if f.severity == "mandatory" else f" ({t.gettext('advisory')})"
            kind = f" [{t.kind(f.kind)}]" if f.kind else ""
            nums = ""
            if f.required is not None or f.provided is not None:
                nums = f"  {_num(f.provided, f.unit)} / {_num(f.required, f.unit)} {f.unit}"
            lines.append(click.style(f"  {mark} {f.rule}{kind}{sev}{nums}", fg=colour))
            if f.status in ("fail", "insufficient_data"):
                lines.append(f"      {t.text(f.message)}")
                if f.fix:
                    lines.append(click.style(f"      → {t.text(f.fix)}", fg="cyan"))
            for note in f.notes:
                lines.append(f"      ({t.text(note)})")
    if len(result.parcels) > limit:
        lines.append(f"\n… {len(result.parcels) - limit} more parcels (see the JSON/CSV/HTML)")
    for fac in result.facilities:
        lines.append("")
        lines.append(click.style(f"{fac.id} {t.kind(fac.kind)}: {labels[fac.verdict]}",
                                 fg=_VERDICT[fac.verdict], bold=True))
        for f in fac.findings:
            mark, colour = _MARK[f.status]
            lines.append(click.style(f"  {mark} {f.rule}: {t.text(f.message)}", fg=colour))
    sm = result.summary
    lines.append("")
    lines.append(t.gettext("Parcels: {parcels} (compliant {compliant}, non-compliant "
                           "{non_compliant}, incomplete {incomplete})").format(**sm))
    if result.problems:
        lines.append(click.style(t.gettext("{n} input problems (see the report):")
                                 .format(n=len(result.problems)), fg="yellow"))
        lines += [f"  - {p}" for p in result.problems[:10]]
    return "\n".join(lines)
