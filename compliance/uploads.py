"""What a browser or another system uploads, made into a plan folder the readers know.

A file's type is told by its bytes, never by its name (a `.geojson` that is a ZIP is a ZIP),
and the name it is stored under is ours: `plan.geojson`, `plan.gpkg`, `plan.dxf`, `table.xlsx`,
or, for a ZIP or a shapefile set, a folder of layer files whose names are checked. A ZIP is
refused when it holds a path outside its folder, a link, too many members, or expands far
beyond its size (a zip bomb).
"""

from __future__ import annotations

import re
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from ._errors import PlanError, Problem
from ._i18n import N_
from .vocabulary import FIELDS_FILE

# A ZIP may expand to this many times its size, and to at most this many bytes and members.
ZIP_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 2_000
# A layer file's name inside a ZIP or a set of files: letters, digits, CJK, '-', '_', '.', and
# within it the spaces, brackets and marks offices name files with (规划地块(调整稿).shp); never
# a separator, a leading dot or what Windows forbids.
_SAFE_NAME = re.compile(r"^[0-9A-Za-z_\-\u4e00-\u9fff]"
                        r"[0-9A-Za-z_.\-\u4e00-\u9fff ()（）\[\]【】#+,，、·]{0,120}$")
# A table's kind (sniff) → the name it is stored under.
_TABLE_SUFFIX = {"xlsx": ".xlsx", "xls": ".xls", "ods": ".ods", "text": ".csv"}
_LAYER_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg",
                   ".parquet", ".csv", ".xlsx", ".xls", ".ods", ".yaml", ".yml", ".dxf", ".kml",
                   ".kmz"}


def archive_refused(name: str) -> Problem:
    """RAR and 7-Zip, 360压缩's and WinRAR's own formats, refused with the way out."""
    return Problem(name, N_("a RAR or 7z archive cannot be read"),
                   expected=N_("the same files in a ZIP (in 360压缩 or WinRAR: 压缩为 ZIP 格式)"))


@dataclass(frozen=True)
class Upload:
    """One uploaded file: the name the client gave (shown, never used as a path) and its
    bytes on disk."""

    name: str
    path: Path


@dataclass(frozen=True)
class PlacedPlan:
    plan: Path               # a file or a folder the readers take
    table: Path | None       # a table joined to a DXF or a GeoJSON plan
    names: tuple[str, ...] = ()  # the client's names: the plan's first, the table's last


def sniff(head: bytes) -> str:
    """The type of a file from its first bytes: geojson, gpkg, kml, zip, xlsx, xls, dxf, shp,
    dbf, csv, text or unknown."""
    if head.startswith(b"SQLite format 3\x00"):
        return "gpkg"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "xls"  # an OLE compound file: Excel 97-2003 (another kind is refused on reading)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx" if b"[Content_Types].xml" in head[:2000] and b"xl/" in head[:4000] \
            else "zip"
    if head.startswith(b"\x00\x00\x27\x0a"):
        return "shp"
    if head.startswith(b"AutoCAD Binary DXF"):
        return "dxf"
    if head.startswith(b"AC10"):
        return "dwg"
    if head.startswith(b"Rar!\x1a\x07") or head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return "archive"  # RAR or 7-Zip: refused with the way out (archive_refused)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"  # UTF-16 with its BOM: Excel's Unicode 文本
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"{") or text.startswith(b"["):
        return "geojson"
    if text.startswith(b"<") and b"<kml" in text:
        return "kml"  # Google Earth's and 奥维's
    if re.match(rb"0\s*\r?\n\s*SECTION", text):
        return "dxf"
    if head[:1] in (b"\x03", b"\x30", b"\x83", b"\x8b") and len(head) > 32 and \
            head[1:4] != b"\x00\x00\x00":
        return "dbf"
    try:
        head.decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        try:
            head.decode("gbk")
            return "text"
        except UnicodeDecodeError:
            return "unknown"


def _head(path: Path, n: int = 4096) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(n)


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
    except zipfile.BadZipFile:
        return "unknown"
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return "xlsx"
    if [n for n in names if n.lower().endswith(".kml")] == names[:1] == ["doc.kml"]:
        return "kmz"  # a zipped KML (doc.kml first, its images after)
    if "mimetype" in names and "content.xml" in names:
        with zipfile.ZipFile(path) as z:
            if z.read("mimetype").startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
                return "ods"
    return "zip"


def _extract(upload: Upload, into: Path, max_bytes: int) -> list[Path]:
    """A ZIP's layer files, each checked before a byte is written."""
    where = upload.name
    try:
        z = zipfile.ZipFile(upload.path)
    except zipfile.BadZipFile:
        raise PlanError(Problem(where, N_("not a readable ZIP file"))) from None
    with z:
        members = [m for m in z.infolist() if not m.is_dir()]
        if len(members) > ZIP_MAX_MEMBERS:
            raise PlanError(Problem(where, N_("the ZIP holds too many files"),
                                    found=str(len(members)), expected=f"≤ {ZIP_MAX_MEMBERS}"))
        total = sum(m.file_size for m in members)
        size = upload.path.stat().st_size
        if total > max_bytes or total > ZIP_MAX_RATIO * max(size, 1):
            raise PlanError(Problem(where, N_("the ZIP expands far beyond its size (a zip bomb?)"),
                                    found=f"{total:,} B ← {size:,} B",
                                    expected=N_("at most {ratio}× its size and {limit} bytes"),
                                    args=(("ratio", str(ZIP_MAX_RATIO)),
                                          ("limit", f"{max_bytes:,}"))))
        chosen, drawings = [], []
        for m in members:
            said = member_name(m)
            parts = PurePosixPath(said.replace("\\", "/")).parts
            if said.startswith(("/", "\\")) or ".." in parts or re.match(r"^[A-Za-z]:", said):
                raise PlanError(Problem(where, N_("the ZIP holds a path outside its folder"),
                                        found=said))
            if stat.S_ISLNK(m.external_attr >> 16):
                raise PlanError(Problem(where, N_("the ZIP holds a link"), found=said))
            name = parts[-1]
            if name.startswith(".") or "__MACOSX" in parts:
                continue
            if Path(name).suffix.lower() not in _LAYER_SUFFIXES:
                if name.lower().endswith(".dwg"):
                    drawings.append(said)
                continue
            if not _SAFE_NAME.match(name):
                raise PlanError(Problem(where, N_("a file name in the ZIP cannot be used"),
                                        found=said,
                                        expected=N_("letters, digits, spaces, brackets, '-', "
                                                    "'_' and '.'")))
            chosen.append((m, name, said))
        names = [n.lower() for _, n, _ in chosen]
        if len(set(names)) != len(names):
            raise PlanError(Problem(where, N_("the ZIP holds two files of the same name"),
                                    expected=N_("one file per layer")))
        if drawings and not any(n.endswith((*_ONE_FILE_PLANS, ".shp", ".parquet"))
                                and n != "meta.json" for n in names):
            # A site plan mailed as AutoCAD keeps it: the way out is the DWG's own.
            raise PlanError(Problem(f"{where}/{drawings[0]}", N_("a DWG drawing cannot be read"),
                                    expected=N_("the drawing saved as DXF (AutoCAD: 另存为 → DXF; "
                                                "any version from R12 to R2018)")))
        if not chosen:
            raise PlanError(Problem(where, N_("the ZIP holds no layer file"),
                                    expected=", ".join(sorted(_LAYER_SUFFIXES))))
        into.mkdir(parents=True, exist_ok=True)
        out = []
        for m, name, said in chosen:
            target = into / name
            written = 0
            with z.open(m) as src, open(target, "xb") as dst:
                while chunk := src.read(1 << 20):
                    written += len(chunk)
                    if written > m.file_size or written > max_bytes:
                        raise PlanError(Problem(where, N_("the ZIP expands far beyond its size "
                                                          "(a zip bomb?)"), found=said))
                    dst.write(chunk)
            out.append(target)
        return out


def member_name(member: zipfile.ZipInfo) -> str:
    """A member's name as it was written. Windows' own compressor, WinRAR and 360压缩 store
    Chinese names in the system's code page (GBK) without the UTF-8 flag, which zipfile reads
    as CP437 (规划地块.shp as "╣µ╗«╡╪┐Θ.shp"): such a name is read as UTF-8 where its bytes are
    that (some tools omit the flag), else as GB18030."""
    name = member.filename
    if member.flag_bits & 0x800 or name.isascii():
        return name
    raw = name.encode("cp437")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


@dataclass(frozen=True)
class Unpacked:
    plan: Path               # what the readers take: a file or the folder
    table: Path | None       # a table mailed with a one-file plan (a DXF and its 指标表)
    fields: Path | None      # the layer and field map (fields.yaml) it carries


# A plan that is one file, and a table that may come with it.
_ONE_FILE_PLANS = (".gpkg", ".dxf", ".geojson", ".json", ".kml", ".kmz")
_TABLES = (".xlsx", ".xls", ".ods", ".csv")


def unpack(path: Path, into: Path, max_bytes: int, shown: str | None = None) -> Unpacked:
    """A ZIP of a plan unpacked into the folder `into` (its layer files, each checked first).
    The plan is the ZIP's one GeoPackage, DXF or GeoJSON, with the one table beside it where
    there is one (a site plan mailed with its indicator table), or its one table of projects;
    else the folder of its layer files. `shown`: the ZIP's name in problems (the name a user
    uploaded it under)."""
    files = _extract(Upload(shown or str(path), path), into, max_bytes)
    fields = next((f for f in files if f.name.lower() == FIELDS_FILE), None)
    # Beside the plan: its map and its report metadata (meta.yaml, meta.json), read as such.
    others = [f for f in files if f.suffix.lower() not in (".yaml", ".yml")
              and f.name.lower() != "meta.json"]
    plans = [f for f in others if f.suffix.lower() in _ONE_FILE_PLANS]
    tables = [f for f in others if f.suffix.lower() in _TABLES]
    if len(plans) == 1 and len(others) <= 2 and len(tables) == len(others) - 1:
        return Unpacked(plans[0], tables[0] if tables else None, fields)
    drawings = [f for f in plans if f.suffix.lower() in (".dxf", ".gpkg")]
    if len(drawings) > 1:  # a site plan and its 竖向 or 管线 drawings: never guessed between
        raise PlanError(Problem(shown or str(path), N_("cannot tell which file is the plan"),
                                found=", ".join(f.name for f in drawings),
                                expected=N_("one plan file, and at most one table beside it")))
    if len(others) == 1 and tables:
        return Unpacked(tables[0], None, fields)
    return Unpacked(into, None, fields)


def place(uploads: list[Upload], into: Path, max_bytes: int) -> PlacedPlan:
    """Put the uploaded files where the readers take them, under names of ours.

    One plan (GeoJSON, GeoPackage, DXF, a ZIP of a folder or shapefile set, or a table of
    projects), optionally with a table joined to it, and optionally a layer and field map
    (`.yaml`, as `--fields`); or the files of one shapefile set.
    """
    maps = [u for u in uploads if Path(u.name).suffix.lower() in (".yaml", ".yml")]
    if len(maps) > 1:
        raise PlanError(Problem(", ".join(u.name for u in maps),
                                N_("two layer and field maps: which one applies cannot be "
                                   "guessed"), expected=N_("at most one .yaml file")))
    placed = _place([u for u in uploads if u not in maps], into, max_bytes)
    if not maps:
        return placed
    maps[0].path.replace(into / FIELDS_FILE)
    # The map's name stands after the plan's, before a table's (the table's is the last).
    names = (placed.names[0], maps[0].name, *placed.names[1:])
    return PlacedPlan(placed.plan, placed.table, names)


def _place(uploads: list[Upload], into: Path, max_bytes: int) -> PlacedPlan:
    if not uploads:
        raise PlanError(Problem("plan", N_("no plan file was uploaded"),
                                expected=N_("a GeoJSON, GeoPackage, DXF, ZIP or Excel file")))
    into.mkdir(parents=True, exist_ok=True)
    typed = []
    for u in uploads:
        kind = sniff(_head(u.path))
        if kind == "zip":
            kind = _zip_type(u.path)
        typed.append((kind, u))
    kinds = [k for k, _ in typed]
    if "dwg" in kinds:
        raise PlanError(Problem(next(u.name for k, u in typed if k == "dwg"),
                                N_("a DWG drawing cannot be read"),
                                expected=N_("save it as DXF (另存为 DXF) and upload that")))
    if "archive" in kinds:
        raise PlanError(archive_refused(next(u.name for k, u in typed if k == "archive")))
    if "unknown" in kinds:
        raise PlanError(Problem(next(u.name for k, u in typed if k == "unknown"),
                                N_("not a plan file"),
                                expected=N_("GeoJSON, GeoPackage, DXF, ZIP, XLSX, XLS or CSV")))
    if set(kinds) & {"shp", "dbf"} or (len(uploads) > 2 and "zip" not in kinds):
        # A shapefile set (or several layer files): a folder, each under its own stem.
        folder = into / "plan"
        folder.mkdir()
        for kind, u in typed:
            name = Path(u.name).name
            if not _SAFE_NAME.match(name) or Path(name).suffix.lower() not in _LAYER_SUFFIXES:
                raise PlanError(Problem(u.name, N_("a layer file's name cannot be used"),
                                        expected=N_("a layer name and its extension, e.g. "
                                                    "parcels.shp")))
            target = folder / name
            if target.exists():
                raise PlanError(Problem(u.name, N_("two files of the same name")))
            u.path.replace(target)
        return PlacedPlan(folder, None, tuple(u.name for u in uploads))
    plans = [(k, u) for k, u in typed if k in ("geojson", "gpkg", "dxf", "kml", "kmz", "zip")]
    tables = [(k, u) for k, u in typed if k in _TABLE_SUFFIX]
    if len(plans) > 1 or (not plans and len(tables) != 1) or (plans and len(tables) > 1):
        raise PlanError(Problem(", ".join(u.name for u in uploads),
                                N_("cannot tell which file is the plan"),
                                expected=N_("one plan file, and at most one table beside it")))
    if not plans:
        kind, u = tables[0]
        target = into / f"plan{_TABLE_SUFFIX[kind]}"
        u.path.replace(target)
        return PlacedPlan(target, None, (u.name,))
    kind, u = plans[0]
    table = None
    names = (u.name,)
    if kind == "zip":
        unpacked = unpack(u.path, into / "plan", max_bytes, shown=u.name)
        plan, table = unpacked.plan, unpacked.table
        if unpacked.fields is not None and plan != into / "plan":
            # A one-file plan's map, as a folder's is read from the folder (place() puts an
            # uploaded map over it).
            unpacked.fields.replace(into / FIELDS_FILE)
        if table is not None and tables:
            raise PlanError(Problem(", ".join(u.name for u in uploads),
                                    N_("cannot tell which file is the plan's table"),
                                    found=f"{u.name}/{table.name}, {tables[0][1].name}",
                                    expected=N_("one plan file, and at most one table beside it")))
    else:
        plan = into / f"plan.{kind}"
        u.path.replace(plan)
    if tables:
        tkind, t = tables[0]
        table = into / f"table{_TABLE_SUFFIX[tkind]}"
        t.path.replace(table)
        names = (u.name, t.name)
    return PlacedPlan(plan, table, names)
