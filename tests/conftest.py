"""Plans built in memory, in metres (UTM 50N), so every expected figure is hand-computable."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from compliance.settings import Options
from compliance.engine import check
from compliance.io import RawPlan
from compliance.plan import build_plan
from compliance.standard import load_standard

X0, Y0 = 500_000.0, 4_150_000.0  # UTM 50N, near Dongying


def rect(x, y, w, h):
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def pt(x, y):
    return Point(X0 + x, Y0 + y)


def _layer(features, crs):
    rows = [{k: v for k, v in f.items() if k != "geometry"} for f in features]
    return gpd.GeoDataFrame(rows, geometry=[f["geometry"] for f in features], crs=crs)


def make_plan(parcels, facilities=(), buildings=None, streets=None, crs="EPSG:32650",
              strict=True, persons_per_household=3.0):
    layers = {"parcels": _layer(parcels, crs)}
    if facilities:
        layers["facilities"] = _layer(facilities, crs)
    if buildings:
        layers["buildings"] = _layer(buildings, crs)
    if streets:
        layers["streets"] = _layer(streets, crs)
    raw = RawPlan(source="test-plan", layers=layers, files={}, fingerprint="0" * 64)
    return build_plan(raw, strict=strict, persons_per_household=persons_per_household)


def run(plan, city, network=None, **options):
    standard = load_standard(city) if isinstance(city, str) else city
    return check(plan, standard, Options(**options), network=network)


def finding(result, parcel_id, rule, kind=None):
    parcel = next(p for p in result.parcels if p.id == parcel_id)
    matches = [f for f in parcel.findings if f.rule == rule and (kind is None or f.kind == kind)]
    assert len(matches) == 1, matches
    return matches[0]


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
