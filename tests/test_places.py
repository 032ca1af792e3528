"""Every shipped province and city, one parcel each, with figures worked out by hand from the
words each standard file quotes (../SOURCES-MORE.md in the project's evidence; the quote is in
the standard file). Plans are in metres of EPSG:4548 (see conftest)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.standard import available_standards, load_standard

from conftest import finding, make_plan, pt, rect, run


def parcel(pid="P1", x=0, y=0, w=200, h=200, **props):
    return {"id": pid, "geometry": rect(x, y, w, h), **props}


def site(fid="F1", x=100, y=100, area=300.0, **props):
    return {"id": fid, "kind": props.pop("kind", "community_station"), "floor_area_m2": area,
            "geometry": pt(x, y), **props}


def figures(f):
    return (str(f.status), f.required, f.provided, f.shortfall)


# --------------------------------------------------------------------------- the layers

def test_provinces_sit_between_cities_and_the_national_baseline():
    assert load_standard("zunyi").chain == ("zunyi", "guizhou", "national")
    assert load_standard("dongying").chain == ("dongying", "shandong", "national")
    assert load_standard("qingdao").chain == ("qingdao", "shandong", "national")
    assert load_standard("hefei").chain == ("hefei", "anhui", "national")
    assert load_standard("x-district").chain == ("x-district", "chongqing", "national")
    # Jiangsu was seen only as a draft: Changzhou extends national until it is adopted.
    assert load_standard("changzhou").chain == ("changzhou", "national")
    assert "jiangsu" not in available_standards() and "yunnan" not in available_standards()


def test_every_figure_says_which_level_states_it(tmp_path):
    # Zunyi's 350 m² single site is Guizhou's; its per-100 rate its own.
    out = CliRunner().invoke(main, ["check", "--city", "zunyi", "--households-new", "1000",
                                    "--facility-area", "400", "-o", str(tmp_path / "r.json")])
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert out.exit_code in (0, 3)
    by_rule = {f["rule"]: f for f in data["parcels"][0]["findings"]}
    assert by_rule["single_site_minimum"]["citation"]["standard"] == "guizhou"
    assert by_rule["single_site_minimum"]["citation"]["level"] == "province"
    assert by_rule["single_site_minimum"]["citation"]["sourcing"] == "secondary"
    assert by_rule["area_per_households"]["citation"]["standard"] == "zunyi"
    assert by_rule["area_per_households"]["citation"]["level"] == "city"
    assert [x["id"] for x in data["standard"]["levels"]] == ["zunyi", "guizhou", "national"]


def test_every_shipped_citation_is_sourced_and_no_draft_is_binding():
    for sid in available_standards():
        s = load_standard(sid, as_of="*")
        for rule in s.rules.values():
            c = rule.citation
            assert "草案" not in c.document.title and "征求意见稿" not in c.document.title
            if c.standard_id not in ("national", "zunyi", "dongying", "changzhou",
                                     "tongchuan", "x-district"):
                # The five seed documents are the texts themselves; every other citation
                # says how its words were obtained.
                assert c.how_sourced in ("official", "statute_mirror", "secondary"), (sid, rule.id)


# --------------------------------------------------------------------------- provinces

def test_fujian_rate_single_site_and_700_m():
    # 闽民养老〔2021〕140号 一、1: 30 × 1,000 / 100 = 300 m² ≤ 350 m² provided → pass;
    # 单处用房面积不得少于400平方米: 350 < 400 → 50 m² short;
    # 服务半径应小于700米: a building 760 − 10 = 750 m from F1 → 50 m beyond.
    plan = make_plan([parcel(w=900, h=100, households_new=1000)],
                     [site(x=10, y=50, area=350)],
                     buildings=[{"id": "B1", "households": 1000, "geometry": pt(760, 50)}])
    r = run(plan, "fujian")
    assert figures(finding(r, "P1", "area_per_households")) == ("pass", 300.0, 350.0, 0.0)
    assert figures(finding(r, "P1", "single_site_minimum")) == ("fail", 400.0, 350.0, 50.0)
    assert figures(finding(r, "P1", "service_radius")) == ("fail", 700.0, 750.0, 50.0)


def test_fujian_existing_shortfall_is_made_up_not_refused():
    # 一、2: 20 × 1,000 / 100 = 200 m² for existing housing, 150 provided → 50 short; the
    # consequence is the government's purchase, swap, lease or conversion (一、2).
    plan = make_plan([parcel(households_existing=1000)], [site(area=150)])
    f = finding(run(plan, "fujian"), "P1", "area_per_households")
    assert figures(f) == ("fail", 200.0, 150.0, 50.0)
    assert "购置、置换、租赁、改造" in f.consequence and "相邻新建项目" in f.consequence
    # A single-site minimum for new housing does not touch existing housing.
    assert finding(run(plan, "fujian"), "P1", "single_site_minimum").status == "not_applicable"


def test_anhui_single_building_not_dispersed_and_siting():
    # 安徽 细则 (报道): 30 × 1,000 / 100 = 300 m² ≤ 200 + 200 = 400 → area passes; but each
    # 单体 200 < 350 (150 short) and the provision is in two sites (不得分散配置).
    # F1 on floor 2 with a ramp and no lift: allowed (电梯或者无障碍坡道); F2 on floor −1:
    # below ground (不得设置在地下层).
    plan = make_plan([parcel(households_new=1000)],
                     [site("F1", x=50, area=200, floor=2, lift=False, ramp=True,
                           own_entrance=True),
                      site("F2", x=150, area=200, floor=-1, own_entrance=True)])
    r = run(plan, "anhui")
    assert figures(finding(r, "P1", "area_per_households")) == ("pass", 300.0, 400.0, 0.0)
    single = finding(r, "P1", "single_site_minimum")
    assert figures(single) == ("fail", 350.0, 200.0, 150.0)
    assert any("dispersed" in n.msgid for n in single.notes)
    siting = finding(r, "P1", "facility_siting")
    assert str(siting.status) == "fail" and siting.message.args["bad_ids"] == "F2"
    assert siting.message.args["below_ids"] == "F2"


def test_a_facility_from_a_basement_up_reaches_a_storey_more():
    # No storey 0 between a basement and the ground: F1 on −1 over 3 floors is on −1, 1 and 2
    # (−1 + 3 − 1 = 1, one more past the ground: 2). Anhui: below ground refused, and a lift
    # (or a ramp) from the second floor: F1 has neither. F2 on the semi-basement (0) over 2
    # floors is on 0 and 1 (0 + 2 − 1 = 1): no lift needed, only below ground.
    plan = make_plan([parcel(households_new=100)],
                     [site("F1", x=50, floor=-1, floors=3, lift=False, ramp=False,
                           own_entrance=True),
                      site("F2", x=150, floor=0, floors=2, lift=False, ramp=False,
                           own_entrance=True)])
    siting = finding(run(plan, "anhui"), "P1", "facility_siting")
    assert siting.message.args["below_ids"] == "F1, F2"
    assert siting.message.args["no_lift_ids"] == "F1"


def test_hefei_keeps_only_its_500_m_radius_as_advisory():
    # 合肥 2017: 服务半径应小于500米 (advisory: the 2017 measure is probably displaced); the
    # rate and 350 m² single building are Anhui's: 30 × 200 / 100 = 60 m².
    plan = make_plan([parcel(w=700, h=100, households_new=200)], [site(x=10, y=50, area=400)],
                     buildings=[{"id": "B1", "households": 200, "geometry": pt(610, 50)}])
    r = run(plan, "hefei")
    radius = finding(r, "P1", "service_radius")
    assert figures(radius) == ("fail", 500.0, 600.0, 100.0) and radius.severity == "advisory"
    area = finding(r, "P1", "area_per_households")
    assert area.required == 60.0 and area.citation.standard_id == "anhui"


def test_guizhou_sizes_radius_and_advisory_siting():
    # 贵州 通知: 20 × 1,000 / 100 = 200 m² ≤ 300; 单处 300 < 350 (50 short); 社区养老服务站
    # ≥350 m²: 50 short; siting ≤ 3F from a reprint only, advisory: floor 3 with 2 floors
    # reaches floor 4.
    plan = make_plan([parcel(households_new=1000)], [site(area=300, floor=3, floors=2)])
    r = run(plan, "guizhou")
    assert figures(finding(r, "P1", "area_per_households")) == ("pass", 200.0, 300.0, 0.0)
    assert figures(finding(r, "P1", "single_site_minimum")) == ("fail", 350.0, 300.0, 50.0)
    assert figures(finding(r, "P1", "facility_minimum_area")) == ("fail", 350.0, 300.0, 50.0)
    siting = finding(r, "P1", "facility_siting")
    assert str(siting.status) == "fail" and siting.severity == "advisory"
    assert siting.message.args["above_ids"] == "F1"
    assert siting.citation.secondary


def test_shandong_states_new_only_and_existing_is_made_up_by_the_county():
    # 山东省养老服务条例 第十一条: 20 × 800 / 100 = 160 m²; existing housing: no figure in the
    # statute, national 15 inherited: 15 × 400 / 100 = 60 m²; 160 + 60 = 220 m² > 200.
    plan = make_plan([parcel(households_new=800, households_existing=400)], [site(area=200)])
    f = finding(run(plan, "shandong"), "P1", "area_per_households")
    assert figures(f) == ("fail", 220.0, 200.0, 20.0)
    assert f.inherited_params == ("rate_existing",)
    # An existing estate alone: 15 × 400 / 100 = 60 > 50; the county provides (第十一条第二款).
    old = make_plan([parcel(households_existing=400)], [site(area=50)])
    f = finding(run(old, "shandong"), "P1", "area_per_households")
    assert figures(f) == ("fail", 60.0, 50.0, 10.0)
    assert "县（市、区）人民政府" in f.consequence and "租赁" in f.consequence


@pytest.mark.parametrize("city,clause", [("qingdao", "第九条"), ("dezhou", "第十一条"),
                                         ("weihai", "第十四条"), ("dongying", "二(一)1")])
def test_shandong_cities_20_15(city, clause):
    # 20 × 600 / 100 + 15 × 400 / 100 = 120 + 60 = 180 m² ≤ 180 → pass, exactly.
    plan = make_plan([parcel(households_new=600, households_existing=400)], [site(area=180)])
    f = finding(run(plan, city), "P1", "area_per_households")
    assert figures(f) == ("pass", 180.0, 180.0, 0.0) and f.citation.clause == clause


@pytest.mark.parametrize("city", ["qingdao", "dezhou"])
def test_qingdao_and_dezhou_land_is_a_planning_figure(city):
    # 人均用地不少于0.2平方米 (binding on plan-making: advisory here): 0.2 × 3,000 = 600 m².
    plan = make_plan([parcel(households_new=1000, population=3000)],
                     [site(area=300, land_area_m2=500)])
    f = finding(run(plan, city), "P1", "per_capita_land")
    assert figures(f) == ("fail", 600.0, 500.0, 100.0) and f.severity == "advisory"


def test_qingzhou_land_per_resident_binds_each_new_compound():
    # 青州 (报道): 新建居住小区 人均用地不少于0.2平方米: 0.2 × 1,000 = 200 m² > 150 → fail.
    plan = make_plan([parcel(households_new=300, population=1000)],
                     [site(area=300, land_area_m2=150)])
    f = finding(run(plan, "qingzhou"), "P1", "per_capita_land")
    assert figures(f) == ("fail", 200.0, 150.0, 50.0) and f.severity == "mandatory"


def test_henan_30_20_and_land():
    # 河南 第三十四条: 30 × 500 / 100 + 20 × 300 / 100 = 150 + 60 = 210 m² > 200.
    # 第三十三条 (planning, advisory): 0.1 × 2,400 = 240 m² of land ≤ 300.
    plan = make_plan([parcel(households_new=500, households_existing=300, population=2400)],
                     [site(area=200, land_area_m2=300)])
    r = run(plan, "henan")
    assert figures(finding(r, "P1", "area_per_households")) == ("fail", 210.0, 200.0, 10.0)
    assert figures(finding(r, "P1", "per_capita_land")) == ("pass", 240.0, 300.0, 0.0)


def test_hebei_existing_estate_made_up_step_by_step():
    # 河北 条例 (报道): 老旧小区 20 × 1,000 / 100 = 200 m² > 120 → 80 short; the local
    # government provides it 逐步 by purchase, swap or lease.
    plan = make_plan([parcel(households_existing=1000)], [site(area=120)])
    f = finding(run(plan, "hebei"), "P1", "area_per_households")
    assert figures(f) == ("fail", 200.0, 120.0, 80.0) and "逐步" in f.consequence


def test_hubei_first_phase_or_before_half_the_housing():
    # 湖北 (报道): 首期，且不得拆分；无法安排在首期的，必须在住宅总规模完成50%之前建成.
    def phased(*facilities):
        return make_plan([parcel(households_new=1000, phases=3)], list(facilities))
    # Phase 2, finished when 40 % of the housing is complete: 40 % < 50 % → pass.
    ok = finding(run(phased(site(area=300, phase=2, housing_share_complete=0.4)), "hubei"),
                 "P1", "first_phase")
    assert str(ok.status) == "pass"
    # Phase 2, finished at 50 %: not before 50 % → fail.
    late = finding(run(phased(site(area=300, phase=2, housing_share_complete=0.5)), "hubei"),
                   "P1", "first_phase")
    assert str(late.status) == "fail" and late.message.args["late"] == "F1"
    # Phase 2 with no share given: the plan cannot show it → insufficient data.
    unknown = finding(run(phased(site(area=300, phase=2)), "hubei"), "P1", "first_phase")
    assert str(unknown.status) == "insufficient_data"
    # Split across phases 1 and 2 (even if early): 不得拆分 → fail.
    split = finding(run(phased(site("F1", x=50, area=150, phase=1),
                               site("F2", x=150, area=150, phase=2,
                                    housing_share_complete=0.2)), "hubei"), "P1", "first_phase")
    assert str(split.status) == "fail" and split.message.args["split_phases"] == "1, 2"
    # Rate: 20 × 1,000 / 100 = 200 m² ≤ 300.
    r = run(phased(site(area=300, phase=1)), "hubei")
    assert figures(finding(r, "P1", "area_per_households")) == ("pass", 200.0, 300.0, 0.0)


def test_guangdong_20_15():
    # 广东 通知 (报道): 20 × 800 / 100 + 15 × 200 / 100 = 160 + 30 = 190 m² ≤ 190.
    plan = make_plan([parcel(households_new=800, households_existing=200)], [site(area=190)])
    assert figures(finding(run(plan, "guangdong"), "P1", "area_per_households")) == \
        ("pass", 190.0, 190.0, 0.0)


def test_jiangxi_land_per_resident_for_planning():
    # 江西 通知 (摘要): 人均用地不少于0.1平方米: 0.1 × 3,000 = 300 m² > 250 → advisory fail.
    plan = make_plan([parcel(households_new=1000, population=3000)],
                     [site(area=300, land_area_m2=250)])
    f = finding(run(plan, "jiangxi"), "P1", "per_capita_land")
    assert figures(f) == ("fail", 300.0, 250.0, 50.0) and f.severity == "advisory"


def test_chongqing_first_phase_not_split_and_x_district_inherits_it():
    # 渝民规〔2025〕7号 第四条: 首期…且不得拆分. Two facilities, phases 1 and 2 → fail (F2 late).
    plan = make_plan([parcel(households_new=1000, phases=2)],
                     [site("F1", x=50, area=150, phase=1), site("F2", x=150, area=150, phase=2)])
    for city in ("chongqing", "x-district"):
        f = finding(run(plan, city), "P1", "first_phase")
        assert str(f.status) == "fail" and f.message.args["late"] == "F2"
        assert f.citation.clause == "第四条"


# --------------------------------------------------------------------------- cities

def test_yinchuan_30_20_and_siting():
    # 银川 问答: 30 × 1,000 / 100 = 300 m² ≤ 300. 新华社: 二层以上设无障碍电梯; 主要出入口
    # 单独设置: F1 on floor 2 without a lift and without its own entrance → fail, both named.
    plan = make_plan([parcel(households_new=1000)],
                     [site(area=300, floor=2, lift=False, own_entrance=False)])
    r = run(plan, "yinchuan")
    assert figures(finding(r, "P1", "area_per_households")) == ("pass", 300.0, 300.0, 0.0)
    siting = finding(r, "P1", "facility_siting")
    assert str(siting.status) == "fail"
    assert siting.message.args["no_lift_ids"] == "F1"
    assert siting.message.args["no_entrance_ids"] == "F1"
    # On the ground floor with its own entrance: no lift needed → pass.
    ground = make_plan([parcel(households_new=1000)],
                       [site(area=300, floor=1, own_entrance=True)])
    assert str(finding(run(ground, "yinchuan"), "P1", "facility_siting").status) == "pass"


def test_datong_small_pooled_projects_are_exempt_from_the_200_m2_site():
    # 大同 办法 (报道): 30 / 20 per 100; 单项 ≥200 m² except small joint projects (< 300 hh or
    # < 10,000 m²). P1 (200 hh) and P2 (250 hh) share F1 (180 m²): both small → exempt; the
    # pooled total: 30 × (200 + 250) / 100 = 135 m² ≤ 180 → pass. P3 (500 hh) alone with a
    # 180 m² site: 200 − 180 = 20 m² short; 30 × 500 / 100 = 150 ≤ 180.
    plan = make_plan(
        [parcel("P1", households_new=200), parcel("P2", x=200, households_new=250),
         parcel("P3", x=400, households_new=500)],
        [site("F1", x=190, area=180, parcel_id="P1;P2"), site("F3", x=500, area=180)])
    r = run(plan, "datong")
    for pid in ("P1", "P2"):
        assert str(finding(r, pid, "single_site_minimum").status) == "not_applicable"
        assert figures(finding(r, pid, "area_per_households")) == ("pass", 135.0, 180.0, 0.0)
    assert figures(finding(r, "P3", "single_site_minimum")) == ("fail", 200.0, 180.0, 20.0)
    assert figures(finding(r, "P3", "area_per_households")) == ("pass", 150.0, 180.0, 0.0)


def test_datong_first_or_second_floor_only():
    # 原则上应设置在建筑一层、二层，二层以上需配备无障碍电梯: floor 2 + 2 floors reaches 3.
    plan = make_plan([parcel(households_new=100)], [site(area=300, floor=2, floors=2, lift=True)])
    siting = finding(run(plan, "datong"), "P1", "facility_siting")
    assert str(siting.status) == "fail" and siting.message.args["above_ids"] == "F1"


def test_harbin_30_20():
    # 哈尔滨 条例 (报道): 30 × 1,000 / 100 + 20 × 500 / 100 = 300 + 100 = 400 m² > 350.
    plan = make_plan([parcel(households_new=1000, households_existing=500)], [site(area=350)])
    assert figures(finding(run(plan, "harbin"), "P1", "area_per_households")) == \
        ("fail", 400.0, 350.0, 50.0)


def test_shaoxing_two_per_mille_of_residential_floor_area():
    # 绍兴 第九条: 2‰ × 60,000 m² = 120 m² > 100 → 20 short; 单处 ≥30 m²: 100 ≥ 30.
    # New housing has no per-100 rate there: area_per_households does not apply.
    plan = make_plan([parcel(households_new=600, residential_floor_area_m2=60000)],
                     [site(area=100, own_entrance=True)])
    r = run(plan, "shaoxing")
    share = finding(r, "P1", "floor_area_share")
    assert figures(share) == ("fail", 120.0, 100.0, 20.0)
    assert r.parcels[0].findings and share.formula.args["share_permille"] == 2.0
    assert str(finding(r, "P1", "area_per_households").status) == "not_applicable"
    assert figures(finding(r, "P1", "single_site_minimum")) == ("pass", 30.0, 100.0, 0.0)
    assert str(finding(r, "P1", "facility_siting").status) == "pass"


def test_shaoxing_existing_and_pooled_sites():
    # 第九条第二款: existing 20 × 500 / 100 = 100 m² (套内) ≤ 120.
    old = make_plan([parcel(households_existing=500)], [site(area=120)])
    assert figures(finding(run(old, "shaoxing"), "P1", "area_per_households")) == \
        ("pass", 100.0, 120.0, 0.0)
    # 第九条第三款: a site pooled by adjacent compounds must be ≥ 300 m²: 250 → 50 short.
    pooled = make_plan(
        [parcel("P1", households_new=300, residential_floor_area_m2=30000),
         parcel("P2", x=200, households_new=300, residential_floor_area_m2=30000)],
        [site("F1", x=190, area=250, parcel_id="P1;P2", own_entrance=True)])
    r = run(pooled, "shaoxing")
    assert figures(finding(r, "P1", "single_site_minimum")) == ("fail", 300.0, 250.0, 50.0)
    # The pooled share: 2‰ × (30,000 + 30,000) = 120 m² ≤ 250.
    assert figures(finding(r, "P1", "floor_area_share")) == ("pass", 120.0, 250.0, 0.0)


def test_nanning_trial_measure_lapsed_but_checkable_as_of_its_time():
    # 南宁 试行办法 (2019-10-08, 有效期两年): 30 × 1,000 / 100 = 300 m² while in force; today
    # it has lapsed and the national 20 × 1,000 / 100 = 200 m² stands.
    plan = make_plan([parcel(households_new=1000)], [site(area=250)])
    then = run(plan, "nanning", as_of="2020-06-01")
    now = run(plan, "nanning", as_of="2026-11-23")
    assert figures(finding(then, "P1", "area_per_households")) == ("fail", 300.0, 250.0, 50.0)
    assert figures(finding(then, "P1", "single_site_minimum")) == ("fail", 300.0, 250.0, 50.0)
    assert figures(finding(now, "P1", "area_per_husseholds".replace("huss", "hous"))) == \
        ("pass", 200.0, 250.0, 0.0)
    assert now.standard.not_in_force[0]["expires"] == "2021-10-08"
    assert "single_site_minimum" not in now.standard.rules


def test_expired_target_is_reported_not_binding():
    # 遵义 (四): 到2022年底 护理型床位占比不低于40%. 30 of 100 beds = 30 % < 40 %: before the
    # date a mandatory failure; after it an expired target, advisory.
    plan = make_plan([parcel(households_new=100)],
                     [site(area=400, kind="care_home", beds=100, nursing_beds=30)])
    then = run(plan, "zunyi", as_of="2022-06-01").facilities[0].findings[0]
    now = run(plan, "zunyi", as_of="2026-11-23").facilities[0].findings[0]
    assert (then.rule, str(then.status), then.severity, then.expired) == \
        ("nursing_bed_ratio", "fail", "mandatory", False)
    assert (str(now.status), now.severity, now.expired, now.deadline) == \
        ("fail", "advisory", True, "2022-12-31")


# --------------------------------------------------------------------------- the command line

def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_list_groups_by_province_with_chinese_names():
    out = invoke("standards", "list", "--lang", "zh")
    assert out.exit_code == 0
    text = out.output
    # Guizhou's group holds the province first, then Zunyi.
    block = text[text.index("贵州省  Guizhou"):]
    assert block.index("  guizhou") < block.index("  zunyi") < block.index("\n\n")
    assert "二手来源" in block and "官方来源" in text
    assert "2021-10-08 失效" in text  # Nanning's trial measure


def test_diff_shows_two_standards_side_by_side():
    out = invoke("standards", "diff", "fujian", "anhui", "--lang", "en")
    assert out.exit_code == 0
    line = next(x for x in out.output.splitlines() if "minimum area of each site" in x)
    # 闽: 400; 皖: 350.
    assert line.split()[-3:] == ["400", "350", "≠"]


def test_as_of_is_recorded_and_bad_dates_refused(tmp_path):
    out = invoke("check", "--city", "nanning", "--households-new", 1000, "--facility-area", 250,
                 "--as-of", "2020-06-01", "-o", tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert out.exit_code == 1 and data["run"]["options"]["as_of"] == "2020-06-01"
    assert data["standard"]["not_in_force"] == []
    bad = invoke("check", "--city", "nanning", "--households-new", 1, "--facility-area", 1,
                 "--as-of", "2020-13-01")
    assert bad.exit_code == 2 and "--as-of" in bad.output
