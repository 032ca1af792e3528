"""Writes 配建表.xls, an Excel 97-2003 workbook as a district office keeps its list of projects:
a title, a header two rows deep with merged cells and a unit (亩), a project whose 已建户数
is blank, and a row of totals. The tests read the file as it
is committed; this script (`pip install xlwt`, which writes .xls) is how it was made."""

from pathlib import Path

import xlwt

book = xlwt.Workbook(encoding="utf-8")
sheet = book.add_sheet("配建表")
sheet.write_merge(0, 0, 0, 6, "2026年某区住宅项目养老服务设施配建情况表")
sheet.write_merge(1, 2, 0, 0, "序号")
sheet.write_merge(1, 2, 1, 1, "项目名称")
sheet.write_merge(1, 1, 2, 3, "户数")
sheet.write_merge(1, 1, 4, 5, "养老服务设施")
sheet.write_merge(1, 2, 6, 6, "备注")
for column, name in enumerate(["新建户数", "已建户数", "建筑面积（㎡）", "用地面积（亩）"], start=2):
    sheet.write(2, column, name)
for r, row in enumerate([[1, "锦绣花园", 864, 0, 220, 0.45, ""],
                         [2, "东湖苑", 1200, None, "150", None, "二期建设"]], start=3):
    for c, value in enumerate(row):
        if value is not None:
            sheet.write(r, c, value)
sheet.write(5, 0, "合计")
sheet.write(5, 2, xlwt.Formula("SUM(C4:C5)"))
book.save(str(Path(__file__).with_name("配建表.xls")))
