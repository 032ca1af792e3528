"""Excel view: a workbook a district office can sort and filter. One sheet with a row per parcel
(verdict, each rule's required / provided / shortfall / status, the clause), one with every
finding (the CSV's rows, their codes said in the workbook's language), and one of
institutions when there are any. Headers in the report's
language, the header row frozen, verdicts coloured, numbers as numbers, formula-looking text
defused. Rendered from the view model, like every view."""

from __future__ import annotations

import itertools

from .._i18n import rule_label
from ..rules.catalogue import CATALOGUE
from .csv import COLUMNS, FORMULA_FIRST, defuse_row, rows
from .model import Model

_FILL = {"compliant": "C8E6C9", "non_compliant": "FFCDD2", "incomplete": "FFE0B2"}
_HEADERS = {
    "zh": {"parcel_id": "地块编号", "parcel_name": "地块名称", "verdict": "结论",
           "facility_id": "设施编号", "rule": "条款", "kind": "设施类别", "status": "判定",
           "severity": "性质", "required": "应达到", "provided": "实际", "shortfall": "差额",
           "unit": "单位", "document": "依据文件", "clause": "条款号", "inherited": "沿用上级",
           "group": "统筹地块", "message": "说明", "fix": "整改建议",
           "standard": "依据标准", "level": "标准层级", "sourcing": "来源类别",
           "expired": "已过期目标（期限）",
           "households_new": "新建户数", "households_existing": "已建户数",
           "population": "人口", "failing": "未达标的强制性条款", "problems": "资料问题",
           "facilities": "计入设施"},
    "en": {c: c.replace("_", " ") for c in COLUMNS} | {
        "households_new": "new households", "households_existing": "existing households",
        "population": "population", "failing": "mandatory rules failed",
        "problems": "data problems", "facilities": "facilities counted"},
}
_SUFFIX = {"zh": {"status": "判定", "required": "应达到", "provided": "实际", "shortfall": "差额",
                  "clause": "依据"},
           "en": {"status": "status", "required": "required", "provided": "provided",
                  "shortfall": "shortfall", "clause": "clause"}}


def _parcel_sheet(model: Model):
    lang = model.lang
    h, suffix = _HEADERS[lang], _SUFFIX[lang]
    rules = [r for r in CATALOGUE if r in model.result.standard.rules
             and CATALOGUE[r].scope == "parcel"]
    header = [h["parcel_id"], h["parcel_name"], h["verdict"], h["households_new"],
              h["households_existing"], h["population"]]
    for r in rules:
        label = rule_label(r, lang)
        header += [f"{label} {suffix[k]}" for k in ("required", "provided", "shortfall",
                                                    "status", "clause")]
    header += [h["failing"], h["facilities"], h["group"], h["problems"]]
    body = []
    for p in model.parcels:
        row = [p["id"], p["name"], p["verdict_label"], p["households_new"],
               p["households_existing"], p["population"]]
        for r in rules:
            f = p["by_rule"].get(r)
            if f is None:
                row += [None] * 5
                continue
            row += [f["required"], f["provided"], f.get("shortfall"), f["status_label"],
                    f"{f['document']} {f['clause']}（{f['stated_by']}）".strip()
                    if lang == "zh" else f"{f['document']} {f['clause']} ({f['stated_by']})"]
        row += ["; ".join(p["failing_labels"]), "; ".join(f["id"] for f in p["facilities"]),
                "; ".join(p["group"]), "; ".join(p["problems"])]
        body.append((p["verdict"], row))
    return header, body


def _said(model: Model):
    """The findings' rows as a reader filters them: the CSV's codes (non_compliant, fail,
    area_per_households, mandatory, community_station, guizhou, city) in the workbook's
    language (不合规, 不达标, 每百户配建面积, 强制性, 社区养老服务站, 贵州省, 市级). The CSV keeps
    the codes, for programs."""
    from .model import _UNITS, LEVEL_NAMES, SOURCING_NAMES, _level_of

    t, lang, standard = model.t, model.lang, model.result.standard
    yes_no = {"yes": t.pick("是", "yes"), "no": t.pick("否", "no")}
    said = {
        "verdict": lambda v: t.verdict(v),
        "rule": lambda v: rule_label(v, lang),
        "kind": t.kind,
        "status": t.status,
        "severity": t.severity,
        "unit": lambda v: _UNITS.get(v, v),
        "inherited": lambda v: yes_no.get(v, v),
        "standard": lambda v: t.pick(*(_level_of(standard, v)[k] for k in ("place",
                                                                           "place_en"))),
        "level": lambda v: t.pick(*LEVEL_NAMES[v]) if v in LEVEL_NAMES else v,
        "sourcing": lambda v: t.pick(*SOURCING_NAMES[v]) if v in SOURCING_NAMES else v,
    }
    columns = [(COLUMNS.index(c), say) for c, say in said.items()]
    # A column holds a few codes over a district's rows: each said once.
    known: dict[tuple[int, str], str] = {}

    def say(row: list) -> list:
        for i, words in columns:
            code = row[i]
            if code in ("", None):
                continue
            if (i, code) not in known:
                known[i, code] = words(code)
            row[i] = known[i, code]
        return row

    return say


# A column is as wide as its header and its values in this many first rows.
_WIDTH_ROWS = 500


def _widths(header, body) -> list[float]:
    """Wide enough for the header and the first _WIDTH_ROWS rows, between 8 and 60
    characters."""
    widths = [len(str(h)) for h in header]
    for row in body[:_WIDTH_ROWS]:
        for i, v in enumerate(row):
            widths[i] = max(widths[i], len(str(v if v is not None else "")))
    return [min(max(8, w + 2), 60) for w in widths]


def render(model: Model) -> bytes:
    import os
    import tempfile

    from ._xlsx_writer import Workbook

    lang = model.lang
    header, body = _parcel_sheet(model)
    finding_header = [_HEADERS[lang][c] for c in COLUMNS]
    # Text is text: nothing a cell holds becomes a formula in any program that reads it (the
    # writer puts a ' before it, as it writes the cell). An empty text is an empty cell.
    # Streamed to the writer: only the first rows, which set the columns' widths, are held.
    finding_rows = map(_said(model), rows(model))
    first_rows = list(itertools.islice(finding_rows, _WIDTH_ROWS))
    with tempfile.TemporaryDirectory(prefix="compliance-xlsx-") as tmp:
        path = os.path.join(tmp, "book.xlsx")
        book = Workbook(path, n_sheets=2, fills=_FILL)
        book.add_sheet("地块" if lang == "zh" else "parcels", header, body,
                       _widths(header, [defuse_row(v) for _, v in body[:_WIDTH_ROWS]]),
                       fill_column=2, formula_starts=FORMULA_FIRST)
        book.add_sheet("条款判定" if lang == "zh" else "findings", finding_header,
                       itertools.chain(first_rows, finding_rows),
                       _widths(finding_header, [defuse_row(r) for r in first_rows]),
                       formula_starts=FORMULA_FIRST)
        book.close()
        with open(path, "rb") as fh:
            return fh.read()
