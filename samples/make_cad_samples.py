"""Draw the CAD and table samples: `python samples/make_cad_samples.py`.

How they are drawn, as a draughtsman draws a 总平面图 (site plan) in 遵义 (贵州), in CGCS2000
3-degree Gauss-Krüger zone 36 with the zone prefix in the eastings (36 394 459 m), in metres:

- `zunyi-site.dxf` (R2018, UTF-8): layer `ZD-用地红线` the red line, a closed polyline whose
  south-east corner is a rounded arc (bulge); `JZ-住宅` nine residential buildings as closed
  polylines, each labelled on `BZ-文字` with TEXT such as "3# 96户", one of them a block with
  attributes 编号 / 户数; `GG-养老` the community station as a closed polyline labelled
  "社区养老服务站 220㎡"; `DL-道路中心线` street centre-lines drawn as long lines that cross
  without a shared vertex, and a T-junction that stops 0.3 m short; and the layers a real
  drawing also has (`轴网`, `标注`), which the checker ignores and says so.
  1# … 9# hold 96 households each (864), so 遵义 (十五) requires 20 × 864 / 100 = 172.8 m²:
  220 m² passes. The farthest building stands about 400 m from the station.
- `zunyi-site-r2000-gbk.dxf`: the same drawing as R2000, text in the GBK code page
  ($DWGCODEPAGE = ANSI_936), as older AutoCAD versions save it.
- `zunyi-site-指标.xlsx`: the project's 技术经济指标 table: the parcel's name and a correction
  of building 9#'s households (96 → 120), joined by 编号.
- `zunyi-projects.xlsx`: a district office's list of projects (no geometry): 项目名称, 编号,
  新建户数, 已建户数, 养老设施建筑面积, 养老设施所在楼层 (as offices write it: 首层, 二至三层,
  地下一层), with the mistakes people make: a thousands separator ("1,200"), a blank, a text
  cell.
"""

from __future__ import annotations

from pathlib import Path

import ezdxf

HERE = Path(__file__).resolve().parent
E0, N0 = 36_394_000.0, 3_065_400.0   # south-west corner of the red line (zone 36 prefix)
LAYERS = {"ZD-用地红线": 1, "JZ-住宅": 3, "GG-养老": 5, "DL-道路中心线": 8, "BZ-文字": 7,
          "轴网": 9, "标注": 2}


def _xy(x, y):
    return (E0 + x, N0 + y)


def draw(path: Path, version: str, encoding: str | None = None) -> None:
    doc = ezdxf.new(version)
    if encoding:
        doc.encoding = encoding
    doc.header["$INSUNITS"] = 6  # metres
    for name, colour in LAYERS.items():
        doc.layers.add(name, color=colour)
    msp = doc.modelspace()
    # The red line: 420 × 360 m, its south-east corner rounded (a quarter arc, bulge tan(22.5°)).
    msp.add_lwpolyline([(*_xy(0, 0), 0, 0, 0), (*_xy(380, 0), 0, 0, 0.41421356),
                        (*_xy(420, 40), 0, 0, 0), (*_xy(420, 360), 0, 0, 0),
                        (*_xy(0, 360), 0, 0, 0)], format="xyseb", close=True,
                       dxfattribs={"layer": "ZD-用地红线"})
    msp.add_text("ZY-S1 遵义新蒲·滨湖苑", dxfattribs={"layer": "BZ-文字", "height": 5,
                                                     "insert": _xy(10, 345)})
    # Nine buildings, 3 rows × 3, 40 × 14 m; 9# is a block with attributes.
    block = doc.blocks.new("住宅楼")
    block.add_lwpolyline([(0, 0), (40, 0), (40, 14), (0, 14)], close=True,
                         dxfattribs={"layer": "0"})
    block.add_attdef("编号", (2, 2), dxfattribs={"height": 3})
    block.add_attdef("户数", (2, 8), dxfattribs={"height": 3})
    n = 0
    for row in range(3):
        for col in range(3):
            n += 1
            x, y = 60 + col * 120, 60 + row * 100
            if n == 9:
                ref = msp.add_blockref("住宅楼", _xy(x, y), dxfattribs={"layer": "JZ-住宅"})
                ref.add_auto_attribs({"编号": f"{n}#", "户数": "96"})
                continue
            msp.add_lwpolyline([_xy(x, y), _xy(x + 40, y), _xy(x + 40, y + 14), _xy(x, y + 14)],
                               close=True, dxfattribs={"layer": "JZ-住宅"})
            msp.add_text(f"{n}# 96户", dxfattribs={"layer": "BZ-文字", "height": 3,
                                                    "insert": _xy(x + 4, y + 5)})
    # The community station: 20 × 11 m at the west edge, labelled with its kind and area.
    msp.add_lwpolyline([_xy(10, 20), _xy(30, 20), _xy(30, 31), _xy(10, 31)], close=True,
                       dxfattribs={"layer": "GG-养老"})
    msp.add_mtext("社区养老服务站 220㎡", dxfattribs={"layer": "BZ-文字", "char_height": 2,
                                                   "insert": _xy(12, 28)})
    # Streets: long centre-lines crossing without shared vertices, and a spur 0.3 m short.
    for y in (-10, 180, 370):
        msp.add_line(_xy(-20, y), _xy(440, y), dxfattribs={"layer": "DL-道路中心线"})
    for x in (-10, 210, 430):
        msp.add_line(_xy(x, -20), _xy(x, 380), dxfattribs={"layer": "DL-道路中心线"})
    msp.add_line(_xy(320, 180.3), _xy(320, 300), dxfattribs={"layer": "DL-道路中心线"})
    # What a real drawing also holds.
    for k in range(5):
        msp.add_line(_xy(k * 100, -30), _xy(k * 100, 390), dxfattribs={"layer": "轴网"})
    msp.add_text("比例 1:1000", dxfattribs={"layer": "标注", "insert": _xy(300, -40)})
    doc.saveas(path)


def tables() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "楼栋"
    sheet.append(["编号", "户数"])
    sheet.append(["9#", 120])
    parcels = book.create_sheet("地块")
    parcels.append(["编号", "名称"])
    parcels.append(["ZY-S1", "遵义新蒲·滨湖苑"])
    book.save(HERE / "zunyi-site-指标.xlsx")

    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["项目名称", "编号", "新建户数", "已建户数", "养老设施建筑面积",
                  "养老设施所在楼层"])
    sheet.append(["新蒲·滨湖苑", "ZY-2024-01", 864, None, 220, "首层"])
    sheet.append(["汇川·云著", "ZY-2024-02", "1,200", None, 200, "二至三层"])
    sheet.append(["红花岗·老城片区", "ZY-2024-03", None, 2600, 400, "地下一层"])
    sheet.append(["播州·桂园", "ZY-2024-04", 540, 300, None, None])
    book.save(HERE / "zunyi-projects.xlsx")


def main() -> None:
    draw(HERE / "zunyi-site.dxf", "R2018")
    draw(HERE / "zunyi-site-r2000-gbk.dxf", "R2000", encoding="gbk")
    tables()
    print("wrote zunyi-site.dxf, zunyi-site-r2000-gbk.dxf, zunyi-site-指标.xlsx, "
          "zunyi-projects.xlsx")


if __name__ == "__main__":
    main()
