"""The terminal summary: one line per parcel, one per finding beneath it."""

from __future__ import annotations

import click

from .._errors import safe_text
from .._i18n import N_
from ..vocabulary import Severity, Status, Verdict
from .model import Model

_MARK = {Status.PASS: ("✓", "green"), Status.FAIL: ("✗", "red"),
         Status.NOT_APPLICABLE: ("–", None), Status.INSUFFICIENT_DATA: ("?", "yellow")}
_VERDICT = {Verdict.COMPLIANT: "green", Verdict.NON_COMPLIANT: "red",
            Verdict.INCOMPLETE: "yellow"}


def _finding_lines(r: dict, t) -> list[str]:
    mark, colour = _MARK[r["status"]]
    sev = t.aside(t.severity(Severity.ADVISORY)) if r["advisory"] else ""
    if r["expired"]:
        sev = t.aside(t.gettext(N_("expired target")))
    kind = f" [{r['kind_label']}]" if r["kind_label"] else ""
    nums = ""
    if r["required"] is not None or r["provided"] is not None:
        # As the reports print them (the view model's texts): 300 m² / 350 m².
        nums = f"  {r['provided_text']} / {r['required_text']}"
    lines = [click.style(f"  {mark} {r['rule']}{kind}{sev}{nums}", fg=colour)]
    if r["status"] in (Status.FAIL, Status.INSUFFICIENT_DATA):
        lines.append(f"      {safe_text(r['message'])}")
        if r["fix"]:
            lines.append(click.style(f"      → {safe_text(r['fix'])}", fg="cyan"))
    lines += [f"      ({safe_text(note)})" for note in r["notes"]]
    return lines


def render(model: Model, limit: int = 50) -> str:
    t = model.t
    s = model.result.standard
    lines = [click.style(f"{t.punctuate(t.pick(s.title, s.title_en))}  [{s.id}]", bold=True),
             f"{s.document.number or ''} {s.document.issued or ''}".strip()]
    head = model.header
    lines.append(f"{head['standard']['levels']} · {head['standard']['as_of']}"
                 + (f" · {head['standard']['sourcing']}" if head["standard"]["sourcing"] else ""))
    lines += [click.style(x, fg="yellow") for x in head["not_in_force"]]
    for p in model.parcels[:limit]:
        head = safe_text(f"{p['label']}" + (f" {p['name']}" if p["name"] else ""))
        lines.append("")
        lines.append(click.style(f"{head}{t.colon}{p['verdict_label']}",
                                 fg=_VERDICT[p["verdict"]], bold=True))
        for r in p["rows"]:
            lines += _finding_lines(r, t)
    if len(model.parcels) > limit:
        lines.append("\n" + t.gettext(N_("… {n} more parcels (see the JSON, CSV or HTML)"))
                     .format(n=len(model.parcels) - limit))
    for fac in model.institutions:
        lines.append("")
        lines.append(click.style(f"{safe_text(fac['label'])} {fac['kind_label']}{t.colon}"
                                 f"{fac['verdict_label']}",
                                 fg=_VERDICT[fac["verdict"]], bold=True))
        for r in fac["rows"]:
            mark, colour = _MARK[r["status"]]
            lines.append(click.style(f"  {mark} {r['rule']}: {safe_text(r['message'])}", fg=colour))
    sm = model.data["summary"]
    lines.append("")
    lines.append(t.gettext("Parcels: {parcels} (compliant {compliant}, non-compliant "
                           "{non_compliant}, incomplete {incomplete})").format(**sm))
    problems = model.result.problems
    if problems:
        lines.append(click.style(t.gettext("{n} input problems (see the report):")
                                 .format(n=len(problems)), fg="yellow"))
        lines += [f"  - {safe_text(t.problem(p))}" for p in problems[:10]]
    return "\n".join(lines)
