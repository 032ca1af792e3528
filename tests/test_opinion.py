"""A review opinion a reviewer can sign and send: metadata, a written conclusion, three
signatures, PDF on A4 with its own page numbers, professional Chinese, maps that answer the
reviewer's question, and a command line that speaks the user's language."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main

ROOT = Path(__file__).resolve().parent.parent
META = {"project": "遵义新蒲·滨湖苑住宅小区", "applicant": "遵义某置业有限公司",
        "address": "贵州省遵义市新蒲新区", "permit_no": "地字第520300202400123号",
        "report_no": "ZY-养老-2026-017", "reviewer": "张三",
        "organisation": "遵义市自然资源和规划局"}


def invoke(*args, env=None):
    return CliRunner(env=env).invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def meta_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("meta") / "meta.yaml"
    path.write_text("\n".join(f"{k}: {v}" for k, v in META.items()), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shared_pdf_file(tmp_path_factory, meta_file):
    out = tmp_path_factory.mktemp("pdf") / "opinion.pdf"
    res = invoke("check", ROOT / "samples" / "dongying-shared.geojson", "--city", "dongying",
                 "--meta", meta_file, "-o", out)
    assert res.exit_code == 1, res.output
    return out


@pytest.fixture(scope="module")
def shared_pdf(shared_pdf_file):
    import pypdf

    return [page.extract_text() for page in pypdf.PdfReader(shared_pdf_file).pages]


def test_a_rules_name_is_not_printed_one_character_a_line(shared_pdf):
    """Laid out by their content, the findings' columns left a rule's Chinese name a column
    one character wide (每 / 百 / 户 …: 25 such lines in this report)."""
    lines = [line.strip() for text in shared_pdf for line in text.splitlines()]
    assert [line for line in lines if re.fullmatch(r"[\u4e00-\u9fff]", line)] == []


def test_the_printed_opinion_is_set_in_the_page_sans_serif_throughout(shared_pdf_file):
    """The running head, the page numbers and the map's labels in the page's own sans serif:
    WeasyPrint set the head and numbers (taken from the root) and the map's words (drawn
    apart from the page's CSS, at 16 px where they were placed for 11) in its default serif."""
    import pypdf

    fonts = set()
    for page in pypdf.PdfReader(shared_pdf_file).pages:
        resources = page["/Resources"].get_object()
        for font in resources.get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]))
        for xobject in resources.get("/XObject", {}).values():  # the map, drawn as a form
            inner = xobject.get_object().get("/Resources", {})
            for font in inner.get_object().get("/Font", {}).values() if inner else ():
                fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and not [f for f in fonts if "Serif" in f], fonts


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_pdf_pages_carry_numbers_project_and_report_number(shared_pdf):
    n = len(shared_pdf)
    assert n >= 2
    for i, text in enumerate(shared_pdf, start=1):
        flat = _squash(text)
        assert f"第{i}页共{n}页" in flat, (i, text[-200:])
        assert _squash(META["project"]) in flat and _squash(META["report_no"]) in flat


def test_conclusion_and_three_signatures_share_a_page(shared_pdf):
    page = next(t for t in shared_pdf if "审查结论" in t)
    flat = _squash(page)
    for word in ("审查人", "审核人", "审定人", "审查单位（盖章）", "张三"):
        assert word in flat
    # 东营 二(一)1: DY-21 + DY-22 need (20 × 500 + 15 × 600) / 100 = 190 m²; they have less.
    assert "经审查" in flat and "DY-21" in flat and "应按上述意见修改后重新报审" in flat


def test_metadata_at_the_top_and_blanks_to_sign(tmp_path, meta_file):
    out = tmp_path / "r.html"
    invoke("check", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi",
           "--meta", meta_file, "-o", out)
    page = out.read_text(encoding="utf-8")
    head = page.split('<section class="parcel"')[0]
    for value in META.values():
        if value != META["reviewer"]:
            assert value in head
    # No checker and no approver given: their signature cells are left blank to sign.
    assert re.search(r'<th>审核人</th>', page) and "张三" in page
    bare = tmp_path / "bare.html"
    invoke("check", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi", "-o", bare)
    assert bare.read_text(encoding="utf-8").count('<span class="blank"></span>') == 6


def _visible_chinese_text(page: str) -> str:
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    # The technical appendix, rule ids and input problems may name fields; sentences may not.
    page = re.sub(r'<(table|div|ul) class="(appendix|rule-id mono|problems)".*?</\1>', "",
                  page, flags=re.S)
    page = re.sub(r"<svg\b.*?</svg>", "", page, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", page)


@pytest.mark.parametrize("sample, city", [("zunyi-failing", "zunyi"),
                                           ("dongying-shared", "dongying"),
                                           ("tongchuan-phased", "tongchuan")])
def test_chinese_report_reads_as_chinese(tmp_path, sample, city):
    out = tmp_path / "r.html"
    invoke("check", ROOT / "samples" / f"{sample}.geojson", "--city", city, "-o", out)
    text = _visible_chinese_text(out.read_text(encoding="utf-8"))
    cjk = r"[\u4e00-\u9fff]"
    assert not re.findall(rf"{cjk}[,:;()]|[,:;()]{cjk}", text), \
        re.findall(rf".{{8}}{cjk}[,:;()].{{8}}|.{{8}}[,:;()]{cjk}.{{8}}", text)[:5]
    fields = re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)
    assert not fields, fields[:10]
    assert "(project decision)" not in text and "资料不足" not in text


def test_every_uncovered_building_is_labelled_on_the_map(tmp_path):
    out = tmp_path / "r.json"
    invoke("check", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi", "-o", out)
    data = json.loads(out.read_text(encoding="utf-8"))
    uncovered = {b["id"] for p in data["parcels"] for f in p["findings"]
                 if f["rule"] == "service_radius"
                 for b in f.get("details", {}).get("uncovered_buildings", [])}
    assert uncovered
    html = tmp_path / "r.html"
    invoke("check", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi", "-o", html)
    labelled = set(re.findall(r'data-building="([^"]+)"', html.read_text(encoding="utf-8")))
    assert uncovered <= labelled


def test_network_maps_draw_the_streets_in_reach_not_circles(tmp_path):
    out = tmp_path / "d"
    invoke("batch", ROOT / "samples" / "beijing-xueqing-osm.gpkg", "--city", "national", "-o",
           out, "--distance", "network", "--no-parcel-reports")
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "BJ-01" in re.findall(r'class="label parcel-label"[^>]*>([^<]+)<', index)[0] or \
        len(re.findall(r'class="label parcel-label"', index)) == 10
    from compliance import workflow
    from compliance.settings import Options
    from compliance.standard import load_standard
    from compliance.views import html

    standard = load_standard("national")
    plan = workflow.load_plan(str(ROOT / "samples" / "beijing-xueqing-osm.gpkg"), standard,
                              strict=False)
    page = html.render(workflow.run(plan, standard, Options(distance="network")), "zh")
    assert 'stroke-dasharray="6 4"' not in page and 'stroke-opacity="0.45"' in page
    assert "步行服务半径内的道路" in page
    # The technical appendix names each network figure in the reader's words, with its unit,
    # its key beside it as results.json has it.
    appendix = re.search(r'class="appendix">(.*?)</table>', index).group(1)
    names = re.findall(r"<th>([^<]*)</th>", appendix)
    assert names and all(re.search(r"[\u4e00-\u9fff]", n) and "_" not in n for n in names)
    assert "<th>主路网长度</th>" in appendix and "main_network_m" in appendix
    assert re.search(r"<th>端点接通容差</th><td class=\"num\">0.5 m</td>", appendix)
    assert (out / "report.pdf").read_bytes()[:5] == b"%PDF-"


def test_city_by_its_chinese_and_english_names():
    for name in ("遵义", "遵义市", "Zunyi", "ZUNYI", "zunyi"):
        res = invoke("check", "--city", name, "--households-new", "1200", "--facility-area",
                     "200", "--format", "json", "-o", "-")
        assert res.exit_code == 1, (name, res.output)
        assert json.loads(res.output)["standard"]["id"] == "zunyi"


def test_command_line_speaks_the_users_language(tmp_path):
    args = ["check", "--city", "zunyi", "--households-new", "1200", "--facility-area", "200",
            "-o", tmp_path / "r.html"]

    def run(lang):
        env = {**os.environ, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}
        return subprocess.run([sys.executable, "-m", "compliance", *map(str, args)],
                              capture_output=True, text=True, env=env, cwd=tmp_path)

    zh = run("zh_CN.UTF-8")
    assert "共 1 个地块" in zh.stdout and "已写出" in zh.stderr
    en = run("en_US.UTF-8")
    assert "Parcels: 1" in en.stdout and "wrote" in en.stderr
    # The report stays Chinese whatever the locale: it is a filed document.
    assert "审查结论" in (tmp_path / "r.html").read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "compliance", "check", "x.geojson", "--city",
                          "zunyi"], capture_output=True, text=True, cwd=tmp_path,
                         env={**os.environ, "LANG": "zh_CN.UTF-8", "LC_ALL": ""})
    assert bad.returncode == 2


def test_english_report_quotes_the_clause_in_english_beside_the_chinese(tmp_path):
    out = tmp_path / "r.html"
    invoke("check", ROOT / "samples" / "zunyi-failing.geojson", "--city", "zunyi", "--lang",
           "en", "-o", out)
    page = out.read_text(encoding="utf-8")
    # 遵义 (十五), as published and in English.
    assert "新建住宅小区按每百户不少于20平方米" in page
    assert "New residential compounds build eldercare facilities fit for use at no less than " \
           "20 m² per 100 households" in page
    assert "Review conclusion" in page and "审查结论" not in page


def test_input_problems_are_said_in_chinese_in_a_chinese_report(tmp_path):
    out = tmp_path / "r.html"
    invoke("check", ROOT / "samples" / "zunyi-site.dxf", "--city", "zunyi", "-o", out)
    page = out.read_text(encoding="utf-8")
    assert "轮廓外的标注未被使用" in page and "要素“句柄 " in page and "要素“handle" not in page
    assert "a label outside every outline" not in page


def test_printed_map_of_a_large_district_is_one_image_with_vector_marks(monkeypatch):
    """Beyond PRINT_VECTOR_PARCELS the printed district map draws parcels, streets and
    facilities as one image; the suggested sites, scale bar and north arrow stay vector."""
    import subprocess as sp
    import tempfile

    from compliance import workflow
    from compliance.settings import Options
    from compliance.standard import load_standard
    from compliance.views import html, model, pdf, svgmap

    standard = load_standard("national")
    plan = workflow.load_plan(str(ROOT / "samples" / "beijing-xueqing-osm.gpkg"), standard,
                              strict=False)
    result = workflow.run(plan, standard, Options(suggest=True))
    builder = html.ReportBuilder(model.build(result, "zh"))
    links = [""] * len(result.parcels)
    vector = builder.index(links, rows_limit=pdf.PRINTED_ROWS, printed=True)
    monkeypatch.setattr(svgmap, "PRINT_VECTOR_PARCELS", 1)
    printed = builder.index(links, rows_limit=pdf.PRINTED_ROWS, printed=True)
    assert 'href="data:image/png;base64,' in printed and "data:image/png" not in vector
    # On screen the parcels stay links up to SCREEN_VECTOR_PARCELS.
    assert "data:image/png" not in builder.index(links)
    monkeypatch.setattr(svgmap, "SCREEN_VECTOR_PARCELS", 1)
    assert "data:image/png" in builder.index(links)
    assert printed.count('class="site"') == vector.count('class="site"')
    # The scale bar's length and the north arrow's N are still text.
    assert re.search(r">[\d,]+ m</text>", printed) and ">N</text>" in printed
    data = pdf.render_index(builder, links)
    with tempfile.NamedTemporaryFile(suffix=".pdf") as fh:
        fh.write(data)
        fh.flush()
        images = sp.run(["pdfimages", "-list", fh.name], capture_output=True, text=True)
    if images.returncode == 0:  # poppler-utils, where installed
        assert " 1920  1260 " in images.stdout  # 290 dpi across the page's 170 mm


def test_printed_summary_lists_the_first_groups_and_says_where_the_rest_are():
    """A district with more shared-facility groups than PRINTED_LIST_ITEMS: the printed
    summary lists that many and names the total; the overview lists every group."""
    from conftest import make_plan, pt, rect, run

    from compliance.views import html, model, pdf

    # 35 groups of two parcels, each pair sharing one station named by both ids.
    parcels, stations = [], []
    for k in range(35):
        x = k * 500.0
        for j, pid in enumerate((f"A{k:02d}", f"B{k:02d}")):
            parcels.append({"id": pid, "households_new": 100, "geometry": rect(x + 210 * j, 0,
                                                                             200, 200)})
        stations.append({"id": f"F{k:02d}", "kind": "community_station", "floor_area_m2": 400,
                         "parcel_id": f"A{k:02d};B{k:02d}", "geometry": pt(x + 205, 100)})
    result = run(make_plan(parcels, stations), "dongying")
    assert len(result.groups) == 35
    builder = html.ReportBuilder(model.build(result, "zh"))
    links = [""] * len(result.parcels)
    printed = pdf.index_html(builder, links)
    assert printed.count("<li>A") == html.PRINTED_LIST_ITEMS == 30
    assert "此处列出 35 组中的前 30 组" in printed
    overview = builder.index(links)
    assert overview.count("<li>A") == 35 and "此处列出 35 组" not in overview


@pytest.mark.parametrize("crs, parcel, facility, said, given", [
    # Longitude and latitude (a GeoJSON as web maps and QGIS write it).
    (None, [(106.92, 27.70), (106.925, 27.70), (106.925, 27.704), (106.92, 27.704)],
     (106.932, 27.7035), "106.920000°E, 27.700000°N", (106.92, 27.70)),
    # A drawing's own metres: CGCS2000 Gauss-Krüger, central meridian 114°E.
    ("EPSG:4547", [(500000, 3300000), (500500, 3300000), (500500, 3300400), (500000, 3300400)],
     (500800, 3300350), "x=500000.0, y=3300000.0", (500000.0, 3300000.0)),
])
def test_the_farthest_point_is_said_where_the_plan_has_it(tmp_path, crs, parcel, facility,
                                                          said, given):
    """A parcel without buildings beyond the radius names its farthest point: it was said in
    the metres of the measuring CRS about the plan's centre (x=-789, y=-222), found on no
    drawing; it is said in the plan's own coordinates."""
    plan = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"layer": "parcel", "id": "P1",
                                           "households_new": 500},
         "geometry": {"type": "Polygon", "coordinates": [[*map(list, parcel),
                                                           list(parcel[0])]]}},
        {"type": "Feature", "properties": {"layer": "facility", "id": "F1",
                                           "kind": "community_station", "floor_area_m2": 400},
         "geometry": {"type": "Point", "coordinates": list(facility)}}]}
    if crs:
        plan["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps(plan), encoding="utf-8")
    out = tmp_path / "r.json"
    res = invoke("check", path, "--city", "zunyi", "-o", out)
    assert res.exit_code == 1, res.output
    radius = next(f for f in json.loads(out.read_text(encoding="utf-8"))["parcels"][0]["findings"]
                  if f["rule"] == "service_radius")
    assert said in radius["message"].replace("，", ", ")  # the Chinese page's comma
    assert radius["details"]["worst_point_plan_crs"] == pytest.approx(list(given), abs=1e-6)
    # The corner farthest from F1: Zunyi's radius is 700 m. Longitude and latitude:
    # Δx = 0.012° × 98,632 m/° (a degree of longitude at 27.7°N) = 1,183.6 m,
    # Δy = 0.0035° × 110,815 m/° = 387.9 m, √(1,183.6² + 387.9²) = 1,245.5 m.
    # Gauss-Krüger at its central meridian: √(800² + 350²) = 873.2 m.
    assert radius["provided"] == pytest.approx(1245.5 if crs is None else 873.2, abs=1.0)
