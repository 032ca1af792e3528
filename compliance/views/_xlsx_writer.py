"""A streaming writer for the one kind of workbook the Excel view makes: sheets of plain rows,
a bold frozen header with an autofilter, set column widths, and a fill on chosen cells.

Why not XlsxWriter: it spends about 8 µs on every cell (10,000 parcels: 1.2 million cells,
10 s, most of a district batch), checking and styling what these sheets never use. The parts
written here are the ones XlsxWriter writes in its constant-memory mode (inline strings, no
shared-string table), so the file is the same SpreadsheetML that Excel, WPS, LibreOffice,
openpyxl and calamine read; rows go straight into the zip stream, so memory stays flat.
"""

from __future__ import annotations

import concurrent.futures
import math
import numbers
import re
import zipfile
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

from .. import _process
from .._spreadsheet import column_letter

_NS = ('xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
       'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
# XML 1.0 cannot hold these characters at all; Excel's own cell limit is 32,767 characters.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_MAX_TEXT = 32767
# A fixed time in the zip entries: the same district gives the same bytes.
_EPOCH = (1980, 1, 1, 0, 0, 0)
BOLD = 1  # the header's style


# Verdicts, clauses and labels repeat on every row; a finding's message is seen once. A small
# cache keeps the first and lets the second go, and it is emptied when a workbook is closed:
# holding every message of a district kept 17 MiB after its workbook was written (10,000
# parcels).
@lru_cache(maxsize=4096)
def _text(value: str) -> str:
    value = _ILLEGAL.sub("", value)[:_MAX_TEXT]
    space = ' xml:space="preserve"' if value[:1].isspace() or value[-1:].isspace() else ""
    return f"<is><t{space}>{escape(value)}</t></is>"


def _cell(ref: str, value, style: int) -> str:
    s = f' s="{style}"' if style else ""
    kind = type(value)
    if kind is str:  # the commonest first
        if not value:
            return f'<c r="{ref}"{s}/>' if style else ""
        return f'<c r="{ref}"{s} t="inlineStr">{_text(value)}</c>'
    if kind is float:
        if value != value or value in (math.inf, -math.inf):
            return f'<c r="{ref}"{s} t="e"><v>#NUM!</v></c>'
        if value.is_integer() and abs(value) < 1e15:
            return f'<c r="{ref}"{s}><v>{int(value)}</v></c>'  # 951, not 951.0, as Excel does
        return f'<c r="{ref}"{s}><v>{value!r}</v></c>'
    if value is None:
        return f'<c r="{ref}"{s}/>' if style else ""
    if kind is bool:
        return f'<c r="{ref}"{s} t="b"><v>{int(value)}</v></c>'
    if kind is int or isinstance(value, numbers.Real):  # numpy's too
        number = float(value) if not isinstance(value, numbers.Integral) else int(value)
        if kind is not int:
            return _cell(ref, number, style) if type(number) is float else \
                f'<c r="{ref}"{s}><v>{number}</v></c>'
        return f'<c r="{ref}"{s}><v>{number}</v></c>'
    return f'<c r="{ref}"{s} t="inlineStr">{_text(str(value))}</c>'


def _row(r: int, letters: list[str], values, styles: list[int],
         formula_starts: frozenset = frozenset()) -> str:
    """A row's XML: the commonest cells (unstyled text, nothing) written here, in one loop,
    the rest by `_cell` (a district's workbook has millions of cells). Text beginning with one
    of `formula_starts` is prefixed with ' (shown, never evaluated), here in the same loop
    rather than in a pass of its own over every cell."""
    n = str(r)
    cells = []
    for c, v, st in zip(letters, values, styles):
        if isinstance(v, str):
            if v[:1] in formula_starts:
                v = "'" + v
            if not st:
                if v:
                    cells.append(f'<c r="{c}{n}" t="inlineStr">{_text(v)}</c>')
                continue
        if v is not None or st:
            cells.append(_cell(c + n, v, st))
    return f'<row r="{n}">' + "".join(cells) + "</row>"


@dataclass
class Workbook:
    """`fills`: fill colours (RRGGBB) by name; `style(name)` gives the style number of a cell
    filled with that colour."""

    path: str
    n_sheets: int
    fills: dict[str, str] = field(default_factory=dict)
    _sheets: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self):
        self._zip = zipfile.ZipFile(self.path, "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self._fill_names = list(self.fills)
        # First in the zip, where tools that recognise a workbook by its start look for it.
        self._put("[Content_Types].xml", (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{_CT}.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      f'ContentType="{_CT}.worksheet+xml"/>'
                      for i in range(1, self.n_sheets + 1))
            + "</Types>"))

    def style(self, fill: str) -> int:
        return 2 + self._fill_names.index(fill)

    def add_sheet(self, title: str, header: list[str], rows, widths: list[float],
                  fill_column: int | None = None,
                  formula_starts: frozenset = frozenset()) -> None:
        """`rows`: lists of cell values, or (fill name, values) pairs when `fill_column` is
        set. Written as they come; text that begins with one of `formula_starts` is shown
        with a ' before it, never evaluated."""
        n_cols = len(header)
        letters = [column_letter(i) for i in range(n_cols)]
        number = len(self._sheets) + 1
        info = zipfile.ZipInfo(f"xl/worksheets/sheet{number}.xml", _EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        # zlib lets go of the GIL: rows are deflated in a thread while the next are written.
        compressed: list[concurrent.futures.Future] = []
        with self._zip.open(info, "w") as out, \
                concurrent.futures.ThreadPoolExecutor(
                    max_workers=1,
                    initializer=_process.leave_signals_to_the_main_thread) as compressor:
            cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:.2f}" customWidth="1"/>'
                           for i, w in enumerate(widths))
            selected = 'tabSelected="1" ' if number == 1 else ""
            out.write((f'{_HEAD}<worksheet {_NS}><sheetViews><sheetView {selected}'
                       'workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                       'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft"/>'
                       '</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                       f'<cols>{cols}</cols><sheetData>').encode())
            out.write(('<row r="1">' + "".join(_cell(f"{c}1", v, BOLD)
                                                for c, v in zip(letters, header))
                       + "</row>").encode())
            last = 1
            styles = [0] * n_cols
            batch: list[str] = []
            for r, row in enumerate(rows, start=2):
                if fill_column is not None:
                    fill, row = row
                    styles[fill_column] = self.style(fill)
                batch.append(_row(r, letters, row, styles, formula_starts))
                if len(batch) == 1000:  # one compressor call per thousand rows
                    compressed.append(compressor.submit(out.write, "".join(batch).encode()))
                    batch.clear()
                    if len(compressed) > 2:  # a few thousand rows wait at most
                        compressed.pop(0).result()
                last = r
            for pending in compressed:
                pending.result()
            out.write("".join(batch).encode())
            ref = f"A1:{letters[-1]}{last}"
            out.write(f'</sheetData><autoFilter ref="{ref}"/><pageMargins left="0.7" '
                      'right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
                      '</worksheet>'.encode())
        self._sheets.append((title, ref))

    def close(self) -> None:
        sheets = self._sheets
        if len(sheets) != self.n_sheets:
            raise ValueError(f"{self.n_sheets} sheets declared, {len(sheets)} written")
        self._put("_rels/.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_quoted(title))}!{_absolute(ref)}</definedName>"
            for i, (title, ref) in enumerate(sheets))
        self._put("xl/workbook.xml", (
            f'<workbook {_NS}><bookViews><workbookView/></bookViews><sheets>'
            + "".join(f'<sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                      for i, (title, _) in enumerate(sheets, start=1))
            + f"</sheets><definedNames>{names}</definedNames></workbook>"))
        n = len(sheets)
        self._put("xl/_rels/workbook.xml.rels", (
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" '
                      f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            "</Relationships>"))
        fills = "".join(f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/>'
                        '<bgColor indexed="64"/></patternFill></fill>'
                        for c in self.fills.values())
        xfs = "".join(f'<xf numFmtId="0" fontId="0" fillId="{2 + i}" borderId="0" xfId="0" '
                      'applyFill="1"/>' for i in range(len(self.fills)))
        self._put("xl/styles.xml", (
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
            f'<fills count="{2 + len(self.fills)}"><fill><patternFill patternType="none"/>'
            f'</fill><fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{2 + len(self.fills)}">'
            '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            f'{xfs}</cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
            'builtinId="0"/></cellStyles></styleSheet>'))
        self._zip.close()
        _text.cache_clear()

    def _put(self, name: str, xml: str) -> None:
        info = zipfile.ZipInfo(name, _EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        self._zip.writestr(info, _HEAD + xml)


def _quoted(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:AD6 → $A$1:$AD$6"""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))
