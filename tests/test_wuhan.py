"""Network distance on the real Wuhan street network (92,667 OSM edges) against networkx.

The oracle is independent of our routing: it splits every street edge at the points where
facilities and buildings join it and runs networkx's multi-source Dijkstra on that graph.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "wuhan-streets.parquet"

pytestmark = pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} is not beside the checkout")


def _around_centre(wuhan, rng, half: float, n: int) -> np.ndarray:
    """`n` random points in the square of half-side `half` at the centre of the network."""
    minx, miny, maxx, maxy = wuhan.total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return np.column_stack([rng.uniform(cx - half, cx + half, n),
                            rng.uniform(cy - half, cy + half, n)])


@pytest.fixture(scope="module")
def wuhan():
    import geopandas as gpd

    return gpd.read_parquet(DATA)


def test_network_distances_match_networkx(wuhan):
    import geopandas as gpd
    import networkx as nx
    import shapely

    from compliance import graph
    from compliance.routing import Network

    rng = np.random.default_rng(7)
    # 30 facilities and 400 buildings in the central 12 × 12 km.
    fac_xy = _around_centre(wuhan, rng, 6000, 30)
    bld_xy = _around_centre(wuhan, rng, 6000, 400)
    facilities = gpd.GeoDataFrame(geometry=shapely.points(fac_xy), crs=wuhan.crs)
    sg = graph.build(wuhan)
    net = Network(sg, facilities, limit_m=1e12)
    dist, nearest = net.nearest(bld_xy)

    # Oracle.
    fs, bs = graph.snap(sg, shapely.points(fac_xy)), graph.snap(sg, shapely.points(bld_xy))
    G = nx.Graph()
    for a, b, w in zip(sg.u.tolist(), sg.v.tolist(), sg.length.tolist()):
        if not G.has_edge(a, b) or G[a][b]["weight"] > w:
            G.add_edge(a, b, weight=w)
    cuts: dict[int, list] = {}
    for kind, s in (("f", fs), ("b", bs)):
        # Each join: the point's own edge, and every other edge as near (within TIE_M), which
        # it may join as well (graph.Snap.tied).
        tied_point, tied = s.tied
        joins = zip([*range(len(s.edge)), *tied_point.tolist()],
                    [*s.edge.tolist(), *tied.edge.tolist()],
                    [*s.offset.tolist(), *tied.offset.tolist()],
                    [*s.gap.tolist(), *tied.gap.tolist()])
        for i, e, off, gap in joins:
            cuts.setdefault(e, []).append((off, (kind, i, e), gap, (kind, i)))
    for e, items in cuts.items():
        u, v, length = int(sg.u[e]), int(sg.v[e]), float(sg.length[e])
        if G.has_edge(u, v) and abs(G[u][v]["weight"] - length) < 1e-9:
            G.remove_edge(u, v)
        chain = [(0.0, u)] + [(off, ("on", key)) for off, key, _, _ in sorted(items)] + \
            [(length, v)]
        for (o1, n1), (o2, n2) in zip(chain, chain[1:]):
            G.add_edge(n1, n2, weight=max(o2 - o1, 0.0))
        for off, key, gap, terminal in items:
            G.add_edge(terminal, ("on", key), weight=gap)
        # Keep the other parallel edges between u and v, if any, as they were.
    sources = {("f", i) for i in range(len(fac_xy))}
    expected = nx.multi_source_dijkstra_path_length(G, sources, weight="weight")
    want = np.array([expected.get(("b", i), np.inf) for i in range(len(bld_xy))])

    reached = np.isfinite(want)
    assert reached.mean() > 0.9
    np.testing.assert_allclose(dist[reached], want[reached], rtol=1e-9, atol=1e-6)
    assert np.isinf(dist[~reached]).all()
    assert (nearest[reached] >= 0).all()
    # Walking along streets is never shorter than the straight line to the same facility.
    straight = np.hypot(*(bld_xy[reached] - fac_xy[nearest[reached]]).T)
    assert (dist[reached] >= straight - 1e-6).all()


BEIJING = Path(__file__).resolve().parents[1] / "samples" / "beijing-xueqing-osm.gpkg"


def test_beijing_sample_network_never_shorter_than_straight(tmp_path):
    from compliance import workflow
    from compliance.settings import Options
    from compliance.standard import load_standard

    standard = load_standard("national")
    plan = workflow.load_plan(str(BEIJING), standard, strict=False)
    straight = workflow.run(plan, standard, Options())
    network = workflow.run(plan, standard, Options(distance="network"))
    for s, n in zip(straight.parcels, network.parcels):
        fs = next(f for f in s.findings if f.rule == "service_radius")
        fn = next(f for f in n.findings if f.rule == "service_radius")
        assert fn.provided is None or fn.provided >= fs.provided - 1e-6
    # The OSM extract is clipped and holds pieces cut off from the main network (steps,
    # compound roads drawn unconnected): they are reported with their sizes. A household joins
    # such a piece only when the main network is more than 50 m farther: here one building,
    # 44 m from a 2.8 km compound network drawn unconnected and 215 m from the main network,
    # which is therefore honestly unreachable.
    notes = network.coverage.notes
    assert notes["street_components"] > 1 and notes["small_pieces"] > 0
    assert notes["small_pieces_m"] > 0
    assert notes["unreachable_points"] == 1


def test_streets_beyond_reach_are_set_aside_without_changing_a_distance(wuhan):
    """A 3 × 3 km district in the middle of Wuhan needs only the streets within the search
    limit of it: the windowed network gives every traced distance the whole city gives."""
    import geopandas as gpd
    import shapely

    from compliance.routing import Network

    rng = np.random.default_rng(11)
    fac_xy = _around_centre(wuhan, rng, 1500, 8)
    bld_xy = _around_centre(wuhan, rng, 1500, 500)
    facilities = gpd.GeoDataFrame(geometry=shapely.points(fac_xy), crs=wuhan.crs)
    extent = (*np.minimum(fac_xy.min(0), bld_xy.min(0)), *np.maximum(fac_xy.max(0),
                                                                      bld_xy.max(0)))
    whole = Network.from_streets(wuhan, facilities, 1000.0)
    windowed = Network.from_streets(wuhan, facilities, 1000.0, extent=extent)
    # The limit is 2 × 1,000 m; the window is the extent grown by 2,000 + 50 + 100 m.
    assert 0 < windowed.notes["street_lines_beyond_reach"] < len(wuhan)
    assert windowed.notes["street_lines"] + windowed.notes["street_lines_beyond_reach"] \
        == whole.notes["street_lines"]
    d_whole, f_whole, _ = whole.measure(bld_xy)
    d_win, f_win, _ = windowed.measure(bld_xy)
    traced = d_whole <= 2000.0
    assert traced.mean() > 0.5
    np.testing.assert_allclose(d_win[traced], d_whole[traced], rtol=0, atol=1e-6)
    np.testing.assert_array_equal(f_win[traced], f_whole[traced])
    assert not (d_win[~traced] <= 2000.0).any()


def test_a_workers_window_measures_its_points_as_the_whole_network_does(wuhan):
    """cluster workers get routing.NetworkWindow: the streets within a halo of their points.
    Every point it places is placed as the whole network places it; the ones it cannot (their
    street farther than the halo less the 50 m joining slack) say so."""
    import pickle

    import geopandas as gpd
    import shapely

    from compliance.routing import Network

    rng = np.random.default_rng(5)
    fac_xy = _around_centre(wuhan, rng, 4000, 40)
    minx, miny, maxx, maxy = wuhan.total_bounds
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    facilities = gpd.GeoDataFrame(geometry=shapely.points(fac_xy), crs=wuhan.crs)
    whole = Network.from_streets(wuhan, facilities, 1000.0)
    # One partition: 1,000 points in a 1 × 1 km tile at the centre.
    xy = np.column_stack([rng.uniform(cx, cx + 1000, 1000), rng.uniform(cy, cy + 1000, 1000)])
    bounds = (*xy.min(0), *xy.max(0))
    for margin in (500.0, 80.0):
        window = whole.window(bounds, margin)
        d, f, r, resolved = window.measure(xy)
        d0, f0, r0 = whole.measure(xy)
        assert resolved.sum() > 0
        np.testing.assert_array_equal(d[resolved], d0[resolved])
        np.testing.assert_array_equal(f[resolved], f0[resolved])
        np.testing.assert_array_equal(r[resolved], r0[resolved])
        if margin == 80.0:  # 30 m of certainty: some points lie farther from any street
            assert (~resolved).sum() > 0
        # The worker's share of the network is a small part of the city's.
        assert len(pickle.dumps(window)) < len(pickle.dumps(whole)) / 10


def test_the_osm_geoparquet_is_read_as_a_plans_streets_layer(tmp_path, wuhan):
    """The real file as a planner would drop it into a plan folder: GeoParquet is read through
    pyarrow, whatever GDAL's build (this machine's has no Parquet driver)."""
    import json
    import shutil

    import shapely

    from compliance import io

    folder = tmp_path / "plan"
    folder.mkdir()
    shutil.copy(DATA, folder / "streets.parquet")
    centre = shapely.centroid(shapely.box(*wuhan.to_crs(4326).total_bounds))
    x, y = centre.x, centre.y
    ring = [[x, y], [x + 0.002, y], [x + 0.002, y + 0.002], [x, y + 0.002], [x, y]]
    (folder / "parcels.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "P1", "households_new": 100},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), encoding="utf-8")
    raw = io.read_plan(folder)
    streets = raw.layers["streets"]
    assert len(streets) == 92_667 and streets.crs == wuhan.crs
    assert streets.geometry.geom_equals_exact(wuhan.geometry, 0).all()
