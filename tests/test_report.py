"""The HTML report: numbers, clauses, escaping and both languages, checked in the markup."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.views import html
from compliance.views import model as view_model
from conftest import make_plan, pt, rect, run


@pytest.fixture(scope="module")
def zunyi_result():
    # 遵义 (十五): 20 × 1,200 / 100 = 240 m² required; 200 provided → 40 m² short.
    # The radius is Guizhou's (贵州省通知: 服务半径应小于700米), which Zunyi extends:
    # building B2 at x = 1,300.5 is 1,300.5 − 0.5 = 1,300 m from F1, 600 m beyond 700 m.
    plan = make_plan(
        [{"id": "P1", "name": '<script>alert("x")</script> 山水"名城"', "households_new": 1200,
          "geometry": rect(0, 0, 1500, 100)}],
        [{"id": "F1", "name": "站 & <b>", "kind": "community_station", "floor_area_m2": 200,
          "geometry": pt(0.5, 50)}],
        buildings=[{"id": "B1", "households": 600, "geometry": rect(850, 40, 40, 20)},
                   {"id": "B2", "households": 600, "geometry": pt(1300.5, 50)}])
    return run(plan, "zunyi")


def test_numbers_formula_and_clause_in_chinese(zunyi_result):
    page = html.render(zunyi_result, "zh")
    assert "20 m²/百户 × 新建 1,200 户 / 100 = 240.0 m²" in page
    # Required, provided and shortfall each in their own cell (not "40 m²" inside "240 m²").
    assert re.search(r'<td class="num">240 m²</td>\s*<td class="num">200 m²</td>\s*'
                     r'<td class="num short">40 m²</td>', page)
    assert "（十五）" in page and "新建住宅小区按每百户不少于20平方米" in page
    assert "不合规" in page and "整改建议" in page
    assert "至少增加 40.0 m² 养老服务设施建筑面积" in page
    # The radius: B2 is 1,300 m from F1, 1,300 − 700 = 600 m beyond it; B2 named, and the
    # radius said to be inherited from Guizhou, the province.
    assert "B2（1,300 m）" in page
    assert re.search(r'<td class="num short">600 m</td>', page)
    assert "服务半径（贵州省（省级））" in page


def test_english_labels(zunyi_result):
    page = html.render(zunyi_result, "en")
    assert "Non-compliant" in page and "What to change" in page
    assert "Add at least 40.0 m² of eldercare floor area." in page
    assert "不合规" not in page


def test_names_are_escaped(zunyi_result):
    page = html.render(zunyi_result, "zh")
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "站 &amp; &lt;b&gt;" in page
    assert "<b>" not in page.replace("<body>", "")


def test_the_district_table_escapes_what_the_plan_names():
    # The district overview and its table pages set their rows' cells by hand (|e), not
    # through autoescape: an id, a name and a shared group from the input stay text.
    plan = make_plan(
        [{"id": 'P<1>"', "name": '<script>alert("x")</script>', "households_new": 100,
          "geometry": rect(0, 0, 100, 100)},
         {"id": "P2", "name": "甲 & 乙", "households_new": 100,
          "geometry": rect(200, 0, 100, 100)}],
        [{"id": "F<i>", "kind": "community_station", "floor_area_m2": 10,
          "parcel_id": 'P<1>";P2', "geometry": pt(50, 50)}])
    builder = html.ReportBuilder(view_model.build(run(plan, "zunyi"), "zh"))
    pages = [builder.index(["", ""])] + [page for _, page in builder.table_pages(["", ""], 1)]
    assert len(pages) == 3
    for page in pages:
        assert "<script>alert" not in page and "<i>" not in page
    table = "".join(pages[1:])
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in table
    assert 'data-v="P&lt;1&gt;&#34;"' in table
    assert "甲 &amp; 乙" in table
    assert "<td>P&lt;1&gt;&#34; + P2</td>" in table  # the parcels sharing F<i>


def test_the_facilities_table_says_the_storey_the_plan_gives():
    plan = make_plan([{"id": "P1", "households_new": 100, "geometry": rect(0, 0, 100, 100)},
                      {"id": "P2", "households_new": 100, "geometry": rect(200, 0, 100, 100)}],
                     [{"id": "F1", "kind": "community_station", "floor_area_m2": 30,
                       "floor": "地下一层", "geometry": pt(50, 50)},
                      {"id": "F2", "kind": "community_station", "floor_area_m2": 30,
                       "floor": "2-3层", "geometry": pt(20, 20)},
                      {"id": "F3", "kind": "community_station", "floor_area_m2": 30,
                       "geometry": pt(250, 50)}])
    result = run(plan, "zunyi")
    page = html.render(result, "zh")
    tables = re.findall(r'<table class="facilities">.*?</table>', page, re.S)
    assert "所在楼层" in tables[0] and "<td>地下 1 层</td>" in tables[0]
    assert "<td>2 层起，共 2 层</td>" in tables[0]
    assert "所在楼层" not in tables[1]  # P2's F3 gives none: no column
    assert "<td>floor 2, 2 floors</td>" in html.render(result, "en")


def test_self_contained(zunyi_result):
    page = html.render(zunyi_result, "zh")
    assert not re.search(r'(src|href)\s*=\s*"(https?:)?//', page)
    assert "@import" not in page and "url(" not in page
    assert "<script" not in page
    assert "<svg" in page and "Content-Security-Policy" in page


def test_inherited_figures_marked():
    # Changzhou's rates are national's: 20 × 100 / 100 = 20 m².
    plan = make_plan([{"id": "P1", "households_new": 100, "geometry": rect(0, 0, 100, 100)}],
                     [{"id": "F1", "kind": "community_station", "floor_area_m2": 30,
                       "geometry": pt(50, 50)}])
    page = html.render(run(plan, "changzhou"), "zh")
    assert "沿用：已建住宅每百户指标（国家基线），新建住宅每百户指标（国家基线）" in page
    assert "三（二）5" in page


def test_unknown_language_is_a_usage_error():
    out = CliRunner().invoke(main, ["check", "--city", "zunyi", "--households-new", "1",
                                    "--facility-area", "1", "--lang", "fr", "-o", "x.html"])
    assert out.exit_code == 2 and "Invalid value for '--lang'" in out.output


def test_format_from_extension(tmp_path):
    target = tmp_path / "r.html"
    out = CliRunner().invoke(main, ["check", "--city", "zunyi", "--households-new", "1200",
                                    "--facility-area", "200", "-o", str(target)])
    assert out.exit_code == 1 and target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
