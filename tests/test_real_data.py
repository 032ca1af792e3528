"""Right answers on the data planners really have (issue: real planners' data).

Each test is one of the nine findings, with figures worked out by hand. Plans are drawn in
offsets from (X0, Y0) in EPSG:4548 (CGCS2000 / Gauss-Krüger CM 117°E, scale 1 on its meridian),
so a drawn metre is a ground metre; then written in whatever CRS the finding needs.
"""

from __future__ import annotations

import json

import geopandas as gpd
import pyproj
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from compliance import workflow
from compliance.cli import main
from compliance.settings import Options
from compliance.standard import load_standard
from conftest import X0, Y0, finding, make_plan, pt, rect, run

TEST_CRS = "EPSG:4548"


def line(*xy):
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def layer(rows, crs=TEST_CRS, to=None):
    gdf = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                           geometry=[r["geometry"] for r in rows], crs=crs)
    return gdf.to_crs(to) if to else gdf


def write_gpkg(path, layers: dict):
    for name, gdf in layers.items():
        gdf.to_file(path, layer=name, driver="GPKG")
    return path


def check(path, city="x-district", **options):
    standard = load_standard(city)
    plan = workflow.load_plan(str(path), standard, crs=options.pop("crs", None), strict=True)
    return workflow.run(plan, standard, Options(**options))


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


FAC = {"id": "F1", "kind": "community_station", "floor_area_m2": 300}


# 1. Each layer's CRS -----------------------------------------------------------------------

def test_streets_in_another_crs_than_the_parcels(tmp_path):
    # Street (0,0)→(1,000,0); F1 10 m north of it at x = 0; B1 10 m north at x = 600.
    # Along the street: 10 + 600 + 10 = 620 m. Streets stay in EPSG:4548, the rest in WGS 84.
    path = write_gpkg(tmp_path / "two-crs.gpkg", {
        "parcels": layer([{"id": "P1", "households_new": 100,
                           "geometry": rect(-50, -50, 1100, 100)}], to=4326),
        "facilities": layer([{**FAC, "geometry": pt(0, 10)}], to=4326),
        "buildings": layer([{"id": "B1", "households": 100, "geometry": pt(600, 10)}],
                           to=4326),
        "streets": layer([{"geometry": line((0, 0), (1000, 0))}]),
    })
    result = check(path, distance="network")
    f = finding(result, "P1", "service_radius")
    assert result.coverage.notes["street_segments"] == 1
    assert f.provided == pytest.approx(620.0, abs=0.05)


def test_facilities_in_wgs84_beside_parcels_in_gauss_kruger(tmp_path):
    # F1 at x = 0 and B1 at x = 600, both y = 10: 600 m apart in a straight line, whatever
    # CRS each layer is stored in (parcels EPSG:4547, facilities WGS 84, buildings 4548).
    path = write_gpkg(tmp_path / "mixed.gpkg", {
        "parcels": layer([{"id": "P1", "households_new": 100,
                           "geometry": rect(-50, -50, 1100, 100)}], to="EPSG:4547"),
        "facilities": layer([{**FAC, "geometry": pt(0, 10)}], to=4326),
        "buildings": layer([{"id": "B1", "households": 100, "geometry": pt(600, 10)}]),
    })
    f = finding(check(path), "P1", "service_radius")
    assert f.provided == pytest.approx(600.0, abs=0.05)


def test_the_geopackage_written_lies_on_the_plan_in_its_own_crs(tmp_path):
    # A district office's layers in CGCS2000 / 3-degree GK CM 114°E (EPSG:4547), as its GIS
    # holds them. The results go back into that GIS: each layer in EPSG:4547 with the plan's
    # own coordinates (a parcel corner at 500,000 / 3,000,000 stays there, to the millimetre),
    # not in the metres the tool measures in about the plan's centre.
    x, y = 500_000.0, 3_000_000.0
    gk = "EPSG:4547"
    path = write_gpkg(tmp_path / "district.gpkg", {
        "parcels": gpd.GeoDataFrame(
            {"id": ["P1"], "households_new": [100]},
            geometry=[Polygon([(x, y), (x + 2000, y), (x + 2000, y + 300), (x, y + 300)])],
            crs=gk),
        "facilities": gpd.GeoDataFrame({**{k: [v] for k, v in FAC.items()}},
                                       geometry=[Point(x + 100, y + 150)], crs=gk),
        # B2 is 1,800 m from F1: beyond any walking radius, an uncovered building.
        "buildings": gpd.GeoDataFrame({"id": ["B1", "B2"], "households": [50, 50]},
                                      geometry=[Point(x + 300, y + 150),
                                                Point(x + 1900, y + 150)], crs=gk),
    })
    out = tmp_path / "out"
    assert invoke("batch", path, "--city", "x-district", "-o", out).exit_code == 1
    gpkg = out / "results.gpkg"
    parcels = gpd.read_file(gpkg, layer="parcels")
    assert parcels.crs == pyproj.CRS(gk)
    minx, miny, maxx, maxy = parcels.total_bounds
    assert (minx, miny, maxx, maxy) == pytest.approx((x, y, x + 2000, y + 300), abs=0.001)
    facility = gpd.read_file(gpkg, layer="facilities").geometry.iloc[0]
    assert (facility.x, facility.y) == pytest.approx((x + 100, y + 150), abs=0.001)
    uncovered = gpd.read_file(gpkg, layer="uncovered_buildings")
    assert uncovered.crs == pyproj.CRS(gk) and list(uncovered["id"]) == ["B2"]
    assert (uncovered.geometry.x[0], uncovered.geometry.y[0]) == \
        pytest.approx((x + 1900, y + 150), abs=0.001)
    # A suggested site's point and its lon/lat columns name the same place.
    sites = gpd.read_file(gpkg, layer="suggested_sites")
    assert sites.crs == pyproj.CRS(gk) and len(sites)
    lonlat = sites.to_crs(4326).geometry
    assert list(lonlat.x) == pytest.approx(list(sites["lon"]), abs=1e-6)
    assert list(lonlat.y) == pytest.approx(list(sites["lat"]), abs=1e-6)


def test_the_geopackage_holds_the_streets_within_the_walking_radius(tmp_path):
    # x-district (national assumptions): 15 min at 4 km/h = 1,000 m. A street drawn as four
    # 400 m lines from F1 at its west end: its nodes lie 0, 400, 800, 1,200 and 1,600 m
    # along. The segments both of whose ends are within 1,000 m: 0–400 and 400–800.
    path = write_gpkg(tmp_path / "street.gpkg", {
        "parcels": layer([{"id": "P1", "households_new": 100,
                           "geometry": rect(-50, -100, 1700, 200)}]),
        "facilities": layer([{**FAC, "geometry": pt(0, 0)}]),
        "buildings": layer([{"id": "B1", "households": 100, "geometry": pt(300, 0)}]),
        "streets": layer([{"geometry": line((k * 400, 0), ((k + 1) * 400, 0))}
                          for k in range(4)]),
    })
    out = tmp_path / "plan.gpkg"
    assert invoke("check", path, "--city", "x-district", "--distance", "network",
                  "-o", out).exit_code == 0
    walked = gpd.read_file(out, layer="walking_streets")
    assert walked.crs == pyproj.CRS(TEST_CRS)
    assert list(walked["radius_m"]) == [1000.0, 1000.0]
    assert set(walked["method"]) == {"network"}
    # Back in the plan's own coordinates: together they run from x = 0 to x = 800.
    minx, miny, maxx, maxy = walked.total_bounds
    assert (minx - X0, maxx - X0, miny - Y0, maxy - Y0) == \
        pytest.approx((0, 800, 0, 0), abs=0.001)
    # In a straight line there is no street to walk: no such layer.
    straight = tmp_path / "straight.gpkg"
    invoke("check", path, "--city", "x-district", "-o", straight)
    import pyogrio
    assert "walking_streets" not in pyogrio.list_layers(straight)[:, 0]


def test_a_plan_given_in_longitude_and_latitude_is_written_back_in_them(tmp_path):
    # Points picked off a web map are WGS 84 degrees: the GeoPackage is too.
    path = write_gpkg(tmp_path / "web.gpkg", {
        "parcels": layer([{"id": "P1", "households_new": 100,
                           "geometry": rect(0, 0, 300, 300)}], to=4326),
        "facilities": layer([{**FAC, "geometry": pt(150, 150)}], to=4326),
    })
    given = gpd.read_file(path, layer="facilities").geometry.iloc[0]
    out = tmp_path / "plan.gpkg"
    invoke("check", path, "--city", "x-district", "-o", out)
    facility = gpd.read_file(out, layer="facilities")
    assert facility.crs.to_epsg() == 4326
    assert (facility.geometry.x[0], facility.geometry.y[0]) == \
        pytest.approx((given.x, given.y), abs=1e-8)  # about a millimetre


# 2. Street centre-lines that cross without a shared vertex ----------------------------------

def _cad_grid_plan():
    # A 5 × 5 grid of 200 m blocks drawn as 12 long lines (6 across, 6 up), which cross at
    # 25 inner points without a shared vertex, plus a spur that stops 0.3 m short of the top
    # line (a T-junction drawn by hand).
    streets = [{"geometry": line((0, k * 200), (1000, k * 200))} for k in range(6)]
    streets += [{"geometry": line((k * 200, 0), (k * 200, 1000))} for k in range(6)]
    streets += [{"geometry": line((500, 1000.3), (500, 1300))}]
    parcels = [{"id": "P1", "households_new": 10, "geometry": rect(700, 500, 200, 200)},
               {"id": "P2", "households_new": 10, "geometry": rect(450, 1250, 100, 100)}]
    buildings = [{"id": "B1", "households": 10, "geometry": pt(800, 600)},
                 {"id": "B2", "households": 10, "geometry": pt(500, 1300)}]
    return make_plan(parcels, [{**FAC, "geometry": pt(0, 0)}], buildings=buildings,
                     streets=streets)


def test_crossing_centre_lines_are_noded():
    result = run(_cad_grid_plan(), "x-district", distance="network")
    notes = result.coverage.notes
    # One network: every crossing noded and the 0.3 m gap closed (tolerance 0.5 m).
    assert notes["street_components"] == 1 and notes["street_lines"] == 13
    # B1 at the node (800, 600): Manhattan 800 + 600 = 1,400 m from F1 at (0, 0).
    assert finding(result, "P1", "service_radius").provided == pytest.approx(1400.0, abs=0.01)
    # B2 at the spur's end: up x = 0 to y = 1,000 (1,000), along to x = 500 (500), across the
    # 0.3 m gap, up the spur from 1,000.3 to 1,300 (299.7): 1,800.0 m, no metre lost.
    assert finding(result, "P2", "service_radius").provided == pytest.approx(1800.0, abs=0.01)


# 3. Joining the network ---------------------------------------------------------------------

def test_building_joins_the_main_network_not_a_nearer_fragment():
    # Main street (0,0)→(1,000,0), F1 5 m north of it at x = 0. A 20 m footbridge drawn alone
    # at y = 30 (x 590…610) is 5 m from B1 at (600, 35); the main street is 35 m away, within
    # 5 + 50 m of slack, so B1 joins it: 35 + 600 + 5 = 640 m. A bridge crossing the street at
    # x = 300 is `connect: false`: walked, never joined, so B2 at (300, 40) joins the main
    # street 40 m away: 40 + 300 + 5 = 345 m.
    parcels = [{"id": "P1", "households_new": 10, "geometry": rect(580, 32, 40, 10)},
               {"id": "P2", "households_new": 10, "geometry": rect(290, 35, 20, 10)}]
    streets = [{"geometry": line((0, 0), (1000, 0)), "connect": True},
               {"geometry": line((590, 30), (610, 30)), "connect": True},
               {"geometry": line((300, -100), (300, 100)), "connect": False}]
    plan = make_plan(parcels, [{**FAC, "geometry": pt(0, 5)}],
                     buildings=[{"id": "B1", "households": 10, "geometry": pt(600, 35)},
                                {"id": "B2", "households": 10, "geometry": pt(300, 40)}],
                     streets=streets)
    result = run(plan, "x-district", distance="network")
    assert finding(result, "P1", "service_radius").provided == pytest.approx(640.0, abs=0.01)
    assert finding(result, "P2", "service_radius").provided == pytest.approx(345.0, abs=0.01)
    notes = result.coverage.notes
    # The footbridge and the bridge are small pieces: 20 + 200 = 220 m.
    assert notes["small_pieces"] == 2 and notes["small_pieces_m"] == pytest.approx(220.0)
    assert notes["unreachable_points"] == 0


# 4. Measured in true metres -----------------------------------------------------------------

def test_web_mercator_plan_is_measured_in_ground_metres(tmp_path):
    # Near 遵义 (106.93°E, 27.70°N) Web Mercator's metres are 1/cos 27.7° = 1.13 × too long.
    # B1 is 899 m due north of F1 on the ellipsoid: the tool must say 899 m, not 1,016 m.
    geod = pyproj.Geod(ellps="WGS84")
    lon0, lat0 = 106.93, 27.70
    lon1, lat1, _ = geod.fwd(lon0, lat0, 0.0, 899.0)
    to3857 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    f = Point(*to3857.transform(lon0, lat0))
    b = Point(*to3857.transform(lon1, lat1))
    parcel = f.buffer(2000, cap_style=3)
    path = write_gpkg(tmp_path / "mercator.gpkg", {
        "parcels": gpd.GeoDataFrame([{"id": "P1", "households_new": 10}], geometry=[parcel],
                                    crs=3857),
        "facilities": gpd.GeoDataFrame([FAC], geometry=[f], crs=3857),
        "buildings": gpd.GeoDataFrame([{"id": "B1", "households": 10}], geometry=[b], crs=3857),
    })
    r = finding(check(path), "P1", "service_radius")
    assert r.provided == pytest.approx(899.0, abs=0.5)
    assert r.status == "pass"  # X区 二(九)25: 15 min × 66.7 m/min = 1,000 m ≥ 899 m


def _gk_geojson(path, epsg, crs_member=False):
    # F1 at x = 0 and B1 at x = 600 (y = 10): 600 m apart, written in Gauss-Krüger metres.
    features = []
    for layer_name, props, geom in (
            ("parcel", {"id": "P1", "households_new": 100}, rect(-50, -50, 1100, 100)),
            ("facility", FAC, pt(0, 10)),
            ("building", {"id": "B1", "households": 100}, pt(600, 10))):
        g = gpd.GeoSeries([geom], crs=TEST_CRS).to_crs(epsg).iloc[0]
        features.append({"type": "Feature", "properties": {"layer": layer_name, **props},
                         "geometry": json.loads(gpd.GeoSeries([g]).to_json())["features"][0]
                         ["geometry"]})
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    return path


def test_geojson_in_gauss_kruger_metres_with_crs_and_with_zone_prefix(tmp_path):
    plain = _gk_geojson(tmp_path / "gk.geojson", "EPSG:4547")       # CM 114°E, no prefix
    prefixed = _gk_geojson(tmp_path / "gk38.geojson", "EPSG:4526")  # zone 38 = CM 114°E
    # Without a CRS, metres in a GeoJSON are refused with the way out named…
    out = invoke("check", plain, "--city", "x-district", "-o", tmp_path / "a.json")
    assert out.exit_code == 2 and "--crs" in out.output
    # …and with it they are read: 600 m.
    out = invoke("check", plain, "--city", "x-district", "--crs", "EPSG:4547",
                 "-o", tmp_path / "a.json")
    assert out.exit_code == 0, out.output
    with_crs = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    # The zone prefix 38 names EPSG:4526 by itself; the same distance.
    out = invoke("check", prefixed, "--city", "x-district", "-o", tmp_path / "b.json")
    assert out.exit_code == 0, out.output
    with_prefix = json.loads((tmp_path / "b.json").read_text(encoding="utf-8"))

    def radius(data):
        return next(f for f in data["parcels"][0]["findings"]
                    if f["rule"] == "service_radius")["provided"]

    assert radius(with_crs) == pytest.approx(600.0, abs=0.05)
    assert radius(with_prefix) == pytest.approx(radius(with_crs), abs=0.01)
    assert any("EPSG:4526" in p.get("found", "") for p in with_prefix["problems"])


# 5. Numbers that must not be reinterpreted --------------------------------------------------

def _plan_file(tmp_path, parcel_props, facility_props=None):
    parcel = {"type": "Feature", "properties": {"layer": "parcel", "id": "P1", **parcel_props},
              "geometry": {"type": "Polygon", "coordinates": [[[106.9, 27.7], [106.91, 27.7],
                                                               [106.91, 27.71], [106.9, 27.71],
                                                               [106.9, 27.7]]]}}
    facility = {"type": "Feature",
                "properties": {"layer": "facility", "id": "F1", "kind": "community_station",
                               "floor_area_m2": 300, **(facility_props or {})},
                "geometry": {"type": "Point", "coordinates": [106.905, 27.705]}}
    path = tmp_path / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [parcel, facility]},
                               ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("props, field, words", [
    ({"households_new": True}, "households_new", "true/false"),
    ({"households_new": "1,2,0,0"}, "households_new", "ambiguous"),
    ({"households_new": 100, "_f": {"floor_area_m2": "20,5"}}, "floor_area_m2", "ambiguous"),
    ({"households_new": 100, "_f": {"parcel_id": ";"}}, "parcel_id", "names no id"),
])
def test_ambiguous_numbers_and_ids_are_refused(tmp_path, props, field, words):
    fac = props.pop("_f", None)
    out = invoke("check", _plan_file(tmp_path, props, fac), "--city", "x-district")
    assert out.exit_code == 2, out.output
    assert f"field '{field}'" in out.output and words in out.output
    assert len([ln for ln in out.output.splitlines() if ln.strip().startswith("- ")]) == 1


def test_thousands_separator_is_read_as_thousands(tmp_path):
    # "1,200" households: 遵义 (十五) 20 × 1,200 / 100 = 240 m² required; 300 provided.
    out = invoke("check", _plan_file(tmp_path, {"households_new": "1,200"}), "--city", "x-district",
                 "-o", tmp_path / "r.json")
    assert out.exit_code in (0, 3), out.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    assert (area["required"], area["provided"]) == (240.0, 300.0)


def test_two_files_for_one_layer_is_an_error(tmp_path):
    folder = tmp_path / "plan"
    folder.mkdir()
    gdf = layer([{"id": "P1", "households_new": 10, "geometry": rect(0, 0, 100, 100)}])
    gdf.to_file(folder / "parcels.geojson", driver="GeoJSON")
    gdf.to_file(folder / "parcels.shp")
    out = invoke("check", folder, "--city", "x-district")
    assert out.exit_code == 2 and "two files for one layer" in out.output
    assert "parcels.geojson" in out.output and "parcels.shp" in out.output


# 6. A batch keeps everything ----------------------------------------------------------------

def test_batch_keeps_a_bad_parcel_and_its_facility(tmp_path):
    # Three parcels in a row; P2's households are text. F2 stands in P2 and is the facility
    # that P3's building B3 (60 m east of it) walks to; F1 in P1 is 800 m from B3.
    features = [
        ("parcel", {"id": "P1", "households_new": 100}, rect(0, 0, 100, 100)),
        ("parcel", {"id": "P2", "households_new": "many"}, rect(700, 0, 100, 100)),
        ("parcel", {"id": "P3", "households_new": 100}, rect(800, 0, 100, 100)),
        ("facility", {**FAC, "id": "F1"}, pt(50, 50)),
        ("facility", {**FAC, "id": "F2"}, pt(750, 50)),
        ("building", {"id": "B3", "households": 100}, pt(810, 50)),
        ("building", {"id": "B2", "households": 40, "parcel_id": "P2"}, pt(720, 50)),
    ]
    rows = [{"layer": lyr, **props, "geometry": g} for lyr, props, g in features]
    gdf = gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                           geometry=[r["geometry"] for r in rows], crs=TEST_CRS).to_crs(4326)
    path = tmp_path / "district.geojson"
    gdf.to_file(path, driver="GeoJSON")
    out_dir = tmp_path / "out"
    res = invoke("batch", path, "--city", "x-district", "-o", out_dir)
    data = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
    by_id = {p["id"]: p for p in data["parcels"]}
    assert list(by_id) == ["P1", "P2", "P3"]
    assert by_id["P2"]["verdict"] == "incomplete" and by_id["P2"]["findings"] == []
    assert [(q["field"]) for q in by_id["P2"]["problems"]] == ["households_new"]
    # F2 is not dropped with its parcel: B3 is 810 − 750 = 60 m from it.
    radius = next(f for f in by_id["P3"]["findings"] if f["rule"] == "service_radius")
    assert radius["provided"] == pytest.approx(60.0, abs=0.01)
    # One mistake, one message: nothing claims that B2's or F2's parcel does not exist.
    errors = [p for p in data["problems"] if p["level"] == "error"]
    assert [(p["feature"], p["field"]) for p in errors] == [("P2", "households_new")]
    assert data["summary"]["incomplete"] == 1 and res.exit_code == 1
    gpkg = gpd.read_file(out_dir / "results.gpkg", layer="parcels")
    assert sorted(gpkg["id"]) == ["P1", "P2", "P3"]
    csv_rows = (out_dir / "results.csv").read_text(encoding="utf-8-sig").splitlines()
    p2 = [r for r in csv_rows if r.startswith("P2,")]
    assert len(p2) == 1 and ",incomplete," in p2[0] and "households_new" in p2[0]
    assert "P2" in (out_dir / "index.html").read_text(encoding="utf-8")


def test_a_bad_facility_field_is_reported_on_the_parcels_it_counts_for():
    # F1's floor area is text: kept (it still stands where it stands), its area unknown.
    # Without it P1 has 0 m² of the 20 × 100 / 100 = 20 m² required: not a fail, since the
    # missing figure could make up the difference, but insufficient_data, saying why.
    plan = make_plan([{"id": "P1", "households_new": 100, "geometry": rect(0, 0, 100, 100)}],
                     [{**FAC, "floor_area_m2": "lots", "geometry": pt(50, 50)}], strict=False)
    f = finding(run(plan, "x-district"), "P1", "area_per_households")
    assert f.status == "insufficient_data" and f.required == 20.0
    assert any("F1" in n.args.get("features", "") for n in f.notes)
    assert finding(run(plan, "x-district"), "P1", "service_radius").status == "pass"



def test_a_facility_of_unread_kind_leaves_its_minimum_undecided():
    # F1 is a 600 m² street centre whose kind the layer does not give. Zunyi (through Guizhou,
    # SOURCES-MORE 15) sets a street centre ≥ 1,000 m² and a station ≥ 350 m²: F1 fails the
    # one and passes the other, so with its kind unknown no minimum can be said to hold, nor
    # to be not applicable, and P1 is incomplete rather than compliant.
    plan = make_plan([{"id": "P1", "households_new": 1000, "geometry": rect(0, 0, 200, 100)}],
                     [{**FAC, "kind": "街道养老中心", "floor_area_m2": 600.0,
                       "geometry": pt(50, 50)}], strict=False)
    result = run(plan, "zunyi")
    f = finding(result, "P1", "facility_minimum_area")
    assert f.status == "insufficient_data"
    assert any("F1" in n.args.get("features", "") for n in f.notes)
    # 20 × 1,000 / 100 = 200 m² ≤ 600 m²: the kind does not change the area provided.
    assert finding(result, "P1", "area_per_households").status == "pass"
    assert result.parcels[0].verdict == "incomplete"


# 7. A shared formula that adds up ----------------------------------------------------------

def test_shared_group_formula_prints_the_groups_arithmetic():
    # 东营 二(一)1: DY-11 400 + DY-12 300 + DY-13 350 = 1,050 new households share DY-F11;
    # 20 × 1,050 / 100 = 210 m², the figure printed beside it.
    standard = load_standard("dongying")
    plan = workflow.load_plan("samples/dongying-shared.geojson", standard)
    data = json.loads(workflow.render(workflow.run(plan, standard, Options()), "json", "zh"))
    dy11 = next(p for p in data["parcels"] if p["id"] == "DY-11")
    area = next(f for f in dy11["findings"] if f["rule"] == "area_per_households")
    assert area["required"] == 210.0
    assert area["formula"] == ("20 m²/百户 × 新建（DY-11 400 + DY-12 300 + DY-13 350 = 1,050）户"
                               " / 100 = 210.0 m²")


# 8. Every changed figure is traceable -------------------------------------------------------

def test_radius_option_is_recorded_and_marked(tmp_path):
    path = _gk_geojson(tmp_path / "gk.geojson", "EPSG:4547")
    out = invoke("check", path, "--city", "zunyi", "--crs", "EPSG:4547", "--radius", "1500",
                 "-o", tmp_path / "r.json")
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    # Zunyi (through Guizhou: 服务半径应小于700米) publishes 700 m; --radius made it 1,500 m.
    assert data["standard"]["modified"] == [{"rule": "service_radius", "param": "radius_m",
                                             "published": 700.0, "used": 1500.0,
                                             "by": "--radius"}]
    assert data["run"]["options"]["radius_m"] == 1500.0 and out.exit_code in (0, 1)
    radius = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "service_radius")
    assert (radius["status"], radius["required"]) == ("pass", 1500.0)  # 600 m ≤ 1,500 m
    assert data["standard"]["source"] == "built-in" and len(data["standard"]["sha256"]) == 64
    invoke("check", path, "--city", "zunyi", "--crs", "EPSG:4547", "--radius", "1500",
           "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "用户改动：服务半径 = 1,500（原文为 700；--radius）" in page


def test_user_standard_changing_a_rate_never_borrows_the_quote(tmp_path):
    own = tmp_path / "my-city.yaml"
    own.write_text("id: my-city\nextends: zunyi\ndocument:\n  title: 本区试行口径\n"
                   "rules:\n  area_per_households:\n    params:\n      rate_new: 10\n",
                   encoding="utf-8")
    # 10 × 1,200 / 100 = 120 m² under the user's file (遵义 publishes 20 → 240 m²). The
    # 400 m² facility also meets Guizhou's 350 m² single site, inherited through Zunyi.
    out = invoke("check", "--standard", own, "--households-new", "1200", "--facility-area",
                 "400", "-o", tmp_path / "r.json")
    assert out.exit_code in (0, 3), out.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    s = data["standard"]
    assert s["source"] == str(own) and len(s["sha256_chain"]) == 4  # own, zunyi, guizhou, national
    assert {"rule": "area_per_households", "param": "rate_new", "published": 20, "used": 10,
            "by": str(own)} in s["modified"]
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    assert area["required"] == 120.0 and area["modified"][0]["used"] == 10
    invoke("check", "--standard", own, "--households-new", "1200", "--facility-area", "400",
           "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "下列原文所载为公布数值，并非本次采用的数值" in page


# 9. Polygons, detours, and what is measured from where --------------------------------------

def test_polygon_facility_walks_from_its_outline():
    # Street (0,0)→(1,000,0). A diamond facility with its lowest corner (120, 20) 20 m above
    # the street; B1 at (600, 10). Along the streets: 10 + (600 − 120) + 20 = 510 m (from the
    # centroid (120, 40) it would be 530). In a straight line, to the diamond's nearest point
    # (140, 40): √(460² + 30²) = 460.98 m.
    diamond = Polygon([(X0 + 120, Y0 + 20), (X0 + 140, Y0 + 40), (X0 + 120, Y0 + 60),
                       (X0 + 100, Y0 + 40)])
    plan = make_plan([{"id": "P1", "households_new": 10, "geometry": rect(580, 0, 40, 30)}],
                     [{**FAC, "parcel_id": "P1", "geometry": diamond}],
                     buildings=[{"id": "B1", "households": 10, "geometry": pt(600, 10)}],
                     streets=[{"geometry": line((0, 0), (1000, 0))}])
    assert finding(run(plan, "x-district"), "P1", "service_radius").provided == \
        pytest.approx(460.98, abs=0.01)
    assert finding(run(plan, "x-district", distance="network"), "P1", "service_radius").provided \
        == pytest.approx(510.0, abs=0.01)


def test_detour_note_divides_by_the_straight_line_to_the_nearest_facility():
    # FA at (1,000, 300) is 290 m from B1 (1,000, 10) in a straight line but stands on a
    # 200 m street cut off from the rest, 300 m away (beyond the 50 m slack): unreachable.
    # FB at (1,600, 0) on the main street: 10 + 600 = 610 m along it. The detour is measured
    # against the nearest facility in a straight line: 610 / 290 = 2.103, not 610 / 600.08.
    plan = make_plan([{"id": "P1", "households_new": 10, "geometry": rect(990, 5, 20, 20)}],
                     [{**FAC, "id": "FA", "geometry": pt(1000, 300)},
                      {**FAC, "id": "FB", "geometry": pt(1600, 0)}],
                     buildings=[{"id": "B1", "households": 10, "geometry": pt(1000, 10)}],
                     streets=[{"geometry": line((0, 0), (2000, 0))},
                              {"geometry": line((900, 300), (1100, 300))}])
    f = finding(run(plan, "x-district", distance="network"), "P1", "service_radius")
    assert f.provided == pytest.approx(610.0, abs=0.01)
    assert f.details["worst_straight_m"] == pytest.approx(290.0, abs=0.01)
    assert f.details["network_to_straight"] == pytest.approx(610 / 290, abs=0.001)


def test_method_section_says_how_things_are_represented(tmp_path):
    from compliance.views import html

    page = html.render(run(_cad_grid_plan(), "x-district", distance="network"), "zh")
    assert "每栋住宅以其内部一点代表" in page
    assert "两端点之间或端点与道路侧边相距不超过 0.5 米" in page
    assert "横轴墨卡托投影（比例因子 1），按实地距离量算" in page


def _as_kml(gpkg, path):
    """The Beijing sample as Google Earth or 奥维 save a plan drawn on their maps: a folder per
    layer, each placemark named by its id and described in words (已建403户, 日间照料中心 350㎡,
    96户), nothing in attributes."""
    import html

    import pyogrio
    import shapely

    folders = {"parcels": "规划地块", "facilities": "养老设施", "buildings": "住宅楼栋",
               "streets": "道路"}
    kinds = {"community_station": "社区养老服务站", "day_care_center": "日间照料中心"}
    out = ['<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2">'
           "<Document>"]
    for name, _ in pyogrio.list_layers(gpkg):
        frame = gpd.read_file(gpkg, layer=name).to_crs(4326)
        out.append(f"<Folder><name>{folders[name]}</name>")
        for _, row in frame.iterrows():
            said = {"parcels": lambda r: f"已建{int(r['households_existing'])}户",
                    "facilities": lambda r: f"{kinds[r['kind']]} {r['floor_area_m2']:g}㎡",
                    "buildings": lambda r: f"{int(r['households'])}户",
                    "streets": lambda r: ""}[name](row)
            rings = shapely.get_parts(row.geometry)
            drawn = "".join(
                f"<Point><coordinates>{g.x},{g.y}</coordinates></Point>" if g.geom_type == "Point"
                else "<LineString><coordinates>" + " ".join(f"{x},{y}" for x, y in g.coords)
                + "</coordinates></LineString>" if g.geom_type == "LineString"
                else "<Polygon><outerBoundaryIs><LinearRing><coordinates>"
                + " ".join(f"{x},{y}" for x, y in g.exterior.coords)
                + "</coordinates></LinearRing></outerBoundaryIs></Polygon>" for g in rings)
            out.append(f"<Placemark><name>{html.escape(str(row.get('id', '')))}</name><description>"
                       f"{html.escape(said)}</description><MultiGeometry>{drawn}</MultiGeometry>"
                       "</Placemark>")
        out.append("</Folder>")
    path.write_text("".join(out) + "</Document></kml>", encoding="utf-8")
    return path


def test_the_beijing_sample_drawn_in_google_earth_gives_the_geopackages_figures(tmp_path):
    """Real OSM parcels, buildings and streets as a KML whose figures are words: every
    required and provided figure is the GeoPackage's. (已建403户 had been read as new
    housing: BJ-01 required 20 × 403 / 100 = 80.6 m² where existing housing's rate gives
    15 × 403 / 100 = 60.45 m².)"""
    from pathlib import Path

    gpkg = Path(__file__).parent.parent / "samples" / "beijing-xueqing-osm.gpkg"
    figures = []
    for plan in (gpkg, _as_kml(gpkg, tmp_path / "学清路.kml")):
        out = tmp_path / f"{plan.stem}.json"
        res = CliRunner().invoke(main, ["check", str(plan), "--city", "national", "-o", str(out)])
        assert res.exit_code in (0, 1), res.output
        data = json.loads(out.read_text(encoding="utf-8"))
        figures.append({(p["id"], f["rule"]): (f["required"], f["provided"])
                        for p in data["parcels"] for f in p["findings"]})
    assert figures[1] == figures[0]
    assert figures[1][("BJ-01", "area_per_households")][0] == 60.45


def test_the_beijing_sample_drawn_as_a_draughtsman_draws_it_gives_its_households(tmp_path):
    """Real OSM outlines as a 总平面图 in CGCS2000 metres (EPSG:4548), every figure a label on
    its outline's own layer (the parcel's "BJ-07 已建219户" on 红线, often standing inside a
    building): each parcel's households and floor-area figures are the GeoPackage's. Three
    parcels' labels had been read as a building's or a facility's second label."""
    from pathlib import Path

    import ezdxf
    import pyogrio
    import shapely

    gpkg = Path(__file__).parent.parent / "samples" / "beijing-xueqing-osm.gpkg"
    layers = {name: gpd.read_file(gpkg, layer=name).to_crs(4548)
              for name, _ in pyogrio.list_layers(gpkg)}
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 6
    msp = doc.modelspace()
    kinds = {"community_station": "社区养老服务站", "day_care_center": "日间照料中心"}
    drawn = {"parcels": "红线", "buildings": "住宅", "facilities": "养老"}
    for name, frame in layers.items():
        for _, row in frame.iterrows():
            if name == "streets":
                for piece in shapely.get_parts(row.geometry):
                    msp.add_lwpolyline(list(piece.coords), dxfattribs={"layer": "道路"})
                continue
            outline = row.geometry.buffer(3, cap_style="square") \
                if row.geometry.geom_type == "Point" else row.geometry
            for piece in shapely.get_parts(outline):
                msp.add_lwpolyline(list(piece.exterior.coords)[:-1], close=True,
                                   dxfattribs={"layer": drawn[name]})
            said = {"parcels": lambda r: f"{r['id']} 已建{int(r['households_existing'])}户",
                    "buildings": lambda r: f"{r['id']} {int(r['households'])}户",
                    "facilities": lambda r: f"{r['id']} {kinds[r['kind']]} "
                                            f"{r['floor_area_m2']:g}㎡"}[name](row)
            at = row.geometry if row.geometry.geom_type == "Point" \
                else row.geometry.representative_point()
            msp.add_text(said, dxfattribs={"layer": drawn[name], "insert": (at.x, at.y),
                                           "height": 2})
    doc.saveas(tmp_path / "学清路总平面图.dxf")
    figures = []
    for plan, crs in ((gpkg, []), (tmp_path / "学清路总平面图.dxf", ["--crs", "EPSG:4548"])):
        out = tmp_path / f"{plan.stem}.json"
        res = CliRunner().invoke(main, ["check", str(plan), "--city", "national", *crs,
                                        "-o", str(out)])
        assert res.exit_code in (0, 1), res.output
        data = json.loads(out.read_text(encoding="utf-8"))
        figures.append({p["id"]: (p["households_existing"], next(
            (f["required"], f["provided"]) for f in p["findings"]
            if f["rule"] == "area_per_households")) for p in data["parcels"]})
    assert figures[1] == figures[0]
    # National: 15 m² per 100 existing households, BJ-01's 403: 60.45 m².
    assert figures[1]["BJ-01"] == (403, (60.45, 0.0))
