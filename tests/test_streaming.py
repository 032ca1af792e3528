"""The buildings layer of a GeoPackage (or GeoParquet, FlatGeobuf) is read batch by batch: each
batch validated, projected and reduced to points and compact outlines before the next. The
answer must not depend on where the batches are cut, nor on whether the layer was streamed."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner

from compliance import io
from compliance.cli import main
from conftest import pt, rect

CRS = "EPSG:4548"  # metres, scale 1 near X0 (see conftest)


def _frame(rows, crs=CRS):
    return gpd.GeoDataFrame([{k: v for k, v in r.items() if k != "geometry"} for r in rows],
                            geometry=[r["geometry"] for r in rows], crs=crs)


def _buildings():
    rows = []
    # P1 (0–400 m square, the facility at its corner): six buildings of 12 households.
    for k in range(6):
        rows.append({"id": f"B{k + 1}", "households": 12, "parcel_id": None,
                     "geometry": rect(40 + 50 * k, 100, 20, 15)})
    # P2, 5 km east, no facility anywhere near: seven buildings of 12 households.
    for k in range(7):
        rows.append({"id": f"C{k + 1}", "households": 12, "parcel_id": None,
                     "geometry": rect(5040 + 40 * k, 200, 20, 15)})
    rows[8]["id"] = "B3"                                   # row 9: B3 again, a later batch
    rows.append({"id": "BAD", "households": -5, "parcel_id": None,
                 "geometry": rect(60, 300, 10, 10)})       # households below 0
    rows.append({"id": "NOGEOM", "households": 4, "parcel_id": None, "geometry": None})
    rows.append({"id": "PT", "households": 3, "parcel_id": None, "geometry": pt(5300, 350)})
    rows.append({"id": "OUT", "households": 9, "parcel_id": None,
                 "geometry": rect(2500, 2500, 10, 10)})   # outside every parcel
    return rows


@pytest.fixture
def plan_gpkg(tmp_path):
    path = tmp_path / "district.gpkg"
    _frame([{"id": "P1", "households_new": 72, "geometry": rect(0, 0, 400, 400)},
            {"id": "P2", "households_new": 84, "geometry": rect(5000, 0, 400, 400)}]) \
        .to_file(path, layer="parcels", driver="GPKG")
    _frame([{"id": "F1", "kind": "community_station", "floor_area_m2": 400,
             "parcel_id": "P1", "geometry": pt(10, 10)}]) \
        .to_file(path, layer="facilities", driver="GPKG")
    _frame(_buildings()).to_file(path, layer="buildings", driver="GPKG")
    return path


def _batch(plan: Path, out: Path, *extra):
    res = CliRunner().invoke(main, ["batch", str(plan), "--city", "changzhou", "--lang", "en",
                                    "-o", str(out), *extra])
    assert res.exit_code in (1, 3), res.output
    assert "Traceback" not in res.output
    return json.loads((out / "results.json").read_text(encoding="utf-8"))


def test_the_buildings_layer_of_a_geopackage_is_streamed(plan_gpkg):
    raw = io.read_plan(plan_gpkg)
    assert "buildings" in raw.streams and "buildings" not in raw.layers
    assert "parcels" in raw.layers


def test_where_the_batches_are_cut_changes_nothing(plan_gpkg, tmp_path, monkeypatch):
    _batch(plan_gpkg, tmp_path / "whole")
    monkeypatch.setattr(io, "STREAM_ROWS", 4)  # 17 buildings: five batches
    cut = _batch(plan_gpkg, tmp_path / "cut")
    assert (tmp_path / "cut" / "results.json").read_bytes() == \
        (tmp_path / "whole" / "results.json").read_bytes()
    for page in (tmp_path / "whole" / "parcels").glob("*.html"):
        assert (tmp_path / "cut" / "parcels" / page.name).read_bytes() == page.read_bytes()
    a = gpd.read_file(tmp_path / "whole" / "results.gpkg", layer="uncovered_buildings")
    b = gpd.read_file(tmp_path / "cut" / "results.gpkg", layer="uncovered_buildings")
    assert a.equals(b)

    # B3 is used again at row 9, in the third batch of four: still "id used twice".
    twice = [p for p in cut["problems"] if p["message"] == "id used twice"]
    assert [(p["layer"], p["feature"]) for p in twice] == [("buildings", "B3")]
    # Feature by feature, in file order, whatever the batches.
    assert [(p["feature"], p["message"]) for p in cut["problems"]] == [
        ("B3", "id used twice"), ("BAD", "value out of range"),
        ("NOGEOM", "empty or missing geometry"),
        ("OUT", "the building lies outside every parcel; its households are not counted"),
        # P2 gives 84 households; its buildings hold 7 × 12 + PT's 3 = 87. (P1's BAD could
        # not be read: there is nothing sure to compare.)
        ("P2", "the parcel gives 84 households and its buildings hold 87: the floor-area "
         "rules count the parcel's, the walking radius the buildings'")]

    # P2 lies 5 km from the only facility: its seven buildings of 12 households (C3 now
    # named B3) and the point PT with 3 are out of reach: 7 × 12 + 3 = 87 households.
    p2 = next(p for p in cut["parcels"] if p["id"] == "P2")
    radius = next(f for f in p2["findings"] if f["rule"] == "service_radius")
    far = radius["details"]["uncovered_buildings"]
    assert sorted(b["id"] for b in far) == ["B3", "C1", "C2", "C4", "C5", "C6", "C7", "PT"]
    assert sum(b["households"] for b in far) == 87


def test_the_outlines_drawn_are_the_outlines_read(plan_gpkg, tmp_path, monkeypatch):
    monkeypatch.setattr(io, "STREAM_ROWS", 4)
    _batch(plan_gpkg, tmp_path / "out", "--no-parcel-reports")
    # The layer is in the local CRS the plan was measured in; back in the file's CRS each
    # outline is the one given (to a micrometre: two projections), not a point.
    far = gpd.read_file(tmp_path / "out" / "results.gpkg",
                        layer="uncovered_buildings").to_crs(CRS)
    given = _frame(_buildings()).set_index("id")
    for row in far.itertuples():
        expected = given.loc[[row.id]].geometry
        assert any(row.geometry.equals_exact(g, 1e-6) for g in expected), row.id
    assert "PT" in set(far["id"]) and far.set_index("id").loc["PT"].geometry.geom_type == "Point"


def test_a_geojson_plan_gives_the_same_findings(plan_gpkg, tmp_path, monkeypatch):
    """The same plan as GeoJSON is read whole, not streamed: the same verdicts, and the same
    problems with its buildings (but for the file named in each)."""
    geojson = tmp_path / "district.geojson"
    layers = [gpd.read_file(plan_gpkg, layer=name).to_crs(CRS).assign(layer=singular)
              for name, singular in (("parcels", "parcel"), ("facilities", "facility"),
                                     ("buildings", "building"))]
    merged = gpd.GeoDataFrame(gpd.pd.concat(layers, ignore_index=True), crs=CRS)
    merged.to_crs(4326).to_file(geojson, driver="GeoJSON")
    monkeypatch.setattr(io, "STREAM_ROWS", 4)
    streamed = _batch(plan_gpkg, tmp_path / "a", "--no-parcel-reports")
    whole = _batch(geojson, tmp_path / "b", "--no-parcel-reports")
    assert [p["verdict"] for p in streamed["parcels"]] == [p["verdict"] for p in whole["parcels"]]
    def of_buildings(data):
        return [{k: v for k, v in p.items() if k != "file"} for p in data["problems"]
                if p.get("layer") == "buildings"]

    assert of_buildings(streamed) == of_buildings(whole) and len(of_buildings(whole)) == 4


def test_a_folder_of_geoparquet_files_is_read_and_its_buildings_streamed(plan_gpkg, tmp_path,
                                                                         monkeypatch):
    """GeoParquet is read through pyarrow (GDAL is often built without Parquet), the buildings
    batch by batch: the parcels' results are those of the same plan as a GeoPackage."""
    folder = tmp_path / "district"
    folder.mkdir()
    for name in ("parcels", "facilities", "buildings"):
        gpd.read_file(plan_gpkg, layer=name).to_parquet(folder / f"{name}.parquet")
    raw = io.read_plan(folder)
    assert "buildings" in raw.streams and set(raw.layers) == {"parcels", "facilities"}
    monkeypatch.setattr(io, "STREAM_ROWS", 4)
    parquet = _batch(folder, tmp_path / "a", "--no-parcel-reports")
    gpkg = _batch(plan_gpkg, tmp_path / "b", "--no-parcel-reports")
    assert parquet["parcels"] == gpkg["parcels"]
    assert [(p["feature"], p["message"]) for p in parquet["problems"]] == \
        [(p["feature"], p["message"]) for p in gpkg["problems"]]


def _dataset(plan_gpkg, folder: Path, cuts, crs_of=None):
    """The plan as a folder of GeoParquet files, its buildings a partitioned dataset cut at
    `cuts` (rows), part k in crs_of[k] where given, named as Dask names its parts."""
    folder.mkdir()
    for name in ("parcels", "facilities"):
        gpd.read_file(plan_gpkg, layer=name).to_parquet(folder / f"{name}.parquet")
    buildings = gpd.read_file(plan_gpkg, layer="buildings")
    (folder / "buildings").mkdir()
    bounds = [0, *cuts, len(buildings)]
    for k, (a, b) in enumerate(zip(bounds, bounds[1:])):
        part = buildings.iloc[a:b]
        if crs_of and k in crs_of:
            part = part.to_crs(crs_of[k])
        part.to_parquet(folder / "buildings" / f"part.{k}.parquet")
    return folder


def test_a_layer_held_as_a_partitioned_dataset_is_read_part_by_part(plan_gpkg, tmp_path,
                                                                     monkeypatch):
    """A buildings layer written by Dask, Spark or DuckDB (buildings/part.0.parquet, …,
    part.10.parquet) is streamed part after part, in natural order (part.2 before
    part.10): the results are those of the same plan in one file, to the byte, and a
    feature is named by its part and row."""
    # 17 buildings cut into 12 parts: rows 0, 1, 2, …, 10 alone, then 11–16 in part.11.
    folder = _dataset(plan_gpkg, tmp_path / "district", cuts=range(1, 12))
    raw = io.read_plan(folder)
    assert "buildings" in raw.streams
    monkeypatch.setattr(io, "STREAM_ROWS", 4)
    parted = _batch(folder, tmp_path / "a", "--no-parcel-reports")
    gpkg = _batch(plan_gpkg, tmp_path / "b", "--no-parcel-reports")
    assert parted["parcels"] == gpkg["parcels"]
    assert [(p["feature"], p["message"]) for p in parted["problems"]] == \
        [(p["feature"], p["message"]) for p in gpkg["problems"]]
    # NOGEOM (row 16 of the layer, the second of part.11) has an id: named by it. Without
    # its id, it is named where it stands.
    buildings = gpd.read_parquet(folder / "buildings" / "part.11.parquet")
    buildings.loc[buildings["id"] == "NOGEOM", "id"] = None
    buildings.to_parquet(folder / "buildings" / "part.11.parquet")
    parted = _batch(folder, tmp_path / "c", "--no-parcel-reports")
    assert ("part.11.parquet #4", "empty or missing geometry") in \
        [(p["feature"], p["message"]) for p in parted["problems"]]


def test_the_parts_of_a_dataset_may_be_in_different_crss(plan_gpkg, tmp_path):
    """Each part is read in the CRS it declares and reprojected to the first part's: a
    part in WGS 84 among parts in metres gives the same verdicts and households."""
    folder = _dataset(plan_gpkg, tmp_path / "district", cuts=[5, 10], crs_of={1: "EPSG:4326"})
    parted = _batch(folder, tmp_path / "a", "--no-parcel-reports")
    gpkg = _batch(plan_gpkg, tmp_path / "b", "--no-parcel-reports")
    def households(data):
        return [(p["id"], p["verdict"],
                 sum(b["households"] for f in p["findings"] if f["rule"] == "service_radius"
                     for b in f["details"].get("uncovered_buildings", [])))
                for p in data["parcels"]]

    # P2's 87 households out of reach (above), the same however its parts were stored.
    assert households(parted) == households(gpkg) and households(gpkg)[1][2] == 87


def test_geoarrow_encoded_parts_are_read_whole_in_their_crss(plan_gpkg, tmp_path):
    """GeoParquet 1.1's GeoArrow encoding (DuckDB, GDAL and geopandas can write it) is read
    whole by geopandas, each part still in its own CRS (it was once taken for "no CRS",
    and the parts' frames could not be joined: an internal error)."""
    folder = _dataset(plan_gpkg, tmp_path / "district", cuts=[5, 10], crs_of={1: "EPSG:4326"})
    encoded = 0
    for part in sorted((folder / "buildings").iterdir()):
        try:
            gpd.read_parquet(part).to_parquet(part, geometry_encoding="geoarrow")
            encoded += 1
        except ValueError:  # GeoArrow holds one geometry type: PT, a point, stays in WKB
            pass
    assert encoded == 2
    raw = io.read_plan(folder)
    assert "buildings" in raw.layers and "buildings" not in raw.streams
    parted = _batch(folder, tmp_path / "a", "--no-parcel-reports")
    gpkg = _batch(plan_gpkg, tmp_path / "b", "--no-parcel-reports")
    assert [p["verdict"] for p in parted["parcels"]] == [p["verdict"] for p in gpkg["parcels"]]
    assert [(p["feature"], p["message"]) for p in parted["problems"]] == \
        [(p["feature"], p["message"]) for p in gpkg["problems"]]


def test_a_dataset_folder_that_cannot_be_read_says_which_part(plan_gpkg, tmp_path):
    folder = _dataset(plan_gpkg, tmp_path / "district", cuts=[5])
    # A part without a CRS among parts with one cannot be told from a mistake.
    part = gpd.read_parquet(folder / "buildings" / "part.1.parquet").set_crs(None,
                                                                             allow_override=True)
    part.to_parquet(folder / "buildings" / "part.1.parquet")
    res = CliRunner().invoke(main, ["batch", str(folder), "--city", "changzhou", "--lang", "en",
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "part.1.parquet" in res.output and "declares no CRS" in res.output
    # A file that is not Parquet.
    (folder / "buildings" / "part.1.parquet").write_text("not parquet")
    res = CliRunner().invoke(main, ["batch", str(folder), "--city", "changzhou", "--lang", "en",
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "part.1.parquet" in res.output
    assert "a GeoParquet file" in res.output
    # No part at all (Hidden files and Dask's _metadata are not parts).
    for f in (folder / "buildings").iterdir():
        f.unlink()
    (folder / "buildings" / "_metadata").write_bytes(b"")
    (folder / "buildings" / ".part.0.parquet.crc").write_bytes(b"")
    res = CliRunner().invoke(main, ["batch", str(folder), "--city", "changzhou", "--lang", "en",
                                    "-o", str(tmp_path / "out")])
    assert res.exit_code == 2 and "holds no GeoParquet files" in res.output


def test_a_dataset_folder_serves_any_layer(plan_gpkg, tmp_path):
    """Parcels cut into parts (Hive-style subfolders, as a partitioned write by province
    leaves them) are read whole, part after part."""
    folder = _dataset(plan_gpkg, tmp_path / "district", cuts=[])
    parcels = gpd.read_parquet(folder / "parcels.parquet")
    (folder / "parcels.parquet").unlink()
    for k, row in enumerate(("P1", "P2")):
        (folder / "parcels" / f"district={k}").mkdir(parents=True)
        parcels[parcels["id"] == row].to_parquet(folder / "parcels" / f"district={k}" /
                                                 "part-0.parquet")
    parted = _batch(folder, tmp_path / "a", "--no-parcel-reports")
    assert [p["id"] for p in parted["parcels"]] == ["P1", "P2"]


def test_a_batch_left_without_buildings_leaves_an_empty_layer():
    """Found by Hypothesis: every building of a batch unusable (no geometry)."""
    from conftest import make_plan

    plan = make_plan([{"id": "P1", "households_new": 10, "geometry": rect(0, 0, 100, 100)}],
                     buildings=[{"id": "B1", "households": 5, "geometry": None}], strict=False)
    assert len(plan.buildings) == 0 and len(plan.footprints) == 0
    assert [d.feature for d in plan.dropped] == ["B1"]


def test_a_layer_made_in_memory_is_cut_with_its_rows_counted_from_the_first(monkeypatch):
    from conftest import make_plan

    monkeypatch.setattr(io, "STREAM_ROWS", 2)
    buildings = [{"households": 5, "geometry": rect(10 + 15 * k, 10, 10, 10)} for k in range(5)]
    buildings[4]["households"] = -1  # row 5, in the third batch of two
    plan = make_plan([{"id": "P1", "households_new": 10, "geometry": rect(0, 0, 100, 100)}],
                     buildings=buildings, strict=False)
    bad = [p for p in plan.problems if p.layer == "buildings" and p.level == "error"]
    assert [(p.feature, p.field) for p in bad] == [("#5", "households")]
    assert len(plan.buildings) == 5 and len(plan.footprints) == 5


def test_reading_is_told_batch_by_batch_and_said_every_half_million(monkeypatch, capsys):
    import sys

    from compliance import cli
    from compliance.io import RawPlan
    from compliance.plan import build_plan

    monkeypatch.setattr(io, "STREAM_ROWS", 2)
    told = []
    buildings = [{"households": 5, "geometry": rect(10 + 15 * k, 10, 10, 10)} for k in range(5)]
    raw = RawPlan(source="t", layers={
        "parcels": gpd.GeoDataFrame({"id": ["P1"], "households_new": [10]},
                                    geometry=[rect(0, 0, 100, 100)], crs=CRS),
        "buildings": _frame([{**b, "id": f"B{k}"} for k, b in enumerate(buildings)])},
        files={}, fingerprint="0" * 64)
    build_plan(raw, on_buildings=told.append)
    assert told == [2, 4, 5]  # five buildings in batches of two

    # On a terminal, a line at each 500,000 read, none between.
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    on_stage, _ = cli._stage_reporter()
    for n in range(50_000, 1_250_000, 50_000):
        on_stage("buildings", n)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 2 and "500,000" in lines[0] and "1,000,000" in lines[1]


def test_a_layer_that_cannot_be_made_is_not_called_a_write_failure(tmp_path):
    """Layers made one at a time fail inside the write: a bug in the view is raised as
    itself, never as "cannot write the GeoPackage", and leaves no file."""
    def layers():
        yield "a", gpd.GeoDataFrame({"x": [1]}, geometry=[pt(0, 0)], crs=CRS)
        raise ZeroDivisionError("a view's bug")

    with pytest.raises(ZeroDivisionError):
        io.write_gpkg_atomic(tmp_path / "r.gpkg", layers())
    assert list(tmp_path.iterdir()) == []


def test_a_buildings_point_is_inside_its_outline_once_both_are_in_metres():
    """An L-shaped building drawn in degrees, whose bounding box's centre lies outside it: its
    representative point lies inside its outline, both in metres."""
    import shapely

    from conftest import make_plan

    lon, lat, d = 114.30, 30.60, 0.0003  # about 29 m by 33 m
    ell = shapely.Polygon([(lon, lat), (lon + d, lat), (lon + d, lat + d / 3),
                           (lon + d / 3, lat + d / 3), (lon + d / 3, lat + d), (lon, lat + d)])
    parcel = shapely.box(lon - d, lat - d, lon + 2 * d, lat + 2 * d)
    plan = make_plan([{"id": "P1", "households_new": 10, "geometry": parcel}],
                     buildings=[{"id": "B1", "households": 10, "geometry": ell}],
                     crs="EPSG:4326")
    outline = plan.building_outlines([0])[0]
    point = shapely.Point(plan.buildings[["x", "y"]].to_numpy()[0])
    assert outline.contains(point)
    # In metres: the outline is about 29 m across (0.0003° of longitude at 30.6°N:
    # 0.0003 × 111,320 m × cos 30.6° ≈ 28.7 m), not 0.0003 of a unit.
    assert 28 < outline.bounds[2] - outline.bounds[0] < 30


def test_a_buildings_point_is_the_same_whatever_crs_the_plan_is_drawn_in():
    """One plan drawn in longitude/latitude or in CGCS2000 / GK CM 114°E (Beijing lies 2.3°
    east of that meridian, where the grid turns about 1.5° from true north) must give one
    answer: a building's point is taken of its outline once in metres. Taken in the drawing's
    own CRS and then projected, this U-shaped block's point moved 0.89 m between the two."""
    import numpy as np
    import shapely

    from conftest import make_plan

    lon, lat, d = 116.33, 39.99, 0.0008  # about 68 m by 89 m
    block = shapely.Polygon([(lon, lat), (lon + d, lat), (lon + d, lat + d),
                             (lon + 0.7 * d, lat + d), (lon + 0.7 * d, lat + 0.2 * d),
                             (lon + 0.2 * d, lat + 0.2 * d), (lon + 0.2 * d, lat + d),
                             (lon, lat + d)])
    parcel = shapely.box(lon - d, lat - d, lon + 2 * d, lat + 2 * d)
    points = []
    for crs in ("EPSG:4326", "EPSG:4547"):
        drawn = gpd.GeoSeries([parcel, block], crs="EPSG:4326").to_crs(crs).to_numpy()
        plan = make_plan([{"id": "P1", "households_new": 10, "geometry": drawn[0]}],
                         buildings=[{"id": "B1", "households": 10, "geometry": drawn[1]}],
                         crs=crs)
        points.append(plan.buildings[["x", "y"]].to_numpy()[0])
    assert np.hypot(*(points[0] - points[1])) < 0.001
