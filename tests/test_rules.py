"""Every rule against figures worked out by hand from the clauses."""

from __future__ import annotations

import pytest

from conftest import finding, make_plan, pt, rect, run


def parcel(pid="P1", x=0, y=0, w=200, h=200, **props):
    return {"id": pid, "geometry": rect(x, y, w, h), **props}


def station(fid="F1", x=100, y=100, area=300.0, **props):
    return {"id": fid, "kind": props.pop("kind", "community_station"), "floor_area_m2": area,
            "geometry": pt(x, y), **props}


# ------------------------------------------------------------------ area_per_households

@pytest.mark.parametrize("city", ["zunyi", "dongying"])
def test_area_new_housing(city):
    # 遵义 (十五) / 东营 二(一)1: 20 m² per 100 new households.
    # 20 × 1,200 / 100 = 240 m² required; 200 provided → 40 m² short.
    plan = make_plan([parcel(households_new=1200)], [station(area=200)])
    f = finding(run(plan, city), "P1", "area_per_households")
    assert (f.status, f.required, f.provided, f.shortfall) == ("fail", 240.0, 200.0, 40.0)
    assert f.severity == "mandatory" and not f.inherited_params


def test_area_existing_housing():
    # 遵义 (十五): 已建 15 m² per 100 households: 15 × 2,000 / 100 = 300 m² ≤ 320 → pass.
    plan = make_plan([parcel(households_existing=2000)], [station(area=320)])
    f = finding(run(plan, "zunyi"), "P1", "area_per_households")
    assert (f.status, f.required, f.provided) == ("pass", 300.0, 320.0)


def test_area_mixed_housing():
    # 东营 二(一)1: (20 × 800 + 15 × 600) / 100 = (16,000 + 9,000) / 100 = 250 m².
    plan = make_plan([parcel(households_new=800, households_existing=600)], [station(area=249)])
    f = finding(run(plan, "dongying"), "P1", "area_per_households")
    assert (f.status, f.required, f.shortfall) == ("fail", 250.0, 1.0)


def test_area_inherited_rates_are_marked_tongchuan():
    # 铜川 二(二)3 states the obligation; the rates are national's: 20 × 500 / 100 = 100 m².
    plan = make_plan([parcel(households_new=500)], [station(area=90)])
    f = finding(run(plan, "tongchuan"), "P1", "area_per_households")
    assert (f.status, f.required) == ("fail", 100.0)
    assert f.citation.clause == "二(二)3" and set(f.inherited_params) == {"rate_new",
                                                                          "rate_existing"}
    assert "竣工验收备案" in f.consequence


def test_x_district_recommended_rate_is_a_note():
    # X区 二(五)12: 每百户20至30平方米. 20 × 1,000 / 100 = 200 ≤ 250 passes;
    # below the recommended 30 × 1,000 / 100 = 300 m²: a note, not a failure.
    plan = make_plan([parcel(households_new=1000)], [station(area=250)])
    f = finding(run(plan, "x-district"), "P1", "area_per_households")
    assert f.status == "pass" and f.required == 200.0
    assert len(f.notes) == 1 and f.inputs["recommended_required"] == 300.0


def test_x_district_existing_rate_inherited():
    # X区 has no rate for existing housing: national 15 × 400 / 100 = 60 m², marked inherited.
    plan = make_plan([parcel(households_existing=400)], [station(area=300)])
    f = finding(run(plan, "x-district"), "P1", "area_per_households")
    assert f.required == 60.0 and "rate_existing" in f.inherited_params


def test_no_households_not_applicable():
    plan = make_plan([parcel(households_new=0)], [station()])
    assert finding(run(plan, "zunyi"), "P1", "area_per_households").status == "not_applicable"


# ------------------------------------------------------------------ minimum_area (Dongying)

@pytest.mark.parametrize("flag, status", [
    (True, "fail"), (False, "not_applicable"),
    # As a table marks it.
    ("√", "fail"), ("有", "fail"), ("是", "fail"), ("×", "not_applicable"),
    ("无", "not_applicable"), ("—", "not_applicable")])
def test_complete_community_floor(flag, status):
    # 东营 二(一)1: 完整居住社区 ≥ 350 m². 20 × 1,000 / 100 = 200 ≤ 300 passes the rate,
    # but 300 < 350 fails the floor by 50 m² when the parcel is in the programme.
    plan = make_plan([parcel(households_new=1000, complete_community=flag)], [station(area=300)])
    result = run(plan, "dongying")
    assert finding(result, "P1", "area_per_households").status == "pass"
    f = finding(result, "P1", "minimum_area")
    assert f.status == status
    if status == "fail":
        assert (f.required, f.provided, f.shortfall) == (350.0, 300.0, 50.0)
        assert result.parcels[0].verdict == "non_compliant"
    else:
        assert result.parcels[0].verdict == "compliant"


# ------------------------------------------------------------------ per_capita_land

def test_land_from_field():
    # 铜川 二(一)2: 0.1 m² × 3,000 residents = 300 m²; 280 m² given → 20 m² short.
    plan = make_plan([parcel(households_new=1000, population=3000)],
                     [station(area=300, land_area_m2=280)])
    f = finding(run(plan, "tongchuan"), "P1", "per_capita_land")
    assert (f.status, f.required, f.provided, f.shortfall) == ("fail", 300.0, 280.0, 20.0)
    assert f.severity == "mandatory"


def test_land_from_polygon_and_estimated_population():
    # Population absent: 1,000 households × 3.0 persons = 3,000 (estimated) → 300 m².
    # Facility drawn as a 20 m × 16 m polygon: 320 m² of land ≥ 300 → pass.
    fac = {"id": "F1", "kind": "day_care_center", "floor_area_m2": 300,
           "geometry": rect(50, 50, 20, 16)}
    plan = make_plan([parcel(households_new=1000)], [fac])
    result = run(plan, "tongchuan")
    f = finding(result, "P1", "per_capita_land")
    assert (f.status, f.required, f.provided) == ("pass", 300.0, 320.0)
    assert result.parcels[0].population_estimated and result.parcels[0].population == 3000


def test_land_unknown_is_insufficient_data():
    # A point facility without land_area_m2: the land cannot be known → insufficient_data,
    # which makes a Tongchuan parcel incomplete (mandatory there).
    plan = make_plan([parcel(households_new=100, phases=1)], [station(area=300)])
    result = run(plan, "tongchuan")
    assert finding(result, "P1", "per_capita_land").status == "insufficient_data"
    assert result.parcels[0].verdict == "incomplete"
    assert result.exit_code == 3


# ------------------------------------------------------------------ first_phase (Tongchuan)

@pytest.mark.parametrize("phase, status", [(1, "pass"), (2, "fail"), (None, "insufficient_data")])
def test_first_phase(phase, status):
    # 铜川 二(二)4: 分期开发项目 … 养老服务设施安排在首期建设.
    fac = station(area=300, land_area_m2=400)
    if phase is not None:
        fac["phase"] = phase
    plan = make_plan([parcel(households_new=1000, phases=3)], [fac])
    assert finding(run(plan, "tongchuan"), "P1", "first_phase").status == status


def test_first_phase_single_phase_not_applicable():
    plan = make_plan([parcel(households_new=1000)], [station(area=300, phase=2)])
    assert finding(run(plan, "tongchuan"), "P1", "first_phase").status == "not_applicable"


# ------------------------------------------------------------------ facility_minimum_area (X区)

@pytest.mark.parametrize("kind, area, status, required", [
    ("community_station", 299, "fail", 300.0),    # 附件2 站 ≥ 300
    ("community_station", 300, "pass", 300.0),
    ("street_center", 1400, "fail", 1500.0),      # 街道中心 ≥ 1500
    ("township_center", 800, "pass", 800.0),      # 镇乡中心 ≥ 800
    ("village_point", 12, "fail", 15.0),          # 村点 专用用房 ≥ 15
])
def test_facility_minimum_by_kind(kind, area, status, required):
    plan = make_plan([parcel(households_new=10)], [station(area=area, kind=kind)])
    f = finding(run(plan, "x-district"), "P1", "facility_minimum_area", kind=kind)
    assert (f.status, f.required, f.provided) == (status, required, float(area))


def test_smallest_station_is_judged():
    # Two stations of 400 and 260 m²: the smaller one misses 300 by 40 m².
    plan = make_plan([parcel(households_new=10)],
                     [station("F1", area=400), station("F2", x=50, area=260)])
    f = finding(run(plan, "x-district"), "P1", "facility_minimum_area")
    assert (f.provided, f.shortfall, f.inputs.get("few_elderly_min")) == (260.0, 40.0, 200.0)
    assert f.message.args["facility_id"] == "F2"


def test_few_elderly_threshold_from_a_users_standard(tmp_path):
    # The 200 m² minimum (老年人口较少的社区) applies only when a standard sets the threshold.
    path = tmp_path / "x.yaml"
    path.write_text(
        "id: x-local\nextends: x-district\ndocument: {title: 区内细则}\n"
        "rules:\n  facility_minimum_area:\n    citation: {clause: 一, quote: 老年人口少于500人的社区}\n"
        "    params: {few_elderly_threshold: 500}\n", encoding="utf-8")
    plan = make_plan([parcel(households_new=100, elderly_population=300)],
                     [station(area=250)])
    f = finding(run(plan, str(path)), "P1", "facility_minimum_area")
    assert (f.status, f.required) == ("pass", 200.0)


# ------------------------------------------------------------------ service_radius

def test_radius_buildings():
    # X区 二(九)25: urban 15 min × 66.67 m/min = 1,000 m. Facility at x=0; buildings (points)
    # at x=900 (in reach) and x=1,300 (300 m too far, 40 households).
    plan = make_plan([parcel(w=1500, h=100, households_new=100)],
                     [station(x=0, y=50, area=300)],
                     buildings=[{"id": "B1", "households": 60, "geometry": pt(900, 50)},
                                {"id": "B2", "households": 40, "geometry": pt(1300, 50)}])
    f = finding(run(plan, "x-district"), "P1", "service_radius")
    assert (f.status, f.required, f.provided, f.shortfall) == ("fail", 1000.0, 1300.0, 300.0)
    assert f.details["uncovered_buildings"] == [{"id": "B2", "distance_m": 1300.0,
                                                 "households": 40}]


def test_radius_parcel_corners_without_buildings():
    # No buildings: the farthest point of an 800 × 600 parcel from a facility at its
    # corner (0, 0) is the opposite corner: √(800² + 600²) = 1,000 m → exactly X区's
    # 15-minute radius (15 × 66.67 = 1,000 m).
    plan = make_plan([parcel(w=800, h=600, households_new=100)], [station(x=0, y=0, area=300)])
    f = finding(run(plan, "x-district"), "P1", "service_radius")
    assert (f.status, f.provided) == ("pass", 1000.0)


def test_radius_parcel_with_two_facilities_worst_on_bisector():
    # Facilities at (0, 0) and (1,600, 0) on a 1,600 × 600 parcel: the farthest point lies on
    # the bisector x = 800 at the top edge: √(800² + 600²) = 1,000 m.
    plan = make_plan([parcel(w=1600, h=600, households_new=100)],
                     [station("F1", x=0, y=0, area=300), station("F2", x=1600, y=0, area=300)])
    f = finding(run(plan, "zunyi"), "P1", "service_radius")
    assert f.provided == pytest.approx(1000.0, abs=0.01)


def test_rural_radius_x_district():
    # X区 二(九)25: rural 25 min × 66.67 = 1,666.67 m; urban 15 min = 1,000 m.
    # A building 1,400 m from the only facility passes in a rural parcel, fails in an urban one.
    def plan_for(rural):
        return make_plan([parcel(w=1500, h=100, households_new=30, rural=rural)],
                         [station(x=0, y=50, area=300)],
                         buildings=[{"id": "B1", "households": 30, "geometry": pt(1400, 50)}])
    rural = finding(run(plan_for(True), "x-district"), "P1", "service_radius")
    urban = finding(run(plan_for(False), "x-district"), "P1", "service_radius")
    assert (rural.status, rural.required) == ("pass", pytest.approx(1666.67, abs=0.01))
    assert (urban.status, urban.required) == ("fail", 1000.0)


def test_existing_facility_outside_covers_radius_but_not_area():
    # A parcel with no facility of its own; an existing day-care centre 200 m outside its east
    # edge serves every building (radius passes), yet the parcel provides 0 m²:
    # 20 × 500 / 100 = 100 m² short.
    plan = make_plan(
        [parcel(w=400, h=200, households_new=500)],
        [{"id": "EXT", "kind": "day_care_center", "floor_area_m2": 800, "status": "existing",
          "geometry": pt(600, 100)}],
        buildings=[{"id": "B1", "households": 500, "geometry": pt(100, 100)}])
    result = run(plan, "zunyi")
    radius = finding(result, "P1", "service_radius")
    area = finding(result, "P1", "area_per_households")
    assert (radius.status, radius.provided) == ("pass", 500.0)
    assert (area.status, area.provided, area.shortfall) == ("fail", 0.0, 100.0)


def test_user_radius_and_speed():
    # --radius 500 overrides minutes × speed; X区's 15 min at --walk-speed 3.6 km/h
    # = 60 m/min → 900 m.
    plan = make_plan([parcel(w=100, h=100, households_new=10)], [station(x=0, y=0)])
    assert finding(run(plan, "zunyi", radius_m=500), "P1", "service_radius").required == 500
    assert finding(run(plan, "x-district", walking_speed_km_h=3.6), "P1",
                   "service_radius").required == pytest.approx(900.0)


def test_zunyi_takes_guizhou_700_m_radius():
    # 贵州省通知: 社区养老服务设施服务半径应小于700米. Zunyi's own 15-minute circle was a
    # target for the end of the 14th Five-Year Plan (2025); Guizhou's 700 m stands: a
    # building 800 m away fails by 100 m, whether checked before or after that date.
    plan = make_plan([parcel(w=900, h=100, households_new=10)], [station(x=0, y=50)],
                     buildings=[{"id": "B1", "households": 10, "geometry": pt(800, 50)}])
    for as_of in ("2024-01-01", "2026-11-23"):
        f = finding(run(plan, "zunyi", as_of=as_of), "P1", "service_radius")
        assert (f.status, f.required, f.shortfall) == ("fail", 700.0, 100.0)
        assert f.severity == "mandatory"


def test_no_facility_anywhere_fails_radius():
    plan = make_plan([parcel(households_new=10)])
    f = finding(run(plan, "zunyi"), "P1", "service_radius")
    assert f.status == "fail" and f.provided is None


# ------------------------------------------------------------------ shared facilities

def test_shared_facility_group_passes_and_fails():
    # Dongying 二(一)1 统筹配置. Group A (P1, P2) shares F1 = 200 m²:
    # 20 × (500 + 400) / 100 = 180 ≤ 200 → pass for both.
    # Group B (P3, P4) shares F2 = 150 m²: 20 × 300 / 100 + 15 × 800 / 100 = 60 + 120 = 180
    # → 30 m² short for both.
    plan = make_plan(
        [parcel("P1", 0, 0, households_new=500), parcel("P2", 210, 0, households_new=400),
         parcel("P3", 0, 300, households_new=300), parcel("P4", 210, 300,
                                                          households_existing=800)],
        [station("F1", 205, 100, area=200, parcel_id="P1;P2"),
         station("F2", 205, 400, area=150, parcel_id="P3;P4")])
    result = run(plan, "dongying")
    for pid in ("P1", "P2"):
        f = finding(result, pid, "area_per_households")
        assert (f.status, f.required, f.provided, f.group) == ("pass", 180.0, 200.0, ("P1", "P2"))
    for pid in ("P3", "P4"):
        f = finding(result, pid, "area_per_households")
        assert (f.status, f.required, f.shortfall) == ("fail", 180.0, 30.0)
    assert result.groups == [("P1", "P2"), ("P3", "P4")]
    # Each parcel's own share stays visible: P4 alone needs 120 m².
    assert finding(result, "P4", "area_per_households").inputs["own_required"] == 120.0


def test_facility_inside_parcel_is_provided_without_parcel_id():
    plan = make_plan([parcel(households_new=1000)], [station(area=200)])
    assert finding(run(plan, "zunyi"), "P1", "area_per_households").provided == 200.0


# ------------------------------------------------------------------ institutions

def test_nursing_bed_ratio_by_city():
    # 100 beds, 45 nursing: 45 % ≥ 40 % (遵义 (四)) passes, < 75 % (东营 一) fails;
    # Dongying needs ⌈0.75 × 100⌉ = 75 nursing beds, 30 more.
    fac = station(area=2000, kind="care_home", beds=100, nursing_beds=45, dementia_beds=3,
                  social_workers=1)
    plan = make_plan([parcel(households_new=10)], [fac])
    zunyi = run(plan, "zunyi").facilities[0].findings[0]
    dongying = run(plan, "dongying").facilities[0]
    assert (zunyi.rule, zunyi.status, zunyi.provided) == ("nursing_bed_ratio", "pass", 0.45)
    nursing = next(f for f in dongying.findings if f.rule == "nursing_bed_ratio")
    assert nursing.status == "fail" and nursing.inputs["needed"] == 75
    # 东营 一: ≥ 1 social worker per 100 beds: 1 / 100 × 100 = 1.0 → pass.
    social = next(f for f in dongying.findings if f.rule == "social_workers_per_100_beds")
    assert (social.status, social.provided, social.required) == ("pass", 1.0, 1.0)


def test_dementia_bed_ratio_changzhou():
    # 常州 三(三)7: dementia beds ≥ 10 % of nursing beds: 3 / 40 = 7.5 % → fail; need 4.
    fac = station(area=2000, kind="care_home", beds=100, nursing_beds=40, dementia_beds=3)
    result = run(make_plan([parcel(households_new=10)], [fac]), "changzhou")
    f = result.facilities[0].findings[0]
    assert (f.rule, f.status, f.provided, f.inputs["needed"]) == ("dementia_bed_ratio", "fail",
                                                                  0.075, 4)
    assert result.exit_code == 1


def test_verdicts_follow_result_format():
    # Advisory failures never make a parcel non-compliant: Dongying's radius is advisory.
    plan = make_plan([parcel(w=2000, h=100, households_new=100)], [station(x=10, y=50, area=300)])
    result = run(plan, "dongying")
    assert finding(result, "P1", "service_radius").status == "fail"
    assert result.parcels[0].verdict == "compliant" and result.exit_code == 0
