"""Per-parcel maps as inline SVG, drawn from the real geometry (no script, no tiles).

The frame fits the parcel and the facilities its households walk to; marks keep their screen
size whatever the scale, so a 50 m parcel and a 3 km one both read. Colours and marks come
from the result (covered or not was decided by the engine); this module only draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from html import escape
from typing import Callable, Iterator

import numpy as np
import shapely

from ..vocabulary import FacilityState, Verdict

WIDTH, HEIGHT, PAD = 640, 420, 28
# The reports' fonts, the page's (report.css takes them as `font_family`) and the map's, whose
# words have them at 11 px as attributes: WeasyPrint draws an SVG apart from the page's CSS,
# where its text was set in the default serif at 16 px (wider than the labels were placed
# for: they overlapped). Unquoted, as an SVG attribute takes them in every reader.
FONT_FAMILY = ("Microsoft YaHei, PingFang SC, Hiragino Sans GB, Noto Sans CJK SC, Noto Sans SC, "
               "Source Han Sans SC, WenQuanYi Micro Hei, Helvetica Neue, Arial, sans-serif")
NICE = (1, 2, 5)


@dataclass(frozen=True)
class Frame:
    minx: float
    miny: float
    scale: float  # px per metre
    height: float = HEIGHT

    def xy(self, coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords, dtype=float)
        out[:, 0] = PAD + (coords[:, 0] - self.minx) * self.scale
        out[:, 1] = self.height - PAD - (coords[:, 1] - self.miny) * self.scale
        return out


def fit(bounds) -> Frame:
    minx, miny, maxx, maxy = bounds
    w, h = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    scale = min((WIDTH - 2 * PAD) / w, (HEIGHT - 2 * PAD) / h)
    # Centre the content.
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    minx = cx - (WIDTH - 2 * PAD) / 2 / scale
    miny = cy - (HEIGHT - 2 * PAD) / 2 / scale
    return Frame(minx, miny, scale)


def _runs(geoms):
    """The coordinate runs of `geoms`, every polygon ring and every line, in blocks of one
    coordinate array: (coords, run starts, run ends, owner of each run, closed)."""
    parts, owner = shapely.get_parts(np.asarray(geoms, dtype=object), return_index=True)
    is_poly = shapely.get_type_id(parts) == 3
    pieces = []
    if is_poly.any():
        rings, ring_owner = shapely.get_rings(parts[is_poly], return_index=True)
        pieces.append((rings, owner[is_poly][ring_owner], True))
    if (~is_poly).any():
        pieces.append((parts[~is_poly], owner[~is_poly], False))
    for lines, own, closed in pieces:
        coords, idx = shapely.get_coordinates(lines, return_index=True)
        if not len(coords):
            continue
        starts = np.r_[0, np.flatnonzero(np.diff(idx)) + 1]
        ends = np.r_[starts[1:], len(idx)]
        yield coords, starts, ends, own[idx[starts]], closed


def _paths(frame: Frame, geoms) -> list[str]:
    """One SVG path string per (multi)polygon or line, built from coordinate arrays."""
    out = [""] * len(geoms)
    chunks: dict[int, list[str]] = {}
    for coords, starts, ends, owners, closed in _runs(geoms):
        px = np.round(frame.xy(coords), 1)
        # Every coordinate formatted at once; a path is then a join over its slice.
        text = [f"{x:g},{y:g}" for x, y in px.tolist()]
        tail = "Z" if closed else ""
        for a, b, o in zip(starts.tolist(), ends.tolist(), owners.tolist()):
            chunks.setdefault(o, []).append("M" + "L".join(text[a:b]) + tail)
    for k, v in chunks.items():
        out[k] = "".join(v)
    return out


def _nice_length(max_m: float) -> float:
    exp = 10 ** math.floor(math.log10(max_m))
    best = exp
    for n in NICE:
        if n * exp <= max_m:
            best = n * exp
    return best


def _scale_bar(frame: Frame) -> str:
    length_m = _nice_length(WIDTH * 0.25 / frame.scale)
    px = length_m * frame.scale
    x, y = PAD, HEIGHT - 10
    text = f"{length_m:,.0f} m" if length_m >= 1 else f"{length_m:g} m"
    return (f'<g class="scale"><rect x="{x - 4}" y="{y - 16}" width="{px + 8}" height="20" '
            f'fill="#fff" fill-opacity="0.8"/>'
            f'<path d="M{x},{y - 6}V{y}H{x + px:.1f}V{y - 6}" fill="none" stroke="#222" '
            f'stroke-width="1.5"/><text x="{x + px / 2:.1f}" y="{y - 8}" text-anchor="middle">'
            f'{text}</text></g>')


def _north_arrow() -> str:
    x, y = WIDTH - 22, 30
    return (f'<g class="north"><path d="M{x},{y - 16}L{x + 7},{y + 6}L{x},{y + 1}L{x - 7},{y + 6}Z" '
            f'fill="#222"/><text x="{x}" y="{y + 20}" text-anchor="middle">N</text></g>')


class MapIndex:
    """Spatial indexes of a result's layers, built once and shared by every parcel's map;
    each when a map first asks for it (the district map needs none: a batch without parcel
    pages builds no tree of a city's streets, nor the ids of its buildings)."""

    def __init__(self, result, named: Callable[[str], str] | None = None):
        plan = result.plan
        self._plan, self._coverage = plan, result.coverage
        # How an id is shown in the report's language (Translator.named): a table row's
        # generated id is 第 3 行 on a Chinese map.
        self._named = named
        self.parcels = plan.parcels.geometry.to_numpy()
        self.facilities = plan.facilities.geometry.to_numpy()
        self.streets = plan.streets.geometry.to_numpy() if plan.streets is not None else None
        self.building_outlines = plan.building_outlines
        self.reach = result.service_area

    @cached_property
    def parcel_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.parcels)

    @cached_property
    def facility_tree(self) -> shapely.STRtree:
        return shapely.STRtree(self.facilities)

    @cached_property
    def street_tree(self) -> shapely.STRtree | None:
        return shapely.STRtree(self.streets) if self.streets is not None else None

    @cached_property
    def reach_tree(self) -> shapely.STRtree | None:
        return shapely.STRtree(self.reach) if self.reach is not None else None

    def _shown(self, ids: np.ndarray) -> np.ndarray:
        if self._named is None or not len(ids):
            return ids
        return np.array([self._named(i) for i in ids], dtype=object)

    # Columns every page reads, converted once (not once a page: a district's buildings
    # number hundreds of thousands).
    @cached_property
    def parcel_ids(self) -> np.ndarray:
        return self._shown(self._plan.parcels["id"].astype(str).to_numpy(dtype=object))

    @cached_property
    def facility_ids(self) -> np.ndarray:
        return self._shown(self._plan.facilities["id"].astype(str).to_numpy(dtype=object))

    @cached_property
    def facility_status(self) -> np.ndarray | None:
        facilities = self._plan.facilities
        return facilities["status"].to_numpy() if "status" in facilities else None

    @cached_property
    def building_ids(self) -> np.ndarray | None:
        buildings = self._plan.buildings
        if buildings is None:
            return None
        return self._shown(buildings["id"].astype(str).to_numpy(dtype=object)) \
            if "id" in buildings else np.array([f"#{i + 1}" for i in range(len(buildings))])

    @cached_property
    def _by_parcel(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Points of each parcel, as index ranges into the coverage arrays sorted by parcel."""
        cov = self._coverage
        if cov is None or not len(cov.parcel):
            return None
        order = np.argsort(cov.parcel, kind="stable")
        sorted_parcels = cov.parcel[order]
        n = np.arange(len(self.parcels))
        return (order, np.searchsorted(sorted_parcels, n, side="left"),
                np.searchsorted(sorted_parcels, n, side="right"))

    def points_of(self, position: int) -> np.ndarray:
        if self._by_parcel is None:
            return np.zeros(0, dtype=int)
        order, start, stop = self._by_parcel
        return order[start[position]:stop[position]]


def parcel_map(result, position: int, provided: list[dict], labels: dict,
               index: MapIndex | None = None) -> str:
    """The SVG for one parcel. `provided` is the parcel's facilities as the view model lists
    them (the same list its table shows); `labels` the legend's words in the report's
    language."""
    index = index or MapIndex(result)
    plan = result.plan
    parcel_geom = plan.parcels.geometry.iloc[position]
    if parcel_geom is None or parcel_geom.is_empty:
        return ""
    facilities = plan.facilities
    cov = result.coverage
    mine = np.zeros(len(facilities), dtype=bool)
    shared = np.zeros(len(facilities), dtype=bool)
    for f in provided:
        mine[f["position"]] = True
        shared[f["position"]] = f["shared"]

    bounds = list(parcel_geom.bounds)
    points = np.zeros((0, 2))
    covered = np.zeros(0, dtype=bool)
    is_building = np.zeros(0, dtype=bool)
    building_idx = np.zeros(0, dtype=int)
    if cov is not None and len(cov.parcel):
        sel = index.points_of(position)
        points, building_idx = cov.xy[sel], cov.building[sel]
        is_building = building_idx >= 0
        covered = result.covered[sel] if result.covered is not None else np.ones(len(sel), bool)
        reached = np.unique(np.r_[cov.nearest[sel][cov.nearest[sel] >= 0],
                                  np.flatnonzero(mine)]).astype(int)
        if len(reached):
            fb = shapely.bounds(index.facilities[reached])
            bounds = [min(bounds[0], fb[:, 0].min()), min(bounds[1], fb[:, 1].min()),
                      max(bounds[2], fb[:, 2].max()), max(bounds[3], fb[:, 3].max())]
    pad = 0.06 * max(bounds[2] - bounds[0], bounds[3] - bounds[1], 20.0)
    bounds = [bounds[0] - pad, bounds[1] - pad, bounds[2] + pad, bounds[3] + pad]
    frame = fit(bounds)
    view = shapely.box(frame.minx, frame.miny, frame.minx + (WIDTH - 0) / frame.scale,
                       frame.miny + HEIGHT / frame.scale)

    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
           f'class="map" font-family="{FONT_FAMILY}" font-size="11" role="img" '
           f'aria-label="{escape(labels["map"])}">',
           f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4"/>']
    # Every outline the map draws is made into a path in one pass (a pass costs a tenth of
    # a millisecond whatever it holds; a district's batch draws a map per parcel).
    none = np.zeros(0, dtype=object)
    near = index.parcel_tree.query(view)
    near = near[near != position]
    streets = index.streets[index.street_tree.query(view)] \
        if index.street_tree is not None and len(index.streets) else none
    reach = index.reach[index.reach_tree.query(view)] if index.reach_tree is not None else none
    bgeoms = bcov = polygonal = None
    if is_building.any():
        bgeoms = index.building_outlines(building_idx[is_building])
        bcov = covered[is_building]
        polygonal = shapely.get_type_id(bgeoms) >= 3
    groups = [index.parcels[near], streets, np.array([parcel_geom], dtype=object), reach,
              bgeoms[polygonal] if bgeoms is not None else none]
    paths = np.array(_paths(frame, np.concatenate(groups)), dtype=object)
    others_d, streets_d, (parcel_d,), reach_d, buildings_d = np.split(
        paths, np.cumsum([len(g) for g in groups])[:-1])

    # Other parcels and streets in view, for context.
    for d in others_d:
        svg.append(f'<path d="{d}" fill="#ececec" stroke="#bbb" stroke-width="0.8"/>')
    for d in streets_d:
        svg.append(f'<path d="{d}" fill="none" stroke="#d0c8b8" stroke-width="1.2"/>')
    svg.append(f'<path d="{parcel_d}" fill="#fff8e1" stroke="#b26a00" stroke-width="2"/>')

    # Walking radius around the facilities in view (dashed).
    radius = float(result.radius_m[position]) if result.radius_m is not None else None
    fac_geoms = index.facilities
    in_view = np.zeros(len(facilities), dtype=bool)
    if len(facilities):
        in_view[index.facility_tree.query(view)] = True
    if index.reach_tree is not None:
        # Along the streets: the streets within the walking radius are the service area.
        for d in reach_d:
            svg.append(f'<path d="{d}" fill="none" stroke="#2e7d32" stroke-opacity="0.45" '
                       f'stroke-width="4" stroke-linecap="round"/>')
    elif radius:
        for c in shapely.get_coordinates(shapely.centroid(fac_geoms[in_view])):
            cx, cy = frame.xy(c[None, :])[0]
            svg.append(f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{radius * frame.scale:.1f}" '
                       f'fill="#2e7d32" fill-opacity="0.05" stroke="#2e7d32" '
                       f'stroke-dasharray="6 4" stroke-width="1"/>')

    # Buildings (polygons where drawn as such), or sample points of the parcel.
    if is_building.any():
        for d, ok in zip(buildings_d, bcov[polygonal]):
            colour = "#43a047" if ok else "#e53935"
            svg.append(f'<path d="{d}" fill="{colour}" stroke="#333" stroke-width="0.4"/>')
        for (x, y), ok in zip(frame.xy(points[is_building][~polygonal]), bcov[~polygonal]):
            colour = "#43a047" if ok else "#e53935"
            svg.append(f'<rect x="{x - 3:.1f}" y="{y - 3:.1f}" width="6" height="6" '
                       f'fill="{colour}" stroke="#333" stroke-width="0.4"/>')
        # Every building out of reach carries its id (and its distance, or that it is cut
        # off), as the finding lists them.
        ids = index.building_ids
        far = ~bcov
        dist = cov.distance[sel][is_building][far]
        texts = [(x, y, bid, f"{dm:,.0f} m" if np.isfinite(dm) else labels["unreachable"])
                 for (x, y), bid, dm in zip(frame.xy(points[is_building][far]),
                                            ids[building_idx[is_building][far]], dist)]
        for (x, y, bid, what), (lx, ly) in zip(texts, _place_labels(
                [(x, y, f"{bid} · {what}") for x, y, bid, what in texts])):
            if abs(ly - (y - 4)) > 1:  # moved off its building: a leader line shows whose
                svg.append(f'<path d="M{x:.1f},{y:.1f}L{lx:.1f},{ly - 3:.1f}" stroke="#e53935" '
                           f'stroke-width="0.6" fill="none"/>')
            svg.append(f'<text x="{lx:.1f}" y="{ly:.1f}" class="label uncovered" '
                       f'data-building="{escape(bid)}">{escape(bid)} · {escape(what)}</text>')
    elif len(points) and not covered.all():
        for x, y in frame.xy(points[~covered]):
            svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#e53935"/>')

    # Facilities: own (filled square), shared (filled diamond), others (hollow circle).
    names = index.facility_ids
    status = index.facility_status
    for i in np.flatnonzero(in_view | mine):
        g = fac_geoms[i]
        role = "shared" if mine[i] and shared[i] else "own" if mine[i] else "other"
        svg.append(f'<g class="facility {role}" data-id="{escape(names[i])}">')
        if shapely.get_type_id(g) >= 3:
            d = _paths(frame, [g])[0]
            svg.append(f'<path d="{d}" fill="#1565c0" fill-opacity="0.35" stroke="#1565c0"/>')
        x, y = frame.xy(shapely.get_coordinates(shapely.centroid(g)))[0]
        existing = status is not None and status[i] == FacilityState.EXISTING
        dash = ' stroke-dasharray="2 1.5"' if existing else ""
        if mine[i] and shared[i]:
            svg.append(f'<path d="M{x},{y - 8}L{x + 8},{y}L{x},{y + 8}L{x - 8},{y}Z" '
                       f'fill="#6a1b9a" stroke="#fff" stroke-width="1.5"{dash}/>')
        elif mine[i]:
            svg.append(f'<rect x="{x - 7:.1f}" y="{y - 7:.1f}" width="14" height="14" '
                       f'fill="#1565c0" stroke="#fff" stroke-width="1.5"{dash}/>')
        else:
            svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="7" fill="#fff" stroke="#1565c0" '
                       f'stroke-width="2.5"{dash}/>')
        svg.append(f'<text x="{x + 10:.1f}" y="{y - 8:.1f}" class="label">'
                   f'{escape(names[i])}</text></g>')

    svg.append(_scale_bar(frame))
    svg.append(_north_arrow())
    svg.append("</svg>")
    return "".join(svg)


def _place_labels(items: list[tuple[float, float, str]]) -> list[tuple[float, float]]:
    """Where to write each label so that none covers another: beside its point, else moved
    up or down in steps (greedy, in the order of x). Widths are estimated from the text."""
    placed: list[tuple[float, float, float, float]] = []
    out = [(0.0, 0.0)] * len(items)
    order = sorted(range(len(items)), key=lambda i: (items[i][0], items[i][1]))
    steps = [0, -13, 13, -26, 26, -39, 39, -52, 52, -65, 65, -78, 78]
    for i in order:
        x, y, text = items[i]
        width = _text_width(text) + 4
        for dy in steps:
            lx, ly = x + 5, y - 4 + dy
            box = (lx, ly - 10, lx + width, ly + 2)
            if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                       for b in placed):
                break
        placed.append(box)
        out[i] = (lx, ly)
    return out


def _text_width(text: str) -> float:
    """A label's width in the map's units at its 11 px: a Chinese character is square, a
    capital or a digit about 0.6 of it, other Latin letters and marks about half."""
    return sum(11.0 if ord(c) >= 0x2E80 else 6.6 if c.isupper() or c.isdigit() else 5.5
               for c in text)


def legend(labels: dict, network: bool = False) -> str:
    """The legend as HTML, below the map (text wraps in any language)."""
    items = [
        ('<svg width="18" height="14"><rect x="1" y="1" width="16" height="12" fill="#fff8e1" '
         'stroke="#b26a00" stroke-width="2"/></svg>', labels["parcel"]),
        ('<svg width="18" height="16"><rect x="2" y="2" width="12" height="12" fill="#1565c0"/>'
         '</svg>', labels["own"]),
        ('<svg width="18" height="18"><path d="M9,1L17,9L9,17L1,9Z" fill="#6a1b9a"/></svg>',
         labels["shared"]),
        ('<svg width="18" height="18"><circle cx="9" cy="9" r="6" fill="#fff" stroke="#1565c0" '
         'stroke-width="2.5"/></svg>', labels["other"]),
        ('<svg width="18" height="18"><circle cx="9" cy="9" r="6" fill="#fff" stroke="#1565c0" '
         'stroke-width="2.5" stroke-dasharray="2 1.5"/></svg>', labels["existing"]),
        ('<svg width="18" height="14"><rect x="1" y="2" width="16" height="10" fill="#43a047"/>'
         '</svg>', labels["covered"]),
        ('<svg width="18" height="14"><rect x="1" y="2" width="16" height="10" fill="#e53935"/>'
         '</svg>', labels["uncovered"]),
        ('<svg width="18" height="18"><path d="M1,9H17" stroke="#2e7d32" stroke-opacity="0.45" '
         'stroke-width="4"/></svg>', labels["reach"]) if network else
        ('<svg width="18" height="18"><circle cx="9" cy="9" r="7" fill="none" stroke="#2e7d32" '
         'stroke-dasharray="4 3"/></svg>', labels["radius"]),
    ]
    return "".join(f'<span class="key">{icon} {escape(text)}</span>' for icon, text in items)


VERDICT_FILL = {Verdict.COMPLIANT: "#66bb6a", Verdict.NON_COMPLIANT: "#ef5350",
                Verdict.INCOMPLETE: "#ffa726"}


def district_map(result, index: MapIndex, verdicts: list[str], anchors: list[str],
                 labels: dict, linked: bool = True) -> str:
    """All parcels coloured by verdict, the facilities, and the suggested new sites. With
    `linked` false (print), the parcels of a verdict are one path and carry no link: a PDF of
    a district lays out in a fraction of the time, and looks the same; beyond
    PRINT_VECTOR_PARCELS (SCREEN_VECTOR_PARCELS on screen) they are one image under the
    vector marks."""
    geoms = index.parcels
    valid = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not valid.any():  # a list of projects picked off a web map: their points
        return _point_district_map(result, index, verdicts, anchors, labels, linked)
    b = shapely.total_bounds(geoms[valid])
    pad = 0.03 * max(b[2] - b[0], b[3] - b[1], 50.0)
    frame = fit((b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad))
    svg = _open(labels)
    ids = index.parcel_ids
    fac = _facility_xy(index)
    if valid.sum() > (SCREEN_VECTOR_PARCELS if linked else PRINT_VECTOR_PARCELS):
        streets = index.streets if index.streets is not None and \
            len(index.streets) <= 20000 else None
        svg.append(_raster(frame, geoms[valid], np.asarray(verdicts, dtype=object)[valid],
                           streets, fac))
    else:
        svg += _vector_layers(frame, index, geoms, valid, verdicts, anchors, ids, fac, linked)
    return _finish(svg, frame, result)


def _open(labels: dict) -> list[str]:
    """A district map's frame and background."""
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
            f'class="map" font-family="{FONT_FAMILY}" font-size="11" role="img" '
            f'aria-label="{escape(labels["district"])}">',
            f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#f7f7f4"/>']


def _facility_xy(index: MapIndex) -> np.ndarray:
    """Where each located facility is marked (its centre); those without a place have none."""
    return shapely.get_coordinates(shapely.centroid(index.facilities)) \
        if len(index.facilities) else np.zeros((0, 2))


def _finish(svg: list[str], frame: Frame, result) -> str:
    """The suggested sites, the scale bar and the north arrow over a district's map."""
    for site in result.suggestions or []:
        x, y = frame.xy(np.array([[site["x"], site["y"]]]))[0]
        svg.append(f'<g class="site"><path d="{_star(x, y, 9)}" fill="#fdd835" stroke="#6d4c00" '
                   f'stroke-width="1"/><text x="{x + 10:.1f}" y="{y + 4:.1f}" class="label">'
                   f'{site["rank"]}</text></g>')
    svg.append(_scale_bar(frame))
    svg.append(_north_arrow())
    svg.append("</svg>")
    return "".join(svg)


def _point_district_map(result, index: MapIndex, verdicts: list[str], anchors: list[str],
                        labels: dict, linked: bool) -> str:
    """A district of parcels without outlines, located by points (a table of projects with
    coordinates): each parcel's household points in its verdict's colour, the facilities and
    the suggested sites; nothing where nothing is located."""
    buildings = result.plan.buildings
    if buildings is None or not len(buildings):
        return ""
    located = buildings[(buildings["parcel"] >= 0) & buildings["x"].notna()]
    if located.empty:
        return ""
    xy = located[["x", "y"]].to_numpy(dtype=float)
    owner = located["parcel"].to_numpy(dtype=int)
    fac = _facility_xy(index)
    every = np.vstack([xy, fac])
    lo, hi = every.min(axis=0), every.max(axis=0)
    pad = 0.08 * max(hi[0] - lo[0], hi[1] - lo[1], 200.0)
    frame = fit((lo[0] - pad, lo[1] - pad, hi[0] + pad, hi[1] + pad))
    show_labels = len(xy) <= 400
    r = 5 if show_labels else 3 if len(xy) <= PRINT_VECTOR_PARCELS else 2
    # The facilities go under the projects: a project's own room stands at its point, and
    # its verdict is what the map is for.
    svg = _open(labels) + [
        f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r + 2}" fill="#1565c0" stroke="#fff" '
        f'stroke-width="0.8"/>' for x, y in (frame.xy(fac) if len(fac) else [])]
    ids = index.parcel_ids
    one_by_one = linked and len(xy) <= SCREEN_VECTOR_PARCELS
    by_verdict: dict[str, list[str]] = {}
    for (x, y), p in zip(frame.xy(xy), owner.tolist()):
        if one_by_one:
            svg.append(f'<a href="{escape(anchors[p])}"><circle cx="{x:.1f}" cy="{y:.1f}" '
                       f'r="{r}" fill="{VERDICT_FILL[verdicts[p]]}" stroke="#555" '
                       f'stroke-width="0.8"><title>{escape(ids[p])}</title></circle></a>')
        else:  # printed, or too many to link: a path of dots per verdict lays out at once
            by_verdict.setdefault(verdicts[p], []).append(
                f"M{x - r:.1f},{y:.1f}a{r},{r} 0 1,0 {2 * r},0a{r},{r} 0 1,0 {-2 * r},0")
        if show_labels:
            # Left of the point: a suggested site's number stands right of its star.
            svg.append(f'<text x="{x - 7:.1f}" y="{y + 4:.1f}" class="label parcel-label" '
                       f'text-anchor="end">{escape(ids[p])}</text>')
    for verdict, dots in by_verdict.items():
        svg.append(f'<path d="{"".join(dots)}" fill="{VERDICT_FILL[verdict]}" stroke="#555" '
                   f'stroke-width="0.5"/>')
    return _finish(svg, frame, result)


# A printed district of more parcels than this gets its parcels, streets and facilities as one
# image: WeasyPrint lays out an SVG path point by point (10,000 parcels: 2.7 s of a 5 s PDF;
# 50,000: 13 s), while the image costs the same at any size and prints at 290 dpi.
PRINT_VECTOR_PARCELS = 2000
# On screen each parcel is a link up to this many; beyond, a parcel is a pixel or two, no
# one clicks it, and 50,000 linked paths made index.html 9.5 MB: the image keeps it small
# and the table below and its pages link every parcel.
SCREEN_VECTOR_PARCELS = 10000
# Image pixels per SVG unit: 1,920 × 1,260 for the 640 × 420 frame, 290 dpi across the 170 mm
# of an A4 page's text. (At 4, 380 dpi, WeasyPrint's re-encoding of the image took 0.45 s
# more of the 2,500-parcel summary, whose typesetting ends the batch.)
_RASTER_SCALE = 3
_OUTLINED_PX = 16  # a parcel's typical side, in image pixels, from which it is outlined


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def _rings_px(frame: Frame, geoms) -> Iterator[tuple[list[float], int]]:
    """Each polygon ring and line of `geoms` as image coordinates (x, y, x, y, …), with its
    owner, one at a time: as lists of points all at once they took more memory than the
    image (50,000 parcels)."""
    for coords, starts, ends, own, _ in _runs(geoms):
        px = frame.xy(coords) * _RASTER_SCALE
        for a, b, o in zip(starts.tolist(), ends.tolist(), own.tolist()):
            yield px[a:b].ravel().tolist(), o


def _raster(frame: Frame, parcels, verdicts, streets, facilities_xy) -> str:
    import base64
    import io

    from PIL import Image, ImageDraw

    k = _RASTER_SCALE
    # A palette image: the map has a handful of flat colours, and drawing and encoding one
    # byte a pixel took a sixth of the time of three (2,500 parcels: 0.33 s to 0.02 s, the
    # same pixels).
    image = Image.new("P", (WIDTH * k, HEIGHT * k), _rgb("#f7f7f4"))
    draw = ImageDraw.Draw(image)
    if streets is not None and len(streets):
        for line, _ in _rings_px(frame, streets):
            draw.line(line, fill=_rgb("#d6d0c4"), width=max(1, round(0.6 * k)))
    fills = {v: _rgb(c) for v, c in VERDICT_FILL.items()}
    outline = _rgb("#555555")
    # Outlines as lines: PIL draws a polygon's wide outline through a mask of the whole image.
    for ring, o in _rings_px(frame, parcels):
        if len(ring) >= 6:  # three points
            draw.polygon(ring, fill=fills[verdicts[o]])
    # Parcels a few pixels wide show their colour, not their outlines (50,000 parcels: the
    # outlines alone turned the district brown).
    side_px = np.sqrt(np.median(shapely.area(parcels))) * frame.scale * k if len(parcels) else 0
    if side_px >= _OUTLINED_PX:
        for ring, _ in _rings_px(frame, parcels):
            if len(ring) >= 4:  # two points
                draw.line(ring, fill=outline, width=max(1, round(0.5 * k)))
    # Facilities as small as their number needs to leave the verdicts visible.
    r = (3 if len(facilities_xy) <= 1000 else 1.5) * k
    for x, y in (frame.xy(facilities_xy) * k).tolist() if len(facilities_xy) else []:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255))
        rim = round(0.8 * k)
        draw.ellipse((x - r + rim, y - r + rim, x + r - rim, y + r - rim), fill=_rgb("#1565c0"))
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=False)
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'<image x="0" y="0" width="{WIDTH}" height="{HEIGHT}" '
            f'href="data:image/png;base64,{data}"/>')


def _vector_layers(frame, index, geoms, valid, verdicts, anchors, ids, fac, linked):
    """Streets, parcels (each a link on screen), parcel labels and facilities as SVG."""
    svg = []
    if index.streets is not None and len(index.streets) and len(index.streets) <= 20000:
        streets = [d for d in _paths(frame, index.streets) if d]
        for d in (streets if linked else [" ".join(streets)] if streets else []):
            svg.append(f'<path d="{d}" fill="none" stroke="#d6d0c4" stroke-width="0.6"/>')
    if linked:
        for d, v, a, pid in zip(_paths(frame, geoms), verdicts, anchors, ids):
            if d:
                svg.append(f'<a href="{escape(a)}"><path d="{d}" fill="{VERDICT_FILL[v]}" '
                           f'stroke="#555" stroke-width="0.5"><title>{escape(pid)}</title>'
                           f'</path></a>')
    else:
        by_verdict: dict[str, list[str]] = {}
        for d, v in zip(_paths(frame, geoms), verdicts):
            if d:
                by_verdict.setdefault(v, []).append(d)
        for v, ds in by_verdict.items():
            svg.append(f'<path d="{" ".join(ds)}" fill="{VERDICT_FILL[v]}" fill-rule="evenodd" '
                       f'stroke="#555" stroke-width="0.5"/>')
    # Parcel labels where they can be read (a district of a few hundred parcels).
    if valid.sum() <= 400:
        centres = shapely.get_coordinates(shapely.point_on_surface(geoms[valid]))
        for (x, y), pid in zip(frame.xy(centres), ids[valid]):
            svg.append(f'<text x="{x:.1f}" y="{y:.1f}" class="label parcel-label" '
                       f'text-anchor="middle">{escape(pid)}</text>')
    for x, y in frame.xy(fac) if len(fac) else []:
        svg.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="#1565c0" stroke="#fff" '
                   f'stroke-width="0.8"/>')
    return svg


def _star(x: float, y: float, r: float) -> str:
    pts = []
    for k in range(10):
        a = math.pi / 2 + k * math.pi / 5
        rr = r if k % 2 == 0 else r * 0.45
        pts.append(f"{x + rr * math.cos(a):.1f},{y - rr * math.sin(a):.1f}")
    return "M" + "L".join(pts) + "Z"
