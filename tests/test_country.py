"""A plan over several cities (a province's projects, a country's compounds), each parcel judged
by the standard of the place its field names: `compliance batch --place-field 城市`.

The plan: two parcels in 遵义 (spelt 遵义市 and 遵义), two in 常州, one in 武汉 (no standard of its
own among those shipped; Hubei's covers it) and one whose place is blank. Each city's features
are drawn in metres on a transverse Mercator centred on it and given in longitude/latitude."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Point, box

from compliance.cli import main

CENTRES = {"zunyi": (106.930, 27.700), "changzhou": (119.970, 31.800),
           "wuhan": (114.300, 30.600)}
# id, place, city, box in metres, new households
PARCELS = [("Z1", "遵义市", "zunyi", (0, 0, 200, 100), 1000),
           ("Z2", "遵义", "zunyi", (1000, 0, 1200, 100), 500),
           ("C1", "常州市", "changzhou", (0, 0, 200, 100), 1000),
           ("C2", "常州市", "changzhou", (800, 0, 1000, 100), 200),
           ("W1", "武汉市", "wuhan", (0, 0, 200, 100), 1000),
           ("X1", None, "wuhan", (5000, 0, 5200, 100), 100)]
# One 300 m² community station in each city, at (50, 50) of its first parcel.
FACILITIES = [("ZF1", "zunyi"), ("CF1", "changzhou"), ("WF1", "wuhan")]
# id, city, point in metres, households
BUILDINGS = [("ZB1", "zunyi", (150, 50), 1000), ("ZB2", "zunyi", (1150, 50), 500),
             ("CB1", "changzhou", (150, 50), 1000), ("CB2", "changzhou", (850, 50), 200),
             ("WB1", "wuhan", (150, 50), 1000), ("XB1", "wuhan", (5100, 50), 100)]


def _lonlat(city, geom):
    lon, lat = CENTRES[city]
    local = pyproj.CRS.from_proj4(f"+proj=tmerc +lat_0={lat} +lon_0={lon} +k=1 +x_0=0 +y_0=0 "
                                  "+datum=WGS84 +units=m")
    to = pyproj.Transformer.from_crs(local, "EPSG:4326", always_xy=True)
    return shapely.transform(geom, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))


def country_plan(path, cities=None):
    def keep(city):
        return cities is None or city in cities

    gpd.GeoDataFrame(
        [{"id": i, "城市": place, "households_new": hh} for i, place, c, _, hh in PARCELS
         if keep(c)],
        geometry=[_lonlat(c, box(*b)) for _, _, c, b, _ in PARCELS if keep(c)],
        crs="EPSG:4326").to_file(path, layer="parcels")
    gpd.GeoDataFrame(
        [{"id": i, "kind": "community_station", "floor_area_m2": 300.0, "status": "planned"}
         for i, c in FACILITIES if keep(c)],
        geometry=[_lonlat(c, Point(50, 50)) for _, c in FACILITIES if keep(c)],
        crs="EPSG:4326").to_file(path, layer="facilities")
    gpd.GeoDataFrame(
        [{"id": i, "households": hh} for i, c, _, hh in BUILDINGS if keep(c)],
        geometry=[_lonlat(c, Point(xy)) for _, c, xy, _ in BUILDINGS if keep(c)],
        crs="EPSG:4326").to_file(path, layer="buildings")
    return path


def batch(*args):
    return CliRunner().invoke(main, ["batch", *[str(a) for a in args], "--no-parcel-reports",
                                     "--lang", "en"])


def findings(folder):
    data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    return {(p["id"], f["rule"]): f for p in data["parcels"] for f in p["findings"]}


def test_each_place_is_judged_by_its_own_standard(tmp_path):
    out = tmp_path / "out"
    res = batch(country_plan(tmp_path / "country.gpkg"), "--place-field", "城市", "-o", out)
    assert res.exit_code == 1, res.output  # some parcels are non-compliant
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["changzhou", "zunyi"]

    zunyi = findings(out / "zunyi")
    assert {p for p, _ in zunyi} == {"Z1", "Z2"}  # 遵义市 and 遵义: one place, one standard
    # Zunyi (十五): 20 m² per 100 new households: 20 × 1,000 / 100 = 200 m² ≤ 300 provided.
    area = zunyi["Z1", "area_per_households"]
    assert (area["required"], area["provided"], area["status"]) == (200.0, 300.0, "pass")
    # Guizhou, which Zunyi extends: a community station has at least 350 m²; 300 is short.
    assert zunyi["Z1", "facility_minimum_area"]["status"] == "fail"
    # Guizhou's radius is 700 m; ZB2 at (1150, 50) is 1,100 m from ZF1 at (50, 50).
    radius = zunyi["Z2", "service_radius"]
    assert (radius["required"], radius["provided"], radius["status"]) == (700.0, 1100.0, "fail")

    changzhou = findings(out / "changzhou")
    assert {p for p, _ in changzhou} == {"C1", "C2"}
    # Changzhou: a 15-minute circle, at 4 km/h 15 / 60 × 4,000 = 1,000 m. CB2 at (850, 50) is
    # 800 m from CF1: within it (it would be 100 m beyond Zunyi's 700).
    radius = changzhou["C2", "service_radius"]
    assert (radius["required"], radius["provided"], radius["status"]) == (1000.0, 800.0, "pass")
    # No minimum size for a station in Changzhou's chain: the rule is not Changzhou's.
    assert ("C1", "facility_minimum_area") not in changzhou

    # 武汉 has no standard of its own: not judged by Hubei's unasked, and the overview says
    # which standard covers it; the blank place is said too.
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "W1" in page and "--covering-standard" in page and "(hubei for 湖北省武汉市)" in page
    assert "X1" in page and "place field is blank" in page
    assert 'href="zunyi/index.html"' in page and 'href="changzhou/report.pdf"' in page
    # One table of every parcel: each folder's rows with the place and the standard that
    # judged it, and a row for each parcel not checked, saying why.
    import csv
    with open(out / "results.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert {r["parcel_id"] for r in table} == {"Z1", "Z2", "C1", "C2", "W1", "X1"}
    z2 = next(r for r in table if r["parcel_id"] == "Z2" and r["rule"] == "service_radius")
    assert (z2["place"], z2["judged_by"], z2["provided"]) == ("遵义", "zunyi", "1100.0")
    w1 = [r for r in table if r["parcel_id"] == "W1"]
    assert len(w1) == 1 and w1[0]["place"] == "武汉市" and w1[0]["judged_by"] == ""
    assert "hubei" in w1[0]["message"] and w1[0]["verdict"] == ""
    # Each place's overview leads back to the overview by place.
    assert 'href="../index.html"' in (out / "zunyi" / "index.html").read_text(encoding="utf-8")
    assert "not checked (1): 武汉市" in res.output or "武汉市" in res.output


def test_a_places_part_is_checked_as_if_its_plan_were_read_alone(tmp_path):
    """Zunyi's folder holds what a batch of Zunyi's parcels alone gives: the same findings
    and figures, measured in the CRS centred on them (to a micrometre: the country's plan is
    projected twice), not in one centred on the country. The country's extent (1,263 km)
    is not said to be Zunyi's."""
    country = batch(country_plan(tmp_path / "country.gpkg"), "--place-field", "城市",
                    "-o", tmp_path / "country")
    alone = batch(country_plan(tmp_path / "zunyi.gpkg", {"zunyi"}), "--city", "zunyi",
                  "-o", tmp_path / "alone")
    assert country.exit_code == 1 and alone.exit_code == 1

    def parcels(folder):
        data = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        return data, json.loads(json.dumps(data["parcels"]), parse_float=lambda v:
                                round(float(v), 6))

    (part, part_parcels), (whole, whole_parcels) = parcels(tmp_path / "country" / "zunyi"), \
        parcels(tmp_path / "alone")
    assert part_parcels == whole_parcels
    assert part["district"] == whole["district"]
    assert part["problems"] == whole["problems"] == []


def test_places_without_a_standard_take_the_one_named_beside_the_field(tmp_path):
    out = tmp_path / "out"
    res = batch(country_plan(tmp_path / "country.gpkg"), "--place-field", "城市",
                "--city", "national", "-o", out)
    assert res.exit_code == 1, res.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == \
        ["changzhou", "national", "zunyi"]
    national = findings(out / "national")
    assert {p for p, _ in national} == {"W1", "X1"}
    # The national baseline (国发〔2013〕35号 (十五)): 20 × 1,000 / 100 = 200 m² ≤ 300.
    area = national["W1", "area_per_households"]
    assert (area["required"], area["provided"], area["status"]) == (200.0, 300.0, "pass")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "no standard of their own" in page and "Parcels not checked" not in page


def test_a_list_of_projects_by_city(tmp_path):
    """A province's list of projects with a 所在城市 column: each row judged by its city's
    standard, and the column not said to be left unread."""
    path = tmp_path / "projects.csv"
    path.write_text("项目编号,所在城市,新建户数,养老设施建筑面积\n"
                    "甲,遵义市,1000,300\n乙,常州市,1000,300\n", encoding="utf-8")
    out = tmp_path / "out"
    res = batch(path, "--place-field", "所在城市", "-o", out)
    assert res.exit_code == 1, res.output
    # Zunyi's chain: 300 m² is 50 short of a station's 350; Changzhou's sets no minimum.
    assert findings(out / "zunyi")["甲", "facility_minimum_area"]["status"] == "fail"
    assert ("乙", "facility_minimum_area") not in findings(out / "changzhou")
    for folder in ("zunyi", "changzhou"):
        data = json.loads((out / folder / "results.json").read_text(encoding="utf-8"))
        assert not [q for q in data["problems"] if "所在城市" in (q.get("found") or "")]


@pytest.mark.parametrize("field", ["城市", "所在城市"])
def test_a_place_field_the_parcels_lack_is_refused(tmp_path, field):
    plan = country_plan(tmp_path / "country.gpkg")
    if field == "城市":
        res = batch(plan, "--place-field", "city", "-o", tmp_path / "out")
        wanted = "city"
    else:
        res = batch(plan, "--place-field", field, "-o", tmp_path / "out")
        wanted = field
    assert res.exit_code == 2
    assert "the parcels have no field of this name" in res.output
    assert wanted in res.output and "城市" in res.output  # the fields it has
    assert not (tmp_path / "out").exists()


def test_a_facility_shared_across_standards_is_said(tmp_path):
    """ZF1 named as serving Z1 and C1 (parcel_id Z1;C1): each place's folder counts it whole,
    and each says so, naming it."""
    plan = country_plan(tmp_path / "country.gpkg")
    facilities = gpd.read_file(plan, layer="facilities")
    facilities["parcel_id"] = ["Z1;C1", "C1", "W1"]
    facilities.to_file(plan, layer="facilities")
    out = tmp_path / "out"
    res = batch(plan, "--place-field", "城市", "-o", out)
    assert res.exit_code == 1, res.output
    for folder in ("zunyi", "changzhou"):
        data = json.loads((out / folder / "results.json").read_text(encoding="utf-8"))
        said = [q for q in data["problems"] if "another standard" in q["message"]]
        assert [q["found"] for q in said] == ["ZF1"]
    # Z1 still counts ZF1's 300 m² against its 20 × 1,000 / 100 = 200 m².
    assert findings(out / "zunyi")["Z1", "area_per_households"]["provided"] == 300.0


def test_what_is_said_of_a_feature_is_said_in_its_places_folder(tmp_path):
    """CF1's area unreadable: said in Changzhou's folder only. A building outside every
    parcel belongs to no place: said in both."""
    plan = country_plan(tmp_path / "country.gpkg")
    facilities = gpd.read_file(plan, layer="facilities")
    facilities["floor_area_m2"] = facilities["floor_area_m2"].astype(object)
    facilities.loc[facilities["id"] == "CF1", "floor_area_m2"] = "三百"
    facilities.to_file(plan, layer="facilities")
    buildings = gpd.read_file(plan, layer="buildings")
    stray = gpd.GeoDataFrame([{"id": "ZB9", "households": 10}],
                             geometry=[_lonlat("zunyi", Point(600, 500))], crs="EPSG:4326")
    gpd.pd.concat([buildings, stray], ignore_index=True).to_file(plan, layer="buildings")
    out = tmp_path / "out"
    batch(plan, "--place-field", "城市", "-o", out)

    def said(folder):
        data = json.loads((out / folder / "results.json").read_text(encoding="utf-8"))
        return {(q["layer"], q.get("feature")) for q in data["problems"]}

    assert ("facilities", "CF1") in said("changzhou")
    assert ("facilities", "CF1") not in said("zunyi")
    assert ("buildings", "ZB9") in said("zunyi") and ("buildings", "ZB9") in said("changzhou")
    # C1's room is unread: its area rule cannot be judged (C1 needs 20 × 1,000 / 100 = 200).
    assert findings(out / "changzhou")["C1", "area_per_households"]["status"] == \
        "insufficient_data"


def test_places_given_by_their_codes(tmp_path):
    """A register's field of 行政区划代码, kept as integers (XZQDM): 520300 is 遵义市, 320400
    常州市; 520302 is 红花岗区, a district of Zunyi without a standard of its own, which the
    overview names with the one covering it."""
    plan = country_plan(tmp_path / "country.gpkg")
    parcels = gpd.read_file(plan, layer="parcels")
    codes = {"Z1": 520300, "Z2": 520302, "C1": 320400, "C2": 320400, "W1": 420100}
    parcels["XZQDM"] = parcels["id"].map(codes).astype("Int64")
    parcels.drop(columns="城市").to_file(plan, layer="parcels")
    out = tmp_path / "out"
    res = batch(plan, "--place-field", "xzqdm", "-o", out)
    assert res.exit_code == 1, res.output
    assert {p for p, _ in findings(out / "zunyi")} == {"Z1"}
    assert {p for p, _ in findings(out / "changzhou")} == {"C1", "C2"}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "遵义市（520300）" in page and "常州市（320400）" in page
    assert "红花岗区（520302）" in page and "(zunyi for 贵州省遵义市红花岗区)" in page
    assert "武汉市（420100）" in page and "(hubei for 湖北省武汉市)" in page


def test_the_place_field_is_read_among_hundreds_of_others(tmp_path):
    """A whole register's export: 250 fields beyond the format's, of which only those the
    format knows are read (io._MANY_FIELDS), and the place field named by --place-field."""
    plan = country_plan(tmp_path / "country.gpkg")
    parcels = gpd.read_file(plan, layer="parcels")
    for i in range(250):
        parcels[f"ZD{i:03d}"] = ""
    parcels.to_file(plan, layer="parcels")
    out = tmp_path / "out"
    res = batch(plan, "--place-field", "城市", "-o", out)
    assert res.exit_code == 1, res.output
    assert {p for p, _ in findings(out / "zunyi")} == {"Z1", "Z2"}


def test_a_failure_typesetting_a_places_pdf_leaves_nothing_behind(tmp_path, monkeypatch):
    """The second place's report.pdf fails while the first's is done: the batch stops with
    WeasyPrint's words, no folder is left half written, and no typesetter is left running."""
    import subprocess
    import sys

    from compliance.views import pdf

    started = []
    real = subprocess.Popen

    def popen(*args, **kwargs):
        started.append(real(*args, **kwargs))
        return started[-1]

    # The first typesetter answers with a PDF's bytes; the later ones fail.
    monkeypatch.setattr(pdf, "_COMMAND", (sys.executable, "-c", (
        "import os, sys; sys.stdin.buffer.read(); n = os.environ.get('N', '');"
        "import glob; done = glob.glob(os.path.join(os.environ['MARK'], '*'));"
        "open(os.path.join(os.environ['MARK'], str(len(done))), 'w').close();"
        "sys.stdout.buffer.write(b'%PDF-1.7 stand-in') if not done else "
        "(sys.stderr.write('OSError: no space left on the device\\n'), sys.exit(1))")))
    (tmp_path / "mark").mkdir()
    monkeypatch.setenv("MARK", str(tmp_path / "mark"))
    monkeypatch.setattr(subprocess, "Popen", popen)
    res = batch(country_plan(tmp_path / "country.gpkg"), "--place-field", "城市",
                "-o", tmp_path / "out")
    assert res.exit_code == 2 and "no space left" in res.output
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["country.gpkg", "mark"]
    typesetters = [p for p in started if p.args[:2] == (sys.executable, "-c")]
    assert len(typesetters) == 2 and all(p.poll() is not None for p in typesetters)


def test_one_place_of_real_data_gives_the_plain_batch_byte_for_byte(tmp_path, monkeypatch):
    """The Beijing OSM sample (10 parcels, its buildings and streets as mapped), every parcel
    in 北京市, which has no standard of its own: judged by the --city national given beside
    the field, its folder's results.json and results.csv are the plain batch's, byte for
    byte, along the streets."""
    from pathlib import Path

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764000000")
    sample = Path(__file__).resolve().parent.parent / "samples" / "beijing-xueqing-osm.gpkg"
    plan = tmp_path / "beijing.gpkg"
    import shutil

    shutil.copy(sample, plan)
    parcels = gpd.read_file(plan, layer="parcels")
    parcels["城市"] = "北京市"
    parcels.to_file(plan, layer="parcels")
    common = ("--city", "national", "--distance", "network")
    by_place = batch(plan, "--place-field", "城市", *common, "-o", tmp_path / "by-place")
    plain = batch(plan, *common, "-o", tmp_path / "plain")
    assert by_place.exit_code == plain.exit_code == 1
    for name in ("results.json", "results.csv"):
        assert (tmp_path / "by-place" / "national" / name).read_bytes() == \
            (tmp_path / "plain" / name).read_bytes()


def test_a_standard_of_ones_own_bearing_a_shipped_id_is_its_own_folder(tmp_path):
    """--standard my-zunyi.yaml (id zunyi, a copy) for the places without a standard: 遵义's
    parcels are judged by the shipped zunyi, 武汉's and the blank place's by the user's
    file, each in a folder of its own (zunyi, zunyi-2), never merged."""
    import shutil

    from compliance.standard import standards_dir

    own = tmp_path / "my-zunyi.yaml"
    shutil.copy(standards_dir() / "zunyi.yaml", own)
    out = tmp_path / "out"
    res = batch(country_plan(tmp_path / "country.gpkg"), "--place-field", "城市",
                "--standard", own, "-o", out)
    assert res.exit_code == 1, res.output
    assert {p for p, _ in findings(out / "zunyi")} == {"Z1", "Z2"}
    assert {p for p, _ in findings(out / "zunyi-2")} == {"W1", "X1"}


def test_a_facility_is_judged_in_the_place_of_the_parcel_it_lies_in(tmp_path):
    """Two neighbouring parcels of two places: C1 (常州市) holding the care home CH1, D1
    (东营市) 100 m east of it. CH1 serves D1's homes as a place to walk to, but its beds are
    judged in Changzhou's folder only: Changzhou's dementia beds, 10 % of the nursing beds
    (三(三)7), 0 of 50 where 0.10 × 50 = 5 are required.
    In Dongying's it is not judged again by Dongying's nursing-bed and social-worker rules."""
    path = tmp_path / "two.gpkg"
    gpd.GeoDataFrame(
        [{"id": "C1", "城市": "常州市", "households_new": 100},
         {"id": "D1", "城市": "东营市", "households_new": 100}],
        geometry=[_lonlat("changzhou", box(0, 0, 200, 100)),
                  _lonlat("changzhou", box(300, 0, 500, 100))],
        crs="EPSG:4326").to_file(path, layer="parcels")
    gpd.GeoDataFrame(
        [{"id": "CH1", "kind": "care_home", "floor_area_m2": 3000.0, "status": "planned",
          "beds": 100, "nursing_beds": 50, "dementia_beds": 0, "social_workers": 0}],
        geometry=[_lonlat("changzhou", Point(50, 50))],
        crs="EPSG:4326").to_file(path, layer="facilities")
    gpd.GeoDataFrame(
        [{"id": "CB1", "households": 100}, {"id": "DB1", "households": 100}],
        geometry=[_lonlat("changzhou", Point(150, 50)), _lonlat("changzhou", Point(450, 50))],
        crs="EPSG:4326").to_file(path, layer="buildings")
    out = tmp_path / "out"
    res = batch(path, "--place-field", "城市", "-o", out)
    assert res.exit_code in (0, 1, 3), res.output

    def judged(folder):
        data = json.loads((out / folder / "results.json").read_text(encoding="utf-8"))
        return {(f["id"], g["rule"], g["status"]) for f in data.get("facilities", [])
                for g in f["findings"]}

    assert ("CH1", "dementia_bed_ratio", "fail") in judged("changzhou")
    assert judged("dongying") == set()
    # D1's farthest home, DB1 at (450, 50), walks to CH1 at (50, 50): 400 m.
    dongying = findings(out / "dongying")
    assert dongying["D1", "service_radius"]["provided"] == 400.0


def test_places_judged_by_the_standard_covering_them_when_asked(tmp_path):
    """--covering-standard: 红花岗区 (520302, no standard of its own) is judged by its city's
    zunyi, 武汉市 by its province's hubei; each said as such. The blank place still has no
    standard to cover it: not checked."""
    plan = country_plan(tmp_path / "country.gpkg")
    parcels = gpd.read_file(plan, layer="parcels")
    parcels.loc[parcels["id"] == "Z2", "城市"] = "520302"
    parcels.to_file(plan, layer="parcels")
    out = tmp_path / "out"
    res = batch(plan, "--place-field", "城市", "--covering-standard", "-o", out)
    assert res.exit_code == 1, res.output
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == ["changzhou", "hubei", "zunyi"]
    assert {p for p, _ in findings(out / "zunyi")} == {"Z1", "Z2"}
    assert {p for p, _ in findings(out / "hubei")} == {"W1"}
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "红花岗区（520302）" in page and "judged by the standard covering them" in page
    assert "X1" in page and "place field is blank" in page
    res = batch(plan, "--covering-standard", "--city", "zunyi", "-o", tmp_path / "no")
    assert res.exit_code == 2 and "--covering-standard goes with --place-field" in res.output
