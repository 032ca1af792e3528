"""Reading a CAD site plan (总平面图) saved as DXF into the plan's layers (PLAN-FORMAT.md, "CAD
drawings").

A draughtsman's drawing: the red line, the buildings and the eldercare rooms as closed
polylines (with arcs) or circles on named layers, street centre-lines as lines that cross,
labels as TEXT/MTEXT inside the shapes ("1# 120户", "社区养老服务站 350㎡"), blocks with
attributes, in millimetres or metres, text in the drawing's code page. ezdxf reads the file
(R12 to R2018, code pages included); this module maps what it finds to the plan's layers and
says, by DXF handle, what it could not use. It reads the file and nothing else: validation and
projection happen where every plan's do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ._i18n import N_
from ._errors import PlanError, Problem
from ._validate import storeys_in
from .vocabulary import (KIND_WORDS, LAYER_WORDS, beside_the_plan, is_housing_layer,
                         kind_in_words, layer_by_words)

# PLAN-FORMAT.md: DXF layer names recognised by default (vocabulary.LAYER_WORDS).
DEFAULT_LAYERS = LAYER_WORDS
POLYGON_LAYERS = ("parcels", "buildings", "facilities")

# $INSUNITS → metres (AutoCAD's codes); absent or unitless: metres.
UNITS = {0: 1.0, 1: 0.0254, 2: 0.3048, 4: 0.001, 5: 0.01, 6: 1.0, 7: 1000.0, 14: 0.1}
UNIT_NAMES = {"mm": 0.001, "cm": 0.01, "m": 1.0}

# How finely arcs are followed (metres, after units): PLAN-FORMAT.md says within 0.1 m.
ARC_TOLERANCE_M = 0.1
# Open lines on a layer of outlines whose ends come this close (metres) are joined into the
# outline they draw: a draughtsman's ends that miss by a few centimetres, never a gap a
# reviewer would call open.
JOIN_GAP_M = 0.2

# Labels: the first token is the id; these patterns are read anywhere in the text.
# Whatever stands before 户 in its word is the count, so "约九十户" is reported as not a number
# rather than passed over. A dwelling, 套, counts as a household (as in housing tables: "96套",
# "套数:96"), where a number stands before it: 配套 and 套内 are other words.
_HOUSEHOLDS = re.compile(r"(?:([^\s户]+?)\s*户(?!数)"
                         r"|([约近超]?[\d零〇一二两三四五六七八九十百千万,.]+)\s*套(?![数内]))")
# Before that: households stated as such ("户数:96", "户数 96"), then digits right before 户
# whatever stands before them ("共96户", "3#(18F)96户"), unless they are an estimate
# ("约96户", refused as the word it is).
_HOUSEHOLDS_NAMED = re.compile(r"[户套]数\s*[:：=]?\s*([^\s户套,，;；/]+)")
_HOUSEHOLDS_COUNT = re.compile(r"(?<![约近超\d.,])(\d[\d,]*(?:\.\d+)?)\s*[户套](?![数内])")
# A floor's layout, lifts to flats (2梯4户, 两梯四户, 1T2H): how many flats a landing serves.
_LIFTS_AND_FLATS = re.compile(r"[\d一二两三四五六七八九十]+\s*(?:梯|T)\s*[\d一二两三四五六七八九十]+\s*(?:户|H)",
                              re.IGNORECASE)
# A floor count in brackets after a building's number ("3#(18F)"): not part of its id.
_FLOORS_NOTE = re.compile(r"[（(][^（）()]*[)）]$")
# An area, with the name a label gives it if any (建筑面积350㎡, 用地面积：400平方米).
_AREA = re.compile(r"(?:(建筑面积|用地面积|占地面积|面积)\s*[:：=]?\s*)?"
                   r"(\d[\d,]*(?:\.\d+)?)\s*(?:㎡|m2|m²|平方米|平米)", re.IGNORECASE)
# An area named as such needs no unit: a Chinese drawing's areas are in square metres
# (建筑面积：350); one followed by another unit (0.5公顷, 1.2万㎡, 3亩) is not read as m².
_AREA_NAMED = re.compile(r"(建筑面积|用地面积|占地面积)\s*[:：=]?\s*(\d[\d,]*(?:\.\d+)?)(?!\s*[\d.,万千亩公顷hHkK])")
# Block attribute tags: field names of the format or their Chinese names.
_ATTRIB_TAGS = {"编号": "id", "名称": "name", "户数": "households", "新建户数": "households_new",
                "已建户数": "households_existing", "人口": "population",
                "建筑面积": "floor_area_m2", "用地面积": "land_area_m2", "类型": "kind",
                "状态": "status", "期数": "phase", "楼层": "floor", "所在楼层": "floor",
                "层数": "floors"}


@dataclass
class _Shape:
    layer: str
    handle: str
    geometry: object


@dataclass
class _Piece:
    """An open line on a layer of outlines: part of an outline drawn piece by piece."""
    layer: str
    handle: str
    line: object
    what: str


@dataclass
class _Label:
    handle: str
    point: tuple[float, float]
    fields: dict
    text: str
    source: str  # "text" or "attrib"
    # The plan layer its own drawing layer names (红线 → parcels), None for a layer of words
    # alone (文字, 标注, 0): a label labels an outline of its own layer only.
    plan_layer: str | None = None


# Words before a parcel's count that make it existing housing's (已建403户, 既有住宅户数:400);
# any other count is new housing's, as a site plan of a development draws it.
_EXISTING_HOUSING = ("已建", "既有", "现状", "老旧")


def _parcel_households(cleaned: str) -> dict:
    """A parcel label's households, new and existing: each count is existing housing's when
    the words since the count before it say so (新建800户 已建400户)."""
    found = sorted((m.start(), m.end(), m.group(1))
                   for pattern in (_HOUSEHOLDS_NAMED, _HOUSEHOLDS_COUNT)
                   for m in pattern.finditer(cleaned))
    if not found:  # only a word before 户 ("约九十户"): reported as not a number
        m = _HOUSEHOLDS.search(cleaned)
        found = [(m.start(), m.end(), next(said for said in m.groups() if said))]
    out, since = {}, 0
    for start, end, said in found:
        existing = any(word in cleaned[since:start] for word in _EXISTING_HOUSING)
        out.setdefault("households_existing" if existing else "households_new", said)
        since = end
    return out


def _without_kind_words(text: str) -> str:
    """The text with the kinds' words set apart by spaces: a storey may be written against
    them (首层社区养老服务站)."""
    for word, _ in KIND_WORDS:
        text = text.replace(word, " ")
    return text


def _storey_of_kind(token: str) -> bool:
    """Whether a label's first token says where a room is, not which it is: a storey alone
    ("二层 日间照料中心 600㎡") or written against the kind's words ("二层日间照料中心")."""
    rest = _without_kind_words(token).strip(" ()（）[]【】,，:：")
    return bool(rest) and storeys_in(rest) == rest


def parse_label(text: str, plan_layer: str) -> dict:
    """The fields a label states: its first token as the id, households, floor area, kind."""
    out: dict = {}
    cleaned = text.replace("\\P", " ").strip()
    kind = kind_in_words(cleaned)
    # A floor's layout (2梯4户: two lifts, four flats a floor) counts no building's households
    # and is no part of its id (7#2梯4户).
    counted = _LIFTS_AND_FLATS.sub(" ", cleaned)
    tokens = counted.split()
    count = _HOUSEHOLDS_NAMED.search(counted) or _HOUSEHOLDS_COUNT.search(counted) \
        or _HOUSEHOLDS.search(counted)
    if tokens:
        first = tokens[0]
        glued = count is not None and count.re is _HOUSEHOLDS_COUNT and count.start() > 0 \
            and count.end() <= len(first) and counted.startswith(first)
        if glued:  # "3#(18F)96户": the id is what stands before the count (and its housing)
            first = _FLOORS_NOTE.sub("", first[:count.start()].rstrip("共计合总:：")).strip()
            first = re.sub(f"({'|'.join((*_EXISTING_HOUSING, '新建', '规划'))})+$", "", first)
        if first and not (_HOUSEHOLDS.fullmatch(first) or _HOUSEHOLDS_COUNT.fullmatch(first)
                          or _AREA.fullmatch(first) or re.search("户数|套数|面积", first)
                          or any(first.startswith(w) for w, _ in KIND_WORDS)
                          or _storey_of_kind(first)):
            out["id"] = first
    if count is not None and plan_layer == "buildings":
        out["households"] = next(said for said in count.groups() if said)
    elif count is not None:
        out |= _parcel_households(counted)
    if plan_layer == "facilities":
        # 建筑面积 is the floor area, 用地面积 the land; an area named by neither is the
        # floor area; 占地面积 (the footprint) is neither.
        for m in [*_AREA.finditer(cleaned), *_AREA_NAMED.finditer(cleaned)]:
            field = {"用地面积": "land_area_m2", "占地面积": None}.get(m.group(1) or "",
                                                                    "floor_area_m2")
            if field is not None:
                out.setdefault(field, m.group(2))
    if kind and plan_layer == "facilities":
        out["kind"] = kind
    if plan_layer == "facilities":
        storeys = storeys_in(_without_kind_words(" ".join(t for t in tokens
                                                         if t != out.get("id"))))
        if storeys is not None:
            out["floor"] = storeys
    return out


def read_dxf(path: str | Path, *, layers: dict | None = None, units: str | None = None,
             tags: dict[str, dict[str, str]] | None = None):
    """Read a DXF site plan. Returns (layers as GeoDataFrames without a CRS, problems).
    `tags`: per plan layer, an office's own block attribute tags (`--fields`, as HS or BH)
    for the format's field names."""
    import ezdxf
    from ezdxf import path as dxf_path

    p = Path(path)
    head = p.read_bytes()[:6]
    if p.suffix.lower() == ".dwg" or head.startswith(b"AC10"):
        raise PlanError(Problem(str(p), N_("a DWG drawing cannot be read"),
                                expected=N_("the drawing saved as DXF (AutoCAD: 另存为 → DXF; "
                                         "any version from R12 to R2018)")))
    try:
        doc = ezdxf.readfile(str(p))
    except (ezdxf.DXFError, OSError, UnicodeDecodeError, ValueError) as exc:
        raise PlanError(Problem(str(p), N_("not a readable DXF drawing"), found=str(exc),
                                expected=N_("a DXF file (R12 to R2018)"))) from None
    mapping = layers or DEFAULT_LAYERS
    if units:
        factor = UNIT_NAMES[units]
    else:
        factor = UNITS.get(int(doc.header.get("$INSUNITS", 0) or 0), 1.0)
    problems: list[Problem] = []
    shapes: list[_Shape] = []
    labels: list[_Label] = []
    ignored: dict[str, int] = {}
    pieces: list[_Piece] = []
    fills: list[_Shape] = []
    solids: list[_Shape] = []
    tolerance = ARC_TOLERANCE_M / factor  # in drawing units
    own_tags: dict[str | None, dict[str, str]] = {}  # per plan layer: made once, not per block
    # A drawing with housing layers (住宅, 楼栋) draws its other buildings too (商业建筑, 现状建筑
    # -拆除), which were refused for lacking households. By the default names, an outline on
    # such a layer is a building only where its label gives households (现状建筑 may hold
    # existing housing); the others are left out, by layer, in a warning (_assemble).
    drawn = {_decoded(e.dxf.get("layer", "0")) for e in doc.modelspace()}
    housing = mapping is DEFAULT_LAYERS and any(
        layer_by_words(name) == "buildings" and is_housing_layer(name) for name in drawn)
    other_buildings: dict[str, str] = {}  # outline handle → its drawing layer

    def visit(entity, insert_layer: str | None = None, insert_handle: str | None = None):
        layer = _decoded(entity.dxf.get("layer", "0"))
        if layer == "0" and insert_layer:  # entities of a block on layer 0 take the INSERT's
            layer = insert_layer
        kind = entity.dxftype()
        # Entities of a block are named by the INSERT that places them.
        handle = insert_handle or str(entity.dxf.get("handle", "") or "?")
        if kind == "INSERT":
            if entity.attribs:
                fields = {}
                plan_layer_of_block = layer_by_words(layer, mapping)
                if plan_layer_of_block not in own_tags:
                    own_tags[plan_layer_of_block] = _own_tags(tags or {}, plan_layer_of_block)
                own = own_tags[plan_layer_of_block]
                for attrib in entity.attribs:
                    tag = _decoded(attrib.dxf.get("tag", ""))
                    key = own.get(tag.lower()) or _ATTRIB_TAGS.get(tag, tag.lower())
                    fields[key] = _label_text(attrib, "ATTRIB")
                # Where the attributes stand (inside the block's outline), not the insertion
                # point, which a draughtsman puts on a corner.
                pos = entity.attribs[0].dxf.insert
                labels.append(_Label(handle, (pos.x, pos.y), fields,
                                     " ".join(str(v) for v in fields.values()), "attrib",
                                     plan_layer_of_block))
            try:
                for child in entity.virtual_entities():
                    visit(child, layer, handle)
            except Exception as exc:  # noqa: BLE001 - a broken block: say which
                problems.append(Problem(str(p), N_("a block that cannot be expanded"),
                                        found=str(exc),
                                        feature=f"handle {handle}", level="warning"))
            return
        if kind in ("TEXT", "MTEXT"):
            text = _label_text(entity, kind)
            pos = entity.dxf.insert
            labels.append(_Label(handle, (pos.x, pos.y), {}, str(text), "text",
                                 layer_by_words(layer, mapping)))
            return
        plan_layer = layer_by_words(layer, mapping)
        if plan_layer is None:
            ignored[layer] = ignored.get(layer, 0) + 1
            return
        if kind == "HATCH":
            # A fill's boundary is an outline where none is drawn; on the streets layer it is
            # a road's surface, not its centre line.
            if plan_layer != "streets":
                fills.extend(_Shape(plan_layer, h, area)
                             for h, area in _hatch_areas(p, entity, handle, tolerance, problems))
            return
        if kind not in ("LWPOLYLINE", "POLYLINE", "CIRCLE", "LINE", "ARC", "SPLINE", "ELLIPSE",
                        "SOLID", "TRACE"):
            return
        try:
            vertices = [(v.x, v.y) for v in dxf_path.make_path(entity).flattening(tolerance)]
        except Exception as exc:  # noqa: BLE001 - an entity ezdxf cannot follow
            problems.append(Problem(str(p), N_("cannot read the drawing entity"),
                                    found=f"{kind}: {exc}", layer=plan_layer,
                                    feature=f"handle {handle}", field="geometry"))
            return
        if kind in ("SOLID", "TRACE"):
            # A 2D solid (a filled triangle or quadrilateral): a fill, as a hatch is; several
            # that touch fill one area (an L-shaped building, two quadrilaterals). On a
            # streets layer it is a road's surface or an arrow, not a centre-line.
            if plan_layer != "streets" and len(vertices) >= 3:
                solids.append(_Shape(plan_layer, handle, shapely.Polygon(vertices)))
            return
        if plan_layer == "streets":
            if len(vertices) >= 2:
                shapes.append(_Shape(plan_layer, handle, shapely.LineString(vertices)))
            return
        closed = kind in ("CIRCLE", "ELLIPSE") or (kind in ("LWPOLYLINE", "POLYLINE")
                                                    and entity.is_closed)
        if not closed and len(vertices) >= 3:
            gap = np.hypot(vertices[0][0] - vertices[-1][0], vertices[0][1] - vertices[-1][1])
            closed = gap <= 1e-6 / factor
        if closed and len(vertices) >= 3:
            shapes.append(_Shape(plan_layer, handle, shapely.Polygon(vertices)))
            if housing and plan_layer == "buildings" and not is_housing_layer(layer):
                other_buildings[handle] = layer
        elif len(vertices) >= 2:  # joined with the other pieces of its layer, if it can be
            pieces.append(_Piece(plan_layer, handle, shapely.LineString(vertices),
                                 f"{kind} on layer '{layer}'"))

    for entity in doc.modelspace():
        visit(entity)
    shapes += _join_pieces(p, pieces, JOIN_GAP_M / factor, problems)
    fills += _solid_areas(solids, tolerance)
    shapes += _fills_without_outlines(p, fills, shapes, labels, problems)
    beside = {name: n for name, n in ignored.items()
              if mapping is DEFAULT_LAYERS and beside_the_plan(name)}
    if beside:
        problems.append(Problem(
            str(p), N_("road boundaries, kerbs and setback lines are not plan layers: not read"),
            found=", ".join(f"{name} ({n})" for name, n in sorted(beside.items())),
            level="warning", expected=N_("streets as centre-lines (道路中心线), or --cad-layers")))
    ignored = {name: n for name, n in ignored.items() if name not in beside}
    if ignored:
        listed = ", ".join(f"{name} ({n})" for name, n in sorted(ignored.items()))
        problems.append(Problem(str(p), N_("layers not read (no plan layer matches their names)"),
                                found=listed, level="warning",
                                expected=N_("layer names with 红线/住宅/养老/道路… or --cad-layers")))
    return _assemble(p, shapes, labels, problems, factor, other_buildings)


def parcel_households(layers: dict[str, gpd.GeoDataFrame]) -> None:
    """A parcel drawn without a 户数 label takes the sum of the households of the buildings
    inside it, as new housing (a site plan is drawn for new housing; a table joined by id can
    say otherwise). Run after the table is joined, so that its corrections count. Unreadable
    counts are left to be reported on their building."""
    from ._validate import parse_number

    parcels, buildings = layers.get("parcels"), layers.get("buildings")
    if parcels is None or buildings is None or not len(parcels) or not len(buildings) \
            or "households" not in buildings:
        return
    given = [c for c in ("households_new", "households_existing", "新建户数", "已建户数")
             if c in parcels]
    unlabelled = np.ones(len(parcels), dtype=bool)
    for c in given:
        unlabelled &= parcels[c].map(lambda v: v is None or v == "" or v != v).to_numpy()
    if not unlabelled.any():
        return
    tree = shapely.STRtree(parcels.geometry.to_numpy())
    centres = buildings.geometry.representative_point().to_numpy()
    src, dst = tree.query(centres, predicate="within")
    counts = np.array([parse_number(v)[0] for v in buildings["households"].to_numpy()])
    totals = np.zeros(len(parcels))
    ok = np.isfinite(counts[src])
    np.add.at(totals, dst[ok], counts[src][ok])
    has = np.zeros(len(parcels), dtype=bool)
    has[dst[ok]] = True
    fill = unlabelled & has
    if "households_new" not in parcels:
        parcels["households_new"] = None
    parcels["households_new"] = parcels["households_new"].astype(object)
    parcels.loc[fill, "households_new"] = totals[fill]


def _own_tags(tags: dict[str, dict[str, str]], plan_layer: str | None) -> dict[str, str]:
    """An office's own attribute tags, in lower case, for the format's field names: those
    mapped for the block's plan layer first, then those of the other layers (a block's
    attributes may label an outline of another layer)."""
    own: dict[str, str] = {}
    for layer in sorted(tags, key=lambda name: name != plan_layer):
        for tag, target in tags[layer].items():
            own.setdefault(str(tag).lower(), target)
    return own


# AutoCAD's %%nnn: the character of code nnn ("350m%%178" is 350m², as a draughtsman types ²
# in a TEXT set in an SHX font).
_PERCENT_CODE = re.compile(r"%%(\d{3})")
# MTEXT's stacking of a superscript or subscript ("350m\S2^;" is 350m²).
_MTEXT_STACK = re.compile(r"\\S([^;^#/\\]*)[\^#/]([^;\\]*);")


def _label_text(entity, kind: str) -> str:
    """A TEXT's or MTEXT's words as they are seen on the drawing: without their formatting
    codes (%%u underlining a building's number, {\\fSimSun|b0;…} a font), with ² where it
    was typed as %%178 or stacked as \\S2^;."""
    from ezdxf.tools.text import plain_mtext

    if kind == "MTEXT":
        raw = _MTEXT_STACK.sub(lambda m: m.group(1) + m.group(2), entity.text)
        text = plain_mtext(raw, split=False)
    else:
        text = entity.plain_text()
    return _decoded(_PERCENT_CODE.sub(lambda m: chr(int(m.group(1))), text))


def _decoded(text: str) -> str:
    """A name or text with DXF's \\U+XXXX escapes read: AutoCAD writes a character its drawing's
    code page lacks so (a Chinese layer name in a drawing saved as R2000 on a Western
    system), and ezdxf hands them on as written."""
    from ezdxf.lldxf.encoding import decode_dxf_unicode, has_dxf_unicode

    return decode_dxf_unicode(text) if has_dxf_unicode(text) else text


def _by_layer(items):
    """(plan layer, its items) for each polygon layer that has any, in POLYGON_LAYERS order."""
    for plan_layer in POLYGON_LAYERS:
        group = [x for x in items if x.layer == plan_layer]
        if group:
            yield plan_layer, group


def _join_pieces(p: Path, pieces: list[_Piece], gap: float,
                 problems: list[Problem]) -> list[_Shape]:
    """The outlines that open lines of one layer close: a red line drawn as four LINEs, a
    polyline whose ends meet without its closed flag or a little apart. Ends within `gap`
    (drawing units) of another piece, or of their own piece's other end, are joined by a
    short connector; the lines are noded where they cross and their faces are the outlines.
    Each outline made so is said (a warning naming its pieces); a piece that closes nothing
    is an error, as before."""
    shapes: list[_Shape] = []
    for plan_layer, group in _by_layer(pieces):
        lines = np.array([piece.line for piece in group], dtype=object)
        starts = shapely.get_point(lines, 0)
        ends = shapely.get_point(lines, -1)
        # A piece's own two ends, and each end to the nearest point of any piece near it.
        connectors = list(shapely.shortest_line(starts, ends)[
            shapely.distance(starts, ends) <= gap])
        tree = shapely.STRtree(lines)
        for points in (starts, ends):
            at, near = tree.query(points, predicate="dwithin", distance=gap)
            other = at != near
            connectors += list(shapely.shortest_line(points[at[other]], lines[near[other]]))
        noded = shapely.union_all(np.concatenate([lines, np.array(connectors, dtype=object)]))
        faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
        faces = faces[shapely.area(faces) > gap * gap]
        used = np.zeros(len(group), dtype=bool)
        if len(faces):
            # The pieces that draw a face: those lying along its boundary.
            rims = shapely.buffer(shapely.boundary(faces), gap)
            face, piece = shapely.STRtree(lines).query(rims, predicate="intersects")
            along = shapely.length(shapely.intersection(lines[piece], rims[face])) \
                >= 0.5 * shapely.length(lines[piece])
            face, piece = face[along], piece[along]
            used[piece] = True
            named: set[str] = set()
            for k, outline in enumerate(faces):
                members = sorted({group[i].handle for i in piece[face == k]})
                if not members:
                    continue
                # Named by a piece of its own where it has one (two parcels share the line
                # between them).
                handle = next((h for h in members if h not in named), f"{members[0]}-{k + 1}")
                named.add(handle)
                shapes.append(_Shape(plan_layer, handle, outline))
                problems.append(Problem(
                    str(p), N_("an outline drawn in open pieces was closed by joining them"),
                    layer=plan_layer, feature=f"handle {handle}", field="geometry",
                    found=", ".join(f"handle {h}" for h in members), level="warning",
                    expected=N_("a closed polyline (闭合) or a circle")))
        for piece in (g for g, u in zip(group, used) if not u):
            problems.append(Problem(
                str(p), N_("the outline is not closed, so it has no area"), layer=plan_layer,
                feature=f"handle {piece.handle}", field="geometry", found=piece.what,
                expected=N_("a closed polyline (闭合) or a circle")))
    return shapes


def _hatch_areas(p: Path, hatch, handle: str, tolerance: float,
                 problems: list[Problem]) -> list[tuple[str, object]]:
    """The areas a HATCH fills, one per separate area (a draughtsman fills many buildings
    with one hatch), as (handle, polygon): its boundary paths filled even-odd, as CAD fills
    them, so that a courtyard path inside a building's path is a hole."""
    from ezdxf import path as dxf_path

    try:
        rings = [[(v.x, v.y) for v in path.flattening(tolerance)]
                 for path in dxf_path.from_hatch(hatch)]
    except Exception as exc:  # noqa: BLE001 - a boundary ezdxf cannot follow
        problems.append(Problem(str(p), N_("cannot read the drawing entity"),
                                found=f"HATCH: {exc}", feature=f"handle {handle}",
                                field="geometry", level="warning"))
        return []
    paths = shapely.make_valid(np.array([shapely.Polygon(r) for r in rings if len(r) >= 3],
                                        dtype=object))
    if not len(paths):
        return []
    # Even-odd: the faces the paths cut the plane into, filled where an odd number of paths
    # enclose them.
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(
        shapely.union_all(shapely.boundary(paths)))))
    face, _ = shapely.STRtree(paths).query(shapely.point_on_surface(faces),
                                           predicate="within")
    odd = np.bincount(face, minlength=len(faces)) % 2 == 1
    filled = shapely.get_parts(shapely.union_all(faces[odd]))
    filled = filled[shapely.get_type_id(filled) == 3]  # polygons, not slivers of line
    filled = filled[shapely.area(filled) > tolerance * tolerance]
    if len(filled) == 1:
        return [(handle, filled[0])]
    return [(f"{handle}-{k + 1}", area) for k, area in enumerate(filled)]


def _solid_areas(solids: list[_Shape], tolerance: float) -> list[_Shape]:
    """The areas 2D solids fill, each layer's solids that touch or overlap taken as one,
    named by their handles (`1A+1B`)."""
    areas: list[_Shape] = []
    for plan_layer, group in _by_layer(solids):
        geoms = shapely.make_valid(np.array([s.geometry for s in group], dtype=object))
        filled = shapely.get_parts(shapely.union_all(geoms))
        filled = filled[(shapely.get_type_id(filled) == 3)
                        & (shapely.area(filled) > tolerance * tolerance)]
        if not len(filled):
            continue
        solid, area = shapely.STRtree(filled).query(geoms, predicate="intersects")
        # Each area's solids together, in drawing order: every area holds one at least.
        order = np.lexsort((solid, area))
        members = np.split(solid[order], np.searchsorted(area[order], np.arange(1, len(filled))))
        for polygon, held in zip(filled, members):
            handles = dict.fromkeys(group[i].handle for i in held.tolist())
            areas.append(_Shape(plan_layer, "+".join(handles), polygon))
    return areas


# A fill is the shading of an outline drawn on its layer when this share of it lies inside
# one, and stands apart from the outlines when less than FILL_APART does; between, it cannot
# be told which it is.
FILL_INSIDE = 0.95
FILL_APART = 0.05


def _fills_without_outlines(p: Path, fills: list[_Shape], shapes: list[_Shape],
                            labels: list[_Label], problems: list[Problem]) -> list[_Shape]:
    """The fills (hatches, 2D solids) that stand for an outline: those where no outline of
    their layer is drawn and a label stands inside. A fill inside a drawn outline (a
    building hatched within its polyline, a red line filled) is that outline's shading and
    adds nothing; a fill that partly covers one cannot be told apart from it and is left out,
    said; a fill with no label of its own (none inside it but in the outlines it holds) is a
    drawing's furniture (a legend's swatch, a north arrow's head, a site's shading), left
    out, said; the rest are outlines, said once a layer."""
    kept: list[_Shape] = []
    label_points = shapely.points(np.array([lb.point for lb in labels], dtype=float)) \
        if labels else np.zeros(0, dtype=object)
    # A label goes to the smallest outline around it (see _assemble): one inside a drawn
    # outline no larger than a fill is not the fill's (a whole site shaded on the buildings'
    # layer holds the buildings' labels, and the red line's, but none of its own).
    outlines = np.array([s.geometry for s in shapes if s.layer in POLYGON_LAYERS],
                        dtype=object)
    outlines = outlines[np.isin(shapely.get_type_id(outlines), (3, 6))]
    smallest_drawn = np.full(len(label_points), np.inf)
    if len(label_points) and len(outlines):
        label, outline = shapely.STRtree(outlines).query(label_points, predicate="within")
        np.minimum.at(smallest_drawn, label, shapely.area(outlines[outline]))
    for plan_layer, group in _by_layer(fills):
        areas = np.array([f.geometry for f in group], dtype=object)
        drawn = np.array([s.geometry for s in shapes if s.layer == plan_layer], dtype=object)
        labelled = np.zeros(len(group), dtype=bool)
        if len(label_points):
            label, fill = shapely.STRtree(areas).query(label_points, predicate="within")
            own = smallest_drawn[label] > shapely.area(areas[fill])
            labelled[fill[own]] = True
        covered = np.zeros(len(group))
        if len(drawn):
            fill, outline = shapely.STRtree(drawn).query(areas, predicate="intersects")
            overlap = shapely.area(shapely.intersection(areas[fill], drawn[outline]))
            covered = np.bincount(fill, weights=overlap, minlength=len(group)) \
                / shapely.area(areas)
        partly = [f.handle for f, c in zip(group, covered) if FILL_APART <= c < FILL_INSIDE]
        if partly:
            problems.append(Problem(
                str(p), N_("fills (HATCH, SOLID) that partly cover a drawn outline are not "
                           "read"),
                layer=plan_layer, field="geometry", level="warning",
                found=", ".join(f"handle {h}" for h in partly),
                expected=N_("each outline drawn once: a closed polyline, or a fill alone")))
        unlabelled = [f.handle for f, c, named in zip(group, covered, labelled)
                      if c < FILL_APART and not named]
        if unlabelled:
            problems.append(Problem(
                str(p), N_("fills (HATCH, SOLID) with no label inside are not read"),
                layer=plan_layer, field="geometry", level="warning",
                found=", ".join(f"handle {h}" for h in unlabelled),
                expected=N_("a label inside each outline (an id, and 户数 for a building)")))
        alone = [f for f, c, named in zip(group, covered, labelled)
                 if c < FILL_APART and named]
        if alone:
            kept += alone
            problems.append(Problem(
                str(p), N_("outlines taken from fills (HATCH, SOLID), where no outline is "
                           "drawn"),
                layer=plan_layer, field="geometry", level="warning",
                found=", ".join(f"handle {f.handle}" for f in alone),
                expected=N_("a closed polyline (闭合) or a circle")))
    return kept


def _rooms_in_buildings(p: Path, polygons, attrs, label_of, problems) -> list:
    """The eldercare rooms a building's label names ("1# 96户 首层社区养老服务站 350㎡"), as a
    site plan notes a room in a building rather than drawing it: each a facility at the
    building (its kind, floor area and storey from the label; no land of its own), said in a
    warning. They had been passed over, and the project judged to provide none."""
    naming = np.array([j for j, (shape, label) in enumerate(zip(polygons, label_of))
                       if shape.layer == "buildings" and label is not None
                       and label.source == "text"
                       and any(word in label.text for word, _ in KIND_WORDS)], dtype=int)
    drawn = [s.geometry for s in polygons if s.layer == "facilities"]
    if len(naming) and drawn:
        # A room drawn on the eldercare layer inside the building is the facility, as drawn.
        buildings = np.array([polygons[j].geometry for j in naming], dtype=object)
        hit = shapely.STRtree(drawn).query(buildings, predicate="intersects")[0]
        naming = np.delete(naming, np.unique(hit))
    rooms = []
    for j in naming.tolist():
        shape, label = polygons[j], label_of[j]
        room = {k: v for k, v in parse_label(label.text, "facilities").items()
                if k in ("kind", "floor_area_m2", "floor")}  # the building's own are its
        building = attrs[j].get("id") or f"H{shape.handle}"
        room["id"] = f"{building}-养老"
        rooms.append((_Shape("facilities", shape.handle,
                             shapely.point_on_surface(shape.geometry)), room))
        problems.append(Problem(str(p), N_("a building's label names an eldercare room: read as a "
                                           "facility in that building"),
                                layer="facilities", feature=room["id"], found=repr(label.text),
                                expected=N_("its outline on the eldercare layer, where it has "
                                            "land of its own"), level="warning"))
    return rooms


def _without_other_buildings(p: Path, polygons, attrs, other_buildings: dict[str, str],
                             problems) -> tuple[list, list]:
    """The outlines and their fields, less the buildings on layers that do not say they are
    housing (`other_buildings`: handle → drawing layer) whose labels give no households,
    counted by layer in a warning."""
    left = [k for k, shape in enumerate(polygons) if shape.handle in other_buildings
            and shape.layer == "buildings" and "households" not in attrs[k]]
    if not left:
        return polygons, attrs
    counts: dict[str, int] = {}
    for k in left:
        layer = other_buildings[polygons[k].handle]
        counts[layer] = counts.get(layer, 0) + 1
    problems.append(Problem(
        str(p), N_("buildings on layers that do not say they are housing, beside layers that "
                   "do (住宅, 楼栋), and whose labels give no households: not housing, left out"),
        found=", ".join(f"{name} ({n})" for name, n in sorted(counts.items())),
        level="warning", expected=N_("a household count in the label, if one is housing")))
    gone = set(left)
    keep = [k for k in range(len(polygons)) if k not in gone]
    return [polygons[k] for k in keep], [attrs[k] for k in keep]


def _assemble(p: Path, shapes, labels, problems, factor, other_buildings=None):
    frames = {}
    polygons = [s for s in shapes if s.layer in POLYGON_LAYERS]
    geoms = np.array([s.geometry for s in polygons], dtype=object)
    # A road's name on the streets' layer labels no outline, and is not reported as one.
    labels = [lb for lb in labels if lb.plan_layer != "streets"]
    owner = np.full(len(labels), -1)
    if len(labels) and len(polygons):
        pts = shapely.points(np.array([lb.point for lb in labels], dtype=float))
        tree = shapely.STRtree(geoms)
        src, dst = tree.query(pts, predicate="within")
        # A label on a plan layer's drawing layer labels that layer's outlines only: a
        # parcel's "BJ-07 已建219户" on 红线 standing in a building's outline, or a building's
        # "3# 96户" on 住宅 just outside its own, was read as the building's or the parcel's.
        own = np.array([lb.plan_layer or "" for lb in labels], dtype=object)[src]
        drawn_on = np.array([s.layer for s in polygons], dtype=object)[dst]
        keep = (own == "") | (own == drawn_on)
        src, dst = src[keep], dst[keep]
        if len(src):
            # The smallest containing polygon, when shapes are nested (a room in a building).
            area = shapely.area(geoms[dst])
            order = np.lexsort((area, src))
            src, dst = src[order], dst[order]
            first = np.r_[True, src[1:] != src[:-1]]
            owner[src[first]] = dst[first]
    attrs: list[dict] = [{} for _ in polygons]
    label_of: list[_Label | None] = [None] * len(polygons)
    for i, label in enumerate(labels):
        j = owner[i]
        if j < 0:
            if label.text.strip():
                problems.append(Problem(str(p), N_("a label outside every outline is not used"),
                                        feature=f"handle {label.handle}",
                                        found=repr(label.text[:40]), level="warning"))
            continue
        fields = label.fields if label.source == "attrib" else \
            parse_label(label.text, polygons[j].layer)
        if not fields:
            continue
        previous = label_of[j]
        if previous is not None and previous.source == label.source == "text" and \
                set(fields) & set(attrs[j]):
            # A word alone beside the outline's label (幼儿园, 商业, 出入口 in a parcel) is a
            # note on the drawing, not a second id: the label that says more is the outline's.
            note = None
            if set(fields) == {"id"} and len(attrs[j]) > 1:
                note = label
            elif set(attrs[j]) == {"id"} and len(fields) > 1:
                note, attrs[j] = previous, {}
            if note is not None:
                problems.append(Problem(str(p), N_("a word alone beside the outline's label is "
                                                   "taken for a note on the drawing"),
                                        layer=polygons[j].layer,
                                        feature=f"handle {note.handle}",
                                        found=repr(note.text[:40]), level="warning"))
                if note is label:
                    continue
                attrs[j].update(fields)
                label_of[j] = label
                continue
            problems.append(Problem(str(p), N_("two labels in one outline"), layer=polygons[j].layer,
                                    feature=f"handle {polygons[j].handle}", field="label",
                                    found=f"{previous.text!r} (handle {previous.handle}) and "
                                          f"{label.text!r} (handle {label.handle})",
                                    expected=N_("one label per building, parcel or facility")))
            continue
        # A later source wins (PLAN-FORMAT.md): block attributes over text.
        attrs[j].update(fields)
        label_of[j] = label
    rooms = _rooms_in_buildings(p, polygons, attrs, label_of, problems)
    # After the rooms: a station noted in a shop building's label is still the plan's.
    if other_buildings:
        polygons, attrs = _without_other_buildings(p, polygons, attrs, other_buildings,
                                                   problems)
    for plan_layer in ("parcels", "buildings", "facilities", "streets"):
        if plan_layer == "streets":
            members = [(s, {}) for s in shapes if s.layer == "streets"]
        else:
            members = [(s, attrs[k]) for k, s in enumerate(polygons) if s.layer == plan_layer]
        if plan_layer == "facilities":
            members += rooms
        rows = []
        for shape, a in members:
            row = {**a, "_row": f"handle {shape.handle}"}
            if plan_layer in ("parcels", "facilities") and not row.get("id"):
                row["id"] = f"H{shape.handle}"  # no label names it: the drawing's own handle
            rows.append(row)
        if rows:
            geoms_out = np.array([s.geometry for s, _ in members], dtype=object)
            if factor != 1.0:
                geoms_out = shapely.transform(geoms_out, lambda xy: xy * factor)
            frames[plan_layer] = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms_out)
    return frames, problems
