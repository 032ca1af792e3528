"""Property and fuzz tests (hypothesis): invariants that hold for any plan."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from compliance._errors import ComplianceError
from compliance.io import read_plan
from compliance.plan import build_plan
from compliance.standard import load_standard
from conftest import finding, make_plan, pt, rect, run

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
households = st.integers(min_value=0, max_value=200_000)


@FAST
@given(new=households, existing=households, extra=st.integers(1, 5000),
       city=st.sampled_from(["zunyi", "dongying", "changzhou", "tongchuan", "x-district"]))
def test_required_area_grows_with_households_and_is_never_negative(new, existing, extra, city):
    def required(n, e):
        plan = make_plan([{"id": "P", "households_new": n, "households_existing": e,
                           "geometry": rect(0, 0, 100, 100)}])
        f = finding(run(plan, city), "P", "area_per_households")
        return f.status, f.inputs["own_required"]

    status, base = required(new, existing)
    _, more_new = required(new + extra, existing)
    _, more_existing = required(new, existing + extra)
    assert base >= 0 and more_new > base and more_existing > base
    assert (status == "not_applicable") == (new + existing == 0)


points = st.tuples(st.floats(0, 2000), st.floats(0, 2000))


def _radius_finding(buildings, fx, fy):
    bld = [{"id": f"B{i}", "households": 10, "geometry": pt(x, y)}
           for i, (x, y) in enumerate(buildings)]
    parcels = [{"id": "P", "households_new": 10 * len(bld),
                "geometry": rect(-10, -10, 2020, 2020)}]
    plan = make_plan(parcels, [{"id": "F", "kind": "community_station",
                                "floor_area_m2": 100, "geometry": pt(fx, fy)}],
                     buildings=bld)
    return finding(run(plan, "x-district"), "P", "service_radius")


@FAST
@given(buildings=st.lists(points, min_size=1, max_size=12), fac=points,
       step=st.tuples(st.floats(-3000, 3000), st.floats(-3000, 3000)))
def test_radius_monotone_in_facility_distance(buildings, fac, step):
    near = _radius_finding(buildings, *fac)
    # The worst household is the largest straight distance (X区 二(九)25: radius 1,000 m).
    expected = max(np.hypot(x - fac[0], y - fac[1]) for x, y in buildings)
    assert abs(near.provided - round(expected, 2)) < 0.02
    assert near.status == ("pass" if expected <= 1000.0 + 1e-6 else "fail")
    # A move that takes the facility no nearer to ANY household never lowers the worst
    # distance, nor turns a fail into a pass. (Moving it away from the households' centroid
    # is not such a move: see the regression test below.)
    moved_xy = (fac[0] + step[0], fac[1] + step[1])
    b = np.asarray(buildings)
    before = np.hypot(b[:, 0] - fac[0], b[:, 1] - fac[1])
    after = np.hypot(b[:, 0] - moved_xy[0], b[:, 1] - moved_xy[1])
    assume(np.all(after >= before))
    moved = _radius_finding(buildings, *moved_xy)
    assert moved.provided >= near.provided - 0.02
    if near.status == "fail":
        assert moved.status == "fail"


def test_moving_away_from_the_centroid_can_bring_the_worst_household_nearer():
    # Buildings at (0,0) ×3 and (100,0): centroid (25,0). A facility at (30,0) moved 20 m east,
    # away from the centroid, is 70 m → 50 m from the farthest household: max(|0−30|, |100−30|)
    # = 70, then max(|0−50|, |100−50|) = 50. The old property asserted the opposite.
    buildings = [(0, 0), (0, 0), (0, 0), (100, 0)]
    assert _radius_finding(buildings, 30, 0).provided == 70.0
    assert _radius_finding(buildings, 50, 0).provided == 50.0


@FAST
@given(facility_area=st.floats(1, 5000), new=st.integers(1, 50_000),
       city=st.sampled_from(["zunyi", "dongying", "tongchuan", "x-district", "changzhou"]),
       phases=st.integers(1, 3), phase=st.integers(1, 3), complete=st.booleans())
def test_verdict_is_non_compliant_iff_a_mandatory_finding_fails(facility_area, new, city,
                                                                phases, phase, complete):
    plan = make_plan([{"id": "P", "households_new": new, "phases": phases,
                       "complete_community": complete, "geometry": rect(0, 0, 300, 300)}],
                     [{"id": "F", "kind": "community_station", "floor_area_m2": facility_area,
                       "phase": phase, "geometry": pt(150, 150)}])
    p = run(plan, city).parcels[0]
    mandatory = [f.status for f in p.findings if f.severity == "mandatory"]
    assert (p.verdict == "non_compliant") == ("fail" in mandatory)
    if "fail" not in mandatory:
        assert (p.verdict == "incomplete") == ("insufficient_data" in mandatory)


@FAST
@given(total=st.integers(1, 100_000), area=st.floats(1, 10_000))
def test_facility_covering_everyone_passes_radius(total, area):
    plan = make_plan([{"id": "P", "households_new": total, "geometry": rect(0, 0, 600, 600)}],
                     [{"id": "F", "kind": "community_station", "floor_area_m2": area,
                       "geometry": pt(300, 300)}],
                     buildings=[{"id": "B", "households": total, "geometry": pt(10, 590)}])
    # The farthest corner is √(300² + 300²) = 424 m < 1,000 m.
    assert finding(run(plan, "zunyi"), "P", "service_radius").status == "pass"


# ---------------------------------------------------------------------- parsing never crashes

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**12, 10**12) | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6),
                                                                      children, max_size=4),
    max_leaves=12)
coords = st.lists(st.tuples(st.floats(-200, 200, allow_nan=False),
                            st.floats(-100, 100, allow_nan=False)), min_size=0, max_size=6)
geometry = st.one_of(
    st.none(),
    st.builds(lambda c: {"type": "Point", "coordinates": list(c[0]) if c else []}, coords),
    st.builds(lambda c: {"type": "Polygon", "coordinates": [[list(p) for p in c]]}, coords),
    st.builds(lambda c: {"type": "LineString", "coordinates": [list(p) for p in c]}, coords),
    json_values,
)
props = st.fixed_dictionaries(
    {"layer": st.sampled_from(["parcel", "facility", "building", "street", "x", None])},
    optional={"id": json_values, "households_new": json_values, "households": json_values,
              "kind": st.sampled_from(["community_station", "care_home", "zoo"]) | json_values,
              "floor_area_m2": json_values, "parcel_id": json_values, "phase": json_values,
              "beds": json_values, "nursing_beds": json_values, "户数": json_values})
features = st.lists(st.builds(lambda g, p: {"type": "Feature", "geometry": g, "properties": p},
                              geometry, props), max_size=6)


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(feats=features, strict=st.booleans())
# A vertex 1e-38° from another: projected, a ring of the repaired parcel collapses to one
# repeated point, which GEOS could not cut into boundary samples.
@example(feats=[{"type": "Feature", "properties": {"layer": "parcel"}, "geometry": {
    "type": "Polygon", "coordinates": [[[0.0, 0.0], [-1.175494351e-38, 0.0], [1.0, 1.0],
                                        [0.0, 1.0]]]}}], strict=False)
def test_parsing_raises_only_the_tools_own_errors(tmp_path_factory, feats, strict):
    path = tmp_path_factory.mktemp("fuzz") / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                    encoding="utf-8")
    try:
        plan = build_plan(read_plan(path), strict=strict)
        run(plan, load_standard("dongying"))
    except ComplianceError:
        pass


@settings(max_examples=300, deadline=None)
@given(values=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64), max_size=50),
       digits=st.sampled_from([2, 4]))
@example(values=[2.675, 1.005, 0.285, 0.125, 0.375, -0.125, 2.0 ** 53 + 2, 1e300, float("nan"),
                 float("inf"), 5e-324], digits=2)
def test_findings_round_their_figures_as_python_does(values, digits):
    """A finding's figures are rounded a column at a time; each must be Python's round of the
    value (2.675 and 1.005 lie just below the half in binary: 2.67 and 1.0; 0.125 is a true
    half: 0.12, to even), the same double and the same text in every report."""
    from compliance.engine import _rounded

    got = _rounded(np.array(values, dtype=float), digits)
    want = [round(v, digits) if np.isfinite(v) else None for v in values]
    assert [repr(g) for g in got] == [repr(w) for w in want]
    if values[:5] == [2.675, 1.005, 0.285, 0.125, 0.375] and digits == 2:
        assert got[:5] == [2.67, 1.0, 0.28, 0.12, 0.38]
