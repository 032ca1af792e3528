"""Tables (PLAN-FORMAT.md, "Tables"): the 技术经济指标 / 户型统计 of a project, or a district
office's list of projects, as XLSX or CSV.

Beside a plan (`--table FILE`), rows add or replace the attributes of the features they name by
`id`. Alone, a table is a list of projects without geometry: each row a parcel, its
`eldercare_floor_area_m2` (养老设施建筑面积) and `eldercare_land_area_m2` one facility it
provides. Cells are read as they are (text stays text), so that numbers are judged where every
number is (`_validate`).
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._spreadsheet import column_letter
from ._i18n import HAS_CHINESE, N_
from ._errors import PlanError, Problem
from ._validate import (ALL_UNITS, UnsavedFormula, apply_aliases, field_units,
                        is_household_count, parse_number, storeys_in, unit_factor, units_of)
from .vocabulary import FIELD_ALIASES, PROJECT_FACILITY_FIELDS, kind_in_words, layer_fields

# Sheet names for each layer; without any, the first sheet is the parcels.
SHEETS = {"parcels": ("parcels", "地块", "项目"), "buildings": ("buildings", "楼栋"),
          "facilities": ("facilities", "设施")}
# Column names of a project list (beyond the layers' fields).
PROJECT_ALIASES = {"项目名称": "name", "项目编号": "id", "养老设施建筑面积": "eldercare_floor_area_m2",
                   "养老服务设施建筑面积": "eldercare_floor_area_m2",
                   # 用房 is floor space: its area is floor area, with or without 建筑.
                   "养老用房面积": "eldercare_floor_area_m2",
                   "养老用房建筑面积": "eldercare_floor_area_m2",
                   "养老服务用房面积": "eldercare_floor_area_m2",
                   "养老服务用房建筑面积": "eldercare_floor_area_m2",
                   "养老设施用地面积": "eldercare_land_area_m2",
                   "养老服务设施用地面积": "eldercare_land_area_m2",
                   # 养老用地 is land for eldercare, as a plan's land-use table says it.
                   "养老用地面积": "eldercare_land_area_m2",
                   "养老服务用地面积": "eldercare_land_area_m2",
                   # Where the project's own facility stands, and what it is.
                   **{f"{room}{what}": field for room in ("养老设施", "养老服务设施", "养老用房",
                                                          "养老服务用房")
                      for what, field in (("所在楼层", "eldercare_floor"),
                                          ("楼层", "eldercare_floor"),
                                          ("层数", "eldercare_floors"))},
                   # On a project's row only its room stands anywhere: a bare 所在楼层 is the
                   # room's storey (a bare 层数 may be the housing's storeys: not read).
                   "所在楼层": "eldercare_floor", "设置楼层": "eldercare_floor",
                   **{f"{room}{what}": "eldercare_kind"
                      for room in ("养老设施", "养老服务设施", "养老用房", "养老服务用房", "设施",
                                   "配建设施")
                      for what in ("类型", "类别")}}


# Columns no office means as data (a row's number, its remarks): not said to be unread.
_NOT_DATA = {"序号", "备注", "说明", "no", "no.", "#", "remark", "remarks", "note", "notes"}
SUMMARY_SHEET = N_("a summary sheet beside the sheets of projects: not read, as its rows "
                   "sum theirs")
_SUMMARY_SHEET = re.compile(r"汇总|合计|总计|总表|summary|total", re.IGNORECASE)
UNREAD_ROWS = N_("figures not read: the plan format has no field of these names (a figure "
                 "of the office's own can be named as a field with --fields)")
UNREAD_SHEET = N_("a sheet not read: it is not named for a layer (地块 / 项目, 楼栋, 设施) "
                  "and is not the table of projects")
REMARK_READ = N_("the project's own room: what it is and the storey it stands on are read "
                 "from the remark beside its area")
REMARK_KIND = N_("the project's own room: what it is is read from the remark beside its area")
REMARK_STOREY = N_("the project's own room: the storey it stands on is read from the remark "
                   "beside its area")
# What a warning says was read from a remark, by the fields taken from it.
_REMARK_SAYS = {frozenset({"eldercare_kind", "eldercare_floor"}): REMARK_READ,
                frozenset({"eldercare_kind"}): REMARK_KIND,
                frozenset({"eldercare_floor"}): REMARK_STOREY}
KIND_ASSUMED = N_("the list does not say what the projects' rooms are: each is read as a "
                  "社区养老服务站 (community_station), whose minimum size it is judged by")
CONVERTED_COLUMN = N_("the column's numbers are in {unit}: each read as so many {own} "
                      "(1 {unit} = {factor} {own})")
UNREAD_COLUMNS = N_("columns not read: the plan format has no field of these names (a "
                    "column of the office's own can be named as a field with --fields)")

# Words that mark a row as a sum of the rows above (合计, 本页小计, 全区总计), not a project.
_TOTAL = re.compile(r"^(.{0,6}(合计|小计|总计|共计)|total|subtotal|sum)$", re.IGNORECASE)
# A unit in brackets after a header ("养老设施建筑面积（㎡）", "新建户数(户)"); NFKC has made
# the brackets plain.
_HEADER_UNIT = re.compile(r"\s*[(\[][^()\[\]]*[)\]]$")
# A table's title and notes stand above its header: the header is looked for this far down.
_HEADER_SEARCH_ROWS = 20


def _shown_unit(unit: str) -> str:
    return unit.replace("m2", "m²")


def _words(cell) -> str:
    """A cell's text as compared: NFKC (full-width forms plain), without any white space (a
    header may break over lines in its cell)."""
    if cell is None:
        return ""
    return "".join(unicodedata.normalize("NFKC", str(cell)).split())


def _known_headers(layer: str) -> set[str]:
    return layer_fields(layer) | set(PROJECT_ALIASES) | set(PROJECT_ALIASES.values()) \
        | COORDINATE_HEADERS


def _header_name(cell, known: set[str]) -> str:
    """A header cell as a field name: its words, without a unit in brackets where that makes
    it one the format knows."""
    text = _words(cell)
    bare, _ = _split_unit(cell)
    name = bare if text not in known and bare in known else text
    return PROJECT_ALIASES.get(name, name)


def _is_known(name: str, known: set[str]) -> bool:
    """Whether a name is a field the format (or the user's map) knows."""
    return name in known or name.lower() in known


def _named(names: list[str], known: set[str]) -> int:
    """How many of a header's names are fields the format (or the user's map) knows."""
    return sum(_is_known(n, known) for n in names)


def _indicator_name(cell, known: set[str]) -> str | None:
    """The field a row of a 技术经济指标表 names, or None: a field the format knows, or a
    household count that does not say which housing (总户数), kept as written to be refused
    as a table's header would be."""
    if not isinstance(cell, str):
        return None
    name = _header_name(cell, known)
    if _is_known(name, known):
        return name
    return words if is_household_count(words := _words(cell)) else None


def _header(rows: list[tuple[int, list]], known: set[str]
            ) -> tuple[int, list[str], list[str], list[str]]:
    """Where the header is among the first rows and its names: the row naming the most
    fields of the format (a title above it names none), merged with the row below or above
    where the header is two rows deep (户数 over 新建 / 已建, 养老设施 over 建筑面积). The
    lower row may name more fields than the upper: 新建户数 and 已建户数 below, 项目名称
    only above, over two rows merged into one cell. Returns (index in rows of the first row
    of data, names, each column's unit as its header gives it in brackets ("" if none),
    each column's header as written, without its unit)."""
    best, best_names, best_score = 0, [], -1
    for k, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        names = [_header_name(c, known) for c in cells]
        if (score := _named(names, known)) > best_score:
            best, best_names, best_score = k, names, score
    start, names, score = best + 1, best_names, best_score
    written, units = (list(x) for x in zip(*map(_split_unit, rows[best][1]))) \
        if rows and rows[best][1] else ([], [])
    # (upper row, lower row): the best with the row below it, then with the row above.
    for upper in (best, best - 1):
        if upper < 0 or upper + 1 >= len(rows):
            continue
        parent, child = rows[upper][1], rows[upper + 1][1]
        if any(isinstance(c, (int, float)) for c in (*parent, *child)):
            continue  # a row of data is no header
        merged, spelt, merged_units = _two_row_header(parent, child, known)
        if (merged_score := _named(merged, known)) > score:
            start, names, score = upper + 2, merged, merged_score
            written, units = spelt, merged_units
    # A row of units under the header (（户）, ㎡, 单位：万㎡): part of the header, not a project.
    if start < len(rows) and (below := _units_row(rows[start][1])) is not None:
        units = [u or (units[i] if i < len(units) else "") for i, u in enumerate(below)]
        start += 1
    return start, names, units, written


# A cell of a row of units: a unit, bracketed or not, perhaps after 单位.
_UNIT_CELL = re.compile(r"^(单位[:：]?)?[(\[]?(?P<unit>[^()\[\]]{1,6})[)\]]?$")


def _units_row(cells: list) -> list[str] | None:
    """Each column's unit if `cells` is a row of units only (every filled cell a unit some
    field is measured in, or 单位 alone), else None."""
    units, any_unit = [], False
    for cell in cells:
        text = _words(cell)
        m = _UNIT_CELL.match(text) if text else None
        unit = m["unit"].lower() if m else ""
        if text and text not in ("单位", "单位:") and unit not in ALL_UNITS:
            return None
        any_unit |= unit in ALL_UNITS
        units.append(unit if unit in ALL_UNITS else "")
    return units if any_unit else None


def _split_unit(cell) -> tuple[str, str]:
    """A header cell's words without the unit in brackets at their end, and that unit, NFKC
    and lower case ("" if none): 养老设施建筑面积（万㎡） → (养老设施建筑面积, 万m2)."""
    text = _words(cell)
    m = _HEADER_UNIT.search(text)
    return (text[:m.start()], m[0][1:-1].strip().lower()) if m else (text, "")


def _two_row_header(parent: list, child: list, known: set[str]
                    ) -> tuple[list[str], list[str], list[str]]:
    """A header two rows deep as one: each column's name, its words as written and its
    unit (the lower cell's, else that of the upper cell over it)."""
    # A merged cell is read as its first cell followed by blanks: the parent's words and
    # unit carry over the blanks to its right.
    cell = (lambda cells, i: _split_unit(cells[i]) if i < len(cells) else ("", ""))
    names, written, units, above, above_unit = [], [], [], "", ""
    for i in range(max(len(parent), len(child))):
        # Units in brackets come off each part before they are joined: 户数 + 已建（户）.
        up, up_unit = cell(parent, i)
        if up:
            above, above_unit = up, up_unit
        down, down_unit = cell(child, i)
        tries = [above + down, down + above, down, above] if down else [up]
        named = [_header_name(t, known) for t in tries]
        k = next((k for k, n in enumerate(named) if n in known), 0)
        names.append(named[k])
        written.append(tries[k])
        units.append(down_unit or above_unit)
    return names, written, units


def _filled(rows: list[tuple[int, list]]) -> list[tuple[int, list]]:
    """The rows with something written in them (blank rows are not features)."""
    return [(n, r) for n, r in rows if any(c not in (None, "") for c in r)]


def _is_total(cells: list) -> bool:
    return any(isinstance(c, str) and _TOTAL.match(_words(c)) for c in cells)


# A note under a table (注：…, 填表人：…, 填报日期：…): a row of one or two cells that begins
# so, never a feature.
_NOTE = re.compile(r"^(注|备注|说明|填表人|填报人|审核人|制表人?|填报日期|填报单位|联系人|联系电话|负责人)"
                   r"\s*[:：\d]")


def _note(cells: list) -> str | None:
    filled = [c for c in cells if c not in (None, "")]
    if 1 <= len(filled) <= 2 and isinstance(filled[0], str) and _NOTE.match(_words(filled[0])):
        return str(filled[0]).strip()[:30]  # as written, for the reader to find
    return None


def _unique(header: list[str], known: set[str], file: str, sheet: str | None,
            layer: str) -> list[str]:
    """Header names made one per column. Two columns under one name the format reads (two
    新建户数) cannot be told apart: refused, naming both. Other repeats (a "—" over two
    columns) are told apart by their column letter; they are not read anyway."""
    counts: dict[str, list[int]] = {}
    for i, h in enumerate(header):
        if h:
            counts.setdefault(h, []).append(i)
    out = list(header)
    for name, where in counts.items():
        if len(where) < 2:
            continue
        letters = [column_letter(i) for i in where]
        if name in known or name.lower() in known:
            raise PlanError(Problem(file, N_("two columns have one name: which one is meant "
                                    "cannot be guessed"), layer=layer, field=name,
                                    found=(f"sheet '{sheet}' " if sheet else "")
                                    + "columns " + ", ".join(letters),
                                    expected=N_("one column for each field")))
        for i, letter in zip(where[1:], letters[1:]):
            out[i] = f"{name} ({letter})"
    return out


def _frame(file: str, sheet: str | None, rows: list[tuple[int, list]], layer: str,
           skipped: list[tuple[str, str, str]], own: set[str] = frozenset()
           ) -> pd.DataFrame | None:
    """`rows` are (row number in the file, cells). Blank rows, the title above the header,
    rows of totals and notes under the table are not features; each left out is added to
    `skipped` as (row label, its words, why)."""
    rows = _filled(rows)
    if not rows:
        return None
    known = _known_headers(layer) | {_words(name).lower() for name in own}
    first, header, units, written = _header(rows, known)
    if layer == "parcels":
        # A project's 技术经济指标表 runs down the page: a name in one column, its figure
        # in another. Read so where its names outnumber those of any header row.
        indicators = _indicators(rows, known)
        if indicators is not None and indicators[0] > _named(header, known):
            return _indicator_frame(file, sheet, rows, indicators[1:], known)
    header = _unique(header, known, file, sheet, layer)
    where = f"sheet '{sheet}' " if sheet else ""
    body, labels = [], []
    for number, cells in rows[first:]:
        label = f"{where}row {number}"
        if _is_total(cells):
            skipped.append((label, next(_words(c) for c in cells
                                        if isinstance(c, str) and _TOTAL.match(_words(c))),
                            N_("a row of totals is not a feature: left out")))
            continue
        if (note := _note(cells)) is not None:
            skipped.append((label, note, N_("a note under the table is not a feature: left "
                                            "out")))
            continue
        cells = list(cells) + [None] * (len(header) - len(cells))
        body.append(cells[:len(header)])
        labels.append(label)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    converted = _in_own_units(frame, header, units, written, layer, file)
    frame = frame.loc[:, [h != "" for h in header]]
    # Each row is named by where it stands in the file, for messages about rows without an id.
    frame["_row"] = labels
    # Every column of a table is there on purpose: one the format does not read is said, or
    # an area under a name of its own would count as none without a word.
    frame.attrs["unread"] = [h for h in header if h and h not in known
                             and h.lower() not in known and h.lower() not in _NOT_DATA]
    frame.attrs["converted"] = converted
    return frame


# The 技术经济指标表 is looked for this far down a sheet.
_INDICATOR_ROWS = 80
# Its title names it: "滨湖苑 主要技术经济指标表" names the project 滨湖苑.
_INDICATOR_TITLE = re.compile(r"^(?P<name>.*?)(主要)?(综合)?技术经济指标(一览)?表?$")


# The units a figure's cell may end with, longest first ("万m2" before "m2").
_CELL_UNITS = tuple(sorted(ALL_UNITS, key=len, reverse=True))


def _is_number(cell) -> bool:
    value, reason = parse_number(cell, _CELL_UNITS)
    return reason is None and not np.isnan(value)


def _indicators(rows: list[tuple[int, list]], known: set[str]):
    """A sheet read down the page (名称 | 单位 | 数值): (how many of its names are the
    format's fields with a figure beside them, the column of names, the column of figures,
    the column of units or None), or None if no column names two fields."""
    rows = rows[:_INDICATOR_ROWS]
    width = max((len(cells) for _, cells in rows), default=0)

    keys = [[k for k, (_, cells) in enumerate(rows)
             if _indicator_name(_cell(cells, c), known) is not None]
            for c in range(width)]
    key_col = max(range(width), key=lambda c: len(keys[c]), default=None)
    if key_col is None or len(keys[key_col]) < 2:
        return None
    named = keys[key_col]

    def cell(k, c):
        return _cell(rows[k][1], c)

    figures = {c: sum(_is_number(cell(k, c)) for k in named) for c in range(key_col + 1, width)}
    if not figures or max(figures.values()) == 0:
        return None
    value_col = max(figures, key=lambda c: (figures[c], -c))
    units = {c: sum(_words(cell(k, c)).lower() in ALL_UNITS for k in named)
             for c in range(key_col + 1, width) if c != value_col}
    unit_col = max(units, key=lambda c: (units[c], -c)) if units and max(units.values()) else None
    return figures[value_col], key_col, value_col, unit_col


def _cell(cells: list, column: int | None):
    return cells[column] if column is not None and column < len(cells) else None


def _indicator_frame(file: str, sheet: str | None, rows: list[tuple[int, list]],
                     columns: tuple[int, int, int | None], known: set[str]
                     ) -> pd.DataFrame:
    """One project from its 技术经济指标表: each row naming a field gives that field its
    figure (in the unit its row gives, 万㎡ put in m² as a header's would be); rows of other
    figures (容积率, 绿地率) are named in a warning, as a table's unread columns are."""
    key_col, value_col, unit_col = columns
    where = f"sheet '{sheet}' " if sheet else ""
    names, written, values, units, unread, first = [], [], [], [], [], None
    remarks: list[tuple[str, str, dict]] = []
    for number, cells in rows[:_INDICATOR_ROWS]:
        key, value = _cell(cells, key_col), _cell(cells, value_col)
        if not isinstance(key, str) or not _words(key):
            continue
        name = _indicator_name(key, known)
        if name is not None:
            names.append(name)
            bare, unit = _split_unit(key)
            written.append(bare)
            values.append(value)
            units.append(unit or _words(_cell(cells, unit_col)).lower())
            first = number if first is None else first
            if name in ("eldercare_floor_area_m2", "eldercare_land_area_m2"):
                remark = _remark(cells, (key_col, value_col, unit_col))
                said = _room_in(remark)
                if said:
                    remarks.append((bare, remark, said))
        elif _is_number(value) and _words(key).lower() not in _NOT_DATA:
            unread.append(_words(key))
    # The room's kind and storey, said in the remark beside its area (社区养老服务站，一层),
    # where no row of their own gives them; the warning names what was taken.
    taken = []
    for bare, remark, said in remarks:
        used = tuple(name for name in said if name not in names)  # said's order
        for name in used:
            names.append(name)
            written.append("")
            values.append(said[name])
            units.append("")
        if used:
            taken.append((bare, remark, used))
    title = next((_words(c) for _, cells in rows[:3] for c in cells
                  if isinstance(c, str) and "技术经济指标" in c), None)
    if title and (m := _INDICATOR_TITLE.match(title)) and m["name"] \
            and "name" not in names:
        names.append("name")
        written.append("")
        values.append(m["name"])
        units.append("")
    header = _unique(names, known, file, sheet, "parcels")
    frame = pd.DataFrame([values], columns=header, dtype=object)
    converted = _in_own_units(frame, header, units, written, "parcels", file)
    frame["_row"] = [f"{where}row {first}"]
    frame.attrs["unread"] = []
    frame.attrs["unread_rows"] = unread
    frame.attrs["converted"] = converted
    frame.attrs["remarks"] = taken
    # One project: beside a plan of one parcel, it is that parcel's (join).
    frame.attrs["one_project"] = True
    return frame


def _remark(cells: list, taken: tuple) -> str:
    """The words of a row's cells that are neither its name, its figure nor its unit."""
    return "，".join(cell.strip() for c, cell in enumerate(cells) if c not in taken
                    and isinstance(cell, str) and HAS_CHINESE.search(cell))


def _room_in(remark: str) -> dict:
    """What a remark says of the project's own room: its kind (by the words a drawing's label
    uses) and the storey it stands on."""
    said = {}
    kind = kind_in_words(remark)
    if kind:
        said["eldercare_kind"] = kind
    storeys = storeys_in(remark) if remark else None
    if storeys:
        said["eldercare_floor"] = storeys
    return said


def _field_of(name: str, layer: str) -> str | None:
    """The format's field a header names (养老设施建筑面积 → eldercare_floor_area_m2)."""
    if name in PROJECT_ALIASES.values():
        return name
    field = FIELD_ALIASES.get(layer, {}).get(name)
    return field or (name.lower() if name.lower() in layer_fields(layer) else None)


def _in_own_units(frame: pd.DataFrame, header: list[str], units: list[str],
                  written: list[str], layer: str, file: str
                  ) -> list[tuple[str, str, object, str]]:
    """Numbers of a column whose header gives a unit of its own (建筑面积（万㎡）) put in the
    field's unit, exactly (0.022 万㎡ is 220 m², not 220.00000000000003); a cell that writes
    its own unit, or is no number, is left to be judged as it is. A unit the field is not
    measured in is refused: its numbers cannot be read. Returns (header, unit, factor, the
    field's unit) of each column converted."""
    converted = []
    for i, (name, unit) in enumerate(zip(header, units)):
        field = _field_of(name, layer) if name and unit else None
        if field is None:
            continue
        factor = unit_factor(field, unit)
        # Said as the table spells it (养老服务设施用地面积), not the format's field name.
        spelt = written[i] if i < len(written) and written[i] else name
        if factor is None:
            raise PlanError(Problem(file, N_("a column's unit is not one its field is "
                                             "measured in"), layer=layer, field=spelt,
                                    found=_shown_unit(unit),
                                    expected=", ".join(map(_shown_unit, field_units(field)))))
        if factor == 1:
            continue
        own = units_of(field)
        column = frame.iloc[:, i]
        frame.iloc[:, i] = [_scaled(cell, factor, own) for cell in column.tolist()]
        converted.append((spelt, unit, factor, own[0]))
    return converted


def _scaled(cell, factor, own_units: tuple[str, ...]):
    if isinstance(cell, str) and _words(cell).endswith(own_units):
        return cell  # "220㎡": the cell says its unit
    value, reason = parse_number(cell)
    if reason is not None or np.isnan(value):
        return cell
    return float(Fraction(repr(value)) * factor)


def read_table(path: str | Path, own_headers: dict[str, set[str]] | None = None
               ) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """The table's layers ({"parcels": frame, …}) and a warning for each row of totals left
    out. Rows are named by their number in the file (Excel's row number, the CSV's line).
    `own_headers` are the office's own header names per layer (`--fields`), which mark the
    header row as the format's do."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import openpyxl

        try:
            book = openpyxl.load_workbook(p, read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - any unreadable workbook
            raise PlanError(Problem(str(p), N_("not a readable Excel workbook"), found=str(exc),
                                    expected=N_("an .xlsx file"))) from None
        # From row 1 whatever the sheet's stated dimensions: the numbers are Excel's.
        sheets = {ws.title: list(enumerate((list(r) for r in ws.iter_rows(
                      min_row=1, values_only=True)), start=1))
                  for ws in book.worksheets}
        book.close()
        if _has_formulas(p):
            _mark_unsaved_formulas(p, sheets)
    elif suffix in (".csv", ".tsv", ".txt"):
        raw = p.read_bytes()
        # Excel's "Unicode 文本" is UTF-16 with its BOM; a CSV is UTF-8 or, from a Chinese
        # Windows, GBK.
        encodings = ("utf-16",) if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else \
            ("utf-8-sig", "gb18030")
        for encoding in encodings:
            try:
                text = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:  # pragma: no cover - gb18030 decodes any byte string
            raise PlanError(Problem(str(p), N_("text neither UTF-8 nor GBK")))
        import csv
        import io

        reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
        rows, line = [], 1
        for row in reader:
            rows.append((line, row))
            line = reader.line_num + 1  # a quoted cell may hold line breaks
        sheets = {"": rows}
    elif suffix in (".xls", ".ods"):
        sheets = _calamine_sheets(p)
    elif suffix == ".et":
        # WPS 表格's own format, its default on many office machines.
        raise PlanError(Problem(str(p), N_("a WPS workbook (.et) cannot be read"),
                                expected=N_("the workbook saved as .xlsx (WPS: 另存为 → Excel "
                                            "文件 .xlsx)")))
    else:
        raise PlanError(Problem(str(p), N_("not a table"), found=suffix,
                                expected=N_(".xlsx or .csv")))
    out: dict[str, pd.DataFrame] = {}
    skipped: dict[str, list[tuple[str, str, str]]] = {}
    names = {name.strip().lower(): name for name in sheets}
    used: set[str] = set()
    for layer, candidates in SHEETS.items():
        for c in candidates:
            if c.lower() in names:
                sheet = names[c.lower()]
                used.add(sheet)
                frame = _frame(str(p), sheet, sheets[sheet], layer,
                               skipped.setdefault(layer, []),
                               (own_headers or {}).get(layer, set()))
                if frame is not None:
                    out[layer] = frame
                break
    rest = [n for n in sheets if n not in used]
    unread_sheets: list[tuple[str, str]] = []
    if rest:
        # The projects are on the sheets not named for a layer whose header (or column of
        # names, in a 技术经济指标表) names the format's fields (a template's first sheet is
        # often its 填表说明), every one of them: a district's workbook may keep a sheet per
        # street, and a project on the second must not be left out without a word.
        known = _known_headers("parcels") | {_words(n).lower()
                                             for n in (own_headers or {}).get("parcels", ())}

        def fields_named(name):
            rows = _filled(sheets[name])
            if not rows:
                return -1
            indicators = _indicators(rows, known)
            return max(_named(_header(rows, known)[1], known),
                       indicators[0] if indicators is not None else 0)

        named = {name: fields_named(name) for name in rest}
        best = max(named.values())
        if best <= 0 and not out:
            # Text that is not a table of the format's (notes saved as .txt): said so, not
            # read as a plan without parcels.
            raise PlanError(Problem(str(p), N_("no row of the table names a field of the plan "
                                               "format"),
                                    expected=N_("a header row such as 编号, 项目名称, 新建户数, "
                                                "养老设施建筑面积")))
        chosen = [] if "parcels" in out else \
            [n for n in rest if named[n] >= max(2, (best + 1) // 2)]
        if not chosen and not out:  # a workbook of one table, however it is headed
            chosen = [max(rest, key=named.get)]
        # Beside a sheet per street, a 汇总 sheet sums them: read too, it would count each
        # project twice.
        sums = [n for n in chosen if _SUMMARY_SHEET.search(n)] if len(chosen) > 1 else []
        if len(sums) < len(chosen):
            chosen = [n for n in chosen if n not in sums]
            unread_sheets += [(n, SUMMARY_SHEET) for n in sums]
        frames = [frame for n in chosen
                  if (frame := _frame(str(p), n or None, sheets[n], "parcels",
                                      skipped.setdefault("parcels", []),
                                      (own_headers or {}).get("parcels", set()))) is not None]
        if frames:
            out["parcels"] = frames[0] if len(frames) == 1 else _stacked(frames)
        # A sheet that names a field, yet is not read, is said.
        unread_sheets += [(n, UNREAD_SHEET) for n in rest
                          if n not in chosen and n not in sums and named[n] >= 1]
    if "parcels" not in out and not any(len(f) for f in out.values()):
        raise PlanError(Problem(str(p), N_("the table has no rows"),
                                expected=N_("a header row and one row per project")))
    warnings = [Problem(str(p), message, layer=layer, feature=label, found=words,
                        level="warning")
                for layer, rows in skipped.items() for label, words, message in rows]
    warnings += [Problem(str(p), why, layer="parcels", found=n, level="warning")
                 for n, why in unread_sheets]
    warnings += [Problem(str(p), UNREAD_COLUMNS, layer=layer,
                         found=", ".join(frame.attrs["unread"]), level="warning")
                 for layer, frame in out.items() if frame.attrs.get("unread")]
    warnings += [Problem(str(p), UNREAD_ROWS, layer=layer,
                         found=", ".join(frame.attrs["unread_rows"]), level="warning")
                 for layer, frame in out.items() if frame.attrs.get("unread_rows")]
    warnings += [Problem(str(p), _REMARK_SAYS[frozenset(used)], layer=layer, field=name,
                         found=remark, level="warning")
                 for layer, frame in out.items()
                 for name, remark, used in frame.attrs.get("remarks", ())]
    warnings += [Problem(str(p), CONVERTED_COLUMN, layer=layer, field=name, level="warning",
                         args=(("unit", _shown_unit(unit)), ("own", _shown_unit(own)),
                               # 1 亩 = 666.67 m², as it is said.
                               ("factor", f"{factor:,}" if isinstance(factor, int)
                                else f"{float(factor):,.2f}")))
                 for layer, frame in out.items()
                 for name, unit, factor, own in frame.attrs.get("converted", ())]
    return out, warnings


def _stacked(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The projects of several sheets, one after the other, each in the format's field
    names first (新建户数 on one sheet and 新建住宅户数 on the next are one column)."""
    named = [apply_aliases(f, "parcels") for f in frames]
    out = pd.concat(named, ignore_index=True)
    out.attrs["unread"] = list(dict.fromkeys(h for f in frames for h in f.attrs["unread"]))
    out.attrs["converted"] = [c for f in frames for c in f.attrs["converted"]]
    return out


def _delimiter(text: str) -> str:
    """A tab where the table's first lines hold more tabs than commas (Excel's 文本文件（制表符
    分隔）, a table copied out of a sheet), else a comma."""
    head = text[:4000]
    return "\t" if head.count("\t") > head.count(",") else ","


def _calamine_sheets(path: Path) -> dict[str, list[tuple[int, list]]]:
    """An Excel 97–2003 workbook (.xls, still many an office's) or an OpenDocument one, by
    python-calamine: each sheet's rows numbered as Excel numbers them, an empty cell None
    (as openpyxl gives it), each formula by the value the file holds for it."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = {}
        for name in book.sheet_names:
            rows = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            sheets[name] = [(number, [None if cell == "" else cell for cell in cells])
                            for number, cells in enumerate(rows, start=1)]
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook
        raise PlanError(Problem(str(path), N_("not a readable Excel workbook"), found=str(exc),
                                expected=N_("an .xlsx or .xls file"))) from None
    return sheets


def _has_formulas(path: Path) -> bool:
    """Whether any sheet of the workbook holds a formula (<f> in its XML): read as bytes,
    a table of values is not read a second time."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            return any(b"<f>" in (xml := z.read(name)) or b"<f " in xml
                       for name in z.namelist()
                       if name.startswith("xl/worksheets/") and name.endswith(".xml"))
    except (zipfile.BadZipFile, OSError):
        return False


def _mark_unsaved_formulas(path: Path, sheets: dict[str, list[tuple[int, list]]]) -> None:
    """A formula whose value the file does not hold reads as a blank cell: it is put there
    as an UnsavedFormula, to be refused where it stands (a program that writes formulas
    without computing them, such as a script's export, leaves every such cell so)."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            rows = sheets.get(ws.title, [])
            for (_, values), formulas in zip(rows, ws.iter_rows(min_row=1, values_only=True)):
                for i, f in enumerate(formulas):
                    if isinstance(f, str) and f.startswith("=") and i < len(values) \
                            and values[i] is None:
                        values[i] = UnsavedFormula(f)
    finally:
        book.close()


def _id_column(frame: pd.DataFrame, layer: str) -> str | None:
    """The column that holds a sheet's ids (id, or 编号 and its kin), if any."""
    aliases = [k for k, v in FIELD_ALIASES.get(layer, {}).items() if v == "id"]
    return next((c for c in ["id", "ID", "Id", *aliases] if c in frame), None)


def _ids(frame: pd.DataFrame, layer: str, column: str | None = None) -> pd.Series:
    """Each row's id as text (None where blank), from `column` or the sheet's id column."""
    column = column or _id_column(frame, layer)
    if column is None:
        return pd.Series([None] * len(frame), index=frame.index)
    ids = [_id_text(v) for v in frame[column].tolist()]
    # Built as objects: Series.map would turn a blank's None into NaN, and "nan-养老" into
    # the id of the facility of a project whose 编号 was left blank.
    return pd.Series(ids, index=frame.index, dtype=object)


def _id_text(value) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if value is None or pd.isna(value):  # a blank cell, NaN, pandas' NA
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 12.0, as a spreadsheet gives 12
    return str(value).strip() or None


def join(layers: dict[str, gpd.GeoDataFrame], tables: dict[str, pd.DataFrame], file: str):
    """Rows of a table beside a plan add or replace the attributes of the features they name
    by id. A row that names no feature is reported (sheet, row)."""
    problems: list[Problem] = []
    for layer, table in tables.items():
        table_ids = _ids(table, layer)
        if layer not in layers:
            problems.append(Problem(file, N_("the table has rows for a layer the plan does not have"),
                                    layer=layer, expected=N_("a plan with that layer")))
            continue
        gdf = layers[layer]
        plan_ids = _ids(gdf, layer) if len(gdf) else pd.Series([], dtype=object)
        position = {pid: i for i, pid in enumerate(plan_ids) if pid is not None}
        # The table's headers in the format's spelling, so a 户数 column replaces households.
        aliases = FIELD_ALIASES.get(layer, {})
        table = table.rename(columns={c: aliases[c] for c in table.columns
                                      if c in aliases and aliases[c] not in table.columns})
        columns = [c for c in table.columns if c != "_row" and aliases.get(c, c) != "id"]
        if table.attrs.get("one_project") and table_ids.isna().all():
            # A project's 技术经济指标表 beside the plan of that one parcel: it is its.
            if len(plan_ids) != 1:
                problems.append(Problem(file, N_("a project's indicator table beside a plan "
                                                 "of several parcels does not say whose it is"),
                                        layer=layer, found=str(len(plan_ids)),
                                        expected=N_("a 编号 row naming the parcel")))
                continue
            table_ids = pd.Series([plan_ids.iloc[0]] * len(table), dtype=object)
        for row_label, pid, (_, row) in zip(table["_row"], table_ids, table.iterrows()):
            if pid is None or pid not in position:
                problems.append(Problem(file, N_("a table row names no feature of the plan"),
                                        layer=layer, feature=row_label, field="id",
                                        found=repr(pid),
                                        expected=N_("an id of the plan's {layer}"),
                                        args=(("layer", layer),)))
                continue
            i = position[pid]
            for c in columns:
                value = row[c]
                if value is None or value == "":
                    continue
                if c not in gdf:
                    gdf[c] = pd.Series([None] * len(gdf), index=gdf.index, dtype=object)
                elif gdf[c].dtype != object:
                    gdf[c] = gdf[c].astype(object)
                gdf.iat[i, gdf.columns.get_loc(c)] = value
        layers[layer] = gdf
    return layers, problems


# A point copied off a web map, longitude first (高德's and 百度's pickers copy
# "114.305393,30.593099"): a pair of columns, or one column holding both.
_LONGITUDE = ("经度", "lng", "lon", "longitude", "东经")
_LATITUDE = ("纬度", "lat", "latitude", "北纬")
_LONLAT = ("经纬度", "坐标", "lnglat", "lonlat", "location")
COORDINATE_HEADERS = frozenset(_LONGITUDE + _LATITUDE + _LONLAT)
# China lies within 73–136°E, 3–54°N: a pair that lies there only when read latitude first
# was written latitude first (as Google Maps copies it).
_CHINA_LON, _CHINA_LAT = (73.0, 136.0), (3.0, 54.0)


# A hemisphere written before or after a coordinate (E106.94, 27.72N, 东经106°55′).
_HEMISPHERE = re.compile(r"^(?P<pre>[EWNS]|东经|西经|北纬|南纬)?\s*(?P<body>.*?)\s*(?P<post>[EWNS])?$",
                         re.IGNORECASE)
# Degrees, minutes and seconds as GPS devices, Google Earth and 奥维 show them: 106°55′12″,
# 106°55'12.5", 106度55分12秒, 27°42.5′ (after NFKC, ″ is two primes).
_DMS = re.compile(r"(?P<d>\d+(?:\.\d+)?)\s*[°度]\s*"
                  r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:[′'’分](?![′'’]))\s*)?"
                  r"(?:(?P<s>\d+(?:\.\d+)?)\s*(?:″|′′|''|\"|”|秒)\s*)?")


def _coordinate(cell) -> tuple[float, str | None]:
    """A longitude or latitude as a table gives it: a decimal number (114.305393), or degrees,
    minutes and seconds (114°18′19.4″), with its hemisphere before or after it if written (W
    and S are negative). As parse_number: (value, reason it is not one)."""
    if cell is None or isinstance(cell, (int, float)):
        return parse_number(cell)
    text = unicodedata.normalize("NFKC", str(cell)).strip()
    m = _HEMISPHERE.fullmatch(text)
    hemisphere = ((m["pre"] or m["post"] or "") if m else "").upper()
    body = m["body"] if m and (m["pre"] or m["post"]) else text
    sign = -1.0 if hemisphere in ("W", "S", "西经", "南纬") else 1.0
    dms = _DMS.fullmatch(body)
    if dms is not None:
        minutes, seconds = float(dms["m"] or 0), float(dms["s"] or 0)
        if minutes >= 60 or seconds >= 60:
            return np.nan, "minutes or seconds of 60 or more"
        return sign * (float(dms["d"]) + minutes / 60 + seconds / 3600), None
    value, reason = parse_number(body)
    return sign * value, reason


def _points(frame: pd.DataFrame, file: str, layer: str) -> tuple[np.ndarray | None,
                                                                   list[Problem]]:
    """Each row's point (WGS 84, or the web map's datum that --coords converts), from its
    coordinate columns; None where the sheet has none. A pair written latitude first is read
    the right way round and said; a pair that is not two numbers in range is an error."""
    columns = {str(c).lower(): c for c in frame.columns}
    lon_col = next((columns[n] for n in _LONGITUDE if n in columns), None)
    lat_col = next((columns[n] for n in _LATITUDE if n in columns), None)
    pair_col = next((columns[n] for n in _LONLAT if n in columns), None)
    if pair_col is None and (lon_col is None or lat_col is None):
        return None, []
    problems: list[Problem] = []
    lon = np.full(len(frame), np.nan)
    lat = np.full(len(frame), np.nan)
    where = pair_col if pair_col is not None else f"{lon_col}, {lat_col}"
    for i, label in enumerate(frame["_row"].tolist()):
        if pair_col is not None:
            cell = frame[pair_col].iloc[i]
            text = "" if cell is None else unicodedata.normalize("NFKC", str(cell)).strip()
            if not text:
                continue
            # Split at a comma or semicolon where there is one: a coordinate in degrees,
            # minutes and seconds may hold spaces (106° 55′ 12″, 27° 42′).
            parts = [t for t in re.split(r"[,;]+", text) if t.strip()]
            if len(parts) != 2:
                parts = [t for t in re.split(r"[,;\s]+", text) if t]
            values = [_coordinate(t) for t in parts] if len(parts) == 2 else [(np.nan, "")]
            found = text
        else:
            values = [_coordinate(frame[lon_col].iloc[i]), _coordinate(frame[lat_col].iloc[i])]
            found = f"{frame[lon_col].iloc[i]}, {frame[lat_col].iloc[i]}"
            if all(v is None and np.isnan(x) for x, v in values):
                continue
        if any(reason is not None or np.isnan(x) for x, reason in values):
            problems.append(Problem(file, N_("not a longitude and latitude"), layer=layer,
                                    feature=label, field=str(where), found=found,
                                    expected=N_("two numbers, longitude first: 114.305393, "
                                                "30.593099 (or 114°18′19.4″, 30°35′35.2″)")))
            continue
        lon[i], lat[i] = values[0][0], values[1][0]
    swapped = ((lon >= _CHINA_LAT[0]) & (lon <= _CHINA_LAT[1]) & (lat >= _CHINA_LON[0])
               & (lat <= _CHINA_LON[1]))
    for i in np.flatnonzero(swapped):
        problems.append(Problem(file, N_("latitude written first: read as longitude, latitude"),
                                layer=layer, feature=frame["_row"].iloc[i], field=str(where),
                                found=f"{lon[i]:g}, {lat[i]:g}", level="warning"))
    lon[swapped], lat[swapped] = lat[swapped], lon[swapped]
    outside = (np.abs(lon) > 180) | (np.abs(lat) > 90)
    for i in np.flatnonzero(outside):
        problems.append(Problem(file, N_("not a longitude and latitude"), layer=layer,
                                feature=frame["_row"].iloc[i], field=str(where),
                                found=f"{lon[i]:g}, {lat[i]:g}",
                                expected=N_("longitude −180…180, latitude −90…90")))
    lon[outside] = lat[outside] = np.nan
    given = np.isfinite(lon) & np.isfinite(lat)
    points = np.full(len(frame), None, dtype=object)
    points[given] = shapely.points(lon[given], lat[given])
    return points, problems


def _without_coordinates(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.drop(columns=[c for c in frame.columns
                               if str(c).lower() in COORDINATE_HEADERS])


def _households(parcels: pd.DataFrame) -> np.ndarray:
    """Each project's households, new and existing, as far as its cells are numbers."""
    named = apply_aliases(parcels, "parcels")
    total = np.zeros(len(parcels))
    for field in ("households_new", "households_existing"):
        if field in named:
            total += np.nan_to_num([parse_number(v, units_of(field))[0]
                                    for v in named[field].tolist()])
    return total


def projects(tables: dict[str, pd.DataFrame], file: str
             ) -> tuple[dict[str, gpd.GeoDataFrame], list[Problem]]:
    """A table alone: each row a parcel without geometry; its eldercare floor and land area
    one facility it provides. A project with coordinates (经度/纬度, or 经纬度) is a point:
    its households are measured from there, and its own facility stands there (a sheet of
    facilities or buildings with coordinates gives theirs)."""
    problems: list[Problem] = []
    parcels = tables["parcels"].copy()
    ids = _ids(parcels, "parcels")
    if "序号" in parcels and _id_column(parcels, "parcels") is None:
        # No 编号: the table's own numbering names its rows, where it names each once.
        numbers = _ids(parcels, "parcels", column="序号")
        if numbers.notna().all() and numbers.is_unique:
            ids = numbers
    parcels["id"] = [pid if pid is not None else label
                     for pid, label in zip(ids, parcels["_row"])]
    located, said = _points(parcels, file, "parcels")
    problems += said
    if located is None:
        located = np.full(len(parcels), None, dtype=object)
    facility_rows, facility_points, assumed = [], [], []
    for (_, row), point in zip(parcels.iterrows(), located):
        value, reason = parse_number(row.get("eldercare_floor_area_m2"),
                                     units_of("eldercare_floor_area_m2"))
        land, _ = parse_number(row.get("eldercare_land_area_m2"),
                               units_of("eldercare_land_area_m2"))
        # Blank, "—" / "无", or 0 with no land: the project provides no room. An office writes
        # 0 as often as it leaves the cell empty, and a room of 0 m² was refused as a bad
        # facility, leaving the project unjudged where it provides none.
        if reason is None and (np.isnan(value) or value == 0 and not land > 0):
            continue
        own = {field: row.get(given) for given, field in PROJECT_FACILITY_FIELDS.items()}
        # A list that does not say what the room is: a 社区养老服务站 (PLAN-FORMAT.md).
        if not _words(own["kind"]):
            own["kind"] = "community_station"
            assumed.append(str(row["id"]))
        facility_rows.append({"id": f"{row['id']}-养老", **own, "parcel_id": row["id"],
                              "_row": row["_row"]})
        facility_points.append(point)
    if assumed:
        # The kind decides the room's minimum size: an assumed one is said, with the way out.
        problems.append(Problem(file, KIND_ASSUMED, layer="facilities",
                                found=", ".join(assumed[:10])
                                + (f" … ({len(assumed)})" if len(assumed) > 10 else ""),
                                level="warning",
                                expected=N_("a column 养老设施类型 (or 设施类型) naming each "
                                            "room's kind: 日间照料中心, 养老院…")))
    households = _households(parcels)
    has_point = np.array([p is not None for p in located], dtype=bool)
    buildings = gpd.GeoDataFrame({"id": parcels["id"].to_numpy()[has_point],
                                  "households": households[has_point],
                                  "parcel_id": parcels["id"].to_numpy()[has_point],
                                  "_row": parcels["_row"].to_numpy()[has_point]},
                                 geometry=list(located[has_point]))
    parcels = _without_coordinates(parcels.drop(columns=[
        c for c in PROJECT_FACILITY_FIELDS if c in parcels]))
    out = {"parcels": gpd.GeoDataFrame(parcels, geometry=[None] * len(parcels))}
    # Only the fields the list gives: a siting field it lacks stays absent, not blank.
    given = [field for own, field in PROJECT_FACILITY_FIELDS.items()
             if own in tables["parcels"] or field in ("floor_area_m2", "land_area_m2", "kind")]
    facilities = pd.DataFrame(facility_rows, columns=["id", *given, "parcel_id", "_row"])
    out["facilities"] = gpd.GeoDataFrame(facilities, geometry=gpd.GeoSeries(facility_points))
    if len(buildings):
        out["buildings"] = buildings
    for layer in ("buildings", "facilities"):
        if layer in tables and len(tables[layer]):
            points, said = _points(tables[layer], file, layer)
            problems += said
            # In the format's names before it joins the projects' own facilities (编号 and
            # id would otherwise be two columns, one of them empty for every row).
            sheet = apply_aliases(_without_coordinates(tables[layer]), layer)
            extra = gpd.GeoDataFrame(sheet, geometry=list(points) if points is not None
                                     else [None] * len(sheet))
            out[layer] = pd.concat([out[layer], extra], ignore_index=True) \
                if layer in out else extra
    return out, problems
