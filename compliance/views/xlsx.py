"""Excel view: a workbook a district office can sort and filter. One sheet with a row per parcel
(verdict, each rule's required / provided / shortfall / status, the clause), one with every
finding (the CSV's rows), and one of institutions when there are any. Headers in the report's
language, the header row frozen, verdicts coloured, numbers as numbers, formula-looking text
defused. Rendered from the view model, like every view."""

from __future__ import annotations

import io

from .._i18n import rule_label
from ..rules.catalogue import CATALOGUE
from .csv import COLUMNS, defuse, rows
from .model import Model

_FILL = {"compliant": "C8E6C9", "non_compliant": "FFCDD2", "incomplete": "FFE0B2"}
_HEADERS = {
    "zh": {"parcel_id": "地块编号", "parcel_name": "地块名称", "verdict": "结论",
           "facility_id": "设施编号", "rule": "条款", "kind": "设施类别", "status": "判定",
           "severity": "性质", "required": "应达到", "provided": "实际", "shortfall": "差额",
           "unit": "单位", "document": "依据文件", "clause": "条款号", "inherited": "沿用上级",
           "group": "统筹地块", "message": "说明", "fix": "整改建议",
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
                    f"{f['document']} {f['clause']}".strip()]
        row += ["; ".join(p["failing_labels"]), "; ".join(f["id"] for f in p["facilities"]),
                "; ".join(p["group"]), "; ".join(p["problems"])]
        body.append((p["verdict"], row))
    return header, body


def render(model: Model) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    lang = model.lang
    book = Workbook()
    sheet = book.active
    sheet.title = "地块" if lang == "zh" else "parcels"
    header, body = _parcel_sheet(model)
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    verdict_col = 3
    for verdict, row in body:
        sheet.append([defuse(v) for v in row])
        sheet.cell(row=sheet.max_row, column=verdict_col).fill = PatternFill(
            "solid", fgColor=_FILL[verdict])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions

    findings = book.create_sheet("条款判定" if lang == "zh" else "findings")
    findings.append([_HEADERS[lang][c] for c in COLUMNS])
    for cell in findings[1]:
        cell.font = bold
    for row in rows(model):
        findings.append([defuse(row[c]) if row[c] != "" else None for c in COLUMNS])
    findings.freeze_panes = "A2"
    findings.auto_filter.ref = findings.dimensions
    for ws in (sheet, findings):
        for column in ws.columns:
            width = max(len(str(c.value or "")) for c in list(column)[:200])
            ws.column_dimensions[column[0].column_letter].width = min(max(8, width + 2), 60)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
