"""Batch runs: the output folder, district figures, suggestions, bad features, safe names."""

from __future__ import annotations

import json
import os
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance import workflow
from conftest import X0, Y0, make_plan, pt, rect, run

ROOT = Path(__file__).resolve().parent.parent


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def write_geojson(path: Path, features: list[dict], crs="EPSG:32650"):
    rows = [{k: v for k, v in f.items() if k != "geometry"} for f in features]
    gdf = gpd.GeoDataFrame(rows, geometry=[f["geometry"] for f in features], crs=crs)
    gdf.to_crs(4326).to_file(path, driver="GeoJSON")
    return path


def test_district_folder(tmp_path):
    out = tmp_path / "district"
    res = invoke("batch", ROOT / "samples" / "dongying-shared.geojson", "--city", "dongying",
                 "-o", out)
    assert res.exit_code == 1, res.output
    for name in ("index.html", "results.json", "results.csv", "results.gpkg"):
        assert (out / name).exists()
    assert len(list((out / "parcels").glob("*.html"))) == 5
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # 东营 一: 配建达标率 100 % by 2026. DY-11/12/13 pass as a group, DY-21/22 fail: 3 / 5.
    rate = next(d for d in data["district"] if d["id"] == "configuration_rate")
    assert (rate["numerator"], rate["denominator"], rate["achieved"], rate["target"],
            rate["status"]) == (3, 5, 0.6, 1.0, "fail")
    assert data["groups"] == [["DY-11", "DY-12", "DY-13"], ["DY-21", "DY-22"]]
    assert (out / "results.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    import pyogrio

    layers = {name for name, _ in pyogrio.list_layers(out / "results.gpkg")}
    assert {"parcels", "facilities", "walking_radius"} <= layers
    parcels = gpd.read_file(out / "results.gpkg", layer="parcels")
    # DY-21 + DY-22 share 150 m² against 20 × 500 / 100 + 15 × 600 / 100 = 190 → 40 short.
    assert parcels.set_index("id").loc["DY-21", "area_per_households_shortfall"] == 40.0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "parcels/DY-21-" in index and "60.0%" in index


def test_no_parcel_reports(tmp_path):
    out = tmp_path / "d"
    invoke("batch", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi", "-o", out,
           "--no-parcel-reports")
    assert not (out / "parcels").exists() and (out / "index.html").exists()


def test_bad_features_are_listed_and_the_rest_checked(tmp_path):
    from shapely.geometry import Polygon

    features = [
        {"layer": "parcel", "id": "OK-1", "households_new": 1000, "geometry": rect(0, 0, 200, 200)},
        {"layer": "parcel", "id": None, "households_new": 100, "geometry": rect(300, 0, 100, 100)},
        {"layer": "parcel", "id": "NEG", "households_new": -5, "geometry": rect(500, 0, 100, 100)},
        {"layer": "parcel", "id": "FLAT", "households_new": 10,
         "geometry": Polygon([(X0 + 700, Y0), (X0 + 800, Y0), (X0 + 900, Y0), (X0 + 700, Y0)])},
        {"layer": "facility", "id": "F1", "kind": "community_station", "floor_area_m2": 150,
         "geometry": pt(100, 100)},
    ]
    path = write_geojson(tmp_path / "district.geojson", features)
    out = tmp_path / "out"
    res = invoke("batch", path, "--city", "zunyi", "-o", out)
    # OK-1 is checked: 20 × 1,000 / 100 = 200 > 150 → non-compliant → exit 1.
    assert res.exit_code == 1, res.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    # Every parcel stays in the result: the bad ones incomplete (资料不全), with their problems,
    # unjudged, and counted.
    verdicts = {p["id"]: p["verdict"] for p in data["parcels"]}
    assert verdicts == {"OK-1": "non_compliant", "#2": "incomplete", "NEG": "incomplete",
                        "FLAT": "incomplete"}
    by_id = {p["id"]: p for p in data["parcels"]}
    assert [(q["feature"], q["field"]) for q in by_id["#2"]["problems"]] == [("#2", "id")]
    assert [(q["feature"], q["field"]) for q in by_id["NEG"]["problems"]] == \
        [("NEG", "households_new")]
    assert by_id["FLAT"]["problems"] and by_id["FLAT"]["findings"] == []
    assert data["summary"] == {"parcels": 4, "compliant": 0, "non_compliant": 1,
                               "incomplete": 3, "rejected_features": 3}
    fields = {(p.get("feature"), p.get("field")) for p in data["problems"] if p["level"] == "error"}
    assert ("#2", "id") in fields and ("NEG", "households_new") in fields
    assert "NEG" in (out / "index.html").read_text(encoding="utf-8")


def test_a_parcels_page_concludes_on_that_parcel_alone(tmp_path):
    """Each parcel's page is printed and signed on its own: its conclusion is the parcel's,
    and it lists the problems of the whole plan, not every other feature's."""
    table = tmp_path / "projects.csv"
    table.write_text("项目名称,编号,新建户数,养老设施建筑面积,经度,纬度\n"
                     "甲,A,1000,400,106.92,27.70\n乙,B,2500,400,106.93,27.70\n"
                     "丙,C,约800户,0,106.94,27.70\n", encoding="utf-8")
    out = tmp_path / "out"
    invoke("batch", table, "--city", "zunyi", "-o", out)
    page = {p.name.split("-")[0]: p.read_text(encoding="utf-8")
            for p in (out / "parcels").glob("*.html")}
    opinion = {k: v[v.index('<div class="conclusion">'):v.index("</div>", v.index(
        '<div class="conclusion">'))] for k, v in page.items()}
    # Zunyi, 20 m² per 100 new households: A 20 × 1,000 / 100 = 200 m² ≤ 400 provided;
    # B 20 × 2,500 / 100 = 500 m², 100 short. Each room is over Guizhou's 350 m² minimum
    # and stands where its project's households are (0 m, within 700 m).
    assert "之地块 A（甲）对照《遵义市深化养老服务改革发展若干措施》：合规" in opinion["A"]
    assert "该地块符合标准" in opinion["A"] and "B（乙）" not in opinion["A"]
    assert "应达到 500 m²，实际 400 m²，尚缺 100 m²" in opinion["B"]
    assert "A（甲）" not in opinion["B"] and "共 3 个地块" not in opinion["B"]
    # C's own count (约800户) is on C's page and the overview, not on A's: A says there is one.
    assert "约800户" in page["C"] and "约800户" not in page["A"]
    assert "另有 1 处问题涉及具体要素" in page["A"]
    assert "约800户" in (out / "index.html").read_text(encoding="utf-8")


def test_ids_cannot_escape_the_folder(tmp_path):
    features = [
        {"layer": "parcel", "id": "../../evil", "households_new": 10,
         "geometry": rect(0, 0, 100, 100)},
        {"layer": "parcel", "id": "a/b\\c:d*?", "households_new": 10,
         "geometry": rect(200, 0, 100, 100)},
        {"layer": "parcel", "id": "a_b_c_d", "households_new": 10,
         "geometry": rect(400, 0, 100, 100)},
        {"layer": "facility", "id": "F", "kind": "community_station", "floor_area_m2": 10,
         "geometry": pt(50, 50)},
    ]
    path = write_geojson(tmp_path / "p.geojson", features)
    out = tmp_path / "out"
    invoke("batch", path, "--city", "zunyi", "-o", out)
    pages = sorted(p.name for p in (out / "parcels").iterdir())
    assert len(pages) == 3 and len(set(pages)) == 3
    for page in (out / "parcels").iterdir():
        assert page.resolve().parent == (out / "parcels").resolve()
        assert "/" not in page.name and ".." not in page.name.replace(".html", "")
    assert not (tmp_path.parent / "evil").exists()


def test_output_is_a_file(tmp_path):
    target = tmp_path / "taken"
    target.write_text("x")
    res = invoke("batch", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi",
                 "-o", target)
    assert res.exit_code == 2 and "is a file" in res.output and "Traceback" not in res.output


def test_output_read_only(tmp_path, monkeypatch):
    # Root may write into a 0555 folder, so the permission answer is simulated.
    ro = tmp_path / "ro"
    ro.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == ro and mode == os.W_OK
                        else real_access(p, mode))
    res = invoke("batch", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi",
                 "-o", ro)
    assert res.exit_code == 2 and "not writable" in res.output


def test_interrupted_run_leaves_no_results_json(tmp_path, monkeypatch):
    from compliance.views import json as json_view

    def boom(model):  # interrupted halfway through the streamed file
        yield '{"standard":'
        raise KeyboardInterrupt

    monkeypatch.setattr(json_view, "chunks", boom)
    out = tmp_path / "o"
    with pytest.raises(KeyboardInterrupt):
        from compliance.settings import Options
        from compliance.standard import load_standard

        workflow.batch(str(ROOT / "samples" / "zunyi-failing.geojson"), load_standard("zunyi"),
                       str(out), Options())
    assert not (out / "results.json").exists()
    assert not list(out.rglob("*.part"))


def test_suggestions_greedy():
    # Facility at the west end. Uncovered: 300 households at x = 3,000 and 100 at x = 5,000
    # (2,000 m apart, beyond one radius). Greedy picks the 300 first, then the 100.
    plan = make_plan(
        [{"id": "P1", "households_new": 450, "geometry": rect(0, 0, 5100, 100)}],
        [{"id": "F", "kind": "community_station", "floor_area_m2": 100, "geometry": pt(10, 50)}],
        buildings=[{"id": "B0", "households": 50, "geometry": pt(500, 50)},
                   {"id": "B1", "households": 300, "geometry": pt(3000, 50)},
                   {"id": "B2", "households": 100, "geometry": pt(5000, 50)}])
    result = run(plan, "zunyi", suggest=True)
    sites = result.suggestions
    assert [s["households_covered"] for s in sites] == [300, 100]
    assert sites[0]["parcels"] == ["P1"] and "lon" in sites[0]


def test_report_names_are_stable_and_distinct():
    a, b = workflow.report_name("a/b"), workflow.report_name("a_b")
    assert a != b and a.startswith("a_b-") and a == workflow.report_name("a/b")


def test_a_large_district_overview_lists_the_worst_and_pages_the_rest(tmp_path, monkeypatch):
    # With the overview capped at 2 rows and pages of 2, the 5 Dongying parcels are in 3
    # pages (2 + 2 + 1), problems first: DY-21 and DY-22 fail and head page 1.
    monkeypatch.setattr(workflow, "INDEX_ROWS", 2)
    monkeypatch.setattr(workflow, "TABLE_PAGE_ROWS", 2)
    out = tmp_path / "district"
    invoke("batch", ROOT / "samples" / "dongying-shared.geojson", "--city", "dongying",
           "-o", out)
    pages = sorted(p.name for p in out.glob("parcels-*.html"))
    assert pages == ["parcels-001.html", "parcels-002.html", "parcels-003.html"]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('<tr><td data-v=') == 2
    assert all(f'href="{p}"' in index for p in pages)
    first = (out / "parcels-001.html").read_text(encoding="utf-8")
    rows = first.split("<tbody>")[1]
    assert rows.index("DY-21") < rows.index("DY-22") and "DY-11" not in rows
    last = (out / "parcels-003.html").read_text(encoding="utf-8")
    assert last.count('<tr><td data-v=') == 1 and 'href="index.html"' in last


def test_suggested_sites_stand_on_the_ends_boundary_gives():
    """The candidates' street ends, read from coordinates, are the points shapely.boundary
    gives: both ends of each open line, none of a closed one, parts of a MultiLineString
    each on their own."""
    import numpy as np
    import shapely

    from compliance.suggest import _line_ends

    lines = np.array([
        shapely.MultiLineString([[(0, 0), (1, 0)], [(2, 2), (3, 3), (2, 2)], [(4, 0), (4, 5)]]),
        shapely.LineString([(5, 5), (6, 6), (7, 5)]),
        shapely.LineString([(0, 9), (1, 9), (1, 10), (0, 9)]),  # closed: no boundary
    ], dtype=object)
    expected = shapely.get_coordinates(shapely.boundary(shapely.get_parts(lines)))
    assert _line_ends(lines).tolist() == expected.tolist() == [
        [0, 0], [1, 0], [4, 0], [4, 5], [5, 5], [7, 5]]


def test_reach_matrix_is_the_same_whatever_the_blocks(monkeypatch):
    """Which candidate site reaches which household point, gathered a block of points at a
    time: blocks of 2 give the matrix worked out by hand."""
    import numpy as np
    import shapely

    from compliance import suggest

    points = shapely.points([(0, 0), (50, 0), (300, 0), (310, 0), (1000, 0)])
    tree = shapely.STRtree(shapely.points([(0, 0), (305, 0), (2000, 0)]))
    reach = np.full(5, 100.0)
    # Candidate 0 at (0, 0) is 0 m and 50 m from points 0 and 1; candidate 1 at (305, 0) is
    # 5 m from points 2 and 3; point 4 and candidate 2 are 695 m and more from anything.
    expected = [[1, 1, 0, 0, 0], [0, 0, 1, 1, 0], [0, 0, 0, 0, 0]]
    whole = suggest._reach_matrix(tree, points, reach, 3)
    monkeypatch.setattr(suggest, "_QUERY_POINTS", 2)
    blocks = suggest._reach_matrix(tree, points, reach, 3)
    assert whole.toarray().tolist() == blocks.toarray().tolist() == expected


def test_workbook_and_json_written_by_a_forked_copy_are_those_one_process_writes(
        tmp_path, monkeypatch):
    """Beyond WRITE_BESIDE_PARCELS a forked copy writes results.xlsx and results.json: the
    same bytes as this process writes them (the run's time fixed by SOURCE_DATE_EPOCH)."""
    from compliance import cluster

    plan = ROOT / "samples" / "dongying-shared.geojson"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    monkeypatch.setattr(cluster, "fork_cores", lambda: 2)
    monkeypatch.setattr(workflow, "WRITE_BESIDE_PARCELS", 10**9)
    assert invoke("batch", plan, "--city", "dongying", "-o", tmp_path / "one").exit_code == 1
    monkeypatch.setattr(workflow, "WRITE_BESIDE_PARCELS", 0)
    assert invoke("batch", plan, "--city", "dongying", "-o", tmp_path / "forked").exit_code == 1
    for name in ("results.xlsx", "results.json", "results.csv", "index.html"):
        assert (tmp_path / "forked" / name).read_bytes() == (tmp_path / "one" / name).read_bytes()


def test_parcel_pages_shared_among_forked_copies_are_the_pages_one_process_writes(
        tmp_path, monkeypatch):
    """With several cores, forked copies write every n-th parcel page: the same pages, and a
    copy's failure (a full disk, here on DY-12's page, the second parcel: not this
    process's share) fails the batch with its message, leaving no folder behind."""
    from compliance import _errors, cluster, io

    plan = ROOT / "samples" / "dongying-shared.geojson"
    monkeypatch.setattr(cluster, "fork_cores", lambda: 2)
    monkeypatch.setattr(workflow, "PARCEL_PAGES_BESIDE", 10**9)
    assert invoke("batch", plan, "--city", "dongying", "-o", tmp_path / "one").exit_code == 1
    monkeypatch.setattr(workflow, "PARCEL_PAGES_BESIDE", 1)
    assert invoke("batch", plan, "--city", "dongying", "-o", tmp_path / "forked").exit_code == 1
    one = sorted((tmp_path / "one" / "parcels").iterdir())
    assert len(one) == 5
    for page in one:
        assert (tmp_path / "forked" / "parcels" / page.name).read_bytes() == page.read_bytes()

    real = io.write_new

    def full_disk(path, data, *args, **kwargs):
        if Path(path).name.startswith("DY-12-"):
            raise _errors.OutputError(_errors.Problem(str(path), "cannot write: the disk is full"))
        return real(path, data, *args, **kwargs)

    monkeypatch.setattr(io, "write_new", full_disk)
    res = invoke("batch", plan, "--city", "dongying", "--lang", "en", "-o", tmp_path / "full")
    assert res.exit_code == 2 and "the disk is full" in res.output, res.output
    assert not (tmp_path / "full").exists()
