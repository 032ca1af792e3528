"""`compliance batch --workers 2`: the households measured in partitions on a local Dask
cluster give exactly the single-process result, including parcels whose nearest facility lies
in another partition."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString

from compliance.cli import main
from compliance.cluster import partitions

from conftest import X0, Y0, pt, rect

pytest.importorskip("distributed")


def test_partitions_cover_every_point_once_and_are_compact():
    rng = np.random.default_rng(1)
    xy = rng.uniform(0, 10_000, (1_000, 2))
    parts = partitions(xy, 4)
    assert len(parts) == 4
    assert sorted(np.concatenate(parts).tolist()) == list(range(1_000))
    # Strips along x, cut along y: each partition spans about half the district each way.
    for idx in parts:
        assert np.ptp(xy[idx, 0]) < 6_000 and np.ptp(xy[idx, 1]) < 6_000


def _district(path):
    # Three parcels along a 4 km street, 1,500 m apart; one facility, at the west end. With
    # --workers 2 the points fall into 4 partitions (strips along x): the east parcels' nearest
    # facility lies in the west partition. Along the street: P1's buildings 100–300 m,
    # P2's 1,600–1,800 m, P3's 3,100–3,300 m from F1 at x = 0.
    crs = "EPSG:4548"
    parcels = gpd.GeoDataFrame(
        {"id": ["P1", "P2", "P3"], "households_new": [300, 300, 300]},
        geometry=[rect(x, 10, 300, 100) for x in (50, 1550, 3050)], crs=crs)
    xs = [100, 200, 300, 1600, 1700, 1800, 3100, 3200, 3300]
    buildings = gpd.GeoDataFrame(
        {"id": [f"B{i}" for i in range(9)], "households": [100] * 9},
        geometry=[pt(x, 50) for x in xs], crs=crs)
    facilities = gpd.GeoDataFrame(
        {"id": ["F1"], "kind": ["community_station"], "floor_area_m2": [200.0],
         "parcel_id": ["P1"]}, geometry=[pt(0, 0)], crs=crs)
    streets = gpd.GeoDataFrame(
        {"walkable": [True]}, geometry=[LineString([(X0 - 10, Y0), (X0 + 4000, Y0)])],
        crs=crs)
    for name, layer in (("parcels", parcels), ("buildings", buildings),
                        ("facilities", facilities), ("streets", streets)):
        layer.to_file(path, layer=name, driver="GPKG")
    return path


@pytest.mark.parametrize("distance", ["straight", "network"])
def test_workers_give_the_single_process_result_to_the_byte(tmp_path, distance):
    plan = _district(tmp_path / "district.gpkg")
    runner = CliRunner()
    one = runner.invoke(main, ["batch", str(plan), "--city", "zunyi", "--distance", distance,
                               "--no-parcel-reports", "-o", str(tmp_path / "one")])
    two = runner.invoke(main, ["batch", str(plan), "--city", "zunyi", "--distance", distance,
                               "--no-parcel-reports", "--workers", "2",
                               "-o", str(tmp_path / "two")])
    assert one.exit_code == two.exit_code == 1, (one.output, two.output)
    for name in ("results.json", "results.csv"):
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    # And the figures are the hand-worked ones: P3's worst building is 3,300 m from F1
    # (straight: √(3,300² + 50²) = 3,300.38 m; along the street 50 + 3,300 = 3,350 m, beyond
    # the 2 × 700 m search: "more than 1,400 m").
    import json

    data = json.loads((tmp_path / "two" / "results.json").read_text(encoding="utf-8"))
    p3 = next(p for p in data["parcels"] if p["id"] == "P3")
    radius = next(f for f in p3["findings"] if f["rule"] == "service_radius")
    assert radius["status"] == "fail"
    if distance == "straight":
        assert radius["provided"] == pytest.approx(3300.38, abs=0.01)
    p1 = next(p for p in data["parcels"] if p["id"] == "P1")
    near = next(f for f in p1["findings"] if f["rule"] == "service_radius")
    # P1's worst: B2 at x = 300, 50 m north: straight √(300² + 50²) = 304.14 m; along the
    # street 50 + 300 = 350 m (F1 sits on the street).
    assert near["provided"] == pytest.approx(304.14 if distance == "straight" else 350.0,
                                             abs=0.01)


def test_workers_and_scheduler_are_not_both_given(tmp_path):
    out = CliRunner().invoke(main, ["batch", str(_district(tmp_path / "d.gpkg")), "--city",
                                    "zunyi", "--workers", "2", "--scheduler", "tcp://x:1"])
    assert out.exit_code == 2 and "not both" in out.output


def test_a_scheduler_that_is_not_one_or_does_not_answer_is_the_users_to_fix(tmp_path,
                                                                             monkeypatch):
    """Exit 2 with what to give, never an internal error (it once said "internal error:
    OSError: Timed out trying to connect", in English, after 30 s)."""
    import socket

    from compliance import cluster

    plan = str(_district(tmp_path / "d.gpkg"))
    out = CliRunner().invoke(main, ["batch", plan, "--city", "zunyi", "--lang", "zh", "--scheduler",
                                    "http://127.0.0.1:80", "-o", str(tmp_path / "o")])
    assert out.exit_code == 2 and "不是 Dask 调度器的地址" in out.output
    assert "tcp://10.0.0.5:8786" in out.output  # an address keeps its colons in Chinese
    with socket.socket() as s:  # a port nothing listens on, on this machine only
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(cluster, "SCHEDULER_TIMEOUT_S", 1)
    out = CliRunner().invoke(main, ["batch", plan, "--city", "zunyi", "--lang", "en",
                                    "--scheduler", f"tcp://127.0.0.1:{port}",
                                    "-o", str(tmp_path / "o")])
    assert out.exit_code == 2 and "the Dask scheduler does not answer" in out.output
    assert "internal error" not in out.output and not (tmp_path / "o").exists()
    # A scheduler without workers would take the points and never answer.
    from distributed import LocalCluster

    with LocalCluster(n_workers=0, processes=False, host="127.0.0.1", protocol="tcp",
                      dashboard_address=None) as empty:
        out = CliRunner().invoke(main, ["batch", plan, "--city", "zunyi", "--lang", "en",
                                        "--scheduler", empty.scheduler_address,
                                        "-o", str(tmp_path / "o")])
    assert out.exit_code == 2 and "the Dask scheduler has no workers" in out.output
