"""`compliance serve` as its users meet it: a server started on a free local port, its API
driven with an HTTP client, its page with Playwright on Debian's Chromium. Results are
compared with what the command line writes for the same files."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner

from compliance.cli import main
from conftest import WindowsZipName

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
CHROMIUM = "/usr/bin/chromium"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, data: Path, max_upload_mb: int = 5, workers: int = 2):
        self.data, self.max_upload_mb, self.workers = data, max_upload_mb, workers
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def start(self):
        env = {**os.environ, "LANG": "C.UTF-8"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "compliance", "serve", "--port", str(self.port),
             "--data", str(self.data), "--workers", str(self.workers),
             "--max-upload-mb", str(self.max_upload_mb)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(self.url + "/api/standards", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start: " + self.proc.stdout.read().decode())

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server(tmp_path_factory.mktemp("desk")).start()
    yield s
    s.stop()


def submit(server, files, standard="zunyi", **fields):
    payload = [("plan", (name, data)) for name, data in files]
    # Messages in English (?lang=en); the report's language is the form's `lang`.
    return httpx.post(server.url + "/api/checks?lang=en", data={"standard": standard, **fields},
                      files=payload, timeout=60)


def wait(server, check_id, timeout=240):
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = httpx.get(f"{server.url}/api/checks/{check_id}", timeout=30).json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.3)
    raise AssertionError(f"check {check_id} did not finish: {body}")


def cli_result(plan: Path, standard: str, tmp_path: Path, *options: str) -> dict:
    out = tmp_path / f"cli-{plan.stem}-{standard}.json"
    CliRunner().invoke(main, ["check", str(plan), "--city", standard, "-o", str(out),
                              *options])
    return json.loads(out.read_text(encoding="utf-8"))


def _differences(x, y, path=""):
    if type(x) is not type(y):
        return [f"{path}: {x!r} ≠ {y!r}"]
    if isinstance(x, dict):
        return [d for k in sorted(set(x) | set(y), key=str)
                for d in _differences(x.get(k), y.get(k), f"{path}.{k}")]
    if isinstance(x, list):
        out = [f"{path}: {len(x)} ≠ {len(y)} items"] if len(x) != len(y) else []
        return out + [d for i, (p, q) in enumerate(zip(x, y))
                      for d in _differences(p, q, f"{path}[{i}]")]
    return [] if x == y else [f"{path}: {x!r} ≠ {y!r}"]


def same_result(api: dict, cli: dict) -> None:
    assert _differences(api["parcels"], cli["parcels"]) == []
    assert api["summary"] == cli["summary"]
    assert api["standard"]["id"] == cli["standard"]["id"]


# --------------------------------------------------------------------------- the API

def test_standards_are_offered_with_their_names(server):
    body = httpx.get(server.url + "/api/standards").json()
    ids = {s["id"] for s in body}
    assert {"national", "zunyi", "fujian", "shandong"} <= ids
    fujian = next(s for s in body if s["id"] == "fujian")
    assert fujian["place"] == "福建省" and fujian["place_en"] == "Fujian"


def test_a_check_gives_what_the_command_line_gives(server, tmp_path):
    plan = SAMPLES / "zunyi-failing.geojson"
    accepted = submit(server, [("汇川 plan.geojson", plan.read_bytes())])
    assert accepted.status_code == 202
    check_id = accepted.json()["id"]
    assert len(check_id) >= 22  # 18 random bytes: unguessable
    done = wait(server, check_id)
    assert done["status"] == "done" and done["progress"] == 1.0
    same_result(done["result"], cli_result(plan, "zunyi", tmp_path))
    # The files, as the command line writes them.
    pdf = httpx.get(f"{server.url}/api/checks/{check_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    csv = httpx.get(f"{server.url}/api/checks/{check_id}/results.csv")
    assert "ZY-01" in csv.text
    gpkg = httpx.get(f"{server.url}/api/checks/{check_id}/results.gpkg")
    assert gpkg.content.startswith(b"SQLite format 3\x00")
    # The history lists it, newest first.
    history = httpx.get(server.url + "/api/checks?limit=5").json()
    assert history[0]["id"] == check_id or check_id in {h["id"] for h in history}


def test_twenty_concurrent_checks_all_finish_as_the_command_line_says(server, tmp_path):
    plans = [("zunyi-failing.geojson", "zunyi"), ("dongying-compliant.geojson", "dongying"),
             ("dongying-shared.geojson", "dongying"), ("tongchuan-phased.geojson", "tongchuan")]
    expected = {name: cli_result(SAMPLES / name, std, tmp_path) for name, std in plans}
    ids: list[tuple[str, str]] = []
    lock = threading.Lock()

    def user(k):
        name, std = plans[k % len(plans)]
        r = submit(server, [(name, (SAMPLES / name).read_bytes())], standard=std)
        assert r.status_code == 202, r.text
        with lock:
            ids.append((r.json()["id"], name))

    threads = [threading.Thread(target=user, args=(k,)) for k in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == 20 and len({i for i, _ in ids}) == 20
    for check_id, name in ids:
        done = wait(server, check_id)
        assert done["status"] == "done", done["error"]
        same_result(done["result"], expected[name])


def test_requests_it_cannot_take_are_400_with_problems(server):
    no_plan = httpx.post(server.url + "/api/checks?lang=en", data={"standard": "zunyi"},
                         files=[("other", ("x.txt", b"x"))])
    assert no_plan.status_code == 400 and no_plan.json()["problems"][0]["file"] == "plan"
    unknown = submit(server, [("p.geojson", b"{}")], standard="atlantis")
    assert unknown.status_code == 400 and "atlantis" in unknown.text
    # A city without a standard of its own is told the one covering it, as on the command line.
    wuhan = submit(server, [("p.geojson", b"{}")], standard="武汉")
    assert wuhan.status_code == 400
    assert wuhan.json()["problems"][0]["file"] == "standard"
    assert "湖北省武汉市 has no standard of its own among those shipped; 湖北省's is hubei" \
        in wuhan.json()["problems"][0]["message"]
    dwg = submit(server, [("site.dwg", b"AC1032" + b"\0" * 100)])
    assert dwg.status_code == 400 and "DXF" in dwg.text
    # A RAR (360压缩's and WinRAR's own format), told by its bytes: the way out is a ZIP.
    rar = submit(server, [("报审资料.zip", b"Rar!\x1a\x07\x01\x00" + b"\0" * 100)])
    assert rar.status_code == 400 and "压缩为 ZIP 格式" in rar.json()["problems"][0]["expected"]


def test_an_upload_over_the_limit_is_413(server):
    big = b"{" + b" " * (6 * 1024 * 1024) + b"}"
    assert submit(server, [("big.geojson", big)]).status_code == 413


def test_zip_paths_outside_the_folder_and_zip_bombs_are_refused(server):
    slip = io.BytesIO()
    with zipfile.ZipFile(slip, "w") as z:
        z.writestr("../../evil.geojson", "{}")
    r = submit(server, [("plan.zip", slip.getvalue())])
    assert r.status_code == 400 and "outside" in r.text
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("parcels.geojson", b" " * (50 * 1024 * 1024))
    r = submit(server, [("plan.zip", bomb.getvalue())])
    assert r.status_code == 400 and "zip bomb" in r.text
    assert not list((server.data / "checks").glob("*/input/plan/parcels.geojson"))


def _layers(plan: Path, folder: Path, driver: str, suffix: str) -> list[Path]:
    """A GeoJSON sample split into one file per layer, as a GIS office keeps it. In a
    Shapefile, whose field names hold 10 characters, households are hh_new / hh_exist
    (PLAN-FORMAT.md); floor_area_m2 is cut to floor_area by GDAL."""
    import geopandas as gpd

    gdf = gpd.read_file(plan)
    if driver == "ESRI Shapefile":
        gdf = gdf.rename(columns={"households_new": "hh_new",
                                  "households_existing": "hh_exist"})
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for singular, layer in (("parcel", "parcels"), ("facility", "facilities"),
                            ("building", "buildings")):
        part = gdf[gdf["layer"] == singular].drop(columns="layer").dropna(axis=1, how="all")
        if len(part):
            part.to_file(folder / f"{layer}{suffix}", driver=driver)
            out += sorted(folder.glob(f"{layer}.*"))
    return out


def test_every_plan_format_the_command_line_reads(server, tmp_path):
    # The same district as GeoJSON, as a ZIP of a folder of GeoJSON layers (with its top
    # folder), as a ZIP of a shapefile set, as loose shapefile files, and as a GeoPackage:
    # each gives the command line's result for the GeoJSON.
    import geopandas as gpd

    plan = SAMPLES / "dongying-shared.geojson"
    expected = cli_result(plan, "dongying", tmp_path)
    uploads = {}
    files = _layers(plan, tmp_path / "dy-folder", "GeoJSON", ".geojson")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in files:
            z.write(f, f"dy-folder/{f.name}")
    uploads["folder zip"] = [("dy-folder.zip", buf.getvalue())]
    shp = _layers(plan, tmp_path / "dy-shp", "ESRI Shapefile", ".shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in shp:
            z.write(f, f.name)
    uploads["shapefile zip"] = [("dy-shp.zip", buf.getvalue())]
    uploads["shapefile files"] = [(f.name, f.read_bytes()) for f in shp]
    gpkg = tmp_path / "dy.gpkg"
    gdf = gpd.read_file(plan)
    for singular, layer in (("parcel", "parcels"), ("facility", "facilities")):
        gdf[gdf["layer"] == singular].drop(columns="layer").dropna(axis=1, how="all").to_file(
            gpkg, layer=layer, driver="GPKG")
    uploads["geopackage"] = [("区域方案.gpkg", gpkg.read_bytes())]
    for what, files in uploads.items():
        r = submit(server, files, standard="dongying")
        assert r.status_code == 202, (what, r.text)
        done = wait(server, r.json()["id"])
        assert done["status"] == "done", (what, done["error"])
        assert done["result"]["summary"] == expected["summary"], what
        verdicts = {p["id"]: p["verdict"] for p in done["result"]["parcels"]}
        assert verdicts == {p["id"]: p["verdict"] for p in expected["parcels"]}, what


def test_a_dxf_with_its_table_and_an_excel_project_list(server, tmp_path):
    dxf, table = SAMPLES / "zunyi-site.dxf", SAMPLES / "zunyi-site-指标.xlsx"
    out = tmp_path / "site.json"
    CliRunner().invoke(main, ["check", str(dxf), "--city", "zunyi", "--table", str(table),
                              "-o", str(out)])
    expected = json.loads(out.read_text(encoding="utf-8"))
    # The table first: the desk tells the drawing from the table by their bytes.
    r = submit(server, [(table.name, table.read_bytes()), (dxf.name, dxf.read_bytes())])
    assert r.status_code == 202, r.text
    done = wait(server, r.json()["id"])
    assert done["status"] == "done", done["error"]
    same_result(done["result"], expected)
    assert {q["file"] for q in done["result"]["problems"]} == {dxf.name}
    # Both mailed in one ZIP (in a folder, as Windows' compressor names them, in GBK): the
    # desk and the command line each take the drawing as the plan and join the table to it.
    zipped = tmp_path / "总平面图报审.zip"
    with zipfile.ZipFile(zipped, "w") as z:
        for f in (dxf, table):
            z.writestr(WindowsZipName(f"报审资料/{f.name}"), f.read_bytes())
    done = wait(server, submit(server, [(zipped.name, zipped.read_bytes())]).json()["id"])
    assert done["status"] == "done", done["error"]
    same_result(done["result"], expected)
    # The drawing's warnings name it as the user knows it, never by the server's path.
    assert {q["file"] for q in done["result"]["problems"]} == {f"{zipped.name}/{dxf.name}"}
    same_result(cli_result(zipped, "zunyi", tmp_path), expected)
    # A KML as Google Earth and 奥维 save one, told by its bytes, and the same zipped as a KMZ.
    from test_layer_names import KML

    kmz = io.BytesIO()
    with zipfile.ZipFile(kmz, "w") as z:
        z.writestr("doc.kml", KML)
    for name, body in (("滨湖苑.kml", KML.encode("utf-8")), ("滨湖苑.kmz", kmz.getvalue())):
        done = wait(server, submit(server, [(name, body)]).json()["id"])
        assert done["status"] == "done", (name, done["error"])
        area = next(f for f in done["result"]["parcels"][0]["findings"]
                    if f["rule"] == "area_per_households")
        assert (area["required"], area["provided"]) == (240.0, 260.0), name  # 20 × 1,200 / 100
    projects = SAMPLES / "zunyi-projects.xlsx"
    r = submit(server, [(projects.name, projects.read_bytes())])
    done = wait(server, r.json()["id"])
    assert done["status"] == "done", done["error"]
    same_result(done["result"], cli_result(projects, "zunyi", tmp_path))
    # An Excel 97-2003 list, told by its bytes (an OLE file) as the command line reads it.
    old = Path(__file__).parent / "data" / "配建表.xls"
    done = wait(server, submit(server, [(old.name, old.read_bytes())]).json()["id"])
    assert done["status"] == "done", done["error"]
    same_result(done["result"], cli_result(old, "zunyi", tmp_path))
    # Excel's Unicode 文本: UTF-16, tab-separated.
    text = tmp_path / "projects.txt"
    text.write_bytes("编号\t新建户数\t养老设施建筑面积\r\nA\t864\t220\r\n".encode("utf-16"))
    done = wait(server, submit(server, [(text.name, text.read_bytes())]).json()["id"])
    assert done["status"] == "done", done["error"]
    same_result(done["result"], cli_result(text, "zunyi", tmp_path))


def test_a_gis_file_under_its_own_names_with_its_field_map(server, tmp_path):
    """A GeoPackage of 规划地块 / 养老设施点 / 住宅楼栋 with pinyin fields, and the .yaml that
    maps them, uploaded together: the result the command line gives with --fields."""
    from test_layer_names import FIELDS, office_gpkg

    plan = office_gpkg(tmp_path / "汇川区.gpkg")
    fields = tmp_path / "字段对照.yaml"
    fields.write_text(FIELDS, encoding="utf-8")
    expected = cli_result(plan, "zunyi", tmp_path, "--fields", str(fields))
    done = wait(server, submit(server, [(fields.name, fields.read_bytes()),
                                        (plan.name, plan.read_bytes())]).json()["id"])
    assert done["status"] == "done", done["error"]
    same_result(done["result"], expected)
    # 20 × 864 / 100 = 172.8 m² required of the 220 m² station.
    area = next(f for f in done["result"]["parcels"][0]["findings"]
                if f["rule"] == "area_per_households")
    assert (area["required"], area["provided"]) == (172.8, 220.0)


def _dxf_without_a_zone_prefix(path: Path) -> Path:
    # CGCS2000 3-degree CM 114°E eastings without the zone in front (500,000 m): no CRS the
    # drawing can tell. A 300 × 200 m parcel of 1,200 households and a 400 m² station.
    import ezdxf

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 6  # metres
    msp = doc.modelspace()
    x, y = 500_000, 3_000_000
    msp.add_lwpolyline([(x, y), (x + 300, y), (x + 300, y + 200), (x, y + 200)], close=True,
                       dxfattribs={"layer": "红线"})
    msp.add_text("A1 1200户", dxfattribs={"layer": "文字", "insert": (x + 150, y + 150),
                                          "height": 3})
    msp.add_lwpolyline([(x + 10, y + 10), (x + 40, y + 10), (x + 40, y + 30), (x + 10, y + 30)],
                       close=True, dxfattribs={"layer": "养老"})
    msp.add_text("社区养老服务站 400㎡", dxfattribs={"layer": "文字", "insert": (x + 15, y + 20),
                                                  "height": 2})
    doc.saveas(path)
    return path


def test_points_off_a_web_map_and_a_crs_the_files_do_not_declare(server, tmp_path):
    """The desk's coords and crs fields are the command line's --coords and --crs."""
    import geopandas as gpd
    import numpy as np

    from compliance.projection import wgs84_to_gcj02

    # A project picked off 高德 (GCJ-02), about 500 m from where it stands in WGS 84.
    true = np.array([[114.305392, 30.593098]])
    lon, lat = wgs84_to_gcj02(true)[0]
    table = tmp_path / "项目.csv"
    table.write_text(f'编号,新建户数,养老设施建筑面积,经纬度\nA,864,220,"{lon:.7f},{lat:.7f}"\n',
                     encoding="utf-8")
    r = submit(server, [(table.name, table.read_bytes())], standard="hubei", coords="gcj02")
    assert r.status_code == 202, r.text
    done = wait(server, r.json()["id"])
    assert done["status"] == "done", done["error"]
    assert done["result"]["run"]["options"]["coords"] == "gcj02"
    same_result(done["result"], cli_result(table, "hubei", tmp_path, "--coords", "gcj02"))
    gpkg = tmp_path / "desk.gpkg"
    gpkg.write_bytes(httpx.get(f"{server.url}/api/checks/{done['id']}/results.gpkg").content)
    facility = gpd.read_file(gpkg, layer="facilities").geometry.iloc[0]
    # Where it stands, within 1e-6° (0.1 m), not where 高德 drew it.
    assert (facility.x, facility.y) == pytest.approx(tuple(true[0]), abs=1e-6)

    # A drawing without a CRS: refused naming the way out, then checked with the CRS given.
    dxf = _dxf_without_a_zone_prefix(tmp_path / "总平面.dxf")
    refused = wait(server, submit(server, [(dxf.name, dxf.read_bytes())]).json()["id"])
    assert refused["status"] == "failed" and "--crs" in json.dumps(refused["error"])
    r = submit(server, [(dxf.name, dxf.read_bytes())], crs="EPSG:4547")
    done = wait(server, r.json()["id"])
    assert done["status"] == "done", done["error"]
    assert done["result"]["run"]["options"]["crs"] == "EPSG:4547"
    same_result(done["result"], cli_result(dxf, "zunyi", tmp_path, "--crs", "EPSG:4547"))
    # 遵义 (十五): 20 × 1,200 / 100 = 240 m² required of the 400 m² station.
    area = next(f for f in done["result"]["parcels"][0]["findings"]
                if f["rule"] == "area_per_households")
    assert (area["required"], area["provided"]) == (240.0, 400.0)

    # What it cannot take is said at once.
    for field, value in (("crs", "EPSG:99999"), ("coords", "wgs84")):
        bad = submit(server, [(dxf.name, dxf.read_bytes())], **{field: value})
        assert bad.status_code == 400 and bad.json()["problems"][0]["file"] == field, bad.text


def test_a_submission_rechecked_against_the_rules_of_its_day(server, tmp_path):
    # 南宁's trial measure (2019-10-08, two years): 30 × 1,000 / 100 = 300 m² while in force,
    # so a 250 m² station failed in June 2020; today it has lapsed and the national
    # 20 × 1,000 / 100 = 200 m² stands.
    table = tmp_path / "项目.csv"
    table.write_text("编号,新建户数,养老设施建筑面积\nNN-1,1000,250\n", encoding="utf-8")

    def area(**fields):
        done = wait(server, submit(server, [(table.name, table.read_bytes())],
                                   standard="nanning", **fields).json()["id"])
        assert done["status"] == "done", done["error"]
        f = next(f for f in done["result"]["parcels"][0]["findings"]
                 if f["rule"] == "area_per_households")
        return done["result"]["standard"]["as_of"], f["status"], f["required"]

    assert area(as_of="2020-06-01") == ("2020-06-01", "fail", 300.0)
    assert area()[1:] == ("pass", 200.0)
    bad = submit(server, [(table.name, table.read_bytes())], standard="nanning",
                 as_of="2020-13-01")
    assert bad.status_code == 400 and bad.json()["problems"][0]["file"] == "as_of"


def test_a_history_of_the_first_schema_opens_with_its_checks(tmp_path):
    import sqlite3

    from compliance.history import SCHEMA_VERSION, History

    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        db.executescript("""
            CREATE TABLE checks (id TEXT PRIMARY KEY, status TEXT NOT NULL,
                progress REAL NOT NULL DEFAULT 0, stage TEXT NOT NULL DEFAULT '',
                created TEXT NOT NULL, updated TEXT NOT NULL, standard TEXT NOT NULL,
                lang TEXT NOT NULL, distance TEXT NOT NULL, meta TEXT NOT NULL,
                files TEXT NOT NULL, plan TEXT NOT NULL, plan_table TEXT,
                input_sha256 TEXT NOT NULL, summary TEXT, error TEXT,
                attempts INTEGER NOT NULL DEFAULT 0);
            INSERT INTO checks (id, status, created, updated, standard, lang, distance, meta,
                files, plan, input_sha256) VALUES ('old', 'done', '2026-01-01', '2026-01-01',
                'zunyi', 'zh', 'straight', '{}', '["p.geojson"]', 'input/p.geojson', 'ab');
            PRAGMA user_version = 1;""")
    history = History(tmp_path)
    old = history.get("old")
    assert (old.standard, old.status, old.options) == ("zunyi", "done", {})
    history.add("new", standard="hubei", lang="zh", distance="straight", meta={},
                files=["项目.csv"], plan="input/项目.csv", plan_table=None, input_sha256="cd",
                options={"coords": "gcj02"})
    assert history.get("new").options == {"coords": "gcj02"}
    with sqlite3.connect(tmp_path / "history.sqlite3") as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2


def test_a_bad_plan_is_a_failed_check_naming_the_uploaded_file(server):
    r = submit(server, [("指标表.csv", "编号,新建户数\nP1,many\n".encode("utf-8"))],
               lang="en")
    assert r.status_code == 202
    done = wait(server, r.json()["id"])
    assert done["status"] == "failed" and done["result"] is None
    problem = done["error"]["problems"][0]
    assert problem["file"] == "指标表.csv" and "households_new" in problem["message"]
    assert str(server.data) not in json.dumps(done)


def test_unknown_ids_are_404(server):
    assert httpx.get(server.url + "/api/checks/nope").status_code == 404
    assert httpx.get(server.url + "/api/checks/../../etc/passwd").status_code == 404
    assert httpx.get(server.url + "/api/checks/nope/report.pdf").status_code == 404


# --------------------------------------------------------------------------- restarts, crashes

def test_a_restart_keeps_the_history_and_finishes_what_was_accepted(tmp_path):
    s = Server(tmp_path / "desk", workers=1).start()
    try:
        first = submit(s, [("a.geojson", (SAMPLES / "dongying-compliant.geojson").read_bytes())],
                       standard="dongying").json()["id"]
        assert wait(s, first)["status"] == "done"
        pending = [submit(s, [("b.geojson", (SAMPLES / "zunyi-failing.geojson").read_bytes())]
                          ).json()["id"] for _ in range(3)]
        workers = _children(s.proc.pid)
        assert workers
        s.stop(signal.SIGKILL)  # in the middle: some queued, one running
        # Its workers end with it, rather than wait for work for ever holding their memory.
        deadline = time.time() + 10
        while time.time() < deadline and any(_alive(p) for p in workers):
            time.sleep(0.2)
        assert not any(_alive(p) for p in workers)
        s.port = _free_port()
        s.url = f"http://127.0.0.1:{s.port}"
        s.start()
        for check_id in pending:
            assert wait(s, check_id)["status"] == "done"
        history = {h["id"] for h in httpx.get(s.url + "/api/checks?limit=10").json()}
        assert {first, *pending} <= history
    finally:
        s.stop()


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (from /proc)."""
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _alive(pid: int) -> bool:
    """Running, not ended (a zombie nobody has reaped counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _crash(data_dir, check_id):
    os._exit(3)


def _fine(data_dir, check_id):
    from compliance.history import History

    History(data_dir).update(check_id, status="done", progress=1.0, summary={"parcels": 0})
    return "done"


def _accepted(data_dir, *check_ids):
    """A history holding these checks as accepted (queued), whatever a target makes of them."""
    from compliance.history import History

    history = History(data_dir)
    for cid in check_ids:
        history.add(cid, standard="zunyi", lang="en", distance="straight", meta={},
                    files=["p.geojson"], plan="input/plan.geojson", plan_table=None,
                    input_sha256="0" * 64)
    return history


def test_a_check_that_kills_its_worker_fails_with_a_message(tmp_path):
    from compliance.jobs import MAX_ATTEMPTS, Jobs

    history = _accepted(tmp_path, "crash", "fine")
    jobs = Jobs(tmp_path, workers=1, target=_crash)
    jobs.submit("crash")
    deadline = time.time() + 60
    while history.get("crash").status != "failed" and time.time() < deadline:
        time.sleep(0.1)
    crashed = history.get("crash")
    assert crashed.status == "failed" and "crashed" in crashed.error["error"]
    assert crashed.attempts == MAX_ATTEMPTS
    # The pool is rebuilt: the next check runs.
    jobs.target = _fine
    jobs.submit("fine")
    while history.get("fine").status != "done" and time.time() < deadline:
        time.sleep(0.1)
    assert history.get("fine").status == "done"
    jobs.shutdown()


def _slow(data_dir, check_id):
    from compliance.history import History

    History(data_dir).update(check_id, status="running", progress=0.3, stage="checking")
    time.sleep(600)


def test_a_server_stops_at_once_and_runs_what_it_held_when_it_starts_again(tmp_path):
    """A stop (SIGTERM: a restart, an upgrade) ended only when the running check did (a
    10,000-parcel district: minutes). Now its workers end at once, and the checks it held
    stay in the history, run again at the next start."""
    from compliance.jobs import Jobs

    history = _accepted(tmp_path, "long", "next")
    jobs = Jobs(tmp_path, workers=1, target=_slow)
    jobs.submit("long")
    jobs.submit("next")
    deadline = time.time() + 60
    while history.get("long").status != "running" and time.time() < deadline:
        time.sleep(0.1)
    # The pool's workers (multiprocessing's resource tracker is a child too, and stays).
    workers = [p for p in _children(os.getpid())
               if b"spawn_main" in Path(f"/proc/{p}/cmdline").read_bytes()]
    assert workers
    started = time.time()
    jobs.shutdown()
    assert time.time() - started < 10
    assert not any(_alive(p) for p in workers)
    assert [history.get(c).status for c in ("long", "next")] == ["running", "queued"]
    # The next start takes both up again.
    jobs = Jobs(tmp_path, workers=1, target=_fine)
    assert jobs.resume() == 2
    while {history.get(c).status for c in ("long", "next")} != {"done"} \
            and time.time() < deadline:
        time.sleep(0.1)
    assert [history.get(c).status for c in ("long", "next")] == ["done", "done"]
    jobs.shutdown()


def test_a_district_is_reported_as_the_batch_reports_it(tmp_path, monkeypatch):
    """A district uploaded to the desk: report.html is its overview with the parcel table in
    pages served beside it, report.pdf its printed summary, as `compliance batch` writes
    them. (Every parcel in full took 3 GB and minutes of typesetting at 10,000 parcels.)"""
    import shutil
    import warnings

    from pypdf import PdfReader

    from compliance import jobs, workflow
    from compliance.history import History
    from compliance.service import create_app

    # The Beijing sample's 10 parcels stand for a district: beyond 3 parcels, a district;
    # beyond 4, its table in pages of 4: ⌈10 / 4⌉ = 3 pages.
    monkeypatch.setattr(workflow, "FULL_REPORT_PARCELS", 3)
    monkeypatch.setattr(workflow, "INDEX_ROWS", 4)
    monkeypatch.setattr(workflow, "TABLE_PAGE_ROWS", 4)
    history = History(tmp_path)
    history.add("district", standard="national", lang="zh", distance="straight", meta={},
                files=["学清路.gpkg"], plan="input/plan.gpkg", plan_table=None,
                input_sha256="0" * 64)
    (history.folder("district") / "input").mkdir(parents=True)
    shutil.copy(SAMPLES / "beijing-xueqing-osm.gpkg",
                history.folder("district") / "input" / "plan.gpkg")
    assert jobs.run_check(str(tmp_path), "district") == "done"
    out = history.folder("district") / "out"
    assert sorted(f.name for f in out.iterdir()) == [
        "parcels-001.html", "parcels-002.html", "parcels-003.html", "report.html",
        "report.pdf", "results.csv", "results.gpkg", "results.json"]
    overview = (out / "report.html").read_text(encoding="utf-8")
    assert all(f'href="parcels-00{k}.html"' in overview for k in (1, 2, 3))
    assert 'href="report.html"' in (out / "parcels-002.html").read_text(encoding="utf-8")
    assert len(json.loads((out / "results.json").read_text(encoding="utf-8"))["parcels"]) == 10
    # The printed summary, not ten parcels in full.
    assert len(PdfReader(out / "report.pdf").pages) <= 4

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

        client = TestClient(create_app(tmp_path, resume=False))
    page = client.get("/api/checks/district/parcels-002.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "content-disposition" not in page.headers
    for name in ("parcels-004.html", "parcels-1.html", "parcels-001.htm", "history.sqlite3"):
        assert client.get(f"/api/checks/district/{name}").status_code == 404, name
    # The status carries results.json as it lies on disk (never parsed and written again),
    # the history list only the summary.
    status = client.get("/api/checks/district").json()
    assert status["status"] == "done" and status["result"] == json.loads(
        (out / "results.json").read_text(encoding="utf-8"))
    assert status["files_url"]["report.html"] == "/api/checks/district/report.html"
    listed = client.get("/api/checks?limit=5").json()
    assert [c["id"] for c in listed] == ["district"] and "result" not in listed[0]
    # 10 parcels, 3 compliant (samples/README.md).
    assert listed[0]["summary"]["parcels"] == 10 and listed[0]["summary"]["compliant"] == 3


# --------------------------------------------------------------------------- the page

@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian's chromium is installed by "
                    "scripts/test")
def test_the_page_as_a_planner_uses_it(server, tmp_path):
    from playwright.sync_api import sync_playwright

    outside = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(accept_downloads=True)
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(server.url) and not r.url.startswith("data:") else None)
        page.goto(server.url + "/")
        assert page.locator("h1").inner_text() == "养老服务设施配建审查台"
        page.select_option("#standard", "zunyi")
        page.set_input_files("#plan", str(SAMPLES / "zunyi-failing.geojson"))
        page.fill("#meta-project", "遵义汇川·云著住宅小区")
        # Without a mouse: focus the button and press Enter.
        page.focus("button[type=submit]")
        page.keyboard.press("Enter")
        page.wait_for_url("**/checks/**")
        page.wait_for_selector("iframe.report", timeout=240_000)
        assert "不合规 1" in page.content()
        report = page.frame_locator("iframe.report")
        assert "养老服务设施配建审查报告" in report.locator("h1").inner_text()
        with page.expect_download() as download:
            page.click("a[href$='report.pdf']")
        pdf = tmp_path / "report.pdf"
        download.value.save_as(pdf)
        assert pdf.read_bytes().startswith(b"%PDF")
        # Back to the desk: the history lists the check.
        page.goto(server.url + "/?lang=en")
        assert "History" in page.content() and "zunyi-failing.geojson" in page.content()
        page.screenshot(path=str(tmp_path / "desk.png"), full_page=True)
        browser.close()
    assert outside == []


def test_bad_input_on_the_page_is_said_in_the_users_language(server):
    r = httpx.post(server.url + "/?lang=zh", data={"standard": "atlantis"},
                   files=[("plan", ("p.geojson", b"{}"))])
    assert r.status_code == 400 and "未知的标准" in r.text and "atlantis" in r.text
