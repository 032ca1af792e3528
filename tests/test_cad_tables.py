"""Reading what planners have: DXF site plans, Excel and CSV tables, web-map coordinates; and
writing Excel. Drawings are built with ezdxf the way a draughtsman draws them, and every
figure is worked out by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import ezdxf
import numpy as np
import pyproj
import pytest
from click.testing import CliRunner

from compliance import projection
from compliance.cli import main
from compliance._validate import parse_storeys

E0, N0 = 36_394_000.0, 3_065_400.0     # CGCS2000 zone 36 with the prefix (遵义)


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def site(path, *, version="R2018", units="m", encoding=None, prefix=True, extras=None,
         drawn_open=False, buildings="outline", facility_label="社区养老服务站 300㎡"):
    """A parcel 200 × 100 m; F1 a 20 × 10 m room with a semicircular east end (radius 5 m);
    B1 at 150 m and B2 at 60 m east of F1's west side; streets as crossing lines.

    `drawn_open`: the red line as four LINEs (one corner overshooting by 0.5 m, one missing
    by 3 cm) and B1 a polyline without its closed flag whose ends stop 5 cm apart.
    `buildings`: B1 and B2 drawn as closed polylines ("outline"), as one hatch filling both
    on a layer of fills ("fill"), or both ways, with the red line filled too ("both"); with
    "none", only their labels (the caller's `extras` draw them)."""
    scale = 1000.0 if units == "mm" else 1.0
    e0 = E0 if prefix else E0 - 36_000_000.0

    def xy(x, y):
        return ((e0 + x) * scale, (N0 + y) * scale)

    doc = ezdxf.new(version)
    if encoding:
        doc.encoding = encoding
    doc.header["$INSUNITS"] = 4 if units == "mm" else 6
    for name in ("ZD-用地红线", "JZ-住宅", "JZ-住宅填充", "GG-养老", "DL-道路中心线", "BZ-文字"):
        doc.layers.add(name)
    msp = doc.modelspace()
    r12 = version == "R12"

    def polygon(points, layer, bulges=None):
        pts = [(*xy(*p), (bulges or {}).get(i, 0.0)) for i, p in enumerate(points)]
        if r12:
            return msp.add_polyline2d(pts, format="xyb", close=True, dxfattribs={"layer": layer})
        return msp.add_lwpolyline(pts, format="xyb", close=True, dxfattribs={"layer": layer})

    def text(s, x, y):
        msp.add_text(s, dxfattribs={"layer": "BZ-文字", "insert": xy(x, y),
                                    "height": 2 * scale})

    if drawn_open:
        for a, b in (((0, 0), (200.5, 0)), ((200, -0.5), (200, 100)),
                     ((200, 100), (0.03, 100)), ((0, 100), (0, 0))):
            msp.add_line(xy(*a), xy(*b), dxfattribs={"layer": "ZD-用地红线"})
    else:
        polygon([(0, 0), (200, 0), (200, 100), (0, 100)], "ZD-用地红线")
    text("P1 180户", 100, 90)
    # F1: west side at x = 10; the bulge −1 on the east side draws a semicircle (radius 5).
    polygon([(10, 45), (30, 45), (30, 55), (10, 55)], "GG-养老", bulges={1: 1.0})
    text(facility_label, 12, 50)
    fill = msp.add_hatch(color=8, dxfattribs={"layer": "JZ-住宅填充"}) \
        if buildings in ("fill", "both") and not r12 else None
    if buildings == "both" and not r12:
        msp.add_hatch(color=3, dxfattribs={"layer": "ZD-用地红线"}).paths.add_polyline_path(
            [xy(0, 0), xy(200, 0), xy(200, 100), xy(0, 100)], is_closed=True)
    for name, x in (("B1", 160), ("B2", 70)):
        if fill is not None:
            fill.paths.add_polyline_path([xy(x, 40), xy(x + 20, 40), xy(x + 20, 60),
                                          xy(x, 60)], is_closed=True)
        if buildings == "none" or (buildings == "fill" and fill is not None):
            pass  # the hatch alone draws it, or the caller's extras
        elif drawn_open and name == "B1":
            msp.add_lwpolyline([xy(x, 40), xy(x + 20, 40), xy(x + 20, 60), xy(x, 60),
                                xy(x, 40.05)], dxfattribs={"layer": "JZ-住宅"})
        else:
            polygon([(x, 40), (x + 20, 40), (x + 20, 60), (x, 60)], "JZ-住宅")
        text(f"{name} 90户", x + 2, 50)
    # Streets drawn as two long lines crossing at (100, 20) without a shared vertex.
    msp.add_line(xy(-10, 20), xy(210, 20), dxfattribs={"layer": "DL-道路中心线"})
    msp.add_line(xy(100, -10), xy(100, 110), dxfattribs={"layer": "DL-道路中心线"})
    if extras:
        extras(msp, xy, text, polygon)
    doc.saveas(path)
    return path


def result_of(tmp_path, *args):
    out = tmp_path / "r.json"
    res = invoke("check", *args, "--city", "zunyi", "-o", out)
    assert res.exit_code in (0, 1, 3), res.output
    return json.loads(out.read_text(encoding="utf-8")), res


def finding(data, rule, parcel=0):
    return next(f for f in data["parcels"][parcel]["findings"] if f["rule"] == rule)


# R2000 without a Chinese code page: the layer names and labels are written as \\U+XXXX
# escapes, as AutoCAD saves them on a Western system.
@pytest.mark.parametrize("version, units, encoding", [
    ("R12", "m", "gbk"), ("R2000", "m", "gbk"), ("R2000", "m", None), ("R2018", "m", None),
    ("R2018", "mm", None)])
def test_dxf_site_plan_in_every_version_and_unit(tmp_path, version, units, encoding):
    path = site(tmp_path / "site.dxf", version=version, units=units, encoding=encoding)
    data, _ = result_of(tmp_path, path)
    p = data["parcels"][0]
    assert p["id"] == "P1" and p["households_new"] == 180
    # 遵义 (十五): 20 m²/百户 × 180 / 100 = 36 m² required; F1's label says 300 m².
    area = finding(data, "area_per_households")
    assert (area["required"], area["provided"], area["status"]) == (36.0, 300.0, "pass")
    # Land from the outline: 20 × 10 + π × 5² / 2 = 239.27 m², arcs followed within 0.1 m.
    land = finding(data, "per_capita_land")
    assert land["provided"] == pytest.approx(200 + math.pi * 25 / 2, abs=1.5)
    # B1's inner point (170, 50) is 170 − 35 = 135 m from F1's easternmost point (35, 50).
    radius = finding(data, "service_radius")
    assert radius["provided"] == pytest.approx(135.0, abs=0.1)
    # The zone prefix 36 names the CRS by itself.
    assert any("EPSG:4524" in q.get("found", "") for q in data["problems"])


@pytest.mark.parametrize("units", ["m", "mm"])
def test_outlines_drawn_open_are_joined_and_said(tmp_path, units):
    """A red line of four LINEs and a building whose polyline was never closed read as the
    closed drawing does, and the reviewer is told which outlines were joined."""
    closed, _ = result_of(tmp_path, site(tmp_path / "closed.dxf", units=units))
    drawn, res = result_of(tmp_path, site(tmp_path / "open.dxf", units=units, drawn_open=True))
    assert drawn["parcels"][0]["id"] == "P1" and drawn["parcels"][0]["households_new"] == 180
    for rule in ("area_per_households", "per_capita_land", "service_radius"):
        a, b = finding(closed, rule), finding(drawn, rule)
        assert (a["status"], a["required"]) == (b["status"], b["required"])
        assert b["provided"] == pytest.approx(a["provided"], abs=0.1)
    # B1's inner point is still 135 m from F1 (170 − 35): both buildings' households count.
    assert finding(drawn, "service_radius")["provided"] == pytest.approx(135.0, abs=0.1)
    joined = [q for q in drawn["problems"] if "joining" in q["message"]]
    assert sorted(q["layer"] for q in joined) == ["buildings", "parcels"]
    assert all(q["level"] == "warning" for q in joined)
    parcel = next(q for q in joined if q["layer"] == "parcels")
    assert parcel["found"].count("handle") == 4  # the four LINEs, named
    assert not [q for q in drawn["problems"] if q["level"] == "error"]


def test_a_line_that_closes_nothing_is_still_refused(tmp_path):
    def extras(msp, xy, text, polygon):
        msp.add_lwpolyline([xy(100, 70), xy(120, 70), xy(120, 80)],
                           dxfattribs={"layer": "JZ-住宅"})  # 14 m apart: open
    res = invoke("check", site(tmp_path / "s.dxf", extras=extras), "--city", "zunyi",
                 "--lang", "en")
    assert res.exit_code == 2 and "not closed" in res.output, res.output


def _buildings_read(path):
    from compliance.cad import read_dxf

    frames, problems = read_dxf(path)
    return frames["buildings"], problems


def test_buildings_drawn_only_as_a_fill_are_read_as_outlines(tmp_path):
    """A draughtsman who hatches the buildings on a fill layer and draws no outline: one HATCH
    holding both buildings gives the two buildings, with the households of their labels."""
    outlined, _ = result_of(tmp_path, site(tmp_path / "outline.dxf"))
    filled, _ = result_of(tmp_path, site(tmp_path / "fill.dxf", buildings="fill"))
    for rule in ("area_per_households", "per_capita_land", "service_radius"):
        a, b = finding(outlined, rule), finding(filled, rule)
        assert (a["status"], a["required"], a["provided"]) == \
            (b["status"], b["required"], b["provided"])
    # B1's inner point (170, 50) is still 170 − 35 = 135 m from F1's east end.
    assert finding(filled, "service_radius")["provided"] == pytest.approx(135.0, abs=0.1)
    buildings, problems = _buildings_read(tmp_path / "fill.dxf")
    assert sorted(buildings["households"].astype(float)) == [90.0, 90.0]
    assert list(buildings.geometry.area) == [400.0, 400.0]  # 20 × 20 m each
    said = [q for q in problems if "taken from fills" in str(q.message)]
    assert len(said) == 1 and said[0].layer == "buildings" and said[0].level == "warning"
    assert said[0].found.count("handle") == 2  # both parts of the one hatch, named


def test_a_fill_inside_its_drawn_outline_is_not_counted_again(tmp_path):
    """Buildings drawn and hatched, the red line filled too: each is read once, nothing said."""
    buildings, problems = _buildings_read(site(tmp_path / "both.dxf", buildings="both"))
    assert len(buildings) == 2
    assert not [q for q in problems if "fills" in str(q.message)]
    data, _ = result_of(tmp_path, tmp_path / "both.dxf")
    assert len(data["parcels"]) == 1 and data["parcels"][0]["households_new"] == 180


def test_a_courtyard_in_a_fill_is_a_hole_and_a_partial_fill_is_refused(tmp_path):
    def extras(msp, xy, text, polygon):
        # B3, 30 × 20 m with a 10 × 10 m courtyard: CAD fills even-odd, so 600 − 100 = 500 m².
        hatch = msp.add_hatch(dxfattribs={"layer": "JZ-住宅填充"})
        hatch.paths.add_polyline_path([xy(110, 60), xy(140, 60), xy(140, 80), xy(110, 80)])
        hatch.paths.add_polyline_path([xy(120, 65), xy(130, 65), xy(130, 75), xy(120, 75)])
        text("B3 60户", 112, 70)
        # A fill over half of B2 (70–90, 40–60) and beyond it: which one is the building?
        msp.add_hatch(dxfattribs={"layer": "JZ-住宅填充"}).paths.add_polyline_path(
            [xy(80, 40), xy(100, 40), xy(100, 60), xy(80, 60)])

    buildings, problems = _buildings_read(site(tmp_path / "s.dxf", extras=extras))
    b3 = buildings[buildings["id"] == "B3"]
    assert b3.geometry.area.tolist() == [500.0]
    assert len(buildings) == 3  # B1, B2, B3: the half-covering fill is not a fourth
    partly = [q for q in problems if "partly cover" in str(q.message)]
    assert len(partly) == 1 and partly[0].level == "warning"


def test_a_site_shaded_on_the_buildings_layer_is_not_a_building(tmp_path):
    """The whole site hatched on the buildings' fill layer, the buildings drawn as outlines
    inside it: their labels are theirs, and the shading, with no label of its own, is not a
    third building (it stopped the check as a building without households)."""
    def extras(msp, xy, text, polygon):
        msp.add_hatch(dxfattribs={"layer": "JZ-住宅填充"}).paths.add_polyline_path(
            [xy(0, 0), xy(200, 0), xy(200, 100), xy(0, 100)])

    path = site(tmp_path / "shaded.dxf", extras=extras)
    buildings, problems = _buildings_read(path)
    assert sorted(buildings["id"]) == ["B1", "B2"]
    assert len([q for q in problems if "no label inside" in str(q.message)]) == 1
    data, _ = result_of(tmp_path, path)
    # B1's inner point (170, 50) is still 170 − 35 = 135 m from F1's east end.
    assert finding(data, "service_radius")["provided"] == pytest.approx(135.0, abs=0.1)


def test_buildings_filled_with_2d_solids_are_read_as_outlines(tmp_path):
    """Buildings drawn as SOLIDs (2D solids, 二维填充) and no outline: B1 one quadrilateral,
    B2 two triangles that meet along a diagonal, B4 an L of two quadrilaterals. Touching
    solids fill one building; a solid inside a drawn outline is its shading."""
    def extras(msp, xy, text, polygon):
        # SOLID corners go 1, 2, 4, 3 around a quadrilateral (ezdxf keeps DXF's order).
        msp.add_solid([xy(160, 40), xy(180, 40), xy(160, 60), xy(180, 60)],
                      dxfattribs={"layer": "JZ-住宅填充"})
        msp.add_solid([xy(70, 40), xy(90, 40), xy(90, 60)], dxfattribs={"layer": "JZ-住宅填充"})
        msp.add_solid([xy(70, 40), xy(90, 60), xy(70, 60)], dxfattribs={"layer": "JZ-住宅填充"})
        # B4: 30 × 10 m plus 10 × 10 m on its west end: 300 + 100 = 400 m².
        msp.add_solid([xy(110, 70), xy(140, 70), xy(110, 80), xy(140, 80)],
                      dxfattribs={"layer": "JZ-住宅填充"})
        msp.add_solid([xy(110, 80), xy(120, 80), xy(110, 90), xy(120, 90)],
                      dxfattribs={"layer": "JZ-住宅填充"})
        text("B4 40户", 112, 75)
        # The red line shaded with a solid inside it: not a second parcel, nothing said.
        msp.add_solid([xy(1, 1), xy(5, 1), xy(1, 5), xy(5, 5)], dxfattribs={"layer": "ZD-用地红线"})
        # A north arrow's head and a legend's swatch on the fill layer, with no label inside:
        # the drawing's furniture, not buildings without households (which would stop the
        # check).
        msp.add_solid([xy(150, 85), xy(153, 85), xy(151.5, 92)],
                      dxfattribs={"layer": "JZ-住宅填充"})
        msp.add_hatch(dxfattribs={"layer": "JZ-住宅填充"}).paths.add_polyline_path(
            [xy(220, 0), xy(226, 0), xy(226, 4), xy(220, 4)])
        text("住宅", 228, 1)

    path = site(tmp_path / "solid.dxf", buildings="none", extras=extras)
    buildings, problems = _buildings_read(path)
    by_id = buildings.set_index("id")
    assert sorted(by_id.index) == ["B1", "B2", "B4"]
    assert by_id.geometry.area.round(6).to_dict() == {"B1": 400.0, "B2": 400.0, "B4": 400.0}
    assert sorted(by_id["households"].astype(float)) == [40.0, 90.0, 90.0]
    said = [q for q in problems if "taken from fills" in str(q.message)]
    assert len(said) == 1 and said[0].layer == "buildings"
    assert said[0].found.count("+") == 2  # B2's two triangles and B4's two quadrilaterals
    furniture = [q for q in problems if "no label inside" in str(q.message)]
    assert len(furniture) == 1 and furniture[0].level == "warning"
    assert furniture[0].found.count("handle") == 2  # the arrow's head and the swatch
    data, _ = result_of(tmp_path, path)
    # The parcel's own label (180户) stands; the buildings' households are not added to it.
    assert len(data["parcels"]) == 1 and data["parcels"][0]["households_new"] == 180
    # B1's inner point (170, 50) is still 170 − 35 = 135 m from F1's east end.
    assert finding(data, "service_radius")["provided"] == pytest.approx(135.0, abs=0.1)


def test_a_facility_whose_label_names_no_kind_says_which_words_do(tmp_path):
    """养老服务用房 names no kind (a station's minimum is not a care home's): the way out is
    the label's words, not --fields, and an empty kind is not shown as 'nan'."""
    def extras(msp, xy, text, polygon):
        polygon([(120, 70), (140, 70), (140, 85), (120, 85)], "GG-养老")
        text("养老服务用房 300㎡", 122, 77)

    res = invoke("check", site(tmp_path / "s.dxf", extras=extras), "--city", "zunyi",
                 "--lang", "en")
    assert res.exit_code == 2, res.output
    line = next(x for x in res.output.splitlines() if "'kind'" in x)
    assert "missing value" in line and "nan" not in line
    assert "社区养老服务站" in line and "日间照料中心" in line

    doc = ezdxf.new("R2018")
    msp = doc.modelspace()
    msp.add_lwpolyline([(0, 0), (100, 0), (100, 100), (0, 100)], close=True,
                       dxfattribs={"layer": "红线"})
    msp.add_text("P1 100户", dxfattribs={"layer": "文字", "insert": (50, 90)})
    msp.add_lwpolyline([(10, 10), (30, 10), (30, 30), (10, 30)], close=True,
                       dxfattribs={"layer": "养老"})
    msp.add_text("养老服务用房 300㎡", dxfattribs={"layer": "文字", "insert": (12, 20)})
    doc.saveas(tmp_path / "none.dxf")
    res = invoke("check", tmp_path / "none.dxf", "--crs", "EPSG:4547", "--city", "zunyi",
                 "--lang", "en")
    assert res.exit_code == 2, res.output
    line = next(x for x in res.output.splitlines() if "'kind'" in x)
    # --fields only for what it does in a drawing: naming a block attribute's own tag.
    assert "label" in line and "--table" in line and "attribute's own tag" in line
    assert "养老院" in line


def test_labels_with_autocads_formatting_codes_read_as_seen(tmp_path):
    """Labels as AutoCAD keeps them: a TEXT underlined with %%u, an area named without its
    unit (建筑面积：400), an MTEXT in a font of its own ({\\fSimSun|…;…}) over two lines
    (\\P) with m² stacked (350m\\S2^;). Each was read as written: '%%u社区养老服务站%%u'
    the facility's id, 400 not read at all."""
    def extras(msp, xy, text, polygon):
        polygon([(120, 70), (140, 70), (140, 85), (120, 85)], "GG-养老")
        msp.add_mtext(r"{\fSimSun|b0|i0|c134|p2;F2 社区养老服务站}\P350m\S2^;",
                      dxfattribs={"layer": "BZ-文字", "insert": xy(122, 80), "char_height": 2})

    data, _ = result_of(tmp_path, site(tmp_path / "s.dxf", extras=extras,
                                       facility_label="%%u社区养老服务站%%u 建筑面积：400"))
    # Zunyi: 20 m² × 180 / 100 = 36 m² required; F1 400 m² + F2 350 m² = 750 m² provided.
    area = finding(data, "area_per_households")
    assert (area["required"], area["provided"]) == (36.0, 750.0)
    ids = [f["id"] for f in data["parcels"][0]["facilities"]]
    assert "F2" in ids and not any("%%" in i for i in ids)
    # A station's minimum is 350 m²: the smaller of the two, F2, meets it exactly.
    assert finding(data, "facility_minimum_area")["provided"] == 350.0


@pytest.mark.parametrize("label, text", [
    ("%%u3#%%u 96户", "3# 96户"),
    ("养老服务站 350m%%178", "养老服务站 350m²"),
    ("%%c600 给水管", "Ø600 给水管"),
])
def test_a_texts_percent_codes_are_the_characters_they_draw(label, text):
    import ezdxf

    from compliance.cad import _label_text

    assert _label_text(ezdxf.new().modelspace().add_text(label), "TEXT") == text


def test_block_attributes_of_an_offices_own_tags_are_named_with_fields(tmp_path):
    """Buildings drawn as a block whose attributes are tagged HS (户数) and BH (编号), as
    offices abbreviate them, beside buildings labelled in text: --fields names the tags, and
    the text labels still give the others' households (the mapped tag used to replace them)."""
    def extras(msp, xy, text, polygon):
        block = msp.doc.blocks.new("LOUDONG")
        block.add_lwpolyline([(0, 0), (20, 0), (20, 12), (0, 12)], close=True)
        block.add_hatch().paths.add_polyline_path([(0, 0), (20, 0), (20, 12), (0, 12)])
        block.add_attdef("HS", (5, 6), dxfattribs={"height": 2})
        block.add_attdef("BH", (5, 3), dxfattribs={"height": 2})
        for number, x in ((3, 110), (4, 140)):
            msp.add_blockref("LOUDONG", xy(x, 65), dxfattribs={"layer": "JZ-住宅"}) \
                .add_auto_attribs({"HS": "60", "BH": f"B{number}"})

    path = site(tmp_path / "blocks.dxf", extras=extras)
    unmapped = invoke("check", path, "--city", "zunyi", "--lang", "en")
    # Unmapped, each block's households are missing, and the message shows what its
    # attributes hold and how to name their tags.
    assert unmapped.exit_code == 2, unmapped.output
    said = [x for x in unmapped.output.splitlines() if "'households'" in x]
    assert len(said) == 2 and all("with --fields" in x for x in said)
    assert "HS=60, BH=B3" in said[0] and "HS=60, BH=B4" in said[1]
    fields = tmp_path / "fields.yaml"
    fields.write_text("buildings:\n  fields: {HS: households, BH: id}\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path, "--fields", fields)
    assert not [q for q in data["problems"] if q["level"] == "error"]
    buildings, _ = _buildings_read(path)  # without the map: B1, B2 from text, two blocks
    assert len(buildings) == 4
    from compliance.cad import read_dxf

    frames, _ = read_dxf(path, tags={"buildings": {"HS": "households", "BH": "id"}})
    named = frames["buildings"].set_index("id")["households"].astype(float).to_dict()
    assert named == {"B1": 90.0, "B2": 90.0, "B3": 60.0, "B4": 60.0}
    # Each block is 20 × 12 m, its hatch the outline's shading: 240 m², read once.
    assert frames["buildings"].geometry.area.round(6).tolist().count(240.0) == 2


@pytest.mark.parametrize("word, kind", [("养老院", "care_home"), ("幸福院", "village_point"),
                                        ("养老服务站", "community_station")])
def test_a_kind_word_a_label_reads_is_read_in_a_table_too(word, kind):
    """One vocabulary of kind words: a table's 类型 or a block's attribute saying 养老院 is
    read as the label 养老院 is, not refused as an unknown kind."""
    from conftest import make_plan, pt, rect

    plan = make_plan([{"id": "P1", "households_new": 100, "geometry": rect(0, 0, 100, 100)}],
                     [{"id": "F1", "类型": word, "floor_area_m2": 300, "geometry": pt(50, 50)}])
    assert plan.facilities["kind"].tolist() == [kind]


def test_zone_prefix_and_crs_option_give_the_same_distances(tmp_path):
    a, _ = result_of(tmp_path, site(tmp_path / "a.dxf"))
    b, _ = result_of(tmp_path, site(tmp_path / "b.dxf", prefix=False), "--crs", "EPSG:4545")
    for rule in ("service_radius", "per_capita_land"):
        assert finding(a, rule)["provided"] == pytest.approx(finding(b, rule)["provided"],
                                                             abs=0.01)


def test_dxf_streets_drawn_crossing_are_walked(tmp_path):
    # Along the streets: B1 (170, 50) joins y = 20 at 30 m. F1's south side runs along the
    # street 25 m from it, so F1 joins where its centre faces the street: the centroid's x is
    # (200 × 20 + 39.27 × (30 + 4·5/(3π))) / 239.27 = (4,000 + 1,261.4) / 239.27 = 21.99.
    # 30 + (170 − 21.99) + 25 = 203.0 m.
    data, _ = result_of(tmp_path, site(tmp_path / "s.dxf"), "--distance", "network")
    assert finding(data, "service_radius")["provided"] == pytest.approx(203.0, abs=0.2)


def test_block_with_attributes(tmp_path):
    def extras(msp, xy, text, polygon):
        block = msp.doc.blocks.new("楼")
        block.add_lwpolyline([(0, 0), (20, 0), (20, 20), (0, 20)], close=True,
                             dxfattribs={"layer": "0"})
        block.add_attdef("编号", (2, 2))
        block.add_attdef("户数", (2, 8))
        ref = msp.add_blockref("楼", xy(120, 65), dxfattribs={"layer": "JZ-住宅"})
        ref.add_auto_attribs({"编号": "B3", "户数": "60"})

    data, _ = result_of(tmp_path, site(tmp_path / "b.dxf", extras=extras))
    # The parcel's own label says 180 households; the block is a building with 60.
    radius = finding(data, "service_radius")
    uncovered = radius.get("details", {})
    assert data["parcels"][0]["households_new"] == 180
    assert "worst_point" in uncovered


def test_labels_that_cannot_be_used_are_named_by_handle(tmp_path):
    def extras(msp, xy, text, polygon):
        text("孤立的文字", 500, 500)                 # outside every outline
        text("B1 另一个标注 30户", 165, 45)          # a second label in B1
        msp.add_lwpolyline([xy(0, 200), xy(50, 200), xy(50, 230)],
                           dxfattribs={"layer": "JZ-住宅"})  # not closed
        msp.add_line(xy(0, 0), xy(1, 1), dxfattribs={"layer": "图框"})  # unknown layer

    res = invoke("check", site(tmp_path / "l.dxf", extras=extras), "--city", "zunyi")
    assert res.exit_code == 2
    assert "two labels in one outline" in res.output and "handle" in res.output
    assert "the outline is not closed" in res.output
    # In a batch the rest of the drawing is still checked.
    out = tmp_path / "out"
    res = invoke("batch", tmp_path / "l.dxf", "--city", "zunyi", "-o", out)
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    messages = " ".join(q["message"] for q in data["problems"])
    assert "a label outside every outline" in messages and "图框 (1)" in " ".join(
        q.get("found", "") for q in data["problems"])
    assert data["parcels"][0]["id"] == "P1"


@pytest.mark.parametrize("room_drawn", [False, True])
def test_an_eldercare_room_noted_in_a_buildings_label(tmp_path, room_drawn):
    """A site plan notes the room in the building's label ("1# 96户 首层社区养老服务站
    350㎡") rather than drawing it: read as a facility in that building, with a warning. It
    had been passed over, and the project judged to provide 0 m². Where the room is drawn on
    the eldercare layer too, the drawn outline is the facility, counted once."""
    import ezdxf

    doc = ezdxf.new("R2018")
    doc.header["$INSUNITS"] = 6
    msp = doc.modelspace()

    def outline(x, y, w, h, layer):
        msp.add_lwpolyline([(E0 + x, N0 + y), (E0 + x + w, N0 + y), (E0 + x + w, N0 + y + h),
                            (E0 + x, N0 + y + h)], close=True, dxfattribs={"layer": layer})

    def label(words, x, y):
        msp.add_text(words, dxfattribs={"layer": "文字", "insert": (E0 + x, N0 + y),
                                        "height": 1})

    outline(0, 0, 200, 100, "用地红线")
    label("P1 1200户", 100, 90)
    outline(20, 40, 30, 20, "住宅")
    label("1# 96户 首层社区养老服务站 350㎡", 22, 50)
    outline(120, 40, 30, 20, "住宅")
    label("2# 96户", 122, 50)
    if room_drawn:
        outline(22, 42, 18, 16, "养老")
        label("F1 社区养老服务站 350㎡", 24, 44)
    doc.saveas(tmp_path / "room.dxf")
    data, res = result_of(tmp_path, tmp_path / "room.dxf")
    # Zunyi: 20 m² × 1,200 / 100 = 240 m² ≤ 350 m², counted once; a station's minimum 350.
    area = finding(data, "area_per_households")
    assert (area["required"], area["provided"]) == (240.0, 350.0)
    assert finding(data, "facility_minimum_area")["status"] == "pass"
    noted = [q for q in data["problems"] if "names an eldercare room" in q["message"]]
    if room_drawn:
        assert noted == []
    else:
        assert [q["feature"] for q in noted] == ["1#-养老"]
        facility = data["parcels"][0]["facilities"][0]
        assert facility["id"] == "1#-养老"


def test_a_label_on_a_plan_layer_labels_that_layers_outlines(tmp_path):
    """A label drawn on a plan layer's drawing layer labels that layer's outlines only: the
    parcel's "P1 180户" on the red line's layer standing inside B1 was read as B1's second
    label, a building's "B3 60户" on the buildings' layer with no outline of its own as the
    parcel's 60 households, and a road's name on the streets' layer as the parcel's id."""
    import ezdxf

    doc = ezdxf.new("R2018")
    doc.header["$INSUNITS"] = 6
    msp = doc.modelspace()

    def xy(x, y):
        return (E0 + x, N0 + y)

    def outline(x, y, w, h, layer):
        msp.add_lwpolyline([xy(x, y), xy(x + w, y), xy(x + w, y + h), xy(x, y + h)],
                           close=True, dxfattribs={"layer": layer})

    def label(words, x, y, layer):
        msp.add_text(words, dxfattribs={"layer": layer, "insert": xy(x, y), "height": 2})

    outline(0, 0, 200, 100, "ZD-用地红线")
    outline(10, 45, 20, 10, "GG-养老")
    label("社区养老服务站 400㎡", 12, 50, "BZ-文字")
    for x in (160, 70):
        outline(x, 40, 20, 20, "JZ-住宅")
    label("P1 180户", 165, 55, "ZD-用地红线")   # the parcel's, standing inside B1
    label("B1 90户", 162, 50, "BZ-文字")
    label("B2 90户", 72, 50, "BZ-文字")
    label("B3 60户", 120, 50, "JZ-住宅")        # a building whose outline is not drawn
    label("学清路", 50, 22, "DL-道路中心线")     # a road's name, inside the parcel
    msp.add_line(xy(-10, 20), xy(210, 20), dxfattribs={"layer": "DL-道路中心线"})
    path = tmp_path / "layers.dxf"
    doc.saveas(path)
    data, res = result_of(tmp_path, path)
    assert "two labels in one outline" not in res.output
    p = data["parcels"][0]
    # Zunyi: 20 m² × 180 / 100 = 36 m² of new housing's rate, from the red line's label.
    assert (p["id"], p["households_new"]) == ("P1", 180)
    assert finding(data, "area_per_households")["required"] == 36.0
    # B3's label, outside every building, is said as such, never read as the parcel's; the
    # road's name is no label of an outline, and is not reported as one.
    outside = [q for q in data["problems"] if "outside every outline" in q["message"]]
    assert [q["found"] for q in outside] == ["'B3 60户'"]


@pytest.mark.parametrize("label, fields", [
    ("3# 96户", {"id": "3#", "households": "96"}),
    ("3#（18F）96户", {"id": "3#", "households": "96"}),     # floors in brackets, no space
    ("1#住宅楼\\P共96户", {"id": "1#住宅楼", "households": "96"}),  # MTEXT's paragraph
    ("12号楼 户数:96", {"id": "12号楼", "households": "96"}),  # the count named, after
    ("P1 地块 户数1200", {"id": "P1", "households": "1200"}),
    ("5# 96户/18层", {"id": "5#", "households": "96"}),
    ("共96户", {"households": "96"}),
    ("约96户", {"households": "约96"}),       # an estimate: refused as the word it is
    ("3# 户数 待定", {"id": "3#", "households": "待定"}),
    # A dwelling (套) is a household, as housing tables count them.
    ("3# 96套", {"id": "3#", "households": "96"}),
    ("2#楼 套数:120", {"id": "2#楼", "households": "120"}),
    ("约96套", {"households": "约96"}),
    ("配套用房", {"id": "配套用房"}),         # 配套 is another word
    ("套内面积80㎡", {}),  # and so is 套内 (an area's note, no building's id)
    # A floor's layout, lifts to flats, is no count of the building's households: 2梯4户 was
    # read as 4 households (an 18-storey building of 72).
    ("3#住宅 18层 2梯4户", {"id": "3#住宅"}),
    ("3# 两梯四户 18层 共72户", {"id": "3#", "households": "72"}),
    ("6# 2T4H 18F 72户", {"id": "6#", "households": "72"}),
    ("7#2梯4户", {"id": "7#"}),
])
def test_household_labels_as_draughtsmen_write_them(label, fields):
    from compliance.cad import parse_label

    assert parse_label(label, "buildings") == fields


@pytest.mark.parametrize("label, fields", [
    ("P1 户数1200", {"id": "P1", "households_new": "1200"}),  # a development's own: new
    ("P1 已建400户", {"id": "P1", "households_existing": "400"}),
    ("P1已建400户", {"id": "P1", "households_existing": "400"}),
    ("P1 新建800户 已建400户", {"id": "P1", "households_new": "800",
                               "households_existing": "400"}),
    ("P2 既有住宅户数:400", {"id": "P2", "households_existing": "400"}),
    ("P3 现状300户 规划500户", {"id": "P3", "households_existing": "300",
                              "households_new": "500"}),
    # A label that begins with the field's name has no id ('新建户数' was taken for one).
    ("新建户数 1200", {"households_new": "1200"}),
    ("已建户数:400", {"households_existing": "400"}),
])
def test_a_parcels_label_says_which_housing_its_households_are(label, fields):
    """已建403户 was counted as new housing, at new housing's rate (national: 20 m² per 100
    households against existing housing's 15)."""
    from compliance.cad import parse_label

    assert parse_label(label, "parcels") == fields


@pytest.mark.parametrize("label, fields", [
    ("社区养老服务站 350㎡", {"floor_area_m2": "350", "kind": "community_station"}),
    ("F1 社区养老服务站 建筑面积350㎡ 用地面积400㎡",
     {"id": "F1", "floor_area_m2": "350", "land_area_m2": "400", "kind": "community_station"}),
    ("F2 日间照料中心 用地面积：500平方米 建筑面积：800平方米",
     {"id": "F2", "floor_area_m2": "800", "land_area_m2": "500", "kind": "day_care_center"}),
    # The footprint is neither the floor area nor the land: left for the reviewer to give.
    ("F4 社区养老服务站 占地面积200㎡", {"id": "F4", "kind": "community_station"}),
    # Its storey, written with 层 or 楼; the id F1 is never read as the first floor.
    ("F1 社区养老服务站 350㎡ 一层",
     {"id": "F1", "floor_area_m2": "350", "kind": "community_station", "floor": "一层"}),
    ("F1 养老服务站 350㎡ (1-2层)",
     {"id": "F1", "floor_area_m2": "350", "kind": "community_station", "floor": "1-2层"}),
    ("F2 日间照料中心 300㎡ 位于3号楼首层",
     {"id": "F2", "floor_area_m2": "300", "kind": "day_care_center", "floor": "首层"}),
    ("F1 养老服务站 350㎡ 3号楼", {"id": "F1", "floor_area_m2": "350",
                                   "kind": "community_station"}),
    # An area named as such is in square metres without its unit, as drawings write it.
    ("F3 日间照料中心 建筑面积：600 用地面积800",
     {"id": "F3", "floor_area_m2": "600", "land_area_m2": "800", "kind": "day_care_center"}),
    # ... but never a figure in another unit, read as so many square metres.
    ("F3 日间照料中心 建筑面积1.2万㎡ 用地面积0.5公顷",
     {"id": "F3", "kind": "day_care_center"}),
    # A label that begins with the storey: where the room is, never its id.
    ("二层日间照料中心 600㎡", {"floor_area_m2": "600", "kind": "day_care_center", "floor": "二层"}),
    ("二层 日间照料中心 600㎡",
     {"floor_area_m2": "600", "kind": "day_care_center", "floor": "二层"}),
    ("地下一层 养老服务站 300㎡",
     {"floor_area_m2": "300", "kind": "community_station", "floor": "地下一层"}),
    ("A-1 二层日间照料中心 600㎡",
     {"id": "A-1", "floor_area_m2": "600", "kind": "day_care_center", "floor": "二层"}),
])
def test_facility_labels_name_their_areas(label, fields):
    from compliance.cad import parse_label

    assert parse_label(label, "facilities") == fields


def test_a_household_count_that_is_not_a_number(tmp_path):
    def extras(msp, xy, text, polygon):
        polygon([(120, 70), (140, 70), (140, 90), (120, 90)], "JZ-住宅")
        text("B4 约九十户", 122, 80)

    res = invoke("check", site(tmp_path / "n.dxf", extras=extras), "--city", "zunyi")
    assert res.exit_code == 2 and "field 'households'" in res.output
    assert "not a number" in res.output and "'约九十'" in res.output
    assert "feature 'B4 (handle" in res.output


def test_a_dwg_is_refused_with_the_way_out(tmp_path):
    dwg = tmp_path / "site.dwg"
    dwg.write_bytes(b"AC1032" + b"\0" * 100)
    res = invoke("check", dwg, "--city", "zunyi")
    assert res.exit_code == 2 and "save" in res.output.lower() and "DXF" in res.output


# ---------------------------------------------------------------- tables

def test_points_in_degrees_minutes_and_seconds_and_a_kind_column_of_its_own(tmp_path):
    """Coordinates as a GPS, Google Earth or 奥维 show them (106°55′12″E, 东经106.93), and the
    room's kind in a column headed 设施类型: the first was refused as not a longitude, the
    second left unread and the room judged as a 社区养老服务站."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["编号", "新建户数", "养老用房面积（㎡）", "设施类型", "经度", "纬度"])
    sheet.append(["A", 1200, 400, "日间照料中心", "106°55′12″E", "27°42′N"])
    sheet.append(["B", 300, None, None, "东经106.93", "北纬27.70"])
    sheet.append(["C", 300, 400, None, "106.92", "27.70"])
    book.save(tmp_path / "p.xlsx")
    data, _ = result_of(tmp_path, tmp_path / "p.xlsx")
    radius = {p["id"]: next(f for f in p["findings"] if f["rule"] == "service_radius")
              for p in data["parcels"]}
    # 106°55′12″ = 106 + 55/60 + 12/3600 = 106.92°, 27°42′ = 27.70°: A stands where C does.
    assert radius["A"]["provided"] == 0.0
    # B is 0.01° of longitude east at 27.70°N: 0.01 × (111,412.84 cos φ − 93.5 cos 3φ)
    # = 0.01 × (111,412.84 × 0.88539 − 93.5 × 0.1200) = 986.3 m, beyond Zunyi's 700 m.
    assert radius["B"]["provided"] == pytest.approx(986.3, abs=1.0)
    assert radius["B"]["status"] == "fail"
    # Zunyi takes Guizhou's minimums ("街道级综合养老服务中心…不低于1000平方米，社区养老服务站
    # …不低于350平方米"), none for a day-care centre: A's room has none; C's, of a kind not
    # given, is a station, 350 m².
    minimum = {p["id"]: next(f for f in p["findings"] if f["rule"] == "facility_minimum_area")
               for p in data["parcels"]}
    assert minimum["A"]["status"] == "not_applicable"
    assert (minimum["C"]["kind"], minimum["C"]["required"]) == ("community_station", 350.0)
    assumed = [q for q in data["problems"] if "does not say what the projects' rooms are" in
               q["message"]]
    # Only C's room is of a kind the list does not give.
    assert [q["found"] for q in assumed] == ["C"]


@pytest.mark.parametrize("cell, degrees", [
    ("114°18′19.4″", 114 + 18 / 60 + 19.4 / 3600),
    ("114°18'19.4\"", 114 + 18 / 60 + 19.4 / 3600),
    ("114度18分19.4秒", 114 + 18 / 60 + 19.4 / 3600),
    ("30°35.5′", 30 + 35.5 / 60),
    ("E114.3", 114.3), ("114.3E", 114.3), ("北纬30.6", 30.6), ("W73.5", -73.5),
    ("１１４．３", 114.3),
])
def test_a_coordinate_as_tables_write_it(cell, degrees):
    from compliance.table import _coordinate

    value, reason = _coordinate(cell)
    assert reason is None and value == pytest.approx(degrees, abs=1e-9)


def test_a_coordinate_of_sixty_minutes_is_refused():
    from compliance.table import _coordinate

    assert _coordinate("114°60′")[1] is not None


def test_table_joined_to_a_drawing_and_a_row_matching_nothing(tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "地块"
    sheet.append(["编号", "名称", "新建户数"])
    sheet.append(["P1", "遵义·测试苑", "1,000"])
    sheet.append(["P9", "不存在", 10])
    book.save(tmp_path / "t.xlsx")
    path = site(tmp_path / "s.dxf")
    res = invoke("check", path, "--city", "zunyi", "--table", tmp_path / "t.xlsx")
    assert res.exit_code == 2 and "sheet '地块' row 3" in res.output
    sheet.delete_rows(3)
    book.save(tmp_path / "t.xlsx")
    data, _ = result_of(tmp_path, path, "--table", tmp_path / "t.xlsx")
    # The table's 1,000 households replace the label's 180: 20 × 1,000 / 100 = 200 m².
    assert data["parcels"][0]["name"] == "遵义·测试苑"
    assert finding(data, "area_per_households")["required"] == 200.0


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_csv_project_list_alone(tmp_path, encoding):
    path = tmp_path / "projects.csv"
    path.write_bytes("项目名称,编号,新建户数,已建户数,养老设施建筑面积\n"
                     "甲,A,"'"1,200"'",,200\n乙,B,,2600,400\n".encode(encoding))
    data, res = result_of(tmp_path, path)
    a, b = data["parcels"]
    # A: 20 × 1,200 / 100 = 240 m² > 200 → fail by 40. B: 15 × 2,600 / 100 = 390 ≤ 400.
    fa = next(f for f in a["findings"] if f["rule"] == "area_per_households")
    fb = next(f for f in b["findings"] if f["rule"] == "area_per_households")
    assert (fa["required"], fa["provided"], fa["shortfall"]) == (240.0, 200.0, 40.0)
    assert (fb["required"], fb["status"]) == (390.0, "pass")
    radius = next(f for f in b["findings"] if f["rule"] == "service_radius")
    assert radius["status"] == "insufficient_data" and "geometry" in radius["message"] \
        or "几何" in radius["message"]
    assert a["name"] == "甲"


def test_a_project_list_writing_0_for_no_room(tmp_path):
    """0 in 养老设施建筑面积 is no room, as a blank is: the project is judged short of it,
    not left unjudged for a room of 0 m²."""
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,编号,新建户数,养老设施建筑面积\n甲,A,1200,0\n乙,B,1000,0 ㎡\n",
                    encoding="utf-8")
    data, res = result_of(tmp_path, path)
    assert not [q for q in data["problems"] if q["level"] == "error"], res.output
    # Zunyi, 20 m² per 100 new households: A 20 × 1,200 / 100 = 240 m², B 20 × 1,000 / 100
    # = 200 m², each with nothing provided.
    area = {p["id"]: next(f for f in p["findings"] if f["rule"] == "area_per_households")
            for p in data["parcels"]}
    assert [(f["required"], f["provided"], f["status"]) for f in area.values()] == [
        (240.0, 0.0, "fail"), (200.0, 0.0, "fail")]
    assert [p["facilities"] for p in data["parcels"]] == [[], []]


def test_an_office_table_as_people_keep_it(tmp_path):
    """A district office's workbook: a title and a note above a header two rows deep (户数
    merged over 新建 / 已建, units in brackets, a line break in a cell), a blank row, counts
    written with their unit, "—" for none, and a row of totals at the bottom."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws["A1"] = "汇川区2024年住宅项目养老服务设施配建情况表"
    ws.merge_cells("A1:F1")
    ws["A2"] = "填报单位：区住建局"
    ws.append([])
    ws.append(["序号", "项目\n名称", "编号", "户数", None, "养老设施"])        # row 4
    ws.append([None, None, None, "新建", "已建（户）", "建筑面积（㎡）"])      # row 5
    for cells in ("D4:E4", "A4:A5", "B4:B5", "C4:C5"):
        ws.merge_cells(cells)
    ws.append([1, "滨湖苑", "HC-01", "864户", None, 220])                     # row 6
    ws.append([])
    ws.append([2, "云著", "HC-02", "１２００", "—", "200㎡"])                 # row 8
    ws.append([3, "老城片区", "HC-03", None, "2,600 户", "400 m²"])           # row 9
    ws.append(["合计", None, None, 2064, 2600, 820])                          # row 10
    ws.append(["注：户数以竣工备案为准。"])                                      # row 11
    ws.append(["填表人：", "张三"])                                              # row 12
    path = tmp_path / "汇川区项目.xlsx"
    book.save(path)
    data, res = result_of(tmp_path, path)
    assert [p["id"] for p in data["parcels"]] == ["HC-01", "HC-02", "HC-03"]
    assert [p["name"] for p in data["parcels"]] == ["滨湖苑", "云著", "老城片区"]
    required = [finding(data, "area_per_households", i)["required"] for i in range(3)]
    provided = [finding(data, "area_per_households", i)["provided"] for i in range(3)]
    # Zunyi: 20 m² per 100 new households, 15 per 100 existing.
    # 20 × 864 / 100 = 172.8; 20 × 1,200 / 100 = 240; 15 × 2,600 / 100 = 390.
    assert required == [172.8, 240.0, 390.0]
    assert provided == [220.0, 200.0, 400.0]
    # The totals and the notes under the table are not projects, and the reviewer is told
    # where they were.
    total = [p for p in data["problems"] if p["level"] == "warning" and "feature" in p]
    assert [(p["feature"], p["found"]) for p in total] == [
        ("sheet 'Sheet' row 10", "合计"), ("sheet 'Sheet' row 11", "注：户数以竣工备案为准。"),
        ("sheet 'Sheet' row 12", "填表人：")]
    assert "row 10" in res.output
    # Nothing is drawn, so nothing is measured, in no CRS (not the fallback's fixed point).
    assert data["method"]["crs"] == "—"


def test_a_two_row_header_whose_lower_row_names_more_fields(tmp_path):
    """户数 over 新建户数 / 已建户数 and 养老服务设施 over 建筑面积 / 用地面积: the lower row
    names four fields, the upper only 项目名称 (merged down over both rows, so blank below).
    Read as the lower row alone, the projects lost their names and their rooms (建筑面积 is
    not the eldercare area by itself) and failed with 0 m² provided."""
    import openpyxl

    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "配建表"
    ws.append(["2026年某区住宅项目养老服务设施配建情况表"])
    ws.append(["序号", "项目名称", "户数", None, "养老服务设施", None, "备注"])          # row 2
    ws.append([None, None, "新建户数", "已建户数", "建筑面积（㎡）", "用地面积（㎡）", None])
    for cells in ("A1:G1", "A2:A3", "B2:B3", "C2:D2", "E2:F2", "G2:G3"):
        ws.merge_cells(cells)
    ws.append([1, "锦绣花园", 864, 0, 220, 300, ""])                                  # row 4
    ws.append([2, "东湖苑", 1200, 300, "150", None, "二期建设"])
    ws.append(["合计", None, 2064, 300, 370, 300, None])
    path = tmp_path / "配建表.xlsx"
    book.save(path)
    data, res = result_of(tmp_path, path)
    assert [(p["id"], p["name"]) for p in data["parcels"]] == [("1", "锦绣花园"),
                                                               ("2", "东湖苑")]
    area = [finding(data, "area_per_households", i) for i in range(2)]
    # Zunyi: 20 m² per 100 new households, 15 per 100 existing.
    # 锦绣花园: 20 × 864 / 100 = 172.8 m², of 220 provided: passes.
    # 东湖苑: 20 × 1,200 / 100 + 15 × 300 / 100 = 240 + 45 = 285 m², of 150 provided.
    assert [(f["required"], f["provided"], f["status"]) for f in area] == [
        (172.8, 220.0, "pass"), (285.0, 150.0, "fail")]
    # 0.1 m² of land per resident (national): 864 × 3 persons = 2,592 → 259.2 m², of 300.
    land = finding(data, "per_capita_land")
    assert (land["required"], land["provided"]) == (259.2, 300.0)
    assert "未被读取" not in res.output and "not read" not in res.output


def test_a_unit_in_a_header_is_the_unit_of_its_numbers(tmp_path):
    """建筑面积（万㎡）, 用地面积（亩）: the header's unit is that of every number below it,
    put in m² exactly and said to the reviewer; a cell that writes its own unit keeps it.
    Stripped as a label, 0.022 万㎡ was read as 0.022 m² and the project failed."""
    path = tmp_path / "projects.csv"
    path.write_text("编号,项目名称,新建户数（套）,养老设施建筑面积（万㎡）,养老设施用地面积（亩）\n"
                    "A,甲,864,0.022,0.45\nB,乙,1200,240㎡,0.6\n", encoding="utf-8")
    data, res = result_of(tmp_path, path)
    area = [finding(data, "area_per_households", i) for i in range(2)]
    # 0.022 万㎡ × 10,000 = 220 m² (not 220.00000000000003); 240㎡ as written.
    # Zunyi: 20 × 864 / 100 = 172.8 m²; 20 × 1,200 / 100 = 240 m².
    assert [(f["provided"], f["required"]) for f in area] == [(220.0, 172.8), (240.0, 240.0)]
    # 1 亩 = 10,000/15 m²: 0.45 亩 = 300 m², 0.6 亩 = 400 m².
    # 0.1 m² per resident: 864 × 3 = 2,592 persons → 259.2 m²; 1,200 × 3 → 360 m².
    land = [finding(data, "per_capita_land", i) for i in range(2)]
    assert [(f["provided"], f["required"]) for f in land] == [(300.0, 259.2), (400.0, 360.0)]
    said = [(p.get("field"), p["message"]) for p in data["problems"]]
    assert ("养老设施建筑面积", "the column's numbers are in 万m²: each read as so many m² "
            "(1 万m² = 10,000 m²)") in said
    assert ("养老设施用地面积", "the column's numbers are in 亩: each read as so many m² "
            "(1 亩 = 666.67 m²)") in said
    assert "1 亩 = 666.67 m²" in invoke("check", path, "--city", "zunyi", "--lang", "zh").output


def test_dwellings_count_as_households_and_an_unsaid_housing_is_not_guessed(tmp_path):
    """新建住宅套数 is new housing's households (a dwelling, 套, is a household in housing
    tables); 住宅套数 says no housing and is refused as 户数 is."""
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,地块编号,新建住宅套数,养老用房建筑面积\n幸福家园,DK-01,1200,400\n",
                    encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    # Zunyi: 20 m² × 1,200 / 100 = 240 m² of new housing's rate.
    assert finding(data, "area_per_households", 0)["required"] == 240.0
    path.write_text("项目名称,地块编号,住宅套数,养老用房建筑面积\n幸福家园,DK-01,1200,400\n",
                    encoding="utf-8")
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2 and "does not say whether it is new housing" in res.output


def test_eldercare_land_in_hectares_as_a_land_use_table_heads_it(tmp_path):
    """养老用地面积（公顷）: land for eldercare, in hectares, as a plan's land-use table heads
    it (it was a column not read, and the land counted as none)."""
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,地块编号,新建户数,养老用房建筑面积（㎡）,养老用地面积（公顷）\n"
                    "幸福家园,DK-01,1200,400,0.05\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    # 0.05 ha × 10,000 = 500 m² against 0.1 m² × 1,200 × 3 persons = 360 m².
    land = finding(data, "per_capita_land", 0)
    assert (land["provided"], land["required"], land["status"]) == (500.0, 360.0, "pass")


@pytest.mark.parametrize("written, storeys", [
    ("首层", (1, None)), ("一层", (1, None)), ("第一层", (1, None)), ("2F", (2, None)),
    ("F2", (2, None)), ("二楼", (2, None)), ("十二层", (12, None)), ("二十一层", (21, None)),
    ("地下一层", (-1, None)), ("负一层", (-1, None)), ("B2", (-2, None)), ("-1层", (-1, None)),
    ("半地下", (0, None)), ("半地下室", (0, None)), ("１层", (1, None)),
    # A span: its lowest storey and how many it takes; no storey 0 between −1 and 1.
    ("1-2层", (1, 2)), ("一至二层", (1, 2)), ("首层至三层", (1, 3)), ("1F-2F", (1, 2)),
    ("一、二层", (1, 2)), ("1~3层", (1, 3)), ("地下一层至一层", (-1, 2)), (" 1 - 2 层 ", (1, 2)),
    # The basements one prefix names: 地下1-2层 is the first and second, the lowest −2.
    ("地下1-2层", (-2, 2)), ("地下一至二层", (-2, 2)), ("地下二层至地下一层", (-2, 2)),
    # Not storeys: a plain number is read as a number; the rest are refused as no number.
    ("1", None), ("两层", None), ("二层及以上", None), ("地下室", None), ("3-2层", None),
    ("0层", None)])
def test_a_floor_as_offices_write_it(written, storeys):
    assert parse_storeys(written) == storeys


def test_a_project_list_says_where_its_room_stands(tmp_path):
    """养老设施所在楼层 / 层数 / 类型 on a project's row are its own room's floor, floors and kind,
    for the siting rules (they were unread columns, and siting was "not given")."""
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,新建户数,养老设施建筑面积,养老设施所在楼层,养老设施层数,养老设施类型\n"
                    "甲,1000,250,一层,,社区养老服务站\n乙,1000,250,地下一层,,\n"
                    "丙,1000,250,3-4层,,日间照料中心\n丁,1000,250,二层,2层,\n",
                    encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    # Zunyi extends Guizhou: on the third floor or below, never below ground (advisory).
    # 甲 floor 1; 乙 floor −1, below ground; 丙 floors 3-4, its top floor 4 above 3;
    # 丁 floor 2 with 2 floors, its top floor 3.
    siting = [finding(data, "facility_siting", i) for i in range(4)]
    assert [f["status"] for f in siting] == ["pass", "fail", "fail", "pass"]
    assert [f["severity"] for f in siting] == ["advisory"] * 4
    # The kind: a 社区养老服务站 must have 350 m² (Guizhou), 250 is 100 short; 丙's 日间照料中心
    # has no minimum in Zunyi's chain; a blank kind is a station.
    sizes = [finding(data, "facility_minimum_area", i) for i in range(4)]
    assert [(f["status"], f.get("kind")) for f in sizes] == [
        ("fail", "community_station"), ("fail", "community_station"),
        ("not_applicable", None), ("fail", "community_station")]
    assert [f["shortfall"] for f in sizes if f["status"] == "fail"] == [100.0] * 3


def test_a_bare_storey_column_on_a_project_list_is_the_rooms(tmp_path):
    """所在楼层 alone, beside the room's area and kind (as a district's statistics table heads
    it), is the room's storey: it was left unread, and siting asked for what was given."""
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,新建住宅户数（户）,养老设施建筑面积（㎡）,养老设施类型,所在楼层\n"
                    "甲,1000,250,社区养老服务站,首层\n乙,1000,250,社区养老服务站,地下一层\n",
                    encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    # Guizhou (Zunyi's chain, advisory): on the third floor or below, never below ground.
    assert [finding(data, "facility_siting", i)["status"] for i in range(2)] == ["pass", "fail"]
    assert not [q for q in data["problems"] if "所在楼层" in (q.get("found") or "")]


def test_a_drawings_label_gives_its_facilitys_storey(tmp_path):
    # Zunyi (Guizhou's siting, advisory): never below ground. The label says 地下一层.
    below = site(tmp_path / "below.dxf", facility_label="社区养老服务站 300㎡ 地下一层")
    data, _ = result_of(tmp_path, below)
    assert finding(data, "facility_siting")["status"] == "fail"
    ground = site(tmp_path / "ground.dxf", facility_label="社区养老服务站 300㎡ 首层")
    data, _ = result_of(tmp_path, ground)
    assert finding(data, "facility_siting")["status"] == "pass"


def test_a_span_of_storeys_that_disagrees_with_the_floors_given_is_refused(tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,新建户数,养老设施建筑面积,养老设施所在楼层,养老设施层数\n"
                    "甲,1000,250,1-2层,3\n", encoding="utf-8")
    res = invoke("check", path, "--city", "zunyi")
    assert res.exit_code == 2
    assert "the storeys the floor spans and the number of floors disagree" in res.output
    assert "1-2层 / 3" in res.output
    # A Chinese reader is told the field by its Chinese name too, and the room by its row.
    said = invoke("check", path, "--city", "zunyi", "--lang", "zh").output
    assert "要素“第 2 行-养老”，字段“floors（层数）”：所在楼层写明的楼层范围与层数不一致" in said


def test_a_row_of_units_under_the_header_is_part_of_it(tmp_path):
    """单位 / 户 / 万㎡ on a row of its own under the header: the header's units, not a
    project (read as one, it was refused as a project without an id whose 户 is no
    number)."""
    path = tmp_path / "projects.csv"
    path.write_text("序号,项目名称,新建户数,养老设施建筑面积\n单位,,（户）,万㎡\n"
                    "1,甲,864,0.022\n2,乙,1200,0.03\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    assert [p["name"] for p in data["parcels"]] == ["甲", "乙"]
    # 0.022 × 10,000 = 220 m²; 0.03 × 10,000 = 300 m².
    assert [finding(data, "area_per_households", i)["provided"] for i in range(2)] == \
        [220.0, 300.0]


def test_a_project_whose_id_cell_is_blank_is_named_by_its_row(tmp_path):
    """An 编号 column with one cell left blank: that project is named by its row, checked,
    and its room kept (its facility was "nan-养老" and the project was dropped)."""
    path = tmp_path / "projects.csv"
    path.write_text("编号,项目名称,新建户数,养老设施建筑面积\nA,甲,864,220\n,乙,1200,200\n",
                    encoding="utf-8")
    out = tmp_path / "district"
    res = invoke("batch", path, "--city", "zunyi", "-o", out, "--no-parcel-reports")
    assert res.exit_code == 1, res.output
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    b = data["parcels"][1]
    assert (b["id"], [f["id"] for f in b["facilities"]]) == ("row 3", ["row 3-养老"])
    # Zunyi: 20 × 1,200 / 100 = 240 m² required, 200 provided.
    area = finding(data, "area_per_households", 1)
    assert (area["required"], area["provided"], area["status"]) == (240.0, 200.0, "fail")


def test_a_workbook_of_a_sheet_per_street_is_read_whole(tmp_path):
    """东城街道 and 西城街道, each a list of projects, and a 汇总 sheet summing them: both
    streets' projects are checked (the second sheet's were left out without a word), the
    summary is not read as projects (it would count each twice) and the reviewer is told,
    and a note sheet naming no field is passed over."""
    import openpyxl

    book = openpyxl.Workbook()
    total = book.active
    total.title = "汇总"
    total.append(["街道", "新建户数", "养老设施建筑面积"])
    total.append(["东城街道", 864, 220])
    total.append(["西城街道", 1200, 100])
    for name, row in (("东城街道", ["D1", "甲", 864, 220]), ("西城街道", ["X1", "乙", 1200, 100])):
        sheet = book.create_sheet(name)
        sheet.append(["编号", "项目名称", "新建住宅户数" if name == "西城街道" else "新建户数",
                      "养老设施建筑面积"])
        sheet.append(row)
    book.create_sheet("说明").append(["本表由各街道填报"])
    path = tmp_path / "district.xlsx"
    book.save(path)
    data, _ = result_of(tmp_path, path)
    assert [p["id"] for p in data["parcels"]] == ["D1", "X1"]
    # Zunyi: 20 m² per 100 new households: 20 × 864 / 100 = 172.8; 20 × 1,200 / 100 = 240.
    assert [(finding(data, "area_per_households", i)["required"],
             finding(data, "area_per_households", i)["provided"]) for i in range(2)] == \
        [(172.8, 220.0), (240.0, 100.0)]
    notes = [(p["message"], p.get("found")) for p in data["problems"]]
    assert ("a summary sheet beside the sheets of projects: not read, as its rows sum theirs",
            "汇总") in notes
    assert not any(found == "说明" for _, found in notes)


def _with_formula(path, cached: str | None):
    """A workbook whose D2 is =C2*0.25: as a script writes it (no value), or as Excel saves
    it (`cached`, the value it computed)."""
    import zipfile

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目"
    for row in (["编号", "项目名称", "新建户数", "养老设施建筑面积"], ["A", "甲", 864, "=C2*0.25"],
                ["B", "乙", 1200, 300]):
        sheet.append(row)
    book.save(path)
    if cached is not None:
        with zipfile.ZipFile(path) as z:
            parts = {name: z.read(name) for name in z.namelist()}
        xml = parts["xl/worksheets/sheet1.xml"]
        assert b"<f>C2*0.25</f><v />" in xml
        parts["xl/worksheets/sheet1.xml"] = xml.replace(b"<f>C2*0.25</f><v />",
                                                        f"<f>C2*0.25</f><v>{cached}</v>".encode())
        with zipfile.ZipFile(path, "w") as z:
            for name, data in parts.items():
                z.writestr(name, data)
    return path


def test_a_formula_without_its_value_is_refused_where_it_stands(tmp_path):
    """A workbook written by a script holds =C2*0.25 but not its value: it read as a blank
    cell, 0 m², and the project failed without a word. Now it is refused, named by its row
    and field, with the way out; the batch checks the other project."""
    path = _with_formula(tmp_path / "script.xlsx", cached=None)
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2, res.output
    assert "row 2" in res.output and "'=C2*0.25'" in res.output
    assert "saved in Excel or WPS" in res.output
    out = tmp_path / "district"
    res = invoke("batch", path, "--city", "zunyi", "-o", out, "--no-parcel-reports")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    b = data["parcels"][1]
    assert b["id"] == "B" and finding(data, "area_per_households", 1)["status"] == "pass"
    # Saved by Excel, the value is there and is read: 864 × 0.25 = 216 m², of the
    # 20 × 864 / 100 = 172.8 m² Zunyi requires.
    path = _with_formula(tmp_path / "excel.xlsx", cached="216")
    data, _ = result_of(tmp_path, path)
    assert (finding(data, "area_per_households")["provided"],
            finding(data, "area_per_households")["required"]) == (216.0, 172.8)


def _indicator_table(path, households="新建户数", remark="社区养老服务站，一层"):
    """A project's 主要技术经济指标表 as a design institute draws it: a title, then 序号 |
    项目 | 单位 | 数值 | 备注 running down the page, sub-items numbered 2.1, 2.1.1."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "技术经济指标"
    sheet.append(["遵义新蒲·滨湖苑 主要技术经济指标表"])
    sheet.append(["序号", "项目", "单位", "数值", "备注"])
    for row in ((1, "总用地面积", "㎡", 35000, None), (2, "总建筑面积", "万㎡", 12, None),
                ("2.1", "住宅建筑面积", "㎡", 88000, None),
                ("2.2", "养老服务用房建筑面积", "㎡", 350, remark),
                (3, households, "户", 864, None), (4, "容积率", None, 2.7, None)):
        sheet.append(list(row))
    book.save(path)
    return path


def test_a_projects_indicator_table_running_down_the_page_is_one_project(tmp_path):
    """The 技术经济指标表 of every planning application: a name in one column, its figure
    in another. It was read as a header row (总建筑面积 | ㎡ | 120000) and refused line by
    line; now it is the project, named by its title, its figures in their units."""
    path = _indicator_table(tmp_path / "指标.xlsx")
    data, res = result_of(tmp_path, path)
    (project,) = data["parcels"]
    assert (project["name"], project["households_new"]) == ("遵义新蒲·滨湖苑", 864)
    # Zunyi: 20 m² per 100 new households: 20 × 864 / 100 = 172.8 m², of 350 provided.
    area = finding(data, "area_per_households")
    assert (area["required"], area["provided"], area["status"]) == (172.8, 350.0, "pass")
    notes = {p["message"]: p.get("found") for p in data["problems"]}
    # 12 万㎡ of gross floor area is 120,000 m²; the figures of no field are named.
    assert any("万m²" in m for m in notes)
    assert notes["figures not read: the plan format has no field of these names (a figure of "
                 "the office's own can be named as a field with --fields)"] == "总用地面积, 容积率"
    # The remark beside the room's area says what it is and where: a 社区养老服务站 (350 m²,
    # Guizhou's minimum, met) on the ground floor (siting met), and the reviewer is told.
    assert notes["the project's own room: what it is and the storey it stands on are read "
                 "from the remark beside its area"] == "社区养老服务站，一层"
    assert finding(data, "facility_minimum_area")["kind"] == "community_station"
    assert finding(data, "facility_siting")["status"] == "pass"
    # Below ground, as a remark may put it: Zunyi (Guizhou's siting) says never.
    path = _indicator_table(tmp_path / "地下.xlsx", remark="日间照料中心，位于3号楼地下一层")
    data, _ = result_of(tmp_path, path)
    assert finding(data, "facility_siting")["status"] == "fail"
    assert finding(data, "facility_minimum_area")["status"] == "not_applicable"  # 日间照料中心
    # A remark that says only the storey is said to give only the storey: the room stays a
    # station, 350 m² meeting Guizhou's 350 m²; first floor, siting met.
    path = _indicator_table(tmp_path / "一层.xlsx", remark="位于首层")
    data, _ = result_of(tmp_path, path)
    said = [(p["message"], p.get("found")) for p in data["problems"] if "remark" in p["message"]]
    assert said == [("the project's own room: the storey it stands on is read from the remark "
                     "beside its area", "位于首层")]
    assert finding(data, "facility_minimum_area")["status"] == "pass"
    assert finding(data, "facility_siting")["status"] == "pass"
    # 总户数 does not say which housing: refused as in any table, with the way out.
    path = _indicator_table(tmp_path / "总户数.xlsx", households="总户数")
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2 and "总户数" in res.output and "households_new" in res.output


def test_an_indicator_table_beside_the_site_plan_of_one_parcel_is_that_parcels(tmp_path):
    """`--table 指标.xlsx` beside a drawing of one parcel: the table names no parcel, and
    needs not; its figures are the parcel's."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["项目", "数值", "单位"])
    book.active.append(["新建户数", 96, "户"])
    book.active.append(["住宅建筑面积", 1.2, "万㎡"])
    table = tmp_path / "指标.xlsx"
    book.save(table)
    data, _ = result_of(tmp_path, site(tmp_path / "site.dxf"), "--table", table)
    (parcel,) = data["parcels"]
    # Zunyi: 20 × 96 / 100 = 19.2 m².
    assert parcel["households_new"] == 96
    assert finding(data, "area_per_households")["required"] == 19.2
    # On a sheet of its own beside the 楼栋 sheet of a workbook: read too (it was passed over
    # without a word, as every sheet not named for a layer was).
    book.active.title = "技术经济指标"
    book.create_sheet("楼栋").append(["编号", "户数"])
    book.save(table)
    data, _ = result_of(tmp_path, site(tmp_path / "site.dxf"), "--table", table)
    assert data["parcels"][0]["households_new"] == 96
    # Beside a plan of five parcels, whose it is is not guessed.
    res = invoke("check", "samples/dongying-shared.geojson", "--table", table, "--city",
                 "dongying", "--lang", "en")
    assert res.exit_code == 2 and "does not say whose it is" in res.output, res.output


DATA = Path(__file__).parent / "data"


def test_an_excel_97_workbook_is_read_as_an_xlsx_is(tmp_path):
    """配建表.xls (tests/data/make_xls.py): an office's list in Excel 97-2003, refused until
    now ("save it as .xlsx"). Read by python-calamine into the same rows: the title passed
    over, the two-row header merged, 亩 converted, the totals left out."""
    data, res = result_of(tmp_path, DATA / "配建表.xls")
    assert [(p["id"], p["name"]) for p in data["parcels"]] == [("1", "锦绣花园"), ("2", "东湖苑")]
    area = [finding(data, "area_per_households", i) for i in range(2)]
    # Zunyi, 20 m² per 100 new households: 20 × 864 / 100 = 172.8; 20 × 1,200 / 100 = 240.
    assert [(f["required"], f["provided"]) for f in area] == [(172.8, 220.0), (240.0, 150.0)]
    # 0.45 亩 × 10,000 / 15 = 300 m² of land, of 0.1 × 864 × 3 = 259.2 m² required.
    land = finding(data, "per_capita_land")
    assert (land["required"], land["provided"]) == (259.2, 300.0)
    assert any(p["found"] == "合计" for p in data["problems"])


def test_excels_tab_separated_unicode_text_is_a_table(tmp_path):
    """Excel's 另存为 → Unicode 文本 (.txt): UTF-16 with its BOM, tabs between cells, a
    thousands separator kept in quotes."""
    path = tmp_path / "projects.txt"
    path.write_bytes("编号\t项目名称\t新建户数\t养老设施建筑面积\r\nA\t甲\t864\t\"1,220\"\r\n"
                     .encode("utf-16"))
    data, _ = result_of(tmp_path, path)
    # Zunyi: 20 × 864 / 100 = 172.8 m², of 1,220 provided.
    assert (finding(data, "area_per_households")["required"],
            finding(data, "area_per_households")["provided"]) == (172.8, 1220.0)


def test_an_opendocument_spreadsheet_is_read(tmp_path):
    import zipfile

    def cell(v):
        kind = "float" if isinstance(v, (int, float)) else "string"
        value = f' office:value="{v}"' if kind == "float" else ""
        return (f'<table:table-cell office:value-type="{kind}"{value}><text:p>{v}</text:p>'
                f"</table:table-cell>")

    rows = [["编号", "项目名称", "新建户数", "养老设施建筑面积"], ["A", "甲", 864, 220]]
    body = "".join("<table:table-row>" + "".join(map(cell, r)) + "</table:table-row>"
                   for r in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="项目">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>')
    path = tmp_path / "projects.ods"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet",
                   compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content)
    data, _ = result_of(tmp_path, path)
    # Zunyi: 20 × 864 / 100 = 172.8 m², of 220 provided.
    assert (finding(data, "area_per_households")["required"],
            finding(data, "area_per_households")["provided"]) == (172.8, 220.0)


def test_a_header_unit_its_field_is_not_measured_in_is_refused(tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text("编号,新建户数,养老设施建筑面积（个）\nA,864,2\n", encoding="utf-8")
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2, res.output
    assert "field '养老设施建筑面积'" in res.output and "found 个" in res.output
    assert "万m²" in res.output and "Traceback" not in res.output


def test_a_template_whose_first_sheet_is_its_instructions(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "填表说明"
    book.active.append(["1. 本表由区住建局填报"])
    book.active.append(["2. 户数以竣工备案为准"])
    sheet = book.create_sheet("汇总表")
    sheet.append(["项目名称", "编号", "新建户数", "养老设施建筑面积"])
    sheet.append(["甲", "A", 1200, 200])
    book.save(tmp_path / "template.xlsx")
    data, _ = result_of(tmp_path, tmp_path / "template.xlsx")
    # The projects' sheet is read: 20 × 1,200 / 100 = 240 m² required, 200 provided.
    assert (data["parcels"][0]["id"], finding(data, "area_per_households")["required"]) == \
        ("A", 240.0)


def test_two_columns_under_one_name(tmp_path):
    """Two 新建户数 columns cannot be told apart: refused, naming both; two "—" headers over
    columns nobody reads are no reason to refuse the table."""
    path = tmp_path / "projects.csv"
    path.write_text("编号,新建户数,新建户数,—,—\nA,1200,900,x,y\n", encoding="utf-8")
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2 and "columns B, C" in res.output, res.output
    path.write_text("编号,新建户数,养老设施建筑面积,—,—\nA,1200,240,x,y\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    # 20 × 1,200 / 100 = 240 m², provided 240.
    assert finding(data, "area_per_households")["status"] == "pass"


def test_a_list_numbered_by_its_own_column_is_named_by_it(tmp_path):
    """No 编号, but a 序号 column numbering each row once: the rows are named by it; numbered
    twice, they keep their row numbers."""
    path = tmp_path / "projects.csv"
    path.write_text("序号,项目名称,新建户数,养老设施建筑面积\n1,甲,1200,200\n2,乙,500,\n",
                    encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    assert [p["id"] for p in data["parcels"]] == ["1", "2"]
    # 甲: 20 × 1,200 / 100 = 240 m² required of its 200 m² room.
    assert (finding(data, "area_per_households")["required"],
            finding(data, "area_per_households")["provided"]) == (240.0, 200.0)
    path.write_text("序号,项目名称,新建户数\n1,甲,1200\n1,乙,500\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    assert [p["id"] for p in data["parcels"]] == ["row 2", "row 3"]


def test_a_row_without_an_id_is_named_by_its_row_in_the_readers_language(tmp_path):
    """No 编号 nor 序号: a project is named by its row. Its id in the data is the same in
    any language ("sheet '项目' row 2", as the plan format says); a Chinese reader is
    shown 工作表“项目”第 2 行 on the terminal, the report and the map, an English one the
    id as it is."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "项目"
    for row in (["项目名称", "新建户数", "养老用房面积", "经度", "纬度"],
                ["锦绣花园", 864, 220, 106.93, 27.70], ["东湖苑", 1200, 150, 106.94, 27.71]):
        sheet.append(row)
    path = tmp_path / "projects.xlsx"
    book.save(path)
    data, res = result_of(tmp_path, path)
    assert [p["id"] for p in data["parcels"]] == ["sheet '项目' row 2", "sheet '项目' row 3"]
    assert data["parcels"][0]["facilities"][0]["id"] == "sheet '项目' row 2-养老"
    # Zunyi: 20 m² per 100 new households: 20 × 864 / 100 = 172.8 m², of 220 m² provided.
    assert finding(data, "area_per_households")["required"] == 172.8
    said = invoke("check", path, "--city", "zunyi", "--lang", "zh")
    assert "工作表“项目”第 2 行 锦绣花园" in said.output
    assert "row" not in said.output.replace(str(tmp_path), "")
    assert "sheet '项目' row 2 锦绣花园" in invoke("check", path, "--city", "zunyi",
                                                "--lang", "en").output
    invoke("check", path, "--city", "zunyi", "-o", tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "工作表“项目”第 2 行-养老" in page and "row 2" not in page
    res = invoke("batch", path, "--city", "zunyi", "-o", tmp_path / "out")
    assert res.exit_code == 1, res.output
    pages = [(tmp_path / "out" / "index.html").read_text(encoding="utf-8"),
             *(f.read_text(encoding="utf-8") for f in (tmp_path / "out" / "parcels").iterdir())]
    assert "<title>工作表“项目”第 3 行</title>" in pages[0]
    assert all("row 2" not in page and "row 3" not in page for page in pages)
    assert "工作表“项目”第 3 行" in pages[0] and len(pages) == 3


def test_a_table_saved_as_csv_names_the_line_of_a_bad_value(tmp_path):
    """Excel's 另存为 CSV on a Chinese Windows: GBK, the title row kept, a unit in a header;
    "约1200" is not a number to judge and "220户" is not an area: each named by its line."""
    path = tmp_path / "projects.csv"
    path.write_bytes("住宅项目养老设施配建表,,,\r\n"
                     "\r\n"
                     "项目名称,编号,新建户数,养老设施建筑面积(m2)\r\n"
                     "甲,A,约1200,200\r\n"
                     "乙,B,500,220户\r\n"
                     "小计,,1700,420\r\n".encode("gbk"))
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2, res.output
    assert "row 4" in res.output and "households_new" in res.output and "约1200" in res.output
    assert "row 5" in res.output and "eldercare_floor_area_m2" in res.output \
        or "row 5" in res.output and "floor_area_m2" in res.output
    assert "220户" in res.output
    assert "Traceback" not in res.output


# ---------------------------------------------------------------- web-map coordinates

# Published reference points (eviltransform's test vectors): (WGS 84 lat, lng), (GCJ-02).
REFERENCE = [((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
             ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
             ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657))]


def test_gcj02_reference_points_forward_and_back():
    geod = pyproj.Geod(ellps="WGS84")
    wgs = np.array([[lng, lat] for (lat, lng), _ in REFERENCE])
    gcj = np.array([[lng, lat] for _, (lat, lng) in REFERENCE])
    np.testing.assert_allclose(projection.wgs84_to_gcj02(wgs), gcj, atol=1e-9)
    back = projection.gcj02_to_wgs84(gcj)
    _, _, metres = geod.inv(back[:, 0], back[:, 1], wgs[:, 0], wgs[:, 1])
    assert np.max(metres) < 0.01  # the documented accuracy of the inverse


def test_bd09_round_trip_within_the_documented_accuracy():
    geod = pyproj.Geod(ellps="WGS84")
    rng = np.random.default_rng(3)
    gcj = np.column_stack([rng.uniform(75, 134, 1000), rng.uniform(18, 53, 1000)])
    back = projection.bd09_to_gcj02(projection.gcj02_to_bd09(gcj))
    _, _, metres = geod.inv(back[:, 0], back[:, 1], gcj[:, 0], gcj[:, 1])
    assert np.max(metres) < 0.25


def test_points_off_a_web_map_are_converted_before_measuring(tmp_path):
    # F1 and B1 500 m apart (due east) in WGS 84, written as GCJ-02 as 高德 shows them.
    geod = pyproj.Geod(ellps="WGS84")
    lon0, lat0 = 106.93, 27.70
    lon1, lat1, _ = geod.fwd(lon0, lat0, 90.0, 500.0)
    pts = projection.wgs84_to_gcj02(np.array([[lon0, lat0], [lon1, lat1]]))
    ring = projection.wgs84_to_gcj02(np.array([[lon0 - 0.01, lat0 - 0.01], [lon0 + 0.02,
                                               lat0 - 0.01], [lon0 + 0.02, lat0 + 0.01],
                                               [lon0 - 0.01, lat0 + 0.01]]))
    features = [
        {"type": "Feature", "properties": {"layer": "parcel", "id": "P1", "households_new": 10},
         "geometry": {"type": "Polygon", "coordinates": [ring.tolist() + [ring[0].tolist()]]}},
        {"type": "Feature", "properties": {"layer": "facility", "id": "F1",
                                           "kind": "community_station", "floor_area_m2": 300},
         "geometry": {"type": "Point", "coordinates": pts[0].tolist()}},
        {"type": "Feature", "properties": {"layer": "building", "id": "B1", "households": 10},
         "geometry": {"type": "Point", "coordinates": pts[1].tolist()}}]
    path = tmp_path / "gaode.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                    encoding="utf-8")
    data, _ = result_of(tmp_path, path, "--coords", "gcj02")
    assert finding(data, "service_radius")["provided"] == pytest.approx(500.0, abs=0.05)
    assert data["run"]["options"]["coords"] == "gcj02"


def test_a_list_of_projects_and_facilities_picked_off_a_web_map(tmp_path):
    """A district office's workbook: projects with 经纬度 copied off 高德 (GCJ-02), one
    written latitude first as Google copies it, and a sheet of facilities with 经度 / 纬度."""
    import openpyxl

    geod = pyproj.Geod(ellps="WGS84")
    lon0, lat0 = 106.93, 27.70                          # F1, the district's day-care centre
    lon_a, lat_a, _ = geod.fwd(lon0, lat0, 90.0, 500.0)     # A: 500 m due east of F1
    lon_b, lat_b, _ = geod.fwd(lon0, lat0, 0.0, 900.0)      # B: 900 m due north of F1
    gcj = projection.wgs84_to_gcj02(np.array([[lon0, lat0], [lon_a, lat_a], [lon_b, lat_b]]))
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "项目"
    sheet.append(["项目名称", "编号", "新建户数", "经纬度"])
    sheet.append(["滨湖苑", "A", 500, f"{gcj[1, 0]:.6f},{gcj[1, 1]:.6f}"])
    sheet.append(["云著", "B", 300, f"{gcj[2, 1]:.6f}, {gcj[2, 0]:.6f}"])   # latitude first
    facilities = book.create_sheet("设施")
    facilities.append(["编号", "类型", "建筑面积", "经度", "纬度"])
    facilities.append(["F1", "日间照料中心", 800, round(gcj[0, 0], 6), round(gcj[0, 1], 6)])
    path = tmp_path / "district.xlsx"
    book.save(path)
    data, res = result_of(tmp_path, path, "--coords", "gcj02")
    # Measured from each project's point to F1: 500 m and 900 m (to 6 decimals of a degree,
    # 0.1 m); Zunyi's radius is 700 m.
    a, b = (finding(data, "service_radius", i) for i in range(2))
    assert a["provided"] == pytest.approx(500.0, abs=0.3) and a["status"] == "pass"
    assert b["provided"] == pytest.approx(900.0, abs=0.3) and b["status"] == "fail"
    swapped = [q for q in data["problems"] if "latitude written first" in q["message"]]
    assert [q["feature"] for q in swapped] == ["B (sheet '项目' row 3)"] or \
        [q["feature"] for q in swapped] == ["sheet '项目' row 3"]
    # Nothing but the points was measured: the area rules are the table's, as without them.
    # Zunyi: 20 m² per 100 new households: 20 × 500 / 100 = 100 m².
    assert finding(data, "area_per_households")["required"] == 100.0
    # The district's map shows the projects where they are, in their verdicts' colours.
    res = invoke("batch", path, "--city", "zunyi", "--coords", "gcj02", "-o", tmp_path / "out",
                 "--no-parcel-reports")
    assert res.exit_code == 1, res.output
    page = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
    assert 'class="map"' in page
    assert "<title>A</title>" in page and "<title>B</title>" in page


def test_a_coordinate_that_is_not_one_is_refused_by_its_row(tmp_path):
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,编号,新建户数,经度,纬度\n甲,A,500,106.93,\n乙,B,300,见附图,27.7\n"
                    "丙,C,200,206.9,27.7\n", encoding="utf-8")
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2, res.output
    for row in ("row 2", "row 3", "row 4"):
        assert row in res.output
    assert "longitude" in res.output and "Traceback" not in res.output


# ---------------------------------------------------------------- Excel out

def test_batch_results_xlsx_holds_the_json_figures(tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "district"
    invoke("batch", "samples/dongying-shared.geojson", "--city", "dongying", "-o", out,
           "--no-parcel-reports")
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    book = load_workbook(out / "results.xlsx")
    sheet = book["地块"]
    header = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "A2"
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    for p in data["parcels"]:
        area = next(f for f in p["findings"] if f["rule"] == "area_per_households")
        row = rows[p["id"]]
        assert row["每百户配建面积 应达到"] == area["required"]
        assert row["每百户配建面积 实际"] == area["provided"]
        assert isinstance(row["每百户配建面积 应达到"], (int, float))
        assert row["结论"] in ("合规", "不合规", "资料不全")
    assert book["条款判定"].max_row - 1 == sum(len(p["findings"]) for p in data["parcels"])
    # The findings' sheet says its codes as a Chinese reader filters them (the CSV keeps the
    # codes): DY-21's floor area fails, a mandatory rule of 东营's own (市级).
    findings = book["条款判定"]
    header = [c.value for c in findings[1]]
    said = [dict(zip(header, r)) for r in findings.iter_rows(min_row=2, values_only=True)]
    area = next(r for r in said if r["地块编号"] == "DY-21" and r["条款"] == "每百户配建面积")
    assert (area["结论"], area["判定"], area["性质"], area["单位"], area["沿用上级"],
            area["标准层级"]) == ("不合规", "不达标", "强制性", "m²", "否", "市级")
    codes = {"non_compliant", "fail", "pass", "mandatory", "advisory", "area_per_households"}
    assert not codes & {v for r in said for v in r.values()}


def test_check_writes_xlsx_with_formulas_defused(tmp_path):
    from openpyxl import load_workbook

    path = tmp_path / "p.geojson"
    doc = json.loads(open("samples/zunyi-failing.geojson", encoding="utf-8").read())
    parcel = next(f for f in doc["features"] if f["properties"]["layer"] == "parcel")
    parcel["properties"]["name"] = '=HYPERLINK("http://x","y")'
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    assert invoke("check", path, "--city", "zunyi", "-o", tmp_path / "r.xlsx").exit_code == 1
    book = load_workbook(tmp_path / "r.xlsx")
    sheet = book["地块"]
    assert sheet.cell(row=2, column=2).value.startswith("'=")
    assert sheet.cell(row=2, column=3).fill.fgColor.rgb.endswith("FFCDD2")
    # The findings sheet names the parcel on every row of its findings: defused there too.
    findings = book["条款判定"]
    names = {findings.cell(row=r, column=2).value for r in range(2, findings.max_row + 1)}
    assert names == {'\'=HYPERLINK("http://x","y")'}


def test_a_table_column_the_format_does_not_read_is_said_never_counted_as_none(tmp_path):
    """养老设施面积 could be floor or land area: it is not guessed, and not passed over in
    silence either (the project would read as providing none); 养老用房面积 is floor space."""
    path = tmp_path / "projects.csv"
    path.write_text("编号,新建户数,养老设施面积,备注\nA1,864,220,已验收\n", encoding="utf-8")
    data, res = result_of(tmp_path, path)
    unread = [q for q in data["problems"] if "columns not read" in q["message"]]
    assert [q["found"] for q in unread] == ["养老设施面积"]  # 备注 is no one's data
    assert unread[0]["level"] == "warning"
    path.write_text("编号,新建户数,养老用房面积\nA1,864,220\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path)
    # 20 m² per 100 households × 864 / 100 = 172.8 m² required of the 220 m² provided.
    area = finding(data, "area_per_households")
    assert (area["required"], area["provided"], area["status"]) == (172.8, 220.0, "pass")
    assert not [q for q in data["problems"] if "columns not read" in q["message"]]


def test_a_household_count_that_names_no_housing_is_never_guessed(tmp_path):
    """总户数 could be new housing (20 m² per 100 households in Zunyi) or existing: said once
    for the layer with the way out, and --fields naming it checks the projects."""
    path = tmp_path / "projects.csv"
    path.write_text("项目名称,总户数,养老用房面积\n滨湖苑,864,220\n云著,1200,200\n",
                    encoding="utf-8")
    res = invoke("check", path, "--city", "zunyi", "--lang", "en")
    assert res.exit_code == 2
    assert res.output.count("does not say whether it is new housing or existing") == 1
    assert "found 总户数" in res.output and "--fields" in res.output
    fields = tmp_path / "fields.yaml"
    fields.write_text("parcels:\n  fields:\n    总户数: households_new\n", encoding="utf-8")
    data, _ = result_of(tmp_path, path, "--fields", fields)
    # 20 × 864 / 100 = 172.8 m² required of 滨湖苑's 220 m².
    assert (finding(data, "area_per_households")["required"],
            finding(data, "area_per_households")["provided"]) == (172.8, 220.0)


def _local_grid_drawing(path):
    """A site plan in a city's own grid (城市独立坐标系): coordinates near (35,000, 42,000) that
    no EPSG code names. A parcel 200 × 150 m with 1,200 new households, a 25 × 20 m station
    of 400 m² floor area at its south-west corner."""
    doc = ezdxf.new("R2018")
    doc.header["$INSUNITS"] = 6
    msp = doc.modelspace()
    msp.add_lwpolyline([(35000, 42000), (35200, 42000), (35200, 42150), (35000, 42150)],
                       close=True, dxfattribs={"layer": "用地红线"})
    msp.add_text("A-01 新建1200户", dxfattribs={"layer": "文字", "insert": (35050, 42100)})
    msp.add_lwpolyline([(35020, 42020), (35045, 42020), (35045, 42040), (35020, 42040)],
                       close=True, dxfattribs={"layer": "养老设施"})
    msp.add_text("社区养老服务站 400㎡", dxfattribs={"layer": "文字", "insert": (35021, 42030)})
    doc.saveas(path)
    return path


def test_a_drawing_in_a_citys_own_grid_is_measured_as_drawn(tmp_path):
    drawing = _local_grid_drawing(tmp_path / "local.dxf")
    refused = invoke("check", drawing, "--city", "zunyi", "--lang", "en")
    assert refused.exit_code == 2 and "--crs local" in refused.output
    data, _ = result_of(tmp_path, drawing, "--crs", "local")
    assert data["method"]["crs"].startswith("local plane (--crs local)")
    # Zunyi: 20 × 1,200 / 100 = 240 m² ≤ 400. The station's land is its outline, 25 × 20 =
    # 500 m². With no buildings the farthest point is the corner (35,200, 42,150), from the
    # station's nearest corner (35,045, 42,040): √(155² + 110²) = √36,125 = 190.07 m, in the
    # drawing's own metres.
    assert (finding(data, "area_per_households")["required"],
            finding(data, "area_per_households")["provided"]) == (240.0, 400.0)
    assert finding(data, "per_capita_land")["provided"] == 500.0
    radius = finding(data, "service_radius")
    assert (radius["provided"], radius["status"]) == (190.07, "pass")
    # Written back in the same plane, which a GIS shows as a local (engineering) CRS.
    out = tmp_path / "r.gpkg"
    assert invoke("check", drawing, "--city", "zunyi", "--crs", "local", "-o", out).exit_code == 0
    import pyogrio

    assert "local plane" in pyogrio.read_info(out, layer="parcels")["crs"]


def test_the_local_plane_is_not_set_beside_a_placed_layer(tmp_path):
    import geopandas as gpd
    from shapely.geometry import Point, box

    folder = tmp_path / "plan"
    folder.mkdir()
    gpd.GeoDataFrame({"id": ["P1"], "households_new": [100]}, geometry=[box(0, 0, 100, 100)],
                     crs="EPSG:4547").to_file(folder / "parcels.shp")
    gpd.GeoDataFrame({"id": ["F1"], "kind": ["community_station"], "floor_area_m2": [400.0]},
                     geometry=[Point(35020, 42020)]).to_file(folder / "facilities.shp")
    res = invoke("check", folder, "--city", "zunyi", "--crs", "local", "--lang", "en")
    assert res.exit_code == 2
    assert "cannot be measured together" in res.output and "parcels" in res.output


def test_road_boundaries_kerbs_and_setbacks_are_not_plan_layers(tmp_path):
    """A draughtsman's site plan draws 道路红线 and 道路边线 beside the centre-line, and a
    setback line (建筑退线) inside the parcel: 道路红线 was read as parcels and the plan
    refused for its open outlines; the kerbs were walked as streets."""
    drawing = _local_grid_drawing(tmp_path / "site.dxf")
    doc = ezdxf.readfile(drawing)
    msp = doc.modelspace()
    msp.add_line((34500, 41980), (35700, 41980), dxfattribs={"layer": "道路中心线"})
    for y, layer in ((41995, "道路红线"), (41965, "道路红线"), (41988, "道路边线"),
                     (41972, "道路边线")):
        msp.add_line((34500, y), (35700, y), dxfattribs={"layer": layer})
    msp.add_lwpolyline([(35010, 42010), (35190, 42010), (35190, 42140), (35010, 42140)],
                       close=True, dxfattribs={"layer": "建筑退线"})
    doc.saveas(drawing)
    data, res = result_of(tmp_path, drawing, "--crs", "local", "--distance", "network")
    assert [p["id"] for p in data["parcels"]] == ["A-01"]
    assert data["method"]["network"]["street_lines"] == 1
    said = next(q for q in data["problems"] if q["message"].startswith("road boundaries"))
    assert said["found"] == "建筑退线 (1), 道路红线 (2), 道路边线 (2)"
    # The farthest corner (35,200, 42,150) joins the centre-line y = 41,980, 170 m away, and
    # walks 167.5 m west to x = 35,032.5, where the station's side (y = 42,020) faces the
    # street from 40 m: 170 + 167.5 + 40 = 377.5 m.
    assert finding(data, "service_radius")["provided"] == 377.5


def test_other_buildings_and_notes_beside_the_housing(tmp_path):
    """A site plan draws its housing (住宅) beside other buildings (商业建筑, 现状建筑,
    现状建筑-拆除) and notes words on it (幼儿园): the shop building and the one to be pulled
    down hold no households and were refused for lacking them; a word alone in the parcel
    was a second id beside its label. An existing building labelled with its households is
    housing, and a day-care centre noted in the shop building's label is the plan's."""
    drawing = _local_grid_drawing(tmp_path / "site.dxf")
    doc = ezdxf.readfile(drawing)
    msp = doc.modelspace()
    for (x0, y0, x1, y1), layer, text in (
            ((35100, 42050, 35130, 42065), "住宅", "1# 120户"),
            ((35150, 42100, 35190, 42130), "商业建筑", "S1 商业 首层日间照料中心 600㎡"),
            ((35050, 42120, 35080, 42140), "现状建筑", "5# 已建60户"),
            ((35010, 42100, 35030, 42110), "现状建筑-拆除", None)):
        msp.add_lwpolyline([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], close=True,
                           dxfattribs={"layer": layer})
        if text:
            msp.add_text(text, dxfattribs={"layer": "文字", "insert": (x0 + 3, y0 + 3)})
    msp.add_text("幼儿园", dxfattribs={"layer": "文字", "insert": (35010, 42145)})
    doc.saveas(drawing)
    data, res = result_of(tmp_path, drawing, "--crs", "local")
    parcel = data["parcels"][0]
    assert parcel["id"] == "A-01"
    said = {q["message"]: q.get("found") for q in data["problems"]}
    assert said["buildings on layers that do not say they are housing, beside layers that do "
                "(住宅, 楼栋), and whose labels give no households: not housing, left out"] == \
        "商业建筑 (1), 现状建筑-拆除 (1)"
    assert said["a word alone beside the outline's label is taken for a note on the drawing"] \
        == "'幼儿园'"
    # The station drawn (400 m²) and the day-care centre in S1 (600 m²): 1,000 m² against
    # Zunyi's 20 × 1,200 / 100 = 240 m².
    assert sorted(f["id"] for f in parcel["facilities"]) == ["H31", "S1-养老"]
    assert finding(data, "area_per_households")["provided"] == 1000.0
    # The farthest household is in 5# (35,050–35,080 × 42,120–42,140), from its inner point
    # (35,065, 42,130) to the station's corner (35,045, 42,040): √(20² + 90²) = √8,500
    # = 92.20 m; 1# at (35,115, 42,057.5) is √(70² + 17.5²) = 72.15 m.
    assert finding(data, "service_radius")["provided"] == 92.2
