"""Standards load from data, inherit from national, and are validated on load."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance._errors import StandardError
from compliance.cli import main
from compliance.rules.catalogue import CATALOGUE as REGISTRY
from compliance.settings import Options
from compliance.standard import available_standards, load_standard

ROOT = Path(__file__).resolve().parent.parent
CITIES = sorted(p.stem for p in (__import__("pathlib").Path(__file__).resolve().parent.parent / "standards").glob("*.yaml"))


def test_every_city_is_shipped():
    assert available_standards() == sorted(CITIES)


@pytest.mark.parametrize("city", CITIES)
def test_every_rule_has_a_citation_with_clause_and_quote(city):
    s = load_standard(city)
    for rule in s.rules.values():
        assert rule.id in REGISTRY
        assert rule.citation.clause and rule.citation.quote
        for p in rule.params.values():
            assert p.citation.quote


def test_city_figures_from_their_clauses():
    # 遵义 (十五): 新建 每百户不少于20平方米, 已建 15 平方米
    zunyi = load_standard("zunyi").rules["area_per_households"]
    assert (zunyi.value("rate_new"), zunyi.value("rate_existing")) == (20, 15)
    assert zunyi.citation.clause == "(十五)" and not zunyi.any_inherited
    # 东营 二(一)1: 完整居住社区 不小于350平方米
    assert load_standard("dongying").rules["minimum_area"].value("min_floor_area_m2") == 350
    # 铜川 二(一)2: 人均用地不少于0.1平方米, mandatory in Tongchuan only
    tc = load_standard("tongchuan").rules["per_capita_land"]
    assert tc.value("rate_m2_per_person") == 0.1 and tc.severity == "mandatory"
    assert load_standard("zunyi").rules["per_capita_land"].severity == "advisory"
    # X区 附件2: 站 300, 街道中心 1500, 镇乡中心 800, 村点 15
    x = load_standard("x-district").rules["facility_minimum_area"]
    assert [x.value(k) for k in ("community_station", "street_center", "township_center",
                                 "village_point")] == [300, 1500, 800, 15]
    # bed ratios: 遵义 40 %, 东营 75 %, 铜川 30 %, X区 50 %; 常州 认知障碍 10 %
    assert load_standard("zunyi").rules["nursing_bed_ratio"].value("min_ratio") == 0.40
    assert load_standard("dongying").rules["nursing_bed_ratio"].value("min_ratio") == 0.75
    assert load_standard("tongchuan").rules["nursing_bed_ratio"].value("min_ratio") == 0.30
    assert load_standard("x-district").rules["nursing_bed_ratio"].value("min_ratio") == 0.50
    assert load_standard("changzhou").rules["dementia_bed_ratio"].value("min_ratio") == 0.10


def test_inherited_figures_are_marked():
    # Changzhou states the obligation (三(二)5) but no rate: both rates come from national.
    cz = load_standard("changzhou").rules["area_per_households"]
    assert cz.citation.clause == "三(二)5" and not cz.citation.inherited
    assert cz.params["rate_new"].inherited and cz.params["rate_existing"].inherited
    assert cz.value("rate_new") == 20 and cz.value("rate_existing") == 15
    # X区 states 20 for new housing only; existing housing inherits national's 15.
    x = load_standard("x-district").rules["area_per_households"]
    assert not x.params["rate_new"].inherited and x.params["rate_existing"].inherited
    # Dongying's service radius is national's advisory one, cited to GB 50180.
    dy = load_standard("dongying").rules["service_radius"]
    assert dy.inherited and dy.severity == "advisory" and dy.citation.standard_id == "national"


def test_walking_radius_decision():
    # 4 km/h = 4000 / 60 = 66.67 m/min; 15 min → 1,000 m
    s = load_standard("national")
    assert Options().walking_speed_m_per_min_for(s) * 15 == pytest.approx(1000.0)


def _write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


GOOD = """id: my-city
extends: national
document: {title: 我市文件, number: 某政发〔2025〕1号, issued: "2025-01-01"}
rules:
  area_per_households:
    severity: mandatory
    citation: {clause: 一(一), quote: 新建住宅小区按每百户不少于30平方米}
    params: {rate_new: 30}
"""


def test_user_standard_extends_national(tmp_path):
    s = load_standard(str(_write(tmp_path, "my.yaml", GOOD)))
    rule = s.rules["area_per_households"]
    assert rule.value("rate_new") == 30 and not rule.params["rate_new"].inherited
    assert rule.value("rate_existing") == 15 and rule.params["rate_existing"].inherited


@pytest.mark.parametrize("text, field, words", [
    (GOOD.replace("area_per_households:", "area_per_household:"),
     "rules.area_per_household", "unknown rule"),
    (GOOD.replace("    citation: {clause: 一(一), quote: 新建住宅小区按每百户不少于30平方米}\n", "")
     .replace("extends: national\n", ""), "rules.area_per_households.citation", "no citation"),
    (GOOD.replace("rate_new: 30", "rate_new: -5"), "rules.area_per_households.params.rate_new",
     "out of range"),
    (GOOD.replace("rate_new: 30", "rate_new: lots"), "rules.area_per_households.params.rate_new",
     "not a number"),
    (GOOD.replace("extends: national", "extends: atlantis"), "extends", "does not exist"),
    (GOOD.replace("quote: 新建住宅小区按每百户不少于30平方米", "quote: ''"),
     "rules.area_per_households.citation.quote", "lacks a required field"),
])
def test_bad_standard_named_precisely(tmp_path, text, field, words):
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(StandardError) as err:
        load_standard(str(path))
    problem = next(p for p in err.value.problems if p.field == field)
    assert words in problem.message
    assert problem.file == str(path)


def test_line_number_reported(tmp_path):
    path = _write(tmp_path, "bad.yaml", GOOD.replace("rate_new: 30", "rate_new: -5"))
    with pytest.raises(StandardError) as err:
        load_standard(str(path))
    assert err.value.problems[0].line == 8


def test_extends_cycle(tmp_path):
    _write(tmp_path, "a.yaml", GOOD.replace("id: my-city", "id: a").replace("national", "b.yaml"))
    _write(tmp_path, "b.yaml", GOOD.replace("id: my-city", "id: b").replace("national", "a.yaml"))
    with pytest.raises(StandardError) as err:
        load_standard(str(tmp_path / "a.yaml"))
    assert "cycle" in err.value.problems[0].message


def test_yaml_cannot_build_python_objects(tmp_path):
    path = _write(tmp_path, "evil.yaml",
                  "id: !!python/object/apply:os.system ['echo pwned']\ndocument: {title: x}\n")
    with pytest.raises(StandardError) as err:
        load_standard(str(path))
    assert "tag not allowed" in err.value.problems[0].message


def test_a_province_is_its_own_standard_never_a_city_of_it():
    """山东 names Shandong's standard, not Dezhou's (the first city file whose place held the
    word); 遵义 still names Zunyi's; 江苏 and 浙江, whose own documents are not encoded, name
    none, and are said to be found but not encoded."""
    from compliance.standard import standard_id_for

    assert standard_id_for("山东") == standard_id_for("山东省") == "shandong"
    assert standard_id_for("遵义") == standard_id_for("贵州省遵义市") == "zunyi"
    assert standard_id_for("广西") is None and standard_id_for("南宁") == "nanning"
    assert standard_id_for("江苏") is None and standard_id_for("浙江") is None
    assert standard_id_for("x") is None and standard_id_for("X区") == "x-district"


@pytest.mark.parametrize("name, lang, words", [
    ("北京", "zh_CN.UTF-8", "800 m² 出自 2015 年草案，不得编入"),
    ("江苏", "zh_CN.UTF-8", "仅见 2022 年修订草案稿"),
    ("Shanghai", "en_US.UTF-8", "A city-wide planning target, not a per-project rule"),
])
def test_a_place_found_but_not_encoded_is_said_why(name, lang, words):
    env = {"LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}
    res = CliRunner(env=env).invoke(main, ["check", "--city", name, "--households-new", "100"])
    assert res.exit_code == 2, res.output
    assert words in res.output and "--city national" in res.output


@pytest.mark.parametrize("name, lang, words", [
    # A city of a province with a standard: the province's, never in its stead.
    ("武汉", "zh_CN.UTF-8", "本工具未收录湖北省武汉市自身的标准；其所在的湖北省的标准为 hubei；"
                            "应为 --city hubei（湖北省武汉市无自身规定时）"),
    # A county-level district of a city with a standard: the city's, then its province's.
    ("红花岗区", "zh_CN.UTF-8", "其所在的遵义市的标准为 zunyi"),
    ("天宁区", "en_US.UTF-8", "江苏省常州市天宁区 has no standard of its own among those "
                              "shipped; 常州市's is changzhou"),
    # A municipality's district, and a city the province governs itself (省直辖).
    ("渝中区", "zh_CN.UTF-8", "其所在的重庆市的标准为 chongqing"),
    ("仙桃市", "zh_CN.UTF-8", "其所在的湖北省的标准为 hubei"),
    # An autonomous prefecture by its short name.
    ("恩施州", "zh_CN.UTF-8", "湖北省恩施土家族苗族自治州"),
    # Nothing above it shipped either: the national baseline.
    ("成都", "zh_CN.UTF-8", "本工具未收录四川省成都市自身的标准；应为 --city national（国家基线）"),
    # One name, four places: each with what covers it.
    ("朝阳", "en_US.UTF-8", "北京市朝阳区 → national; 辽宁省朝阳市 → national; "
                            "辽宁省朝阳市朝阳县 → national; 吉林省长春市朝阳区 → national"),
])
def test_a_place_without_a_standard_is_told_the_one_that_covers_it(name, lang, words):
    env = {"LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}
    res = CliRunner(env=env).invoke(main, ["check", "--city", name, "--households-new", "100"])
    assert res.exit_code == 2, res.output
    assert words in res.output


def test_only_a_near_spelling_is_offered_for_an_unknown_id():
    # wuhan is 0.6 like henan (difflib's default cut-off): another province's rules, never
    # offered; dongyin is a letter short of dongying.
    res = CliRunner(env={"LANG": "en_US.UTF-8", "LC_ALL": ""}).invoke(
        main, ["check", "--city", "wuhan", "--households-new", "100"])
    assert res.exit_code == 2 and "henan" not in res.output
    res = CliRunner(env={"LANG": "en_US.UTF-8", "LC_ALL": ""}).invoke(
        main, ["check", "--city", "dongyin", "--households-new", "100"])
    assert "expected dongying" in res.output


def test_not_encoded_page_is_generated_from_its_list():
    from compliance.views.standards_table import render_not_encoded_markdown

    assert (ROOT / "docs" / "standards-not-encoded.md").read_text(encoding="utf-8") == \
        render_not_encoded_markdown(), "docs/standards-not-encoded.md is stale: run " \
        "`compliance standards not-encoded --markdown > docs/standards-not-encoded.md`"
