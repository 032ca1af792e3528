"""CSV view: one row per parcel (or institution) and finding; UTF-8 with BOM for Excel."""

from __future__ import annotations

import csv
import io
from typing import Iterator

from .model import Model

COLUMNS = ["parcel_id", "parcel_name", "verdict", "facility_id", "rule", "kind", "status",
           "severity", "required", "provided", "shortfall", "unit", "document", "clause",
           "inherited", "group", "message", "fix",
           # Added later, at the end so that column positions stay: which standard file states
           # the rule, its level, how its words were obtained, and a dated target that passed.
           "standard", "level", "sourcing", "expired"]


def _row(owner: dict, f: dict, parcel: bool) -> dict:
    return {
        "parcel_id": owner["id"] if parcel else "",
        "parcel_name": (owner.get("name") or "") if parcel else "",
        "verdict": owner["verdict"],
        "facility_id": "" if parcel else owner["id"],
        "rule": f["rule"], "kind": f.get("kind", ""), "status": f["status"],
        "severity": f["severity"],
        "required": "" if f["required"] is None else f["required"],
        "provided": "" if f["provided"] is None else f["provided"],
        "shortfall": f.get("shortfall", ""), "unit": f["unit"],
        "document": f["citation"]["document"], "clause": f["citation"]["clause"],
        "inherited": "yes" if f["inherited"] else "no",
        "group": ";".join(f.get("group", [])),
        "message": f["message"], "fix": f.get("fix", ""),
        "standard": f["citation"].get("standard", ""), "level": f["citation"].get("level", ""),
        "sourcing": f["citation"].get("sourcing", ""),
        "expired": f.get("deadline", "") if f.get("expired") else "",
    }


def rows(model: Model):
    """The table every tabular view (CSV, XLSX) writes, from the view model."""
    for p in model.data["parcels"]:
        for f in p["findings"]:
            yield _row(p, f, True)
        if not p["findings"]:
            # A parcel that could not be judged still has its row, saying why.
            yield {**{c: "" for c in COLUMNS}, "parcel_id": p["id"],
                   "parcel_name": p.get("name") or "", "verdict": p["verdict"],
                   "message": "; ".join(q["message"] + (f" ({q['field']})" if q.get("field")
                                                        else "")
                                        for q in p.get("problems", []))}
    for fac in model.data.get("facilities", []):
        for f in fac["findings"]:
            yield _row(fac, f, False)


def chunks(model: Model, rows_per_chunk: int = 5000) -> Iterator[str]:
    """The file in pieces of `rows_per_chunk` rows, for a writer that streams."""
    buf = io.StringIO()
    # QUOTE_MINIMAL quotes commas, quotes and newlines; formula-looking text is defused.
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writeheader()
    for n, row in enumerate(rows(model), start=1):
        writer.writerow(_defuse(row))
        if n % rows_per_chunk == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def render(model: Model) -> str:
    return "".join(chunks(model))


# Text a spreadsheet would read as a formula (OWASP's list: = + - @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    """A cell that begins like a formula is shown, not evaluated: prefixed with '."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def _defuse(row: dict) -> dict:
    return {k: defuse(v) for k, v in row.items()}
