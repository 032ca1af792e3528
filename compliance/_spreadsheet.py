"""Spreadsheet column names (A, B, …, Z, AA, …): how a reader is told where a cell of a table
is, and how the workbook writer names the cells it writes."""

from __future__ import annotations


def column_letter(i: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        out = chr(65 + r) + out
    return out
