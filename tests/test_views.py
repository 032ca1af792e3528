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
