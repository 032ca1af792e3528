"""Plans built in memory, in metres of CGCS2000 / Gauss-Krüger CM 117°E (EPSG:4548, scale 1 on
its central meridian, where the plans lie), so every expected figure is hand-computable: grid
metres there are ground metres, which is what the tool measures."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from compliance.settings import Options
from compliance.engine import check
from compliance.io import RawPlan
from compliance.plan import build_plan
from compliance.standard import load_standard

X0, Y0 = 500_000.0, 4_150_000.0  # on CM 117°E, near Dongying


def rect(x, y, w, h):
    return box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


def pt(x, y):
    return Point(X0 + x, Y0 + y)


def _layer(features, crs):
    rows = [{k: v for k, v in f.items() if k != "geometry"} for f in features]
    return gpd.GeoDataFrame(rows, geometry=[f["geometry"] for f in features], crs=crs)


def make_plan(parcels, facilities=(), buildings=None, streets=None, crs="EPSG:4548",
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
    standard = load_standard(city, as_of=options.get("as_of")) if isinstance(city, str) else city
    return check(plan, standard, Options(**options), network=network)


def finding(result, parcel_id, rule, kind=None):
    parcel = next(p for p in result.parcels if p.id == parcel_id)
    matches = [f for f in parcel.findings if f.rule == rule and (kind is None or f.kind == kind)]
    assert len(matches) == 1, matches
    return matches[0]


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
    # The command line speaks the locale's language; these tests read its English messages
    # (reports stay Chinese whatever the locale). test_opinion.py runs it under zh_CN too.
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


def plan_xy(plan, offsets):
    """Points given as offsets from (X0, Y0) in the test CRS, in the CRS the plan measures in."""
    import numpy as np
    import pyproj

    xy = np.asarray(offsets, dtype=float) + [X0, Y0]
    t = pyproj.Transformer.from_crs("EPSG:4548", plan.crs, always_xy=True)
    return np.column_stack(t.transform(xy[:, 0], xy[:, 1]))


# Every problem the tool says while the suite runs is checked against the Chinese catalogue
# at the end: a message written as a bare string (not N_) is never extracted and reaches a
# Chinese reader in English, wherever the string was built.
_SAID: dict[str, str] = {}


def pytest_configure(config):
    import sys

    from compliance import _errors

    made = _errors.Problem.__init__

    def recording(self, *args, **kwargs):
        made(self, *args, **kwargs)
        caller = sys._getframe(1).f_globals.get("__name__", "")
        if caller.startswith("compliance"):
            _SAID.setdefault(self.message, caller)

    _errors.Problem.__init__ = recording


def pytest_sessionfinish(session, exitstatus):
    from pathlib import Path

    from babel.messages.pofile import read_po

    if not _SAID:
        return
    po = Path(__file__).resolve().parent.parent / "compliance" / "locale" / "zh_CN" / \
        "LC_MESSAGES" / "messages.po"
    with open(po, "rb") as fh:
        msgids = {m.id for m in read_po(fh) if m.id and m.string}
    unknown = {m: where for m, where in _SAID.items() if m not in msgids}
    if unknown:
        print("\nproblem messages outside the Chinese catalogue (wrap them in N_):")
        for message, where in sorted(unknown.items()):
            print(f"  {where}: {message!r}")
        session.exitstatus = 1


class WindowsZipName(zipfile.ZipInfo):
    """A ZIP member named as Windows' own compressor (and WinRAR, 360压缩) names it: in GBK,
    without the UTF-8 flag."""

    def _encodeFilenameFlags(self):
        return self.filename.encode("gbk"), self.flag_bits & ~0x800
