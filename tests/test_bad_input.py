"""Every kind of bad input gets a clear answer: exit 2 with file, layer, feature and field,
or (warnings, repairs) a result that records the problem. Never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import Point, box

from compliance.cli import main

LON, LAT = 118.582, 37.449  # 东营
D = 0.001  # about 100 m


def square(x=0.0, y=0.0, size=D):
    return [[[LON + x, LAT + y], [LON + x + size, LAT + y], [LON + x + size, LAT + y + size],
             [LON + x, LAT + y + size], [LON + x, LAT + y]]]


def feature(layer, geometry, **props):
    return {"type": "Feature", "properties": {"layer": layer, **props}, "geometry": geometry}


def parcel(pid="P1", coords=None, **props):
    props.setdefault("households_new", 100)
    return feature("parcel", {"type": "Polygon", "coordinates": coords or square()}, id=pid,
                   **props)


def facility(fid="F1", x=D / 2, y=D / 2, **props):
    props.setdefault("kind", "community_station")
    props.setdefault("floor_area_m2", 300)
    return feature("facility", {"type": "Point", "coordinates": [LON + x, LAT + y]}, id=fid,
                   **props)


def write(tmp_path, features, name="plan.geojson", **extra):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra},
                               ensure_ascii=False), encoding="utf-8")
    return path


def check(*args):
    return CliRunner().invoke(main, ["check", *[str(a) for a in args], "--city", "dongying"])


def assert_refused(out, *words):
    assert out.exit_code == 2, out.output
    assert "Traceback" not in out.output
    for w in words:
        assert w in out.output, (w, out.output)


# ------------------------------------------------------------------------------ files

def test_missing_file(tmp_path):
    assert_refused(check(tmp_path / "nope.geojson"), "no such file")


def test_empty_file(tmp_path):
    (tmp_path / "e.geojson").write_text("")
    assert_refused(check(tmp_path / "e.geojson"), "e.geojson", "empty")


def test_not_a_plan(tmp_path):
    (tmp_path / "x.doc").write_text("hello")
    assert_refused(check(tmp_path / "x.doc"), "not a plan file", ".geojson")
    # Said wholly in Chinese to a Chinese terminal: the suffixes are the only words left.
    res = CliRunner(env={"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}).invoke(
        main, ["check", str(tmp_path / "x.doc"), "--city", "zunyi"])
    assert res.exit_code == 2
    assert "不是方案文件，也不是图层文件夹；实际为 .doc；应为 .geojson" in res.output, res.output
    # A .txt may be a table (Excel's tab-separated text); notes are said not to be one.
    (tmp_path / "x.txt").write_text("hello")
    assert_refused(check(tmp_path / "x.txt"), "no row of the table names a field")
    (tmp_path / "y.json").write_text('{"type": "Feature"}')
    assert_refused(check(tmp_path / "y.json"), "not a GeoJSON FeatureCollection")


def test_truncated_geojson(tmp_path):
    full = write(tmp_path, [parcel(), facility()]).read_text()
    (tmp_path / "t.geojson").write_text(full[: len(full) // 2])
    assert_refused(check(tmp_path / "t.geojson"), "t.geojson", "not valid JSON", "line 1")


def test_gpkg_without_parcels(tmp_path):
    path = tmp_path / "p.gpkg"
    gpd.GeoDataFrame({"id": ["F1"]}, geometry=[Point(LON, LAT)], crs=4326).to_file(
        path, layer="facilities", driver="GPKG")
    assert_refused(check(path), "no 'parcels' layer", "facilities")


def _shapefile(folder: Path, encoding="utf-8", cpg=True, prj=True, name="设施站"):
    folder.mkdir()
    parcels = gpd.GeoDataFrame({"id": ["P1"], "name": [name], "households_": [100]},
                               geometry=[box(LON, LAT, LON + D, LAT + D)], crs=4326)
    parcels = parcels.rename(columns={"households_": "新建户数"})
    parcels.to_file(folder / "parcels.shp", encoding=encoding, engine="pyogrio")
    if not cpg:
        (folder / "parcels.cpg").unlink(missing_ok=True)
    if not prj:
        (folder / "parcels.prj").unlink()
    facilities = gpd.GeoDataFrame({"id": ["F1"], "kind": ["社区养老服务站"], "floor_area": [300]},
                                  geometry=[Point(LON + D / 2, LAT + D / 2)], crs=4326)
    facilities = facilities.rename(columns={"floor_area": "建筑面积"})
    facilities.to_file(folder / "facilities.shp", encoding=encoding, engine="pyogrio")
    return folder


def _json_of(tmp_path, plan, *extra):
    target = tmp_path / "out.json"
    out = CliRunner().invoke(main, ["check", str(plan), "--city", "dongying", "-o", str(target),
                                    *extra])
    assert out.exit_code in (0, 1, 3), out.output
    return json.loads(target.read_text(encoding="utf-8"))


def test_shapefile_without_prj_assumes_wgs84_and_says_so(tmp_path):
    data = _json_of(tmp_path, _shapefile(tmp_path / "noprj", encoding="gbk", prj=False))
    assert any("assumed WGS 84" in p["message"] for p in data["problems"])


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_prj_in_metres_is_refused_with_a_way_out(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    gpd.GeoDataFrame({"id": ["P1"], "新建户数": [10]},
                     geometry=[box(500000, 4150000, 500100, 4150100)]).to_file(
        folder / "parcels.shp", encoding="gbk", engine="pyogrio")
    assert_refused(check(folder), "no CRS declared", "--crs")
    out = CliRunner().invoke(main, ["check", str(folder), "--city", "dongying", "--crs",
                                    "EPSG:32650"])
    assert out.exit_code in (0, 1, 3) and "Traceback" not in out.output


def test_a_wps_workbook_is_refused_with_the_way_out(tmp_path):
    # WPS 表格 saves .et by default on many office machines.
    (tmp_path / "projects.et").write_bytes(b"\xd0\xcf\x11\xe0")
    assert_refused(check(tmp_path / "projects.et"), "WPS workbook (.et)", ".xlsx")


def test_a_layer_file_given_as_the_plan_points_at_its_folder(tmp_path):
    """parcels.shp is one layer of a plan: the refusal names the folder to give instead."""
    folder = tmp_path / "plan"
    folder.mkdir()
    gpd.GeoDataFrame({"id": ["P1"], "新建户数": [10]}, geometry=[box(0, 0, 1, 1)],
                     crs="EPSG:4326").to_file(folder / "parcels.shp", engine="pyogrio")
    assert_refused(check(folder / "parcels.shp"), "one layer of a plan", "found parcels.shp",
                   f"expected {folder}")


@pytest.mark.parametrize("cpg", [True, False])
def test_gbk_shapefile(tmp_path, cpg):
    # Chinese CAD exports write GBK .dbf files, with or without a .cpg saying so.
    data = _json_of(tmp_path, _shapefile(tmp_path / "gbk", encoding="gbk", cpg=cpg,
                                         name="悦澜苑"))
    assert data["parcels"][0]["name"] == "悦澜苑"
    # Chinese field names map through the alias table: 新建户数 → households_new,
    # 建筑面积 → floor_area_m2; 20 × 100 / 100 = 20 m² ≤ 300.
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    assert (area["required"], area["provided"]) == (20.0, 300.0)


def test_legacy_crs_member(tmp_path):
    feats = [feature("parcel", {"type": "Polygon", "coordinates": [[[500000, 4150000],
             [500100, 4150000], [500100, 4150100], [500000, 4150100], [500000, 4150000]]]},
             id="P1", households_new=100),
             feature("facility", {"type": "Point", "coordinates": [500050, 4150050]}, id="F1",
                     kind="community_station", floor_area_m2=300)]
    path = write(tmp_path, feats, crs={"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::32650"}})
    data = _json_of(tmp_path, path)
    assert data["parcels"][0]["verdict"] == "compliant"
    assert any("legacy" in p["message"] for p in data["problems"])


def test_foreign_members_are_ignored(tmp_path):
    path = write(tmp_path, [parcel(), facility()], name="f.geojson",
                 bbox=[0, 0, 1, 1], generator="QGIS", metadata={"a": 1})
    assert _json_of(tmp_path, path)["parcels"][0]["id"] == "P1"


# ------------------------------------------------------------------------------ coordinates

def test_lat_lon_swapped(tmp_path):
    swapped = [[[y, x] for x, y in ring] for ring in square()]
    assert_refused(check(write(tmp_path, [parcel(coords=swapped)])), "swapped", "RFC 7946")


def test_projected_coordinates_claiming_wgs84(tmp_path):
    ring = [[[500000, 4150000], [500100, 4150000], [500100, 4150100], [500000, 4150000]]]
    assert_refused(check(write(tmp_path, [parcel(coords=ring)])),
                   "not longitude/latitude", "--crs")


def test_outside_china_is_a_warning(tmp_path):
    ring = [[[2.35, 48.85], [2.351, 48.85], [2.351, 48.851], [2.35, 48.851], [2.35, 48.85]]]
    data = _json_of(tmp_path, write(tmp_path, [parcel(coords=ring)]))
    assert any("outside China" in p["message"] and p["level"] == "warning"
               for p in data["problems"])


def test_huge_extent_is_a_warning(tmp_path):
    data = _json_of(tmp_path, write(tmp_path, [parcel(), parcel("P2", square(3.0, 0.0))]))
    warning = next(p for p in data["problems"] if "larger than any district" in p["message"])
    assert "km" in warning["found"]


# ------------------------------------------------------------------------------ geometry

def test_self_intersecting_polygon_is_repaired_and_said(tmp_path):
    bowtie = [[[LON, LAT], [LON + D, LAT + D], [LON + D, LAT], [LON, LAT + D], [LON, LAT]]]
    data = _json_of(tmp_path, write(tmp_path, [parcel(coords=bowtie), facility()]))
    repaired = next(p for p in data["problems"] if "repaired" in p["message"])
    assert repaired["feature"] == "P1" and repaired["field"] == "geometry"
    assert "Self-intersection" in repaired["found"]


@pytest.mark.parametrize("geometry, words", [
    (None, "empty or missing geometry"),
    ({"type": "Polygon", "coordinates": []}, "empty or missing geometry"),
    ({"type": "Point", "coordinates": [LON, LAT]}, "wrong geometry type"),
])
def test_bad_parcel_geometry(tmp_path, geometry, words):
    bad = feature("parcel", geometry, id="P9", households_new=10)
    assert_refused(check(write(tmp_path, [parcel(), bad])), "layer 'parcels'", "P9",
                   "geometry", words)


# Found by Hypothesis: a triangle from 0° to 162° of longitude. In the local CRS measured
# around the plan its far corner has no finite coordinates.
FAR_TRIANGLE = [[[0.0, 0.0], [0.0, 1.0], [162.0, 0.0], [0.0, 0.0]]]


def test_coordinates_the_measuring_crs_cannot_hold_are_refused_by_check(tmp_path):
    out = check(write(tmp_path, [parcel(), facility(), parcel("FAR", FAR_TRIANGLE)]))
    assert_refused(out, "layer 'parcels'", "FAR", "geometry", "measuring CRS")


def test_a_batch_reports_the_far_parcel_incomplete_and_checks_the_rest(tmp_path):
    plan = write(tmp_path, [parcel(), facility(), parcel("FAR", FAR_TRIANGLE)])
    out = CliRunner().invoke(main, ["batch", str(plan), "--city", "dongying", "--lang", "en",
                                    "--no-parcel-reports", "-o", str(tmp_path / "out")])
    assert out.exit_code in (1, 3), out.output
    assert "Traceback" not in out.output and "FAR" in out.output
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    verdict = {p["id"]: p["verdict"] for p in data["parcels"]}
    assert verdict["FAR"] == "incomplete" and verdict["P1"] != "incomplete"


def test_zero_area_parcel(tmp_path):
    flat = [[[LON, LAT], [LON + D, LAT], [LON + 2 * D, LAT], [LON, LAT]]]
    assert_refused(check(write(tmp_path, [parcel(), parcel("FLAT", flat)])), "FLAT")


def test_duplicate_parcel_ids(tmp_path):
    assert_refused(check(write(tmp_path, [parcel(), parcel("P1", square(0.01))])),
                   "id used twice", "feature 'P1'", "field 'id'")


def test_building_outside_every_parcel_is_a_warning(tmp_path):
    b = feature("building", {"type": "Point", "coordinates": [LON + 0.05, LAT]}, id="B9",
                households=30)
    data = _json_of(tmp_path, write(tmp_path, [parcel(), facility(), b]))
    assert any(p.get("feature") == "B9" and "outside every parcel" in p["message"]
               for p in data["problems"])


def test_buildings_that_hold_other_households_than_their_parcel_are_said(tmp_path):
    # P1 gives 1,000 new households; its buildings hold 300 + 900 = 1,200. Dongying (二(一)1):
    # 20 m² per 100 new households, counted on the parcel's figure: 20 × 1,000 / 100 = 200 m²
    # (the buildings' 1,200 would ask 240). Both counts are shown, as a warning.
    inside = [feature("building", {"type": "Point", "coordinates": [LON + x, LAT + D / 4]},
                      id=bid, households=hh)
              for bid, x, hh in (("B1", D / 4, 300), ("B2", 3 * D / 4, 900))]
    data = _json_of(tmp_path, write(tmp_path, [parcel(households_new=1000), facility(), *inside]))
    said = [p for p in data["problems"] if p.get("feature") == "P1"]
    assert [(p["level"], p["field"], p["message"]) for p in said] == [
        ("warning", "households_new", "the parcel gives 1,000 households and its buildings "
         "hold 1,200: the floor-area rules count the parcel's, the walking radius the "
         "buildings'")]
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    assert area["required"] == 200.0
    # The same count in both: nothing to say.
    same = _json_of(tmp_path, write(tmp_path, [parcel(households_new=1200), facility(),
                                               *inside], name="same.geojson"))
    assert not [p for p in same["problems"] if p.get("feature") == "P1"]


def test_facility_naming_no_parcel(tmp_path):
    assert_refused(check(write(tmp_path, [parcel(), facility(parcel_id="P7")])),
                   "layer 'facilities'", "F1", "parcel_id", "names no parcel", "'P7'")


# ------------------------------------------------------------------------------ values

@pytest.mark.parametrize("value, words", [
    (-5, "value out of range"),
    (12.5, "not a whole number"),
    ("many", "not a number"),
    ("NaN", "not a number"),
    (1e12, "implausibly large"),
    ("约1200户", "an approximate figure"),
    ("1200户左右", "an approximate figure"),
])
def test_bad_households(tmp_path, value, words):
    assert_refused(check(write(tmp_path, [parcel(households_new=value), facility()])),
                   "feature 'P1'", "field 'households_new'", words)


def test_unknown_kind(tmp_path):
    assert_refused(check(write(tmp_path, [parcel(), facility(kind="hospital")])),
                   "unknown kind", "'hospital'", "community_station")


def test_phase_zero(tmp_path):
    assert_refused(check(write(tmp_path, [parcel(), facility(phase=0)])),
                   "field 'phase'", "≥ 1")


def test_chinese_field_names(tmp_path):
    feats = [feature("parcel", {"type": "Polygon", "coordinates": square()}, 编号="P1",
                     新建户数=1500),
             feature("facility", {"type": "Point", "coordinates": [LON + D / 2, LAT + D / 2]},
                     编号="F1", 类型="社区养老服务站", 建筑面积=400)]
    data = _json_of(tmp_path, write(tmp_path, feats))
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    # 20 × 1,500 / 100 = 300 ≤ 400.
    assert (area["required"], area["provided"], area["status"]) == (300.0, 400.0, "pass")


def test_missing_required_field_names_the_expected_one(tmp_path):
    no_hh = feature("parcel", {"type": "Polygon", "coordinates": square()}, id="P1", 户数=10)
    assert_refused(check(write(tmp_path, [no_hh])), "households_new")


# ------------------------------------------------------------------------------ output & CSV

def test_csv_quotes_and_defuses(tmp_path):
    feats = [parcel(name='=HYPERLINK("x"), "引号" <script>'), facility()]
    target = tmp_path / "o.csv"
    CliRunner().invoke(main, ["check", str(write(tmp_path, feats)), "--city", "dongying",
                              "-o", str(target)])
    import csv

    rows = list(csv.DictReader(target.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[0]["parcel_name"] == '\'=HYPERLINK("x"), "引号" <script>'


def test_csv_is_byte_identical(tmp_path):
    path = write(tmp_path, [parcel(), facility()])
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    for t in (a, b):
        CliRunner().invoke(main, ["check", str(path), "--city", "dongying", "-o", str(t)])
    assert a.read_bytes() == b.read_bytes()


def test_debug_shows_the_traceback(tmp_path):
    out = CliRunner().invoke(main, ["check", str(tmp_path / "e.geojson"), "--city", "dongying",
                                    "--debug"])
    assert out.exit_code == 2  # a missing file is a usage error even with --debug
    (tmp_path / "e.geojson").write_text("")
    out = CliRunner().invoke(main, ["check", str(tmp_path / "e.geojson"), "--city", "dongying",
                                    "--debug"])
    assert out.exception is not None and type(out.exception).__name__ == "PlanError"


def test_standards_validate_bad_file_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\ndocument: {title: t}\nrules:\n  area_per_households:\n"
                   "    citation: {clause: 一, quote: q}\n    params: {rate_new: -1, "
                   "rate_existing: 15}\n", encoding="utf-8")
    out = CliRunner().invoke(main, ["standards", "validate", str(bad)])
    assert_refused(out, "bad.yaml", "line 6", "rules.area_per_households.params.rate_new")


def test_a_table_problem_is_said_wholly_in_chinese(tmp_path):
    """To a Chinese terminal the row a feature stands in, a number's hint and its limit are
    Chinese too, where English words were left in the message."""
    path = tmp_path / "p.csv"
    path.write_text('id,households_new\nP1,"1,20"\nP2,99999999\n', encoding="utf-8")
    res = CliRunner(env={"LANG": "zh_CN.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}).invoke(
        main, ["check", str(path), "--city", "zunyi"])
    assert res.exit_code == 2
    assert "要素“P1（第 2 行）”" in res.output and "请写作 20.5 或 1200" in res.output
    assert "数值大得不合常理：超过 5,000,000；实际为 '99999999'；应为 ≥ 0 的整数" in res.output
    for english in ("row ", "write ", "at most", "expected"):
        assert english not in res.output, res.output
    # The JSON of a batch keeps the result format's English words, the limit filled in.
    from compliance._errors import Problem

    problem = Problem("p.csv", "implausibly large: more than {maximum}", expected="x",
                      args=(("maximum", "5,000,000"),))
    assert problem.as_dict() == {"file": "p.csv", "message": "implausibly large: more than "
                                 "5,000,000", "expected": "x", "level": "error"}
