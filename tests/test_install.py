"""Installed as a user installs it: a wheel in a fresh virtual environment, run from an empty
folder outside the checkout. The standards must come with it, and nothing named `cli` may
land at the top of site-packages."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    wheels = tmp_path_factory.mktemp("wheel")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                            "-w", str(wheels), str(ROOT)],
                           capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("eldercare_compliance-*.whl"))
    env_dir = tmp_path_factory.mktemp("venv")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    done = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return bin_dir, tmp_path_factory.mktemp("empty")


def _run(bin_dir, cwd, *args):
    env = {k: v for k, v in os.environ.items() if k != "COMPLIANCE_STANDARDS_DIR"}
    env["LANG"] = "C.UTF-8"
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env)


def test_wheel_knows_every_standard(installed):
    bin_dir, empty = installed
    out = _run(bin_dir, empty, bin_dir / "compliance", "standards", "list")
    assert out.returncode == 0, out.stderr
    shipped = sorted(p.stem for p in (ROOT / "standards").glob("*.yaml"))
    # Grouped by province: each standard's line is indented two spaces, its id first.
    listed = sorted(re.match(r"  (\S+)", line).group(1) for line in out.stdout.splitlines()
                    if re.match(r"  \S", line))
    assert listed == shipped
    assert len(shipped) >= 25


def test_wheel_checks_by_city_from_an_empty_folder(installed):
    bin_dir, empty = installed
    # 遵义 (十五): 20 m²/百户 × 1,200 / 100 = 240 m² required; 200 provided → non-compliant (1).
    out = _run(bin_dir, empty, bin_dir / "compliance", "check", "--city", "zunyi",
               "--households-new", "1200", "--facility-area", "200", "-o", "r.json")
    assert out.returncode == 1, out.stderr
    import json

    data = json.loads((empty / "r.json").read_text(encoding="utf-8"))
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    assert (area["required"], area["provided"], area["shortfall"]) == (240.0, 200.0, 40.0)


def test_wheel_knows_where_a_city_lies(installed):
    # The divisions table is package data: 武汉 is told Hubei's standard from a wheel too.
    bin_dir, empty = installed
    out = _run(bin_dir, empty, bin_dir / "compliance", "standards", "show", "武汉")
    assert out.returncode == 2 and "--city hubei" in out.stderr, out.stderr


def test_wheel_installs_no_top_level_cli_and_runs_as_a_module(installed):
    bin_dir, empty = installed
    assert _run(bin_dir, empty, bin_dir / "python", "-c", "import cli").returncode != 0
    out = _run(bin_dir, empty, bin_dir / "python", "-m", "compliance", "standards", "list")
    assert out.returncode == 0 and "zunyi" in out.stdout


def test_wheel_serves_the_desk_page(installed):
    # The page's template and the service's dependencies come with the wheel.
    import socket
    import time
    import urllib.request

    bin_dir, empty = installed
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "COMPLIANCE_STANDARDS_DIR"}
    proc = subprocess.Popen([str(bin_dir / "compliance"), "serve", "--port", str(port),
                             "--data", str(empty / "desk")], cwd=empty, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        page = ""
        for _ in range(150):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/").read().decode()
                break
            except OSError:
                time.sleep(0.2)
        assert "养老服务设施配建审查台" in page and "fujian" in page
    finally:
        proc.terminate()
        proc.wait(20)



def test_wheel_reads_a_geoparquet_plan_with_its_buildings_in_parts(installed):
    """GeoParquet is read through pyarrow, which the wheel must bring: a user's install has
    only what the wheel asks for (pyarrow once came with the test extras alone)."""
    import geopandas as gpd
    import json

    from conftest import pt, rect

    bin_dir, empty = installed
    plan = empty / "district"
    (plan / "buildings").mkdir(parents=True)
    crs = "EPSG:4548"
    gpd.GeoDataFrame({"id": ["P1"], "households_new": [100]}, geometry=[rect(0, 0, 400, 400)],
                     crs=crs).to_parquet(plan / "parcels.parquet")
    gpd.GeoDataFrame({"id": ["F1"], "kind": ["community_station"], "floor_area_m2": [30.0]},
                     geometry=[pt(50, 50)], crs=crs).to_parquet(plan / "facilities.parquet")
    for k in range(2):  # 2 parts × 2 buildings × 25 households = 100
        gpd.GeoDataFrame({"id": [f"B{k}a", f"B{k}b"], "households": [25, 25]},
                         geometry=[rect(100 + 100 * k, 100, 20, 20),
                                   rect(100 + 100 * k, 200, 20, 20)],
                         crs=crs).to_parquet(plan / "buildings" / f"part.{k}.parquet")
    out = _run(bin_dir, empty, bin_dir / "compliance", "batch", "district", "--city", "zunyi",
               "--no-parcel-reports", "-o", "out")
    # Exit 1: non-compliant by another of Zunyi's rules; what matters is that it was read.
    assert out.returncode in (0, 1), out.stderr + out.stdout
    data = json.loads((empty / "out" / "results.json").read_text(encoding="utf-8"))
    assert data["problems"] == []
    # 遵义: 20 m²/百户 × 100 / 100 = 20 m² required; 30 provided.
    area = next(f for f in data["parcels"][0]["findings"] if f["rule"] == "area_per_households")
    assert (area["required"], area["provided"]) == (20.0, 30.0)
