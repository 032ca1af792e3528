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


def _row(owner: dict, f: dict, parcel: bool) -> list:
    c = f["citation"]
    return [
        owner["id"] if parcel else "",
        (owner.get("name") or "") if parcel else "",
        owner["verdict"],
        "" if parcel else owner["id"],
        f["rule"], f.get("kind", ""), f["status"], f["severity"],
        "" if f["required"] is None else f["required"],
        "" if f["provided"] is None else f["provided"],
        f.get("shortfall", ""), f["unit"], c["document"], c["clause"],
        "yes" if f["inherited"] else "no",
        ";".join(f.get("group", [])),
        f["message"], f.get("fix", ""),
        c.get("standard", ""), c.get("level", ""), c.get("sourcing", ""),
        f.get("deadline", "") if f.get("expired") else "",
    ]


_PARCEL_ID, _PARCEL_NAME, _VERDICT, _MESSAGE = (COLUMNS.index(c) for c in (
    "parcel_id", "parcel_name", "verdict", "message"))


def rows(model: Model) -> Iterator[list]:
    """The table every tabular view (CSV, XLSX) writes, from the view model: a list of
    values per row, in the order of COLUMNS."""
    for p in model.data["parcels"]:
        for f in p["findings"]:
            yield _row(p, f, True)
        if not p["findings"]:
            # A parcel that could not be judged still has its row, saying why.
            row = [""] * len(COLUMNS)
            row[_PARCEL_ID], row[_PARCEL_NAME], row[_VERDICT] = \
                p["id"], p.get("name") or "", p["verdict"]
            row[_MESSAGE] = "; ".join(q["message"] + (f" ({q['field']})" if q.get("field")
                                                      else "")
                                      for q in p.get("problems", []))
            yield row
    for fac in model.data.get("facilities", []):
        for f in fac["findings"]:
            yield _row(fac, f, False)


def chunks(model: Model, rows_per_chunk: int = 5000) -> Iterator[str]:
    """The file in pieces of `rows_per_chunk` rows, for a writer that streams."""
    buf = io.StringIO()
    # QUOTE_MINIMAL quotes commas, quotes and newlines; formula-looking text is defused.
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows(model), start=1):
        writer.writerow(defuse_row(row))
        if n % rows_per_chunk == 0:
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
    yield buf.getvalue()


def render(model: Model) -> str:
    return "".join(chunks(model))


# Text a spreadsheet would read as a formula (OWASP's list: = + - @, tab, carriage return).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_FIRST = frozenset(FORMULA_STARTS)


def defuse_row(row: list) -> list:
    """Each cell that begins like a formula is shown, not evaluated: prefixed with '. (One
    comprehension, not a call a cell: a district's tables have millions.)"""
    return ["'" + v if isinstance(v, str) and v[:1] in FORMULA_FIRST else v for v in row]


def defuse(value):
    """One cell, as `defuse_row` treats it."""
    return defuse_row([value])[0]


# A batch by place's table of every place: each folder's rows, then the place the parcel's
# field gives and the standard its folder is judged by.
PLACE_COLUMNS = COLUMNS + ["place", "judged_by"]


def by_place_chunks(folders: list[tuple[str, str]], place_of: dict[str, str],
                    unchecked: list[tuple[str, str, str, str]]) -> Iterator[str]:
    """One table of a batch by place: the rows of each folder's results.csv (`folders`: its
    path and the id of the standard judging it) with the parcel's place, then a row for each
    parcel no standard judged (id, name, place, why). Every parcel of the plan is a row."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    buf.write("\ufeff")
    writer.writerow(PLACE_COLUMNS)
    for path, judged_by in folders:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)  # its header
            for row in reader:
                writer.writerow(row + [place_of.get(row[_PARCEL_ID], ""), judged_by])
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()
    for parcel_id, name, place, why in unchecked:
        row = [""] * len(COLUMNS)
        row[_PARCEL_ID], row[_PARCEL_NAME], row[_MESSAGE] = parcel_id, name, why
        writer.writerow(defuse_row(row + [place, ""]))
    yield buf.getvalue()
