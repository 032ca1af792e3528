"""Property and fuzz tests (hypothesis): invariants that hold for any plan."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
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


@FAST
@given(buildings=st.lists(points, min_size=1, max_size=12), fac=points,
       far=st.floats(1, 3000), angle=st.floats(0, 2 * np.pi))
def test_radius_monotone_in_facility_distance(buildings, fac, far, angle):
    bld = [{"id": f"B{i}", "households": 10, "geometry": pt(x, y)}
           for i, (x, y) in enumerate(buildings)]
    parcels = [{"id": "P", "households_new": 10 * len(bld),
                "geometry": rect(-10, -10, 2020, 2020)}]

    def radius(fx, fy):
        plan = make_plan(parcels, [{"id": "F", "kind": "community_station",
                                    "floor_area_m2": 100, "geometry": pt(fx, fy)}],
                         buildings=bld)
        return finding(run(plan, "zunyi"), "P", "service_radius")

    near = radius(*fac)
    # The worst household is at most the largest straight distance: consistent with geometry.
    expected = max(np.hypot(x - fac[0], y - fac[1]) for x, y in buildings)
    assert abs(near.provided - round(expected, 2)) < 0.02
    assert near.status == ("pass" if expected <= 1000.0 + 1e-6 else "fail")
    # Moving the facility directly away from every building never turns a fail into a pass:
    # push it beyond the parcel along a ray from the buildings' centroid.
    cx, cy = np.mean(buildings, axis=0)
    d = np.array([fac[0] - cx, fac[1] - cy])
    d = d / np.linalg.norm(d) if np.linalg.norm(d) > 1e-9 else np.array([np.cos(angle),
                                                                           np.sin(angle)])
    moved = radius(fac[0] + d[0] * far, fac[1] + d[1] * far)
    assert moved.provided >= near.provided - 1e-6 or not np.isfinite(far)
    if near.status == "fail":
        assert moved.status == "fail"


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
def test_parsing_raises_only_the_tools_own_errors(tmp_path_factory, feats, strict):
    path = tmp_path_factory.mktemp("fuzz") / "plan.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": feats}),
                    encoding="utf-8")
    try:
        plan = build_plan(read_plan(path), strict=strict)
        run(plan, load_standard("dongying"))
    except ComplianceError:
        pass
