"""Every view shows the same facts: one view model, built once from the result."""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pytest

from compliance import workflow
from compliance.views import html
from compliance.views import model as view_model
from conftest import make_plan, pt, rect, run


@pytest.fixture(scope="module")
def chain():
    # P1–F1–P2–F2–P3: F1 is shared by P1 and P2, F2 by P2 and P3, so the three parcels form
    # one group (统筹配置). Dongying 二(一)1: 20 m²/百户 × (100 + 100 + 100) / 100 = 60 m²
    # required of the group; F1 40 + F2 40 = 80 m² provided → every member passes.
    parcels = [{"id": f"P{i}", "households_new": 100, "geometry": rect(300 * (i - 1), 0, 200, 200)}
               for i in (1, 2, 3)]
    facilities = [
        {"id": "F1", "kind": "community_station", "floor_area_m2": 40, "parcel_id": "P1;P2",
         "geometry": pt(250, 100)},
        {"id": "F2", "kind": "community_station", "floor_area_m2": 40, "parcel_id": "P2;P3",
         "geometry": pt(550, 100)},
        {"id": "F9", "kind": "community_station", "floor_area_m2": 10, "geometry": pt(3000, 0)},
    ]
    return run(make_plan(parcels, facilities), "dongying")


def _table_ids(page: str, parcel: str) -> list[str]:
    section = page.split(f'<span class="pid">{parcel}</span>')[1].split("</section>")[0]
    table = section.split('<table class="facilities">')[1].split("</table>")[0]
    return re.findall(r"<tr><td>([^<]+)</td>", table)


def _map_roles(page: str, parcel: str) -> dict[str, str]:
    section = page.split(f'<span class="pid">{parcel}</span>')[1].split("</section>")[0]
    return {m[1]: m[0] for m in re.findall(r'<g class="facility (\w+)" data-id="([^"]+)">',
                                           section)}


def test_chain_of_shared_facilities_is_the_same_in_every_view(chain, tmp_path):
    area = {p.id: next(f for f in p.findings if f.rule == "area_per_households")
            for p in chain.parcels}
    for f in area.values():
        assert (f.required, f.provided, f.status) == (60.0, 80.0, "pass")
    model = view_model.build(chain, "zh")
    page = html.ReportBuilder(model).full()
    data = json.loads(workflow.render(chain, "json", "zh"))
    workflow.write(chain, str(tmp_path / "r.gpkg"), "gpkg", "zh")
    gpkg = gpd.read_file(tmp_path / "r.gpkg", layer="parcels").set_index("id")
    for parcel in ("P1", "P2", "P3"):
        # The group's facilities count for every member: F1 and F2, never F9.
        table = _table_ids(page, parcel)
        roles = _map_roles(page, parcel)
        listed = [f["id"] for f in next(p for p in data["parcels"]
                                        if p["id"] == parcel)["facilities"]]
        exported = gpkg.loc[parcel, "facility_ids"].split(";")
        assert table == listed == exported == ["F1", "F2"], parcel
        assert {k for k, v in roles.items() if v in ("own", "shared")} == {"F1", "F2"}
        assert roles.get("F9", "other") == "other"
    p1 = next(p for p in data["parcels"] if p["id"] == "P1")["facilities"]
    assert p1 == [{"id": "F1", "direct": True, "shared": True},
                  {"id": "F2", "direct": False, "shared": True}]


def test_shortfall_only_on_a_fail_in_every_view():
    # 遵义 (十五): 20 × 100 / 100 = 20 m² required; 30 m² provided → pass, no shortfall anywhere.
    plan = make_plan([{"id": "P", "households_new": 100, "geometry": rect(0, 0, 100, 100)}],
                     [{"id": "F", "kind": "community_station", "floor_area_m2": 30,
                       "geometry": pt(50, 50)}])
    result = run(plan, "zunyi")
    model = view_model.build(result, "zh")
    area = model.parcels[0]["by_rule"]["area_per_households"]
    assert "shortfall" not in area and area["shortfall_text"] == ""
    assert ",area_per_households,,pass," in workflow.render(result, "csv", "zh").replace(
        "community_station", "")


def test_xlsx_writer_cells_read_back_as_written(tmp_path):
    """The streaming workbook writer: what openpyxl reads back is what was written, whatever
    a cell holds, and the same rows give the same bytes."""
    import zipfile

    import numpy as np
    from openpyxl import load_workbook

    from compliance._spreadsheet import column_letter
    from compliance.views._xlsx_writer import Workbook

    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]
    rows = [("compliant", ["P1", "a & b <c>", 1200, 3.25, np.float64(2.5), np.int64(7), True]),
            ("non_compliant", ["P2", "  leading space", None, float("nan"), "", "bell\x07", False]),
            ("incomplete", ["P3", "x" * 40000, -0.0, 1e20, "=1+1", "二", 0])]

    def write(path):
        book = Workbook(str(path), n_sheets=2, fills={"compliant": "C8E6C9",
                                                      "non_compliant": "FFCDD2",
                                                      "incomplete": "FFE0B2"})
        book.add_sheet("地块", list("ABCDEFG"), rows, [10] * 7, fill_column=0)
        book.add_sheet("it's", ["x"], [], [8])
        book.close()

    write(tmp_path / "a.xlsx")
    write(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert zipfile.ZipFile(tmp_path / "a.xlsx").namelist()[0] == "[Content_Types].xml"
    book = load_workbook(tmp_path / "a.xlsx")
    sheet = book["地块"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G4"
    got = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert got[0] == ["P1", "a & b <c>", 1200, 3.25, 2.5, 7, True]
    assert got[1][:3] == ["P2", "  leading space", None] and got[1][3] == "#NUM!"
    assert got[1][4:] == [None, "bell", False]
    # Excel holds at most 32,767 characters in a cell.
    assert got[2][1] == "x" * 32767 and got[2][3] == 1e20 and got[2][4] == "=1+1"
    assert sheet["A1"].font.b and sheet["A2"].fill.fgColor.rgb == "FFC8E6C9"
    assert sheet["A3"].fill.fgColor.rgb == "FFFFCDD2" and not sheet["B2"].fill.fgColor.rgb \
        .endswith("C8E6C9")
    assert book["it's"].max_row == 1
