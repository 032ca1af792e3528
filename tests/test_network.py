"""Network walking distance on hand-built street networks with known answers."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from compliance import distance, graph
from compliance.routing import Network
from conftest import X0, Y0, finding, make_plan, plan_xy, pt, rect, run


def line(*xy):
    return {"geometry": LineString([(X0 + x, Y0 + y) for x, y in xy])}


def network_plan(buildings, facilities, streets, parcels=None):
    parcels = parcels or [{"id": "P1", "households_new": 100,
                           "geometry": rect(-100, -100, 2200, 1400)}]
    return make_plan(parcels, facilities, buildings=buildings, streets=streets)


FAC = {"id": "F1", "kind": "community_station", "floor_area_m2": 300}


def test_l_shaped_street():
    # Street (0,0)→(600,0)→(600,800). Facility at (0, 10): 10 m gap to the street.
    # Building at (610, 800): 10 m gap. Along the street: 600 + 800 = 1,400 m; total
    # 10 + 1,400 + 10 = 1,420 m, while the straight line is √(610² + 790²) = √996,200 = 998.10 m.
    # X区 二(九)25: urban radius 15 min × 66.67 m/min = 1,000 m.
    plan = network_plan(
        [{"id": "B1", "households": 100, "geometry": pt(610, 800)}],
        [{**FAC, "geometry": pt(0, 10)}],
        [line((0, 0), (600, 0)), line((600, 0), (600, 800))])
    straight = finding(run(plan, "x-district"), "P1", "service_radius")
    network = run(plan, "x-district", network=Network.from_streets(plan.streets, plan.facilities,
                                                              1000.0), distance="network")
    f = finding(network, "P1", "service_radius")
    assert straight.status == "pass" and straight.provided == pytest.approx(998.10, abs=0.01)
    assert f.status == "fail" and f.provided == pytest.approx(1420.0, abs=0.01)
    assert f.details["worst_straight_m"] == pytest.approx(998.1, abs=0.1)
    assert f.details["network_to_straight"] == pytest.approx(1420 / 998.10, abs=0.001)


def test_two_facilities_nearest_wins_and_same_edge_direct():
    # One straight street x = 0…2,000. F1 at x=100, F2 at x=1,900 (both on the street).
    # B1 at x=300 shares F1's edge: direct 200 m. B2 at x=1,200: 700 m to F2 (1,100 to F1).
    plan = network_plan(
        [{"id": "B1", "households": 50, "geometry": pt(300, 0)},
         {"id": "B2", "households": 50, "geometry": pt(1200, 0)}],
        [{**FAC, "geometry": pt(100, 0)}, {**FAC, "id": "F2", "geometry": pt(1900, 0)}],
        [line((0, 0), (1000, 0)), line((1000, 0), (2000, 0))])
    net = Network.from_streets(plan.streets, plan.facilities, 1000.0)
    xy = plan_xy(plan, [[300, 0], [1200, 0]])
    dist, fac = net.nearest(xy)
    assert dist == pytest.approx([200.0, 700.0])
    assert list(fac) == [0, 1]


def test_disconnected_part_is_unreachable_not_zero():
    # Two separate streets; the facility is on the first; B2 lives on the second.
    plan = network_plan(
        [{"id": "B1", "households": 10, "geometry": pt(100, 0)},
         {"id": "B2", "households": 10, "geometry": pt(100, 500)}],
        [{**FAC, "geometry": pt(0, 0)}],
        [line((0, 0), (400, 0)), line((0, 500), (400, 500))])
    net = Network.from_streets(plan.streets, plan.facilities, 1000.0)
    result = run(plan, "zunyi", network=net, distance="network")
    f = finding(result, "P1", "service_radius")
    assert f.status == "fail" and f.provided is None
    assert "do not connect" in f.message.msgid
    assert result.coverage.notes["unreachable_points"] == 1
    assert result.coverage.notes["street_components"] == 2


def test_beyond_search_limit_is_said():
    # A 5 km street; the search stops at 2 × 1,000 m: a building 3 km away is "more than".
    plan = network_plan(
        [{"id": "B1", "households": 10, "geometry": pt(3000, 0)}],
        [{**FAC, "geometry": pt(0, 0)}],
        [line((0, 0), (5000, 0))],
        parcels=[{"id": "P1", "households_new": 10, "geometry": rect(-10, -10, 5020, 20)}])
    net = Network.from_streets(plan.streets, plan.facilities, 1000.0)
    # Same edge: the direct way along it is exact even beyond the limit.
    assert net.nearest(plan_xy(plan, [[3000, 0]]))[0][0] == pytest.approx(3000.0)
    plan2 = network_plan(
        [{"id": "B1", "households": 10, "geometry": pt(3000, 0)}],
        [{**FAC, "geometry": pt(0, 0)}],
        # B1's edge runs 2,500 → 5,000 m: both its ends lie beyond the 2,000 m search.
        [line((0, 0), (100, 0)), line((100, 0), (2500, 0)), line((2500, 0), (5000, 0))],
        parcels=[{"id": "P1", "households_new": 10, "geometry": rect(-10, -10, 5020, 20)}])
    net2 = Network.from_streets(plan2.streets, plan2.facilities, 1000.0)
    f = finding(run(plan2, "zunyi", network=net2, distance="network"), "P1", "service_radius")
    assert f.status == "fail" and "more than" in f.message.msgid
    assert f.message.args["limit_m"] == 2000.0


def test_grid_matches_manhattan_distance():
    # A 5 × 5 grid of 200 m blocks; facility at the south-west corner node (0, 0);
    # a building at the node (800, 600): Manhattan 800 + 600 = 1,400 m.
    streets = []
    for i in range(5):
        for j in range(4):
            streets.append(line((i * 200, j * 200), (i * 200, (j + 1) * 200)))
            streets.append(line((j * 200, i * 200), ((j + 1) * 200, i * 200)))
    plan = network_plan([{"id": "B1", "households": 10, "geometry": pt(800, 600)}],
                        [{**FAC, "geometry": pt(0, 0)}], streets)
    net = Network.from_streets(plan.streets, plan.facilities, 1000.0)
    dist, _ = net.nearest(plan_xy(plan, [[800, 600]]))
    assert dist[0] == pytest.approx(1400.0)


def test_streets_geos_cannot_node_are_noded_on_a_millimetre_grid(monkeypatch):
    """GEOS's noding failed to converge on a network reprojected from one transverse Mercator
    to another (a place's part of a country's plan): the streets are then snap-rounded to a
    millimetre and noded, and the grid walks the same 800 + 600 = 1,400 m."""
    def fails(*args, **kwargs):
        raise shapely.errors.GEOSException("TopologyException: Iterated noding failed to "
                                           "converge after 6 iterations")

    streets = []
    for i in range(5):
        for j in range(4):
            streets.append(line((i * 200, j * 200), (i * 200, (j + 1) * 200)))
            streets.append(line((j * 200, i * 200), ((j + 1) * 200, i * 200)))
    # One long street across the grid, not cut where it crosses the others as drawn.
    streets.append(line((0, 300), (800, 300)))
    plan = network_plan([{"id": "B1", "households": 10, "geometry": pt(800, 600)}],
                        [{**FAC, "geometry": pt(0, 0)}], streets)
    as_given = graph.build(plan.streets)
    monkeypatch.setattr(shapely, "node", fails)
    snapped = graph.build(plan.streets)
    # The same crossings, and the same metres of street to a millimetre per edge (the T at
    # (0, 300) may be cut where the grid puts it rather than joined by a connector).
    assert snapped.n_nodes == as_given.n_nodes
    assert snapped.length.sum() == pytest.approx(as_given.length.sum(), abs=1e-3 * 50)
    net = Network.from_streets(plan.streets, plan.facilities, 1000.0)
    dist, _ = net.nearest(plan_xy(plan, [[800, 600]]))
    assert dist[0] == pytest.approx(1400.0, abs=1e-3)


def test_building_beyond_the_search_is_listed_as_more_than_not_inf():
    # Streets 0→100→2,500→5,000 m; the search stops at 2 × 1,000 m. B1 at x = 1,500 m walks
    # 1,500 m (over the 1,000 m radius); B2 at x = 3,000 m lies on the edge 2,500 → 5,000,
    # both of whose ends are beyond the search: it is "> 2,000 m", never "inf m".
    plan = network_plan(
        [{"id": "B1", "households": 10, "geometry": pt(1500, 0)},
         {"id": "B2", "households": 10, "geometry": pt(3000, 0)}],
        [{**FAC, "geometry": pt(0, 0)}],
        [line((0, 0), (100, 0)), line((100, 0), (2500, 0)), line((2500, 0), (5000, 0))],
        parcels=[{"id": "P1", "households_new": 20, "geometry": rect(-10, -10, 5020, 20)}])
    net = Network.from_streets(plan.streets, plan.facilities, 1000.0)
    result = run(plan, "zunyi", network=net, distance="network")
    f = finding(result, "P1", "service_radius")
    listed = {b["id"]: b["distance_m"] for b in f.details["uncovered_buildings"]}
    assert listed == {"B1": 1500.0, "B2": None}
    from compliance import workflow

    text = workflow.render(result, "text", "en") + workflow.render(result, "json", "en")
    assert "inf" not in text.replace("info", "")


def test_forked_copies_measure_the_households_as_one_process_does(monkeypatch):
    """A batch measures its households on every core (cluster.ForkMapper): the same
    distances, facilities, reachability and notes as one process, to the bit."""
    import dataclasses

    from compliance import cluster

    streets = [line((0, 0), (3000, 0)), line((0, 500), (3000, 500)),
               line((1500, 0), (1500, 500)), line((0, 1200), (800, 1200))]  # the last: apart
    buildings = [{"id": f"B{i}", "households": 10, "geometry": pt(x, y)}
                 for i, (x, y) in enumerate([(100, 20), (900, 480), (2500, 30), (2900, 520),
                                             (400, 1190), (1490, 250), (60, 300)])]
    plan = network_plan(buildings, [{**FAC, "geometry": pt(0, 0)},
                                    {**FAC, "id": "F2", "geometry": pt(3000, 500)}], streets,
                        parcels=[{"id": "P1", "households_new": 70,
                                  "geometry": rect(-100, -100, 3100, 1300)}])
    monkeypatch.setattr(cluster.ForkMapper, "MIN_POINTS", 0)
    one = distance.measure(plan.parcels, plan.buildings, plan.facilities,
                           Network.from_streets(plan.streets, plan.facilities, 1000.0))
    forked = distance.measure(plan.parcels, plan.buildings, plan.facilities,
                              Network.from_streets(plan.streets, plan.facilities, 1000.0),
                              mapper=cluster.ForkMapper(2))
    for field in dataclasses.fields(one):
        a, b = getattr(one, field.name), getattr(forked, field.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b, field.name
    assert np.isinf(one.distance).any()  # B4 lives on the street that joins nothing


def test_points_join_their_exact_nearest_street_edge():
    # One street (0,0)→(100,0). A point at (30, 40) is 40 m from it, its foot 30 m along;
    # a point at (130, 40) is past the end: √(30² + 40²) = 50 m from (100, 0), 100 m along.
    g = graph.build(gpd.GeoDataFrame(geometry=[LineString([(0, 0), (100, 0)])]))
    s = graph.snap_points(g, np.array([[30.0, 40.0], [130.0, 40.0]]))
    assert s.gap == pytest.approx([40.0, 50.0])
    assert s.offset == pytest.approx([30.0, 100.0])


def test_nearest_edge_is_exact_on_streets_of_every_length():
    # Against brute force: every point's distance to every edge. Edges from 0.5 m to 2 km
    # long (the index cuts them into pieces, so a long edge is never missed behind a short
    # one's piece); the nearest, ties to the lowest edge number.
    rng = np.random.default_rng(7)
    a = rng.uniform(0, 3000, (300, 2))
    angle, length = rng.uniform(0, 2 * np.pi, 300), np.exp(rng.uniform(np.log(0.5),
                                                                       np.log(2000), 300))
    b = a + np.column_stack([np.cos(angle), np.sin(angle)]) * length[:, None]
    lines = shapely.linestrings(np.stack([a, b], axis=1))
    g = graph.build(gpd.GeoDataFrame(geometry=lines))
    xy = rng.uniform(-500, 3500, (3000, 2))
    s = graph.snap_points(g, xy)
    d = shapely.distance(shapely.points(xy)[:, None], g.edges[None, g.joinable_edges])
    nearest = d.min(axis=1)
    # The joining rule: a point whose nearest edge lies off the main network joins the main
    # network's nearest instead when that is at most JOIN_SLACK_M (50 m) farther.
    off_main = g.component[g.u[g.joinable_edges[d.argmin(axis=1)]]] != g.main
    main_nearest = shapely.distance(shapely.points(xy)[:, None],
                                    g.edges[None, g.main_edges]).min(axis=1)
    expected = np.where(off_main & (main_nearest <= nearest + graph.JOIN_SLACK_M),
                        main_nearest, nearest)
    assert off_main.any() and (g.component[g.u[s.edge]] == g.main).any()
    assert np.allclose(s.gap, expected, rtol=0, atol=1e-9)
    # The offset names the foot of the perpendicular: that point is `gap` from the point.
    foot = shapely.line_interpolate_point(g.edges[s.edge], s.offset)
    assert np.allclose(shapely.distance(shapely.points(xy), foot), s.gap, atol=1e-6)


def test_a_long_street_is_found_behind_a_crowd_of_short_ones():
    # A point at (0, 15) above a 2 km street along y = 0 (x from -1,000 to 1,000): 15 m from
    # it, the foot 1,000 m along. Its pieces' midpoints nearest the point lie at x = ±10:
    # √(10² + 15²) = 18.03 m away. Twelve 0.5 m edges on a circle of 16.5 m around the point
    # are nearer by midpoint, so the first 8 candidates are all short edges; the index must
    # still answer the street, 15 m.
    theta = np.linspace(np.radians(30), np.radians(150), 12)
    centre = np.column_stack([16.5 * np.cos(theta), 15 + 16.5 * np.sin(theta)])
    tangent = np.column_stack([-np.sin(theta), np.cos(theta)]) * 0.25
    short = shapely.linestrings(np.stack([centre - tangent, centre + tangent], axis=1))
    edges = np.concatenate([[LineString([(-1000, 0), (1000, 0)])], short])
    edge, gap, offset = graph._SegmentIndex(edges, np.arange(len(edges))).nearest(
        np.array([[0.0, 15.0]]))
    assert edge.tolist() == [0]
    assert gap == pytest.approx([15.0]) and offset == pytest.approx([1000.0])


def test_straight_line_to_the_nearest_facility_point_or_room():
    # From (610, 800): to a facility point at (0, 10) √(610² + 790²) = √996,200 = 998.10 m;
    # to one at (1000, 0) √(390² + 800²) = √792,100 = 890.00 m, the nearer. A room drawn as
    # the square (1000–1010, 0–10) is nearest at its corner (1000, 10):
    # √(390² + 790²) = √776,200 = 881.02 m.
    xy = np.array([[610.0, 800.0]])
    points = gpd.GeoDataFrame(geometry=[Point(0, 10), Point(1000, 0)])
    rooms = gpd.GeoDataFrame(geometry=[Point(0, 10), box(1000, 0, 1010, 10)])
    assert distance.straight_to_nearest(xy, points) == pytest.approx([890.00], abs=0.01)
    assert distance.straight_to_nearest(xy, rooms) == pytest.approx([881.02], abs=0.01)


@pytest.mark.parametrize("order", [1, -1])
def test_a_point_as_near_two_streets_walks_the_shorter_way(order):
    """A street x = 0 (y −100…100) and a street y = 0 (x −100…100), drawn in either order.
    P at (10, 10) is 10 m from both; F1 at (10, 90) joins x = 0 at (0, 90). Joining x = 0
    at (0, 10): 10 + 80 + 10 = 100 m; joining y = 0 at (10, 0): 10 + 10 + 90 + 10 = 120 m.
    The square F2 [5, 15]² is 5 m from both streets; Q at (3, 80) joins x = 0 at (0, 80):
    F2 joining x = 0 where its centre faces it, (0, 10): 3 + 70 + 5 = 78 m; joining y = 0
    at (10, 0): 3 + 80 + 10 + 5 = 98 m. Either walk is the shorter, whichever street was
    drawn first."""
    streets = [LineString([(0, -100), (0, 100)]), LineString([(-100, 0), (100, 0)])][::order]
    streets = gpd.GeoDataFrame({"connect": [True, True]}, geometry=streets)
    g = graph.build(streets)
    one = gpd.GeoDataFrame(geometry=[Point(10, 90)])
    d, _ = Network(g, one, limit_m=1e6).nearest(np.array([[10.0, 10.0]]))
    assert d[0] == pytest.approx(100.0)
    square = gpd.GeoDataFrame(geometry=[box(5, 5, 15, 15)])
    d, _ = Network(g, square, limit_m=1e6).nearest(np.array([[3.0, 80.0]]))
    assert d[0] == pytest.approx(78.0)
