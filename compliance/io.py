"""Reading plans and writing results: the only module that touches files.

A plan is a GeoJSON FeatureCollection whose features say their `layer`, a GeoPackage with
the layers by name, or a folder with one file per layer. Reading returns the layers as they
are, in their own CRS; validation and projection happen elsewhere.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Iterable

import geopandas as gpd
import pandas as pd

from ._i18n import N_
from ._errors import OutputError, PlanError, Problem
from .vocabulary import (FIELD_ALIASES, LAYER_FIELDS, LAYERS, PROJECT_FACILITY_FIELDS, SINGULAR,
                         is_housing_layer, layer_by_words, layer_fields)

_VECTOR_SUFFIXES = (".geojson", ".json", ".shp", ".gpkg", ".parquet", ".fgb", ".geoparquet",
                    ".gml", ".kml", ".kmz", ".csv")
# Google Earth's and 奥维's files: a KMZ is a zipped KML.
_KML_SUFFIXES = (".kml", ".kmz")
# What LIBKML adds to a placemark's name and description: its styling and time.
_KML_COLUMNS = ("timestamp", "begin", "end", "altitudeMode", "tessellate", "extrude",
                "visibility", "drawOrder", "icon", "snippet")


@dataclass
class RawPlan:
    source: str
    layers: dict[str, gpd.GeoDataFrame]
    files: dict[str, str]
    fingerprint: str
    problems: list[Problem] = field(default_factory=list)
    # Layers whose CRS was not declared in the file (a Shapefile without .prj, …).
    undeclared_crs: set[str] = field(default_factory=set)
    # GeoJSON layers without a `crs` member: WGS 84 by RFC 7946 when their coordinates are
    # degrees; otherwise as undeclared (files in the wild hold projected metres too).
    implied_wgs84: set[str] = field(default_factory=set)
    # A table of projects has no geometry, and needs none.
    geometry_optional: bool = False
    # Layers left in their file, read batch by batch when the plan is built (LayerStream).
    streams: dict[str, "LayerStream"] = field(default_factory=dict)

    @property
    def layer_names(self) -> list[str]:
        return [name for name in LAYERS if name in self.layers or name in self.streams]

    def chunks(self, layer: str, rows: int | None = None) -> Iterable[gpd.GeoDataFrame]:
        """A layer in batches of at most `rows` features, in file order, each with its
        features' `_row` labels: from its file where it is streamed, else slices of the frame."""
        rows = rows or STREAM_ROWS
        if layer in self.streams:
            yield from self.streams[layer].chunks(rows)
            return
        frame = self.layers[layer]
        for start in range(0, max(len(frame), 1), rows):
            part = frame.iloc[start:start + rows]
            if "_row" not in part:  # a layer made in memory: its rows counted from the first
                part = part.assign(_row=[f"#{start + i + 1}" for i in range(len(part))])
            yield part

    def materialise(self) -> None:
        """Read the streamed layers whole (for what needs a layer at once: a joined table,
        web-map coordinates)."""
        for name, stream in self.streams.items():
            self.layers[name] = stream.read()
        self.streams = {}


# A district's buildings number twenty to a parcel, a country's tens of millions. Their layer is
# read from a GeoPackage, GeoParquet or FlatGeobuf in batches of this many features; each batch
# is validated, projected and reduced to points and compact outlines before the next is read
# (plan.build_plan), so the buildings never all stand in memory as shapely polygons.
STREAM_ROWS = 50_000
STREAMED_LAYERS = ("buildings",)


class LayerStream:
    """A layer left in its file until the plan is built, then read in batches: through GDAL's
    Arrow stream (GeoPackage, FlatGeobuf), or pyarrow's for GeoParquet."""

    def __init__(self, path: Path, layer: str | None, plan_layer: str, crs: str,
                 columns: list[str] | None, parts: list["_Part"] | None = None,
                 own: frozenset = frozenset()):
        self.path, self.layer, self.plan_layer = path, layer, plan_layer
        self.crs, self.columns = crs, columns
        self.own = own  # the file's own field names `--fields` maps, kept on a wide layer
        # A dataset folder's GeoParquet files (io._dataset_parts), read one after another.
        self.parts = parts
        # The file's own field names → the format's (`--fields`), applied to every batch.
        self.renames: dict[str, str] = {}


    def fields(self) -> list[str]:
        """The layer's field names as its file spells them (the first part's, for a folder)."""
        path = self.parts[0].path if self.parts else self.path
        if _is_parquet(path):
            return _geoparquet_layout(path)[1]
        import pyogrio

        return list(pyogrio.read_info(path, **({"layer": self.layer} if self.layer else {}))
                    ["fields"])

    def _kwargs(self) -> dict:
        kwargs = {"layer": self.layer} if self.layer else {}
        if self.columns is not None:
            kwargs["columns"] = self.columns
        return kwargs

    def chunks(self, rows: int) -> Iterable[gpd.GeoDataFrame]:
        empty = True
        if self.parts is None:
            batches = (self._parquet_batches(self.path, self.columns, self.crs, rows)
                       if _is_parquet(self.path) else self._ogr_batches(rows))
            for gdf in self._labelled(batches, self.path, ""):
                empty = False
                yield _renamed(gdf, self.renames)
        else:
            import pyproj

            layer_crs = pyproj.CRS.from_user_input(self.crs)
            for part in self.parts:
                batches = self._parquet_batches(part.path, part.columns, part.crs, rows)
                reproject = pyproj.CRS.from_user_input(part.crs) != layer_crs
                for gdf in self._labelled(batches, part.path, f"{part.name} "):
                    empty = False
                    gdf = _renamed(gdf, self.renames)
                    yield gdf.to_crs(layer_crs) if reproject else gdf
        if empty:
            yield _empty_layer(self.crs)

    def _labelled(self, batches, path: Path, prefix: str):
        """Each feature labelled by its row in its file (prefixed by the part's name in a
        dataset folder); a file broken part-way is an error that names that row."""
        offset = 0
        try:
            for gdf in batches:
                gdf["_row"] = [f"{prefix}#{offset + i + 1}" for i in range(len(gdf))]
                offset += len(gdf)
                yield gdf
        except PlanError:
            raise
        except Exception as exc:  # noqa: BLE001 - a file broken part-way
            raise PlanError(Problem(str(path), N_("cannot read the layer file"),
                                    found=str(exc),
                                    layer=self.plan_layer,
                                    feature=f"#{offset + 1}")) from None

    def _ogr_batches(self, rows: int):
        import pyarrow as pa
        import pyogrio
        import shapely

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pyogrio.open_arrow(self.path, batch_size=rows, use_pyarrow=True,
                                    **self._kwargs()) as (meta, reader):
                name = meta["geometry_name"] or "wkb_geometry"
                for batch in reader:
                    # As pyogrio.read_dataframe converts a whole layer read through Arrow.
                    frame = pa.Table.from_batches([batch]).to_pandas(self_destruct=True)
                    geoms = shapely.from_wkb(frame.pop(name).to_numpy())
                    yield gpd.GeoDataFrame(frame, geometry=geoms, crs=self.crs)

    @staticmethod
    def _parquet_batches(path: Path, columns: list[str] | None, crs: str, rows: int):
        import pyarrow as pa
        import pyarrow.parquet as pq
        import shapely

        source = pq.ParquetFile(path)
        name = _geoparquet_meta(source)["primary_column"]
        columns = None if columns is None else [*columns, name]
        for batch in source.iter_batches(batch_size=rows, columns=columns):
            # As geopandas.read_parquet converts a whole file (WKB encoding).
            frame = pa.Table.from_batches([batch]).to_pandas()
            geoms = shapely.from_wkb(frame.pop(name).to_numpy())
            yield gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)

    def read(self) -> gpd.GeoDataFrame:
        if self.parts is not None:
            gdf = _read_parts(self.parts, self.crs, self.plan_layer, self.own)
        else:
            gdf = _read_frame(self.path, self.layer, plan_layer=self.plan_layer, own=self.own)
            gdf["_row"] = [f"#{i + 1}" for i in range(len(gdf))]
        return _renamed(gdf, self.renames)


def _empty_layer(crs) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"_row": []}, geometry=gpd.GeoSeries([], crs=crs))


def _stream(path: Path, layer: str | None, plan_layer: str,
            own: frozenset = frozenset()) -> LayerStream | None:
    """A stream of the layer where it is worth one and safe: a buildings layer, in a format
    whose text is UTF-8 by definition, read through Arrow, with its CRS declared."""
    if plan_layer not in STREAMED_LAYERS or not _HAS_ARROW \
            or path.suffix.lower() not in _ARROW_SUFFIXES:
        return None
    try:
        if _is_parquet(path):
            crs, fields, wkb = _geoparquet_layout(path)
            if not wkb:
                return None
        else:
            import pyogrio

            info = pyogrio.read_info(path, **({"layer": layer} if layer else {}))
            crs, fields = info.get("crs"), list(info["fields"])
    except Exception:  # noqa: BLE001 - read whole, where its error is reported
        return None
    if not crs:
        return None
    return LayerStream(path, layer, plan_layer, crs, _known_columns(fields, plan_layer, own),
                       own=own)


@dataclass
class _Part:
    """One GeoParquet file of a layer's dataset folder."""
    path: Path
    name: str  # its path inside the folder, as a message names it
    crs: str | None
    columns: list[str] | None  # as _known_columns
    wkb: bool  # its geometry WKB-encoded: it can be streamed


def _natural_key(path: Path) -> list:
    """part.2 before part.10, as a person (and Dask's part.N names) would order them."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.as_posix())]


def _dataset_parts(folder: Path, plan_layer: str, own: frozenset = frozenset()) -> list[_Part]:
    """A layer held as a folder of GeoParquet files (a partitioned dataset, as Dask, Spark,
    DuckDB or Overture Maps write one; Hive subfolders like `province=hubei/` included), in
    natural order. A file that is not GeoParquet is an error that names it."""
    files = sorted((f for f in folder.rglob("*") if f.is_file() and _is_parquet(f)
                    and not any(s.startswith((".", "_")) for s in f.relative_to(folder).parts)),
                   key=lambda f: _natural_key(f.relative_to(folder)))
    if not files:
        raise PlanError(Problem(str(folder), N_("the layer's folder holds no GeoParquet files"),
                                layer=plan_layer,
                                expected=N_("a folder of .parquet files (a partitioned "
                                            "dataset), or one file per layer")))
    parts = []
    for f in files:
        try:
            crs, fields, wkb = _geoparquet_layout(f)
        except Exception as exc:  # noqa: BLE001 - not Parquet, or no GeoParquet metadata
            raise PlanError(Problem(str(f), N_("cannot read the layer file"), found=str(exc),
                                    layer=plan_layer,
                                    expected=N_("a GeoParquet file"))) from None
        parts.append(_Part(f, f.relative_to(folder).as_posix(), crs,
                           _known_columns(fields, plan_layer, own), wkb))
    return parts


def _parts_crs(parts: list[_Part], plan_layer: str) -> str | None:
    """The CRS a dataset's layer is read in: its first part's (the others are reprojected to
    it), or None when no part declares one. Some parts declaring one and others none cannot
    be told apart from a mistake: that is an error naming the first part without."""
    declared = [p for p in parts if p.crs is not None]
    if declared and len(declared) < len(parts):
        missing = next(p for p in parts if p.crs is None)
        raise PlanError(Problem(str(missing.path), N_("the part declares no CRS while the "
                                                      "layer's other parts do"),
                                layer=plan_layer, found=missing.name,
                                expected=N_("every part of a layer with its CRS")))
    return declared[0].crs if declared else None


def _dataset_layer(folder: Path, plan_layer: str,
                   own: frozenset = frozenset()) -> "LayerStream | gpd.GeoDataFrame":
    """A layer held as a dataset folder: a stream of its parts where the layer is streamed
    and every part can be (a declared CRS, WKB), else the layer read whole."""
    parts = _dataset_parts(folder, plan_layer, own)
    crs = _parts_crs(parts, plan_layer)
    if plan_layer in STREAMED_LAYERS and crs is not None and all(p.wkb for p in parts):
        return LayerStream(folder, None, plan_layer, crs, None, parts=parts, own=own)
    return _read_parts(parts, crs, plan_layer, own)


def _read_parts(parts: list[_Part], crs: str | None, plan_layer: str,
                own: frozenset = frozenset()) -> gpd.GeoDataFrame:
    """A dataset folder's layer read whole: its parts, each reprojected to `crs` (the first
    part's), one after another; each feature labelled by its part and row."""
    frames = []
    for part in parts:
        try:
            gdf = _read_geoparquet(part.path, plan_layer, own)
        except Exception as exc:  # noqa: BLE001
            raise PlanError(Problem(str(part.path), N_("cannot read the layer file"),
                                    found=str(exc), layer=plan_layer)) from None
        if crs is not None and gdf.crs != crs:
            gdf = gdf.to_crs(crs)
        gdf["_row"] = [f"{part.name} #{i + 1}" for i in range(len(gdf))]
        frames.append(gdf)
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=frames[0].crs)


def _is_parquet(path: Path) -> bool:
    return path.suffix.lower() in (".parquet", ".geoparquet")


def _geoparquet_meta(source) -> dict:
    return json.loads(source.schema_arrow.metadata[b"geo"])


def _geoparquet_layout(path: Path) -> tuple[str | None, list[str], bool]:
    """A GeoParquet file's CRS (None: unknown), its fields but the geometry, and whether its
    geometry is WKB, which it can be streamed in (GeoArrow encodings are read whole, by
    geopandas)."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)
    meta = _geoparquet_meta(source)
    name = meta["primary_column"]
    column = meta["columns"][name]
    # GeoParquet: no "crs" key means OGC:CRS84; null means unknown.
    crs = column["crs"] if "crs" in column else "OGC:CRS84"
    if isinstance(crs, dict):
        import pyproj

        crs = pyproj.CRS.from_json_dict(crs).to_wkt()
    return (crs, [f for f in source.schema_arrow.names if f != name],
            column.get("encoding", "WKB").upper() == "WKB")


def fingerprint(path: Path) -> str:
    """SHA-256 of the file, or of a folder's files in name order, to tie a report to its input."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        if path.is_dir():
            digest.update(f.relative_to(path).as_posix().encode() + b"\0")
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


PLAN_SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".kmz", ".dxf", ".dwg", ".xlsx", ".xlsm",
                 ".xls", ".ods", ".csv", ".tsv", ".txt", ".zip")

# What the table reader takes (a WPS .et among them, to be refused with the way out).
_TABLE_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".et", ".csv", ".tsv", ".txt")


def is_zip_plan(path: str | os.PathLike) -> bool:
    """Whether the plan is a ZIP (as mailed: a folder of layer files, a shapefile set, one
    GeoPackage, DXF or GeoJSON with perhaps its table), which `unpacked_zip` opens."""
    p = Path(path)
    return p.suffix.lower() == ".zip" and p.is_file()


@contextlib.contextmanager
def unpacked_zip(path: str | os.PathLike):
    """A ZIP of a plan unpacked into a temporary folder that is removed afterwards, its
    members checked as the review desk checks an upload's. Yields what it holds
    (uploads.Unpacked: the plan, a table mailed with it, its field map) and a function that
    says the problems found in the unpacked files as the ZIP's members: plan.zip/parcels.shp."""
    from dataclasses import replace

    from . import uploads

    zip_path = Path(path)
    with tempfile.TemporaryDirectory(prefix="compliance-zip-") as tmp:
        folder = Path(tmp) / "plan"
        unpacked = uploads.unpack(zip_path, folder, shutil.disk_usage(tmp).free,
                                  shown=str(zip_path))
        prefix, shown_as = str(folder), str(zip_path)

        def shown(problems: list[Problem]) -> list[Problem]:
            return [replace(q, **{k: getattr(q, k).replace(prefix, shown_as)
                                  for k in ("file", "found", "expected")
                                  if getattr(q, k) and prefix in getattr(q, k)})
                    for q in problems]

        yield unpacked, shown


def read_plan(path: str | os.PathLike, *, table: str | os.PathLike | None = None,
              cad_layers: str | os.PathLike | None = None,
              cad_units: str | None = None, plan_map: PlanMap | None = None) -> RawPlan:
    """Read a plan as it is held: GeoJSON, GeoPackage, a folder of layer files, a DXF site
    plan, or a table of projects; with `table`, a table's rows joined to its features; with
    `plan_map`, the file's own layer and field names for the format's."""
    p = Path(path)
    if not p.exists():
        raise PlanError(Problem(str(p), N_("file not found"),
                                expected=N_("a .geojson, .gpkg, .dxf, .xlsx or a folder of layer "
                                         "files")))
    if p.is_dir():
        raw = _read_folder(p, plan_map)
    elif p.stat().st_size == 0:
        raise PlanError(Problem(str(p), N_("the file is empty"),
                                expected=N_("a GeoJSON FeatureCollection or a GeoPackage")))
    elif p.suffix.lower() in (".geojson", ".json"):
        raw = _read_geojson(p, plan_map)
    elif p.suffix.lower() in (".gpkg", *_KML_SUFFIXES):
        raw = _read_layers(p, plan_map)
    elif p.suffix.lower() in (".dxf", ".dwg"):
        raw = _read_dxf(p, cad_layers, cad_units, plan_map)
    elif p.suffix.lower() in _TABLE_SUFFIXES:
        from . import table as _table

        tables, notes = _table.read_table(p, plan_map.own_names() if plan_map else None)
        frames, located = _table.projects(_name_table_fields(tables, plan_map), str(p))
        raw = RawPlan(str(p), frames, {k: str(p) for k in frames}, fingerprint(p),
                      notes + located,
                      implied_wgs84=set(frames), geometry_optional=True)
    elif p.suffix.lower() in (".rar", ".7z"):
        from .uploads import archive_refused

        raise PlanError(archive_refused(str(p)))
    elif p.suffix.lower() in _VECTOR_SUFFIXES + (".dbf", ".shx", ".prj", ".cpg"):
        # parcels.shp: one layer of a plan, which is the folder holding it and the others.
        raise PlanError(Problem(str(p), N_("a layer file is one layer of a plan: the plan is "
                                           "the folder that holds its layer files"),
                                found=p.name, expected=f"{p.parent}{os.sep}"))
    else:
        # The suffixes are the same in every language; the words around them are the
        # catalogue's.
        raise PlanError(Problem(str(p), N_("not a plan file, nor a folder of layer files"),
                                found=p.suffix or "—", expected=", ".join(PLAN_SUFFIXES)))
    # A table's headers and a drawing's attribute tags are named as they are read: a
    # drawing's labels and attributes fill the same fields, neither giving way to the other.
    if p.suffix.lower() not in _TABLE_SUFFIXES + (".dxf", ".dwg"):
        _name_fields(raw, plan_map)
    if table is not None:
        from . import table as _table

        t = Path(table)
        if not t.exists():
            raise PlanError(Problem(str(t), N_("file not found"), expected=N_("an .xlsx or .csv table")))
        raw.materialise()
        tables, notes = _table.read_table(t, plan_map.own_names() if plan_map else None)
        raw.layers, problems = _table.join(raw.layers, _name_table_fields(tables, plan_map),
                                           str(t))
        raw.problems += notes + problems
        raw.fingerprint = combined_fingerprint(raw.fingerprint, fingerprint(t))
    if p.suffix.lower() == ".dxf":
        from . import cad

        cad.parcel_households(raw.layers)
    if "parcels" not in raw.layers or raw.layers["parcels"].empty:
        # What was wrong with the features that could not be read comes first.
        raise PlanError([q for q in raw.problems if q.level == "error"] + [Problem(
            str(p), N_("the plan has no parcels"), layer="parcels",
                                expected=N_("a 'parcels' layer (GeoJSON: features with "
                                         "\"layer\": \"parcel\") with at least one feature"))])
    return raw


@dataclass(frozen=True)
class PlanMap:
    """`--fields FILE.yaml`: which of a file's layers is which plan layer, and the file's own
    field names for the format's (PLAN-FORMAT.md, "Layer and field names")."""

    layers: dict[str, str] = field(default_factory=dict)  # plan layer → the file's layer
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # → {its name: format's}
    # Fields of the file's own read as they are, not renamed: the parcels' place field of a
    # batch by place (`--place-field`), kept however many fields a layer has.
    kept: dict[str, frozenset] = field(default_factory=dict)

    def renames(self, layer: str, columns) -> dict[str, str]:
        """The layer's renames, keyed as `columns` spell the file's names: the user's DKBH
        and the file's dkbh are one field."""
        spelt = {str(c).lower(): c for c in columns}
        return {spelt.get(own.lower(), own): target
                for own, target in self.fields.get(layer, {}).items()}

    def own_of(self, layer: str) -> frozenset:
        """The file's own field names the map names or keeps for `layer`, in lower case."""
        return frozenset(n.lower() for n in self.fields.get(layer, {})) | \
            self.kept.get(layer, frozenset())

    def own_names(self) -> dict[str, frozenset]:
        """Per plan layer, the file's own field names the map names or keeps, in lower case
        (a table's columns read as such, never said to be left unread)."""
        return {layer: self.own_of(layer) for layer in {**self.fields, **self.kept}}


def _renamed(frame, renames: dict[str, str]):
    """`frame` with the file's own field names (`--fields`) renamed to the format's; a field
    of the format's name that the file has too gives way to the mapped one."""
    if not renames:
        return frame
    replaced = [t for own, t in renames.items() if own in frame.columns and t in frame.columns
                and t != own]
    return frame.drop(columns=replaced).rename(columns=renames)


_ONE = {plural: one for one, plural in SINGULAR.items()}  # parcels → parcel
_MAP_EXAMPLE = "parcels:\n  layer: 规划地块\n  fields: {DKBH: id, ZHS: households_new}"


def read_plan_map(path: str | os.PathLike) -> PlanMap:
    """Read and check `--fields FILE.yaml`."""
    import yaml

    p = Path(path)

    def refuse(message, **where):
        raise PlanError(Problem(str(p), message, expected=_MAP_EXAMPLE, **where))

    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(Problem(str(p), N_("cannot read the layer and field map"),
                                found=str(exc), expected=_MAP_EXAMPLE)) from None
    if not isinstance(data, dict) or not data:
        refuse(N_("the map is a mapping of plan layer to its layer and fields"))
    layers, fields = {}, {}
    for key, entry in data.items():
        if key not in LAYERS:
            raise PlanError(Problem(str(p), N_("unknown plan layer"), field=str(key),
                                    expected=", ".join(LAYERS)))
        if isinstance(entry, str):
            entry = {"layer": entry}
        if not isinstance(entry, dict) or not set(entry) <= {"layer", "fields"}:
            refuse(N_("a plan layer maps to 'layer' and 'fields'"), layer=key,
                   found=repr(entry))
        if "layer" in entry:
            if not isinstance(entry["layer"], str) or not entry["layer"].strip():
                refuse(N_("'layer' is the name of a layer of the file"), layer=key,
                       found=repr(entry["layer"]))
            layers[key] = entry["layer"].strip()
        names = entry.get("fields") or {}
        if not isinstance(names, dict):
            refuse(N_("'fields' maps the file's field names to the format's"), layer=key,
                   found=repr(names))
        allowed = [*LAYER_FIELDS[key], *(PROJECT_FACILITY_FIELDS if key == "parcels" else ())]
        aliases = FIELD_ALIASES.get(key, {})
        renames = {}
        for own, target in names.items():
            target = aliases.get(str(target), str(target))
            if target not in allowed:
                raise PlanError(Problem(str(p), N_("not a field of this plan layer"), layer=key,
                                        field=str(own), found=repr(target),
                                        expected=", ".join(allowed)))
            renames[str(own)] = target
        if len(set(renames.values())) < len(renames):
            refuse(N_("two of the file's fields are mapped to one field"), layer=key,
                   found=repr(names))
        fields[key] = renames
    return PlanMap(layers, fields)


def _pick_layers(available: list[str], plan_map: PlanMap | None, file: str,
                 problems: list[Problem],
                 fields_of: Callable[[str], list[str]] | None = None) -> dict[str, str]:
    """Which of a file's layers (or a folder's file names) is each plan layer: the one the
    map names, else the one named as the format names it, else the one whose name says it
    by its words (规划地块, 养老设施, 住宅楼栋, 道路中心线), said in a warning. Two layers
    that could be one plan layer are an error: which one is the plan cannot be guessed,
    but for housing (住宅楼栋) beside layers of other buildings (商业建筑) that have no field
    of households (`fields_of`: a layer's field names), as a drawing's are left out."""
    plan_map = plan_map or PlanMap()
    chosen: dict[str, str] = {}
    for layer in LAYERS:
        if layer in plan_map.layers:
            name = plan_map.layers[layer]
            if name not in available:
                raise PlanError(Problem(file, N_("the map names a layer the file does not have"),
                                        layer=layer, found=name,
                                        expected=", ".join(available) or "—"))
            chosen[layer] = name
        else:
            exact = [a for a in available if a.lower() in (layer, _ONE[layer])]
            if exact:
                chosen[layer] = exact[0]
    taken = set(chosen.values())
    by_words: dict[str, list[str]] = {}
    for name in available:
        plan_layer = layer_by_words(name) if name not in taken else None
        if plan_layer is not None and plan_layer not in chosen:
            by_words.setdefault(plan_layer, []).append(name)
    for plan_layer, names in by_words.items():
        if plan_layer == "buildings" and len(names) > 1 and fields_of is not None:
            names = _housing_among(names, plan_map, file, problems, fields_of)
        if len(names) > 1:
            raise PlanError(Problem(file, N_("several layers could be this plan layer: which "
                                    "one is the plan cannot be guessed"), layer=plan_layer,
                                    found=", ".join(names),
                                    expected=N_("the one to read named in --fields")))
        chosen[plan_layer] = names[0]
        problems.append(Problem(file, N_("a layer read as this plan layer by the words of its "
                                         "name"), layer=plan_layer, found=names[0],
                                level="warning",
                                expected=N_("another layer named in --fields, if not this one")))
    return chosen


def _housing_among(names: list[str], plan_map: PlanMap, file: str, problems: list[Problem],
                   fields_of: Callable[[str], list[str]]) -> list[str]:
    """Of several layers that could be the buildings, the one housing layer (住宅楼栋) where
    none of the others has a field of households: those draw shops, schools or buildings to
    be pulled down, which hold no homes to count or to reach. Where another has such a field
    (现状建筑 with existing homes), all are kept, and which to read is not guessed."""
    housing = [n for n in names if is_housing_layer(n)]
    if len(housing) != 1:
        return names
    mapped = {own.lower() for own, target in plan_map.fields.get("buildings", {}).items()
              if target == "households"}
    aliases = {own for own, target in FIELD_ALIASES["buildings"].items()
               if target == "households"}
    others = [n for n in names if n != housing[0]]
    for name in others:
        own = [str(f).strip() for f in fields_of(name)]
        if any(f.lower() in ("households", *mapped) or f in aliases for f in own):
            return names
    problems.append(Problem(file, N_("layers of other buildings left unread: they have no "
                                     "field of households"), layer="buildings",
                            found=", ".join(others), level="warning",
                            expected=N_("the layer to read named in --fields, if not the "
                                        "housing layer")))
    return housing


def _field_names(path: Path) -> list[str]:
    """A layer file's field names; where they cannot be read, one of households, so that a
    layer beside the housing is never left out unseen."""
    import pyogrio

    try:
        return list(pyogrio.read_info(path)["fields"])
    except Exception:  # noqa: BLE001 - said when the layer is read, if it is
        return ["households"]


def _name_fields(raw: "RawPlan", plan_map: PlanMap | None) -> None:
    """The file's own field names (`--fields`) renamed to the format's, in every layer and
    stream; a mapped name the layer lacks is said."""
    if plan_map is None:
        return
    for layer in plan_map.fields:
        if layer in raw.streams:
            stream = raw.streams[layer]
            stream.renames = plan_map.renames(layer, stream.fields())
            continue
        if layer not in raw.layers:
            continue
        gdf = raw.layers[layer]
        renames = plan_map.renames(layer, gdf.columns)
        absent = [own for own in renames if own not in gdf.columns]
        if absent:
            raw.problems.append(Problem(
                raw.files.get(layer, raw.source), N_("the map names a field the layer does "
                                                     "not have"),
                layer=layer, field=", ".join(absent),
                found=", ".join(str(c) for c in gdf.columns if c not in ("geometry", "_row"))
                or "—", level="warning"))
        raw.layers[layer] = _renamed(gdf, renames)


def _name_table_fields(tables: dict, plan_map: PlanMap | None) -> dict:
    """A table's own headers renamed to the format's (`--fields`), sheet by sheet."""
    if plan_map is None:
        return tables
    return {layer: _renamed(frame, plan_map.renames(layer, frame.columns))
            for layer, frame in tables.items()}


# A layer with more fields than any plan holds keeps only the fields the format knows, so that
# memory stays bounded by the data (a file may invent a property name for every feature).
_MANY_FIELDS = 200


def _known_columns(fields: list[str], plan_layer: str,
                   own: frozenset = frozenset()) -> list[str] | None:
    """The fields to read of a layer: all (None), or only those the format knows, or `--fields`
    maps (`own`, lower case), when the layer has more than _MANY_FIELDS."""
    if len(fields) <= _MANY_FIELDS:
        return None
    known = layer_fields(plan_layer) | own
    return [f for f in fields if f.strip().lower() in known]


def read_meta(path: str | os.PathLike | None, plan_path: str | os.PathLike | None = None):
    """Report metadata: `--meta FILE` (YAML or JSON), else a `meta.yaml` beside a folder
    plan's layers. Returns {} when there is none."""
    import yaml

    from . import _validate

    if path is None and plan_path is not None and is_zip_plan(plan_path):
        return _zipped_meta(Path(plan_path))
    if path is None and plan_path is not None and Path(plan_path).is_dir():
        for name in ("meta.yaml", "meta.yml", "meta.json"):
            if (Path(plan_path) / name).exists():
                path = Path(plan_path) / name
                break
    if path is None:
        return {}
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(Problem(str(p), N_("cannot read the report metadata"), found=str(exc),
                                expected=N_("YAML or JSON: project: …, report_no: …"))) from None
    return _validate.report_meta(data, str(p))


def _zipped_meta(zip_path: Path) -> dict:
    """The report metadata a ZIP of a folder carries, as the folder would: its `meta.yaml`
    (or .yml, .json) wherever it stands in the ZIP."""
    import zipfile

    import yaml

    from . import _validate
    from .uploads import member_name

    try:
        with zipfile.ZipFile(zip_path) as z:
            members = {PurePosixPath(member_name(m).replace("\\", "/")).name: m
                       for m in z.infolist() if not m.is_dir() and "__MACOSX" not in m.filename}
            found = next((members[n] for n in ("meta.yaml", "meta.yml", "meta.json")
                          if n in members), None)
            if found is None or found.file_size > 1 << 20:
                return {}
            data = z.read(found)
    except (OSError, zipfile.BadZipFile):
        return {}  # the plan's reading says what is wrong with the ZIP
    where = f"{zip_path}/{member_name(found)}"
    try:
        data = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(Problem(where, N_("cannot read the report metadata"), found=str(exc),
                                expected=N_("YAML or JSON: project: …, report_no: …"))) from None
    return _validate.report_meta(data, where)


def combined_fingerprint(*digests: str) -> str:
    """One SHA-256 for a plan read from several files (a drawing and its table)."""
    return hashlib.sha256("".join(digests).encode()).hexdigest()


def _read_dxf(p: Path, cad_layers, cad_units, plan_map: PlanMap | None = None) -> RawPlan:
    from . import cad

    mapping = None
    if cad_layers is not None:
        mapping = _read_cad_layers(Path(cad_layers))
    frames, problems = cad.read_dxf(p, layers=mapping, units=cad_units,
                                    tags=plan_map.fields if plan_map else None)
    return RawPlan(str(p), frames, {k: str(p) for k in frames}, fingerprint(p), problems,
                   undeclared_crs=set(frames))


def _read_cad_layers(path: Path) -> dict[str, tuple[str, ...]]:
    """`--cad-layers FILE.yaml`: plan layer → DXF layer names (substrings)."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PlanError(Problem(str(path), N_("cannot read the layer map"), found=str(exc),
                                expected=N_("parcels: [名称…], buildings: […], …"))) from None
    if not isinstance(data, dict) or not data:
        raise PlanError(Problem(str(path), N_("the layer map is a mapping of plan layer to names"),
                                expected=N_("parcels: [ZD-红线]\nbuildings: [JZ-住宅]")))
    out = {}
    for key, names in data.items():
        if key not in LAYERS:
            raise PlanError(Problem(str(path), N_("unknown plan layer"), field=str(key),
                                    expected=", ".join(LAYERS)))
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise PlanError(Problem(str(path), N_("a list of DXF layer names"), field=str(key),
                                    found=repr(names)))
        out[key] = tuple(names)
    return out


def _read_frame(path: Path, layer: str | None = None, encoding: str | None = None,
                plan_layer: str | None = None, own: frozenset = frozenset()):
    if _is_parquet(Path(path)):
        return _read_geoparquet(Path(path), plan_layer, own)
    kwargs = {"layer": layer} if layer else {}
    if encoding:
        kwargs["encoding"] = encoding
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if plan_layer:
            import pyogrio  # here: a check from figures alone reads no file

            columns = _known_columns(list(pyogrio.read_info(path, **kwargs)["fields"]),
                                     plan_layer, own)
            if columns is not None:
                kwargs["columns"] = columns
        if not encoding and _HAS_ARROW and Path(path).suffix.lower() in _ARROW_SUFFIXES:
            # GDAL's Arrow stream: the same frame, read 2.5× faster (1,000,000 buildings:
            # 1.8 s against 4.5 s). Formats whose text is UTF-8 by definition only: a
            # Shapefile's DBF may be GBK without saying so, and is read the older way.
            kwargs["use_arrow"] = True
        return gpd.read_file(path, engine="pyogrio", **kwargs)


def _read_geoparquet(path: Path, plan_layer: str | None,
                     own: frozenset = frozenset()) -> gpd.GeoDataFrame:
    """GeoParquet through pyarrow and geopandas: GDAL is often built without its Parquet
    driver (as on the machine this was written on)."""
    import pyarrow.parquet as pq

    source = pq.ParquetFile(path)
    name = _geoparquet_meta(source)["primary_column"]
    fields = [f for f in source.schema_arrow.names if f != name]
    columns = _known_columns(fields, plan_layer, own) if plan_layer else None
    return gpd.read_parquet(path, columns=None if columns is None else [*columns, name])


def _has_arrow() -> bool:
    try:
        import pyarrow  # noqa: F401  (pandas installs it; pyogrio reads through it)
    except ImportError:
        return False
    return True


_HAS_ARROW = _has_arrow()
_ARROW_SUFFIXES = (".gpkg", ".parquet", ".geoparquet", ".fgb")


def _declared_crs(gdf: gpd.GeoDataFrame) -> bool:
    return gdf.crs is not None


def _read_geojson(p: Path, plan_map: PlanMap | None = None) -> RawPlan:
    # Parse ourselves first: a truncated file gets a line and column, not a GDAL error.
    def refuse_constant(name):
        raise ValueError(f"{name} is not a JSON number (RFC 8259)")

    try:
        doc = json.loads(p.read_bytes().decode("utf-8-sig"), parse_constant=refuse_constant)
    except RecursionError:
        raise PlanError(Problem(str(p), N_("nested too deeply to be a plan"),
                                expected=N_("a GeoJSON FeatureCollection"))) from None
    except UnicodeDecodeError as exc:
        raise PlanError(Problem(str(p), N_("not UTF-8 text"), found=str(exc),
                                expected=N_("GeoJSON in UTF-8 (RFC 7946)"))) from None
    except json.JSONDecodeError as exc:
        raise PlanError(Problem(str(p), N_("not valid JSON"),
                                found=f"{exc.msg} (column {exc.colno})",
                                line=exc.lineno, expected=N_("a complete GeoJSON FeatureCollection"))
                        ) from None
    except ValueError as exc:  # NaN / Infinity, or an integer too long to read
        raise PlanError(Problem(str(p), N_("not valid JSON"), found=str(exc),
                                expected=N_("finite numbers, as RFC 8259 has them"))) from None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        found = doc.get("type") if isinstance(doc, dict) else type(doc).__name__
        raise PlanError(Problem(str(p), N_("not a GeoJSON FeatureCollection"), found=repr(found),
                                expected=N_('{"type": "FeatureCollection", "features": [...]}')))
    features = doc.get("features")
    if not isinstance(features, list):
        raise PlanError(Problem(str(p), N_("'features' is not a list"), field="features",
                                expected=N_("a list of Feature objects")))
    problems: list[Problem] = []
    kept = []
    # A GIS exports one layer to a file, without a "layer" property: the file's name may say
    # which (规划地块.geojson, parcels.geojson).
    any_layer = any(isinstance(f, dict) and isinstance(f.get("properties"), dict)
                    and "layer" in f["properties"] for f in features)
    whole = layer_by_words(p.stem) or SINGULAR.get(p.stem.lower()) or \
        (p.stem.lower() if p.stem.lower() in LAYERS else None)
    whole = None if any_layer else whole
    for i, feat in enumerate(features):
        if not isinstance(feat, dict):
            problems.append(Problem(str(p), N_("a feature must be a JSON object"),
                                    feature=f"#{i + 1}", found=type(feat).__name__,
                                    expected=N_('{"type": "Feature", "properties": {…}, …}')))
            continue
        props = feat.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            problems.append(Problem(str(p), N_("'properties' must be a JSON object"),
                                    feature=f"#{i + 1}", field="properties",
                                    found=_short(props), expected=N_('{"layer": "parcel", …}')))
            continue
        label = props.get("id", f"#{i + 1}")
        if not isinstance(label, (str, int, float)) or isinstance(label, bool):
            label = f"#{i + 1}"
        layer = SINGULAR.get(str(props.get("layer", "")).strip().lower())
        if layer is None and "layer" not in props and whole is not None:
            layer = whole
        if layer is None:
            if "layer" not in props and not any_layer:
                continue  # said once, below
            problems.append(Problem(str(p), N_("feature has no known layer"), feature=str(label),
                                    field="layer", found=repr(props.get("layer")),
                                    expected=N_("parcel, facility, building or street")))
            continue
        kept.append((layer, i, feat))
    if whole is not None:
        problems.append(Problem(str(p), N_("no feature names its layer: the file is read as "
                                           "one layer, by the words of its name"),
                                layer=whole, found=p.name, level="warning"))
    elif not any_layer and features:
        problems.append(Problem(str(p), N_("no feature names its layer"), field="layer",
                                expected=N_("a 'layer' property (parcel, facility, building or "
                                            "street) on every feature, or one file per layer "
                                            "in a folder: parcels.geojson, facilities.geojson…")))

    crs = "EPSG:4326"
    implied = True
    legacy = doc.get("crs")
    if isinstance(legacy, dict):
        # Pre-RFC 7946 files name their CRS; honour it rather than assume WGS 84.
        name = (legacy.get("properties") or {}).get("name")
        if name:
            crs = str(name)
            implied = False
            problems.append(Problem(str(p), N_("legacy GeoJSON 'crs' member honoured"),
                                    field="crs", found=crs, level="warning"))
    layers: dict[str, gpd.GeoDataFrame] = {}
    for layer in LAYERS:
        feats = [f for (lyr, _, f) in kept if lyr == layer]
        if not feats:
            continue
        rows = [f"#{i + 1}" for (lyr, i, _) in kept if lyr == layer]
        try:
            own = plan_map.own_of(layer) if plan_map else frozenset()
            gdf = _features_to_frame(feats, crs, layer, own)
        except Exception as exc:  # noqa: BLE001 - reported with the file and layer
            raise PlanError(Problem(str(p), N_("cannot read the layer's features"), found=str(exc),
                                    layer=layer)) from None
        gdf["_row"] = rows
        layers[layer] = gdf.drop(columns=["layer"], errors="ignore")
    return RawPlan(str(p), layers, {k: str(p) for k in layers}, fingerprint(p), problems,
                   implied_wgs84=set(layers) if implied else set())


def _short(value) -> str:
    try:
        text = repr(value)
    except ValueError:
        return type(value).__name__
    return text if len(text) <= 60 else text[:57] + "…"


def _features_to_frame(features: list, crs: str, layer: str,
                       own: set[str] = frozenset()) -> gpd.GeoDataFrame:
    import shapely.geometry

    # Only the properties the format knows (in any spelling it accepts, or the office's own
    # names that `--fields` maps, lower-cased in `own`) are kept: memory stays bounded by the
    # data, however many other property names a file invents.
    known = layer_fields(layer) | own
    geoms, props = [], []
    for feat in features:
        geom = feat.get("geometry")
        try:
            geoms.append(shapely.geometry.shape(geom) if geom else None)
        except Exception:  # noqa: BLE001 - an unreadable geometry becomes a missing one
            geoms.append(None)
        raw = feat.get("properties") or {}
        props.append({k: v for k, v in raw.items()
                      if isinstance(k, str) and k.strip().lower() in known})
    frame = pd.DataFrame(props)
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _read_layers(p: Path, plan_map: PlanMap | None = None) -> RawPlan:
    """A file of several layers: a GeoPackage, or a KML or KMZ drawn in Google Earth or 奥维
    (its folders the layers, its placemarks read by `_placemarks`). The plan's layers are
    found by name, else by their words (地块, 养老设施, 住宅楼栋)."""
    kml = p.suffix.lower() in _KML_SUFFIXES
    try:
        import pyogrio

        available = [name for name, _ in pyogrio.list_layers(p)]
    except Exception as exc:  # noqa: BLE001
        raise PlanError(Problem(str(p), N_("cannot open as a KML file") if kml else
                                N_("cannot open as a GeoPackage"), found=str(exc))) from None
    layers, problems, undeclared = {}, [], set()
    chosen = _pick_layers(available, plan_map, str(p), problems, fields_of=None if kml else
                          lambda name: pyogrio.read_info(p, layer=name)["fields"])
    if "parcels" not in chosen:
        raise PlanError(Problem(
            str(p), N_("the KML file has no folder of parcels") if kml else
            N_("the GeoPackage has no 'parcels' layer"), layer="parcels",
            found=", ".join(sorted(available)) or "no layers",
            expected=N_("a folder named parcels (or 地块, 用地红线…), or the parcels' folder "
                        "named in --fields") if kml else
            N_("a layer named parcels (or 地块, 用地红线…), or the parcels' layer named in "
               "--fields")))
    streams = {}
    document = _kml_document(p) if kml else None  # parsed once for all its folders
    for layer, name in chosen.items():
        own = plan_map.own_of(layer) if plan_map else frozenset()
        stream = _stream(p, name, layer, own)  # a GeoPackage's buildings
        if stream is not None:
            streams[layer] = stream
            continue
        gdf = _read_frame(p, name, plan_layer=layer, own=own)
        if kml:
            gdf = _placemarks(_with_extended_data(gdf, document, name), layer, str(p), problems)
        gdf["_row"] = [f"#{i + 1}" for i in range(len(gdf))]
        layers[layer] = gdf
        if not _declared_crs(gdf):
            undeclared.add(layer)
    return RawPlan(str(p), layers, {k: str(p) for k in [*layers, *streams]}, fingerprint(p),
                   problems, undeclared, streams=streams)


def _laundered(name: str) -> str:
    """A field's name as GDAL's KML reader gives an untyped <Data> field: every byte that is
    not an ASCII letter, digit or underscore made "_" (户数 → "______")."""
    return "".join(c if c.isascii() and (c.isalnum() or c == "_") else "_" * len(c.encode())
                   for c in name)


def _kml_document(p: Path):
    """The KML's XML tree (a KMZ's first .kml member); None where it cannot be parsed."""
    import xml.etree.ElementTree as ET
    import zipfile

    try:
        if p.suffix.lower() == ".kmz":
            with zipfile.ZipFile(p) as z:
                member = next((n for n in z.namelist() if n.lower().endswith(".kml")), None)
                if member is None:
                    return None
                return ET.fromstring(z.read(member))
        return ET.parse(p).getroot()
    except (ET.ParseError, OSError, zipfile.BadZipFile):
        return None


def _with_extended_data(gdf: gpd.GeoDataFrame, root, folder: str) -> gpd.GeoDataFrame:
    """A KML folder's placemarks with their untyped <Data name="户数"><value>96</value></Data>
    fields under their own names. GDAL gives such a field a name made of underscores
    wherever it is not ASCII ("户数" → "______", 新建户数 and 已建户数 both "____________",
    one column for two), so that 96 households were read as none given. SchemaData fields
    (typed, declared in a <Schema>) keep their names and are left as GDAL reads them. `root`:
    the KML's parsed document (None where it could not be parsed)."""
    if root is None:
        return gdf

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    folders = [f for f in root.iter() if local(f.tag) in ("Folder", "Document")
               and next((c.text for c in f if local(c.tag) == "name"), None) == folder]
    if len(folders) != 1:  # the layer's folder cannot be told: left as GDAL read it
        return gdf
    placemarks = [c for c in folders[0] if local(c.tag) == "Placemark"]
    if len(placemarks) != len(gdf):
        return gdf
    rows = []
    for placemark in placemarks:
        row = {}
        for data in placemark.iter():
            if local(data.tag) == "Data" and data.get("name"):
                value = next((v.text for v in data if local(v.tag) == "value"), None)
                row[data.get("name").strip()] = value.strip() if isinstance(value, str) else None
        rows.append(row)
    names = list(dict.fromkeys(n for row in rows for n in row))
    renamed = [n for n in names if _laundered(n) != n]
    if not renamed:
        return gdf
    gdf = gdf.drop(columns=[c for c in {_laundered(n) for n in renamed} if c in gdf])
    for n in renamed:
        values = pd.Series([row.get(n) for row in rows], index=gdf.index, dtype=object)
        # A field some placemarks declare in a schema and others give untyped is one field.
        gdf[n] = gdf[n].astype(object).where(gdf[n].notna(), values) if n in gdf else values
    return gdf


def _balloon_text(description: str) -> str:
    """A placemark's description as the words it shows: Google Earth's and 奥维's balloons
    are often HTML ("<table><tr><td>户数</td><td>96</td></tr></table>", "<b>户数:</b> 96<br>")."""
    import html

    if "<" not in description:
        return description
    return html.unescape(re.sub(r"<[^>]*>", " ", description))


def _placemarks(gdf: gpd.GeoDataFrame, layer: str, file: str,
                problems: list[Problem]) -> gpd.GeoDataFrame:
    """A KML layer's placemarks as features: a placemark's name is its id (where it has no id
    of its own), and its description is read as a drawing's label is ("社区养老服务站 220㎡",
    "3# 96户": cad.parse_label), filling only the fields the placemark does not give
    otherwise; what was read so is said once for the layer."""
    from . import cad

    gdf = gdf.drop(columns=[c for c in _KML_COLUMNS if c in gdf])
    if "Name" in gdf:
        own = gdf["id"].astype(object).where(gdf["id"].notna(), "") if "id" in gdf else None
        if own is None or (own.astype(str).str.strip() == "").all():
            gdf = gdf.drop(columns=[c for c in ("id",) if c in gdf]).rename(columns={"Name": "id"})
    if "description" not in gdf:
        return gdf
    said = [cad.parse_label(_balloon_text(d), layer) if isinstance(d, str) else {}
            for d in gdf["description"]]
    read = set()
    for name in sorted({k for fields in said for k in fields} - {"id"}):
        values = pd.Series([fields.get(name) for fields in said], index=gdf.index, dtype=object)
        given = gdf[name].notna() if name in gdf else pd.Series(False, index=gdf.index)
        take = values.notna() & ~given
        if take.any():
            column = gdf[name].astype(object) if name in gdf else \
                pd.Series(None, index=gdf.index, dtype=object)
            gdf[name] = column.where(~take, values)
            read.add(name)
    if read:
        problems.append(Problem(file, N_("fields read from the placemarks' descriptions, as a "
                                         "drawing's labels are read"), layer=layer,
                                found=", ".join(sorted(read)), level="warning"))
    return gdf.drop(columns="description")


def _read_folder(p: Path, plan_map: PlanMap | None = None) -> RawPlan:
    layers, files, problems, undeclared, streams = {}, {}, [], set(), {}
    by_name: dict[str, list[Path]] = {}
    for f in sorted(p.iterdir()):
        if f.suffix.lower() in _VECTOR_SUFFIXES or f.is_dir():
            by_name.setdefault(f.stem if f.is_file() else f.name, []).append(f)
    chosen = _pick_layers(list(by_name), plan_map, str(p), problems,
                          fields_of=lambda name: _field_names(by_name[name][0]))
    for layer in LAYERS:
        if layer not in chosen:
            continue
        # parcels.shp and parcel.geojson are one layer twice.
        same = {layer, _ONE[layer]} if chosen[layer].lower() in (layer, _ONE[layer]) \
            else {chosen[layer].lower()}
        candidates = [f for name, fs in by_name.items() for f in fs if name.lower() in same]
        if len(candidates) > 1:
            raise PlanError(Problem(str(p), N_("two files for one layer: which one is the plan "
                                    "cannot be guessed"), layer=layer,
                                    found=", ".join(c.name for c in candidates),
                                    expected=N_("one file named {name}.*"),
                                    args=(("name", chosen[layer]),)))
        f = candidates[0]
        own = plan_map.own_of(layer) if plan_map else frozenset()
        if f.is_dir():  # a partitioned dataset: buildings/part.0.parquet, …
            read = _dataset_layer(f, layer, own)
            if isinstance(read, LayerStream):
                streams[layer] = read
            else:
                layers[layer] = read
                if not _declared_crs(read):
                    undeclared.add(layer)
            files[layer] = str(f)
            continue
        stream = _stream(f, None, layer, own)
        if stream is not None:
            streams[layer] = stream
            files[layer] = str(f)
            continue
        try:
            try:
                gdf = _read_frame(f, plan_layer=layer, own=own)
            except UnicodeDecodeError:
                # Text that is not UTF-8 although GDAL was told so: Chinese field names cut
                # mid-character at the .dbf's 10 bytes (QGIS writes UTF-8), or a .cpg saying
                # UTF-8 on a GBK file.
                cut = _utf8_names_cut(f)
                gdf = _read_utf8_cut(f, cut, layer, problems) if cut else None
                if gdf is None:
                    gdf = _read_frame(f, encoding="gb18030", plan_layer=layer, own=own)
                    problems.append(Problem(
                        str(f), N_("text is not valid UTF-8: read as GB18030"), layer=layer,
                        level="warning", expected=N_("UTF-8 text, or a .cpg naming the encoding")))
            if f.suffix.lower() == ".shp" and not (f.with_suffix(".cpg").exists()
                                                   or f.with_suffix(".CPG").exists()):
                gdf, note = _maybe_gbk(f, gdf)
                if note:
                    problems.append(note)
        except Exception as exc:  # noqa: BLE001
            raise PlanError(Problem(str(f), N_("cannot read the layer file"), found=str(exc),
                                    layer=layer)) from None
        if f.suffix.lower() in _KML_SUFFIXES:
            gdf = _placemarks(gdf, layer, str(f), problems)
        gdf["_row"] = [f"#{i + 1}" for i in range(len(gdf))]
        layers[layer] = gdf
        files[layer] = str(f)
        if not _declared_crs(gdf):
            undeclared.add(layer)
    if not layers and not streams:
        raise PlanError(Problem(str(p), N_("the folder holds no layer files"),
                                expected=N_("parcels.shp / parcels.geojson / … and facilities.*")))
    return RawPlan(str(p), layers, files, fingerprint(p), problems, undeclared, streams=streams)


# A .dbf field name holds at most this many bytes.
_DBF_NAME_BYTES = 10


def _utf8_names_cut(shp: Path) -> dict[int, bytes]:
    """The .dbf's field names that are UTF-8 cut mid-character at its 10 bytes (新建户数 is
    12 bytes: QGIS writes 新建户 and one byte of 数), each by where its descriptor stands in
    the file; {} when any name is not UTF-8 otherwise (a GBK file)."""
    dbf = _dbf_of(shp)
    if dbf is None:
        return {}
    with open(dbf, "rb") as fh:
        head = fh.read(32)
        descriptors = fh.read(max(int.from_bytes(head[8:10], "little") - 32, 0))
    cut = {}
    for start in range(0, len(descriptors) - 31, 32):
        if descriptors[start] == 0x0D:  # the header's end
            break
        raw = descriptors[start:start + 11].split(b"\0", 1)[0]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.reason != "unexpected end of data" or len(raw) < _DBF_NAME_BYTES:
                return {}
            cut[32 + start] = raw
    return cut


def _dbf_of(shp: Path) -> Path | None:
    return next((d for d in (shp.with_suffix(".dbf"), shp.with_suffix(".DBF")) if d.exists()),
                None)


def _read_utf8_cut(f: Path, cut: dict[int, bytes], layer: str,
                   problems: list[Problem]) -> gpd.GeoDataFrame | None:
    """A Shapefile in UTF-8 whose Chinese field names were cut at 10 bytes, read from a copy
    whose header drops each name's broken last character, and each cut name taken for the one
    field of the layer it begins (新建户 → 新建户数), said in a warning. None when its values
    are not UTF-8 either."""
    with tempfile.TemporaryDirectory(prefix="compliance-dbf-") as tmp:
        copy = Path(tmp) / f.name
        for part in f.parent.glob(f"{glob.escape(f.stem)}.*"):
            shutil.copyfile(part, Path(tmp) / part.name)
        dbf = _dbf_of(copy)
        with open(dbf, "r+b") as fh:
            for offset, raw in cut.items():
                fh.seek(offset)
                fh.write(raw.decode("utf-8", "ignore").encode("utf-8").ljust(11, b"\0"))
        try:
            gdf = _read_frame(copy)
        except UnicodeDecodeError:
            return None
    renamed = {}
    for raw in cut.values():
        said = raw.decode("utf-8", "ignore")
        begun = _field_begun_by(raw, layer)
        if begun and said in gdf.columns and begun not in gdf.columns:
            renamed[said] = begun
        problems.append(Problem(str(f), N_("a field name cut mid-character at the .dbf's 10 "
                                           "bytes: read as the field it begins"),
                                layer=layer, field=begun or said, found=said,
                                expected=N_("Chinese field names of at most 3 characters in "
                                            "UTF-8 (or the file in GBK)"), level="warning"))
    return gdf.rename(columns=renamed)


def _field_begun_by(cut: bytes, layer: str) -> str | None:
    """The layer's Chinese field name (of FIELD_ALIASES) whose first 10 UTF-8 bytes these are,
    when only one field's names begin so."""
    names = [name for name in FIELD_ALIASES.get(layer, {})
             if name.encode("utf-8")[:_DBF_NAME_BYTES] == cut]
    fields = {FIELD_ALIASES[layer][name] for name in names}
    return min(names, key=len) if len(fields) == 1 else None


def _maybe_gbk(f: Path, gdf: gpd.GeoDataFrame):
    """A Shapefile without .cpg from Chinese CAD/GIS exports is usually GBK, not UTF-8."""
    text = [c for c in gdf.columns if c != "geometry"
            and (gdf[c].dtype == object or pd.api.types.is_string_dtype(gdf[c]))]
    names = pd.Series([str(c) for c in gdf.columns])
    pattern = "\ufffd|[\u0080-\u00ff]{2,}"
    garbled = names.str.contains(pattern, regex=True).any() or any(
        gdf[c].astype(str).str.contains(pattern, regex=True).any() for c in text)
    if not garbled:
        return gdf, None
    retry = _read_frame(f, encoding="gbk")
    return retry, Problem(str(f), N_("no .cpg file and the text is not UTF-8: read as GBK"),
                          level="warning", found="GBK-encoded .dbf", expected=N_("a .cpg file"))


# --------------------------------------------------------------------------------------------
# Writing. A regular file is written to a temporary name beside it and renamed into place, so an
# interrupted run never leaves a truncated file that looks complete, and the temporary file is
# removed whatever stops the run. A device, FIFO or terminal is written straight to (never
# replaced by a regular file). No output may be one of the run's inputs.

_WRITE_ERRORS = {errno.ENOSPC: N_("cannot write: the disk is full"),
                 errno.EFBIG: N_("cannot write: the file is too large (a size limit is in "
                                 "force)"),
                 errno.EPIPE: N_("cannot write: the reader closed the pipe"),
                 errno.ENAMETOOLONG: N_("cannot write: the file name is too long for the file "
                                        "system"),
                 errno.EROFS: N_("cannot write: the file system is read-only"),
                 errno.EACCES: N_("cannot write: permission denied"),
                 errno.EDQUOT: N_("cannot write: the disk quota is exceeded")}


def _write_error(target, exc: OSError) -> OutputError:
    # A cause the tool knows is said in the reader's language; another in the system's words.
    if exc.errno in _WRITE_ERRORS:
        return OutputError(Problem(str(target), _WRITE_ERRORS[exc.errno]))
    return OutputError(Problem(str(target), N_("cannot write"), found=exc.strerror or str(exc)))


def ensure_folder(folder: str | os.PathLike) -> Path:
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise OutputError(Problem(str(path), N_("the output path is a file, not a folder"),
                                  expected=N_("a folder (it is created when missing)")))
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path, exc) from None
    if not os.access(path, os.W_OK):
        raise OutputError(Problem(str(path), N_("the output folder is not writable"),
                                  expected=N_("a folder you may write to (or choose another with -o)")))
    return path


def _umask_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def refuse_overwriting_inputs(output: str | os.PathLike, inputs) -> None:
    """An output that is one of the inputs (the same file, through any path or link), or
    lies inside a folder plan, is refused before anything is computed."""
    out = Path(output)
    for given in inputs:
        src = Path(given) if given else None
        if src is None or not src.exists():
            continue
        try:
            same = out.exists() and os.path.samefile(out, src)
        except OSError:
            same = False
        inside = src.is_dir() and out.resolve().is_relative_to(src.resolve())
        if same or inside:
            raise OutputError(Problem(str(out), N_("the output would overwrite an input")
                                      if same else N_("the output would be written inside "
                                                      "the plan's folder"), found=str(src),
                                      expected=N_("an output path outside the inputs")))


def _is_special(target: Path) -> bool:
    try:
        mode = os.stat(target).st_mode  # follows a symlink to what it names
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def write_atomic(path: str | os.PathLike, data: str | bytes | Iterable[str | bytes],
                 encoding: str = "utf-8") -> Path:
    """Write `data` (or its pieces, as they come) to a temporary file beside `path` and
    rename it there: a reader never sees half a file."""
    target = Path(path)
    pieces = (data,) if isinstance(data, (str, bytes)) else data

    def write_to(fh):
        for piece in pieces:
            fh.write(piece.encode(encoding) if isinstance(piece, str) else piece)

    if _is_special(target):
        try:
            with open(target, "wb") as fh:
                write_to(fh)
                fh.flush()
        except OSError as exc:
            raise _write_error(target, exc) from None
        return target
    if target.is_symlink():
        target = target.resolve()  # write what the link names, keep the link
    if target.is_dir():
        raise OutputError(Problem(str(target), N_("the output path is a folder"),
                                  expected=N_("a file name")))
    ensure_folder(target.parent if str(target.parent) else ".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".part",
                                   dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            write_to(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, target)
        tmp = None
    except OSError as exc:
        raise _write_error(target, exc) from None
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)
    return target


def write_new(path: str | os.PathLike, data: str | bytes, encoding: str = "utf-8") -> Path:
    """A new file inside a batch's folder while it is built (BatchFolder): written straight,
    without write_atomic's temporary name and fsync, for the folder is swapped in whole and
    made durable once, at its commit. A district's batch writes a page per parcel: 0.5 → 0.06
    ms a page."""
    target = Path(path)
    try:
        with open(target, "xb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
    except OSError as exc:
        raise _write_error(target, exc) from None
    return target


class _NotMade(Exception):
    """A layer that could not be made (its view failed) while the file was being written."""


def _made(pairs):
    try:
        yield from pairs
    except Exception as exc:  # noqa: BLE001 - carried past the write's own handlers
        raise _NotMade(exc) from exc


def write_gpkg_atomic(path: str | os.PathLike,
                      layers: dict[str, gpd.GeoDataFrame] | Iterable[tuple[str, gpd.GeoDataFrame]]
                      ) -> Path:
    """The layers (a dict, or (name, frame) pairs made one at a time) into one GeoPackage."""
    target = Path(path)
    if _is_special(target):
        raise OutputError(Problem(str(target), N_("a GeoPackage cannot be written to a device or "
                                  "pipe"), expected=N_("a file name ending in .gpkg")))
    if target.is_symlink():
        target = target.resolve()
    ensure_folder(target.parent if str(target.parent) else ".")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:100]}.", suffix=".gpkg",
                                   dir=target.parent)
        os.close(fd)
        os.unlink(tmp)
        for name, gdf in _made(layers.items() if isinstance(layers, dict) else layers):
            # Through Arrow where there is pyarrow: a third faster, the same layers.
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio", use_arrow=_HAS_ARROW)
            del gdf  # before the next layer is made
        os.chmod(tmp, _umask_mode())
        os.replace(tmp, target)
        tmp = None
    except _NotMade as exc:  # the view's own failure, not the file's: raised as it was
        raise exc.args[0] from None
    except OSError as exc:
        raise _write_error(target, exc) from None
    except Exception as exc:  # noqa: BLE001 - GDAL's own errors (disk full inside SQLite)
        raise OutputError(Problem(str(target), N_("cannot write the GeoPackage"),
                                  found=str(exc))) from None
    finally:
        if tmp is not None:
            for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
    return target


# --------------------------------------------------------------------------------------------
# A batch's folder: built whole beside the target, then swapped in, under a lock.

_MARKER = ".compliance-batch"


def _earlier_batch(folder: Path) -> bool:
    """A folder this tool's batch wrote: its marker, or (from versions before the marker) a
    results.json whose run names this tool."""
    if (folder / _MARKER).exists():
        return True
    try:
        with open(folder / "results.json", encoding="utf-8") as fh:
            return json.load(fh).get("run", {}).get("tool") == "compliance"
    except (OSError, ValueError, AttributeError):
        return False


class BatchFolder:
    """Build a batch's output in a new sibling folder and swap it in at the end.

    Until the swap the old output stays complete; after it, the new one is. A lock refuses a
    second batch into the same folder while one runs. A folder that holds files of the user's
    own (not an earlier batch's) is never replaced.
    """

    def __init__(self, target: str | os.PathLike):
        self.target = Path(target)
        self.parent = self.target.parent if str(self.target.parent) else Path(".")
        self.work: Path | None = None
        self._lock = None

    def __enter__(self) -> Path:
        t = self.target
        if t.exists() and not t.is_dir():
            raise OutputError(Problem(str(t), N_("the output path is a file, not a folder"),
                                      expected=N_("a folder (it is created when missing)")))
        if t.is_dir() and any(t.iterdir()) and not _earlier_batch(t):
            raise OutputError(Problem(str(t), N_("the output folder holds files that no batch "
                                      "wrote; they would be replaced"),
                                      expected=N_("an empty or new folder, or an earlier batch's")))
        ensure_folder(self.parent)
        if t.is_dir() and not os.access(t, os.W_OK):
            raise OutputError(Problem(str(t), N_("the output folder is not writable"),
                                      expected=N_("a folder you may write to")))
        lock_path = self.parent / f".{t.name}.lock"
        try:
            self._lock = open(lock_path, "a+")
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock.close()
            self._lock = None
            raise OutputError(Problem(str(t), N_("another batch is writing into this folder"),
                                      expected=N_("wait for it to finish, or choose another "
                                               "folder"))) from None
        except OSError as exc:
            raise _write_error(lock_path, exc) from None
        try:
            self.work = Path(tempfile.mkdtemp(prefix=f".{t.name}.new-", dir=self.parent))
            (self.work / _MARKER).write_text("written by compliance batch\n", encoding="utf-8")
        except OSError as exc:
            self._release()
            raise _write_error(self.parent, exc) from None
        return self.work

    def commit(self) -> None:
        """Make the finished folder durable (its pages are written without an fsync each:
        write_new), then swap it in (signals held off for the two renames)."""
        from . import _process

        _process.flush_file_system(self.work)
        blocked = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, blocked)
        try:
            os.chmod(self.work, 0o777 & ~_umask_dir())
            if self.target.exists():
                retired = Path(tempfile.mkdtemp(prefix=f".{self.target.name}.old-",
                                                dir=self.parent))
                os.rmdir(retired)
                os.rename(self.target, retired)
                os.rename(self.work, self.target)
                shutil.rmtree(retired, ignore_errors=True)
            else:
                os.rename(self.work, self.target)
            self.work = None
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _release(self) -> None:
        if self._lock is not None:
            try:
                os.unlink(self.parent / f".{self.target.name}.lock")
            except OSError:
                pass
            fcntl.flock(self._lock, fcntl.LOCK_UN)
            self._lock.close()
            self._lock = None

    def __exit__(self, *exc) -> None:
        if self.work is not None:  # not committed: the old output stays as it was
            shutil.rmtree(self.work, ignore_errors=True)
        self._release()


def _umask_dir() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
