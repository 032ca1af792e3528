"""Validation in one place: a plan's layers against PLAN-FORMAT.md, and standard files.

Every problem names the file, layer, feature and field, what was found and what was expected.
A strict run (check) stops on any error; a lenient one (batch) drops the bad features, keeps
the rest and records why.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction

import numpy as np
import pandas as pd
import shapely

import difflib
from dataclasses import replace
from functools import cached_property

from ._i18n import N_
from ._errors import PLACE_IN_FILE, PlanError, Problem
from .rules.catalogue import CATALOGUE
from .settings import MAX_AREA_M2, MAX_COUNT
from .vocabulary import (FIELD_ALIASES, FACILITY_KINDS, KIND_ALIASES, KIND_WORDS,
                         LAYER_FIELDS, STATE_ALIASES, FacilityState, Severity, kind_in_words,
                         layer_fields)

# A dash or a slash in a cell: nothing written there (none, not applicable, not known).
# NFKC has already made full-width forms (－, ／) plain.
_DASHES = frozenset({"-", "--", "—", "——", "–", "/", "\\"})
# As people mark a yes/no column in a Chinese table too: √ / ×, 有 / 无, and a dash for "no".
_TRUE = {"true", "1", "1.0", "yes", "y", "是", "t", "√", "✓", "✔", "有"}
_FALSE = {"false", "0", "0.0", "no", "n", "否", "f", "", "×", "✗", "✘", "无"} | _DASHES
# A yes/no field whose absence means unknown is not given by an empty cell or a dash.
_NOT_GIVEN = _DASHES | {""}

# shapely.get_type_id + 1 → name (-1, a missing geometry, maps to None).
_TYPE_NAMES = np.array([None, "Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                        "MultiLineString", "MultiPolygon", "GeometryCollection"], dtype=object)
POLYGONAL = {"Polygon", "MultiPolygon"}
PUNCTUAL = {"Point", "MultiPoint"}
LINEAR = {"LineString", "MultiLineString"}


class _Layer:
    """Collects problems about one layer and the rows to drop."""

    def __init__(self, gdf, file: str, layer: str):
        self.gdf = gdf
        self.file = file
        self.layer = layer
        self.problems: list[Problem] = []
        self._rows: list[int] = []  # the row of each problem
        self.bad = np.zeros(len(gdf), dtype=bool)
        # Per row with an error, its fields and problems (a batch keeps what the rest of the
        # row can do). Sparse: 200,000 clean buildings hold nothing here.
        self.fields_of: dict[int, set] = {}
        self.problems_of: dict[int, list[Problem]] = {}

    def problems_by_feature(self) -> list[Problem]:
        """The problems feature by feature, in file order: the same list however the layer is
        cut into batches (a buildings layer is validated batch by batch)."""
        order = np.argsort(np.asarray(self._rows, dtype=np.int64), kind="stable")
        return [self.problems[k] for k in order]

    def unusable(self, fields: set) -> np.ndarray:
        """Rows with an error in any of `fields`."""
        out = np.zeros(len(self.gdf), dtype=bool)
        out[[i for i, f in self.fields_of.items() if f & fields]] = True
        return out

    def fields_column(self, leave_out: str) -> list[tuple]:
        """Per row, its fields with an error but `leave_out`, sorted (a frame's column)."""
        out = [()] * len(self.gdf)
        for i, f in self.fields_of.items():
            out[i] = tuple(sorted(f - {leave_out}))
        return out

    @cached_property
    def ids(self) -> pd.Series:
        return _as_ids(self.gdf["id"])

    @cached_property
    def labels(self) -> np.ndarray:
        """How each feature is named in a message: its id, else its row (computed when a
        message or an output needs it: 200,000 clean buildings never do)."""
        rows = self.gdf["_row"].astype(str) if "_row" in self.gdf else \
            pd.Series([f"#{i + 1}" for i in range(len(self.gdf))], index=self.gdf.index)
        if "id" in self.gdf:
            ids = self.ids
            # Where a feature stands in a drawing or a table (a DXF handle, a sheet's row)
            # is said beside its id, so that it can be found there.
            where = rows.to_numpy(dtype=object)
            located = np.array([PLACE_IN_FILE.fullmatch(str(r)) is not None for r in where],
                               dtype=bool)
            # (A row without an id is named by its place, as its id: said once.)
            named = np.where(located, [r if str(i) == str(r) else f"{i} ({r})"
                                       for i, r in zip(ids, where)], ids.astype(object))
            return np.where(ids.notna(), named, where).astype(object)
        return rows.to_numpy(dtype=object)

    def error(self, mask, message, field=None, found=None, expected=None, level="error",
              args=()):
        mask = np.asarray(mask, dtype=bool)
        for i in np.flatnonzero(mask):
            f = found[i] if isinstance(found, (list, np.ndarray, pd.Series)) else found
            if isinstance(f, pd.Series):
                f = f.iloc[0]
            problem = Problem(self.file, message, layer=self.layer,
                              feature=str(self.labels[i]), field=field,
                              found=None if f is None else _show(f), expected=expected,
                              level=level, args=args)
            self.problems.append(problem)
            self._rows.append(i)
            if level == "error":
                self.fields_of.setdefault(i, set()).add(field)
                self.problems_of.setdefault(i, []).append(problem)
        if level == "error":
            self.bad |= mask

    def missing(self, field: str, expected: str, message: str | None = None,
                found: str | None = None) -> None:
        """A field the whole layer lacks: said once, with the fields the layer has (one of them
        may be it under another name: `--fields`), and held against every feature (a batch
        reports each parcel incomplete with it). `message` and `found` say why instead where
        the layer has a field that cannot be taken for it."""
        if not len(self.gdf):  # an empty layer lacks nothing
            return
        spelt = self.gdf.attrs.get("own_names", {})
        own = [str(spelt.get(c, c)) for c in self.gdf.columns
               if c not in ("geometry", "_row", "layer")]
        # A drawing's fields come from its labels and block attributes: the way out is in
        # them, or --fields for an attribute's own tag.
        if message is None:
            message = N_("missing field: no outline's label or block attribute gives it (write "
                         "it in the labels, as a block attribute, or in a column of --table; "
                         "name an attribute's own tag, such as HS, with --fields)") \
                if self.drawing else N_("missing field: the layer has no such field (a field "
                                        "of its own can be named as it with --fields)")
        problem = Problem(self.file, message, layer=self.layer, field=field,
                          found=found or ", ".join(own) or "—", expected=expected)
        self.problems.append(problem)
        self._rows.append(-1)  # before the features' own problems
        for i in range(len(self.gdf)):
            self.fields_of.setdefault(i, set()).add(field)
            self.problems_of.setdefault(i, []).append(problem)
        self.bad[:] = True

    @property
    def drawing(self) -> bool:
        """Whether the layer was read from a CAD drawing, whose fields are its labels."""
        return self.file.lower().endswith(".dxf")

    def unread_attributes(self) -> np.ndarray:
        """Per feature of a drawing, the block attributes under tags no field is read from
        (HS=60, BH=3#), "" where none: what an office's own tags hold."""
        known = {"geometry"}.union(*(layer_fields(layer) for layer in LAYER_FIELDS))
        tags = [c for c in self.gdf.columns if str(c).lower() not in known]
        out = np.full(len(self.gdf), "", dtype=object)
        for tag in tags:
            values = self.gdf[tag].to_numpy(dtype=object)
            given = pd.notna(values) & (values != "")
            out[given] = [f"{a}, {tag.upper()}={v}" if a else f"{tag.upper()}={v}"
                          for a, v in zip(out[given], values[given])]
        return out

    def warn(self, mask, message, field=None, found=None, expected=None):
        self.error(mask, message, field, found, expected, level="warning")


def _show(value) -> str:
    try:
        text = repr(value) if isinstance(value, str) else str(value)
    except ValueError:  # an integer too long to print (Python's digit limit)
        return "a number with thousands of digits"
    return text if len(text) <= 60 else text[:57] + "…"


def _as_id(value):
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _as_ids(values: pd.Series) -> pd.Series:
    """`_as_id` over a column; a column of text (the usual case) in one vectorised pass."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":
        text = values.str.strip()
        return text.where(text != "", None)
    return values.map(_as_id)


def apply_aliases(gdf, layer: str):
    """Rename Chinese and alternate field names to the format's, unless both are present."""
    mapping = {k: v for k, v in FIELD_ALIASES.get(layer, {}).items()
               if k in gdf.columns and v not in gdf.columns}
    # Case-insensitive English names (ID, Households_New from spreadsheets).
    for col in gdf.columns:
        low = str(col).strip().lower()
        if low != col and low not in gdf.columns and col not in mapping and col != "geometry":
            mapping[col] = low
    out = gdf.rename(columns=mapping)
    # The names as the file spells them, for a message that lists the layer's fields.
    out.attrs["own_names"] = {new: old for old, new in mapping.items()}
    return out


# Text forms of a number that are accepted: digits with an optional decimal point and sign,
# full-width digits (normalised), and thousands separated by commas in groups of three
# ("1,200", "12,345.5"). Anything else with a comma ("20,5", "1,2,0,0") is ambiguous: refused.
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_BOOLEAN, _AMBIGUOUS, _TEXT, _FORMULA, _APPROXIMATE = \
    "boolean", "ambiguous", "text", "formula", "approximate"
# A figure written as about so many (约1200户, 1200余户, 1200户左右): never taken as the figure.
_ABOUT = re.compile(r"^(约|大约|近|逾|超过)|(余|多|左右|以上|以下)$")


UNSAVED_FORMULA = N_("a formula whose value the workbook does not hold (the program that "
                     "saved it does not compute formulas)")
SAVE_IN_EXCEL = N_("the workbook opened and saved in Excel or WPS, which stores each "
                   "formula's value, or the value written in the cell")


class UnsavedFormula(str):
    """A workbook's formula whose value the file does not hold (saved by a program that
    does not compute formulas): its text, so that it is refused where it stands, never read
    as a blank cell (an area of 0 m²)."""


# What people write in a number's cell for "none" or "not applicable": blank, as an empty
# cell is.
_WRITTEN_BLANK = _DASHES | {"无", "n/a", "N/A", "NA"}


# The units a number of a field may be written with (NFKC makes ㎡ and m² "m2"): an area's,
# a household count's (a dwelling, 套, is a household in housing tables), a head count's,
# a bed count's.
_AREA_UNITS, _HOUSEHOLD_UNITS = ("m2", "平方米", "平米"), ("户", "套")
_PERSON_UNITS, _BED_UNITS = ("人",), ("张", "床", "个")


def units_of(field: str) -> tuple[str, ...]:
    """The units a number of `field` may be written with in a cell ("864户", "220㎡"): the
    field's own only, so "220户" in an area column is still refused. NFKC makes ㎡ and m²
    "m2"."""
    if field.endswith("_m2"):
        return _AREA_UNITS
    if field.startswith("households"):
        return _HOUSEHOLD_UNITS
    if field in ("population", "elderly_population", "social_workers"):
        return _PERSON_UNITS
    if field.endswith("beds"):
        return _BED_UNITS
    if field.endswith("floors"):  # a facility's, or a project's own (eldercare_floors)
        return ("层",)
    return ()


# Units a table's header may give a column in (建筑面积（万㎡）, 用地面积（公顷）) besides the
# field's own (units_of), and what one of each is worth in the field's first unit. A 亩 is
# 10,000/15 m² (市亩).
_SCALED_UNITS = {
    "m2": {"万m2": 10_000, "万平方米": 10_000, "公顷": 10_000, "ha": 10_000, "hm2": 10_000,
           "亩": Fraction(10_000, 15), "km2": 1_000_000, "平方公里": 1_000_000},
    "户": {"万户": 10_000},
    "人": {"万人": 10_000},
}


# Every unit a table may write (NFKC, lower case): a row of nothing else is a header's units.
ALL_UNITS = frozenset((*_AREA_UNITS, *_HOUSEHOLD_UNITS, *_PERSON_UNITS, *_BED_UNITS)) \
    | {u for scaled in _SCALED_UNITS.values() for u in scaled}


def unit_factor(field: str, unit: str) -> Fraction | int | None:
    """What one `unit` (as a table's header gives it, NFKC, lower case) is worth in the
    field's own unit: 1 for one of its own, 10,000 for 万㎡ of an area; None for a unit the
    field is not measured in (an area in 个, a count in ㎡). A field without units
    (units_of) takes any."""
    own = units_of(field)
    if not own or unit in own:
        return 1
    return _SCALED_UNITS.get(own[0], {}).get(unit)


def field_units(field: str) -> tuple[str, ...]:
    """Every unit a table's header may give the field in: its own and the scaled ones."""
    own = units_of(field)
    return (*own, *_SCALED_UNITS.get(own[0], {})) if own else ()


def parse_number(value, units: tuple[str, ...] = ()):
    """A number from a cell or a property, or the reason it is not one: (float, reason).
    None and blank text are NaN with no reason; a reason means the value must be refused.
    A number may end with one of `units` (units_of)."""
    if value is None:
        return np.nan, None
    if isinstance(value, (bool, np.bool_)):
        return np.nan, _BOOLEAN
    if isinstance(value, (int, np.integer)):
        try:
            return float(value), None
        except OverflowError:
            return np.inf, None
    if isinstance(value, (float, np.floating)):
        return (np.nan, None) if np.isnan(value) else (float(value), None)
    if not isinstance(value, str):
        return np.nan, _TEXT
    if isinstance(value, UnsavedFormula):
        return np.nan, _FORMULA
    text = unicodedata.normalize("NFKC", value).strip()
    if not text or text in _WRITTEN_BLANK:
        return np.nan, None
    for unit in units:
        if text.endswith(unit) and len(text) > len(unit):
            text = text[:-len(unit)].rstrip()
            break
    if _ABOUT.search(text):
        about = _ABOUT.sub("", text).strip()
        if about and parse_number(about, units)[1] is None:
            return np.nan, _APPROXIMATE
    if "," in text:
        if not _THOUSANDS.match(text):
            return np.nan, _AMBIGUOUS
        text = text.replace(",", "")
    if not _PLAIN.match(text):
        return np.nan, _TEXT
    return float(text), None


# Storeys as offices write them in a 所在楼层 cell: 首层, 一层, 2F, 地下一层, B1, 半地下, and
# the storeys a facility spans, 1-2层, 一至二层, 首层至三层. Chinese counts up to 九十九.
# 两层 is left out: in speech it is as often "two storeys" as "the second".
_CHINESE_DIGITS = dict(zip("一二三四五六七八九", range(1, 10)))
_COUNT = r"\d{1,3}|[一二三四五六七八九十]{1,3}"
_STOREY = re.compile(
    rf"(?P<ground>首层|底层|首楼)|(?P<semi>半地下[室层]?)"
    rf"|(?:地下|负|B|-)第?(?P<below>{_COUNT})[层楼F]?"
    rf"|第?(?P<above>{_COUNT})[层楼F]|F(?P<f>\d{{1,3}})")
_STOREYS = re.compile(r"(?P<low>.+?)(?:至|到|~|、|—|–|-)(?P<high>.+)")
_BELOW_SPAN = re.compile(rf"(?:地下|负)(?P<span>(?:{_COUNT})(?:至|到|~|、|—|–|-)(?:{_COUNT})[层楼]?)")


def _chinese_count(text: str) -> int | None:
    """一 … 九十九, or digits."""
    if text.isdigit():
        return int(text)
    tens, ten, ones = text.rpartition("十")
    if not ten:
        return _CHINESE_DIGITS.get(text) if len(text) == 1 else None
    if len(tens) > 1 or len(ones) > 1:
        return None
    high = _CHINESE_DIGITS.get(tens, None) if tens else 1
    low = _CHINESE_DIGITS.get(ones, None) if ones else 0
    return None if high is None or low is None else high * 10 + low


def _storey(text: str, bare: bool = False) -> int | None:
    """One storey: 1 = ground, 0 = semi-basement, −1 = the first basement; `bare`: a number
    without 层 is a storey too (the low end of 1-2层)."""
    if bare and (count := _chinese_count(text)):
        return count
    m = _STOREY.fullmatch(text)
    if m is None:
        return None
    if m["ground"]:
        return 1
    if m["semi"]:
        return 0
    count = _chinese_count(m["below"] or m["above"] or m["f"])
    if not count:
        return None
    return -count if m["below"] else count


def parse_storeys(value) -> tuple[int, int | None] | None:
    """The storey a facility stands on and, where a span is written, how many storeys it
    occupies: 一层 → (1, None), 1-2层 → (1, 2), 地下一层至一层 → (−1, 2) (there is no storey
    0 between a basement and the ground but a semi-basement). None where the value is not
    written as storeys (a plain number is read as a number)."""
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).upper()
    one = _storey(text)
    if one is not None:
        return one, None
    below = _BELOW_SPAN.fullmatch(text)
    if below is not None:  # 地下1-2层, 地下一至二层: the basements one prefix names
        span = parse_storeys(below["span"])
        if span is None or span[0] < 1 or span[1] is None:
            return None
        return -(span[0] + span[1] - 1), span[1]
    m = _STOREYS.fullmatch(text)
    if m is None:
        return None
    low, high = _storey(m["low"], bare=True), _storey(m["high"])
    if low is None or high is None or high <= low:
        return None
    return low, high - low + 1 - (1 if low < 0 < high else 0)


# Storeys in words (a drawing's label, a table's remark): written with 层 or 楼, so that an id
# (F1, B2) is never read as one, and after what introduces them (位于3号楼首层).
_STOREY_WORD = re.compile(r"[层楼]|半地下")
_STOREY_LEAD = re.compile(r"^(?:(?:所在)?楼层\s*[:：=]?|位于|设于|设在)?(?:\d+\s*[#号]楼)?")
_PIECES = re.compile(r"[\s,，;；。]+")


def storeys_in(text: str) -> str | None:
    """The words of the first storey or span of storeys in free text ("社区养老服务站，一层",
    "F1 养老服务站 350㎡ (1-2层)"), as `parse_storeys` reads them; None where there is none."""
    for piece in _PIECES.split(unicodedata.normalize("NFKC", text)):
        word = _STOREY_LEAD.sub("", piece.strip("()[]【】"))
        if _STOREY_WORD.search(word) and parse_storeys(word) is not None:
            return word
    return None


def _plain(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"


def option_number(text, *, minimum: float, maximum: float, integer: bool = False) -> float:
    """A number typed on the command line (or sent to the service): the same forms as a
    file's cells, finite, within [minimum, maximum]. Raises ValueError saying what is wrong."""
    value, reason = parse_number(text)
    if reason == _AMBIGUOUS:
        raise ValueError(f"{text!r} is ambiguous: write 20.5 or 1200 (1,200 is read as "
                         "thousands)")
    if reason is not None or np.isnan(value):
        raise ValueError(f"{text!r} is not a number")
    if not np.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if integer and value != np.floor(value):
        raise ValueError(f"{text!r} is not a whole number")
    if not minimum <= value <= maximum:
        raise ValueError(f"{text!r} is not between {_plain(minimum)} and {_plain(maximum)}")
    return int(value) if integer else float(value)


def _numbers(L: _Layer, field: str, *, required: bool, integer: bool, minimum: float,
             strict_min: bool = False, maximum: float = MAX_COUNT, expected: str = ""):
    """Coerce a field to numbers, reporting booleans, text, ambiguous commas, negatives,
    fractions and huge values; one message per cell."""
    gdf = L.gdf
    if field not in gdf:
        if required:
            L.missing(field, expected)
        return np.full(len(gdf), np.nan)
    column = gdf[field]
    raw = column.to_numpy(dtype=object)
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        # Already numbers (GeoPackage, Parquet): nothing to parse, nothing but range to check.
        values = column.to_numpy(dtype=float, na_value=np.nan)
        reason = np.full(len(values), None, dtype=object)
    else:
        units = units_of(field)
        parsed = [parse_number(v, units) for v in raw]
        values = np.array([v for v, _ in parsed], dtype=float)
        reason = np.array([r for _, r in parsed], dtype=object)
    L.error(reason == _BOOLEAN, N_("a true/false value is not a number"), field=field, found=raw,
            expected=expected)
    L.error(reason == _AMBIGUOUS, N_("ambiguous number: the comma is neither a decimal point "
            "nor a thousands separator in groups of three (write 20.5 or 1200; 1,200 is read "
            "as thousands)"), field=field, found=raw, expected=expected)
    L.error(reason == _TEXT, N_("not a number"), field=field, found=raw, expected=expected)
    L.error(reason == _APPROXIMATE, N_("an approximate figure (约, 余, 左右) is not taken for "
                                       "the figure: the rules need the figure itself"),
            field=field, found=raw, expected=expected)
    L.error(reason == _FORMULA, UNSAVED_FORMULA, field=field, found=raw,
            expected=SAVE_IN_EXCEL)
    blank = np.isnan(values) & (reason == None)  # noqa: E711 - elementwise on objects
    if required:
        # A drawing's feature whose block holds attributes of an office's own tags: the
        # value is probably there, under a tag to be named.
        unread = L.unread_attributes() if L.drawing and blank.any() else \
            np.full(len(values), "", dtype=object)
        tagged = blank & (unread != "")
        L.error(blank & ~tagged, N_("missing value"), field=field, expected=expected)
        L.error(tagged, N_("missing value; the block's attributes under its own tags are not "
                           "read (name the tag as this field with --fields)"), field=field,
                found=unread, expected=expected)
    ok = ~np.isnan(values)
    below = ok & ((values <= minimum) if strict_min else (values < minimum))
    L.error(below, N_("value out of range"), field=field, found=values, expected=expected)
    huge = ok & ~below & ((values > maximum) | np.isinf(values))
    L.error(huge, N_("implausibly large: more than {maximum}"), field=field, found=raw,
            expected=expected, args=(("maximum", f"{maximum:,.0f}"),))
    if integer:
        frac = ok & ~below & ~huge & (np.floor(values) != values)
        L.error(frac, N_("not a whole number"), field=field, found=values, expected=expected)
        ok &= ~frac
    return np.where(ok & ~below & ~huge, values, np.nan)


def _booleans(L: _Layer, field: str):
    if field not in L.gdf:
        return np.zeros(len(L.gdf), dtype=bool)
    raw = L.gdf[field]

    def parse(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return False
        if isinstance(v, (bool, np.bool_)):
            return bool(v)
        s = unicodedata.normalize("NFKC", str(v)).strip().lower()
        if s in _TRUE:
            return True
        if s in _FALSE:
            return False
        return None

    parsed = raw.map(parse)
    L.error(parsed.isna().to_numpy(), N_("not a true/false value"), field=field,
            found=raw.to_numpy(), expected=N_("true or false (是/否, 1/0)"))
    return parsed.fillna(False).to_numpy(dtype=bool)


def _tristate(L: _Layer, field: str) -> np.ndarray:
    """A true/false field where absence means unknown: 1.0, 0.0 or NaN."""
    if field not in L.gdf:
        return np.full(len(L.gdf), np.nan)
    # A dash or a slash says nothing here (not applicable, not known): unknown, not "no".
    given = L.gdf[field].map(lambda v: v is not None and v == v and unicodedata.normalize(
        "NFKC", str(v)).strip() not in _NOT_GIVEN)
    values = _booleans(L, field).astype(float)
    return np.where(given.to_numpy(dtype=bool), values, np.nan)


def _ids(L: _Layer, required: bool = True, seen: set | None = None):
    gdf = L.gdf
    if "id" not in gdf:
        if required:
            L.missing("id", N_("a unique text id for every feature"))
        return np.array([f"#{i + 1}" for i in range(len(gdf))], dtype=object)
    ids = L.ids
    missing = ids.isna().to_numpy()
    if required:
        L.error(missing, N_("missing id"), field="id", expected=N_("a unique text id"))
    dup = ids.duplicated(keep="first").to_numpy() & ~missing
    if seen is not None:
        values = ids.to_numpy(dtype=object)
        present = values[~missing]
        if seen and not seen.isdisjoint(present):  # looked at one by one only when needed
            dup |= np.fromiter((v in seen for v in values), dtype=bool, count=len(values)) \
                & ~missing
        seen.update(present)
    L.error(dup, N_("id used twice"), field="id", found=ids.to_numpy(),
            expected=N_("ids unique in the layer"))
    if not missing.any():
        return ids.to_numpy(dtype=object)
    return np.where(missing, L.labels, ids.to_numpy(dtype=object)).astype(object)


def _geometry(L: _Layer, allowed: set[str], what: str, repair: bool = True,
              required: bool = True):
    geoms = L.gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms)
    empty = ~missing & shapely.is_empty(geoms)
    if required:
        L.error(missing | empty, N_("empty or missing geometry"), field="geometry",
                expected=what)
    types = _TYPE_NAMES[shapely.get_type_id(geoms) + 1]
    wrong = ~missing & ~empty & ~np.isin(types, list(allowed))
    L.error(wrong, N_("wrong geometry type"), field="geometry", found=types, expected=what)
    ok = ~missing & ~empty & ~wrong
    if ok.any():
        xy, owner = shapely.get_coordinates(geoms[ok], return_index=True)
        bad_xy = np.zeros(len(geoms), dtype=bool)
        bad_xy[np.flatnonzero(ok)[np.unique(owner[~np.isfinite(xy).all(axis=1)])]] = True
        L.error(bad_xy, N_("coordinates that are not finite numbers (NaN or Infinity)"),
                field="geometry", expected=what)
        ok &= ~bad_xy
    invalid = ok & ~shapely.is_valid(geoms)
    if invalid.any() and repair:
        reasons = shapely.is_valid_reason(geoms[invalid])
        fixed = shapely.make_valid(geoms[invalid])
        if allowed == POLYGONAL:
            # make_valid may return a collection with slivers of lower dimension: keep the area.
            fixed = np.array([_polygonal_part(g) for g in fixed], dtype=object)
        geoms = geoms.copy()
        geoms[invalid] = fixed
        still = np.zeros(len(geoms), dtype=bool)
        still[invalid] = shapely.is_empty(fixed) | shapely.is_missing(fixed)
        L.error(still, N_("invalid geometry that cannot be repaired"), field="geometry",
                found=np.array(_spread(reasons, invalid), dtype=object), expected=what)
        L.warn(invalid & ~still, N_("invalid geometry repaired with make_valid"), field="geometry",
               found=np.array(_spread(reasons, invalid), dtype=object))
    return geoms


def _spread(values, mask):
    out = [None] * len(mask)
    for i, v in zip(np.flatnonzero(mask), values):
        out[i] = v
    return out


def _polygonal_part(geom):
    if geom is None:
        return None
    if geom.geom_type in POLYGONAL:
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL]
    return shapely.union_all(parts) if parts else shapely.Polygon()


# A household count that names no housing: 户数, 总户数, 住宅户数（户）, 住宅套数, …
_HOUSEHOLD_COUNT = re.compile(r"(总|住宅|居住|规划|设计)?(户|套)数\s*([(（].*[)）])?")


def _household_counts(columns) -> list[str]:
    return [c for c in columns if isinstance(c, str) and _HOUSEHOLD_COUNT.fullmatch(c.strip())]


def is_household_count(name: str) -> bool:
    """户数, 总户数, 住宅户数, 住宅套数 …: a count of households that does not say which
    housing."""
    return bool(_household_counts([name]))


def validate_parcels(gdf, file: str, geometry_required: bool = True):
    L = _Layer(apply_aliases(gdf, "parcels"), file, "parcels")
    out = pd.DataFrame(index=L.gdf.index)
    out["id"] = _ids(L)
    out["name"] = L.gdf["name"].astype(object).where(L.gdf["name"].notna(), None) \
        if "name" in L.gdf else None
    kw = dict(integer=True, minimum=0, expected=N_("a whole number ≥ 0"))
    has_new = "households_new" in L.gdf
    has_existing = "households_existing" in L.gdf
    if not has_new and not has_existing and "households" in L.gdf:
        # What a Shapefile makes of households_new (or _existing): which one, nobody knows.
        # Said once for the layer (it is the layer's field, not a feature's value).
        L.missing("households", expected=N_("hh_new and/or hh_exist, or 新建户数/已建户数"),
                  message=N_("a field 'households' cannot tell new housing from existing (a "
                             "Shapefile cuts names to 10 characters)"), found="households")
    elif not has_new and not has_existing and (counts := _household_counts(L.gdf.columns)):
        # 户数 or 总户数 in an office's table: which housing it counts decides the rate (the
        # national baseline: new 20, existing 15 m² per 100 households, 国发〔2013〕35号
        # (十五)), so it is never guessed.
        L.missing("households_new",
                  N_("新建户数 or 已建户数 as its header, or --fields naming it households_new "
                     "or households_existing"),
                  message=N_("the household count does not say whether it is new housing or "
                             "existing (their rates differ)"), found=", ".join(counts))
    elif not has_new and not has_existing:
        L.missing("households_new",
                  N_("households_new and/or households_existing (新建户数/已建户数)"))
    out["households_new"] = _numbers(L, "households_new", required=False, **kw)
    out["households_existing"] = _numbers(L, "households_existing", required=False, **kw)
    neither = np.isnan(out["households_new"]) & np.isnan(out["households_existing"])
    if has_new or has_existing:
        L.error(neither & ~L.bad, N_("no households given"), field="households_new",
                expected=N_("households_new and/or households_existing"))
    out["population"] = _numbers(L, "population", required=False, **kw)
    out["elderly_population"] = _numbers(L, "elderly_population", required=False, **kw)
    out["phases"] = _numbers(L, "phases", required=False, integer=True, minimum=1,
                             maximum=100, expected=N_("a whole number ≥ 1"))
    out["complete_community"] = _booleans(L, "complete_community")
    out["rural"] = _booleans(L, "rural")
    for field, what in (("residential_floor_area_m2", "above-ground residential floor area in "
                         "m² (地上住宅建筑面积)"),
                        ("gross_floor_area_m2", "gross floor area in m² (总建筑面积)")):
        out[field] = _numbers(L, field, required=False, integer=False, minimum=0,
                              maximum=MAX_AREA_M2 * 100, expected=what)
    out["row"] = L.labels
    geoms = _geometry(L, POLYGONAL, N_("a Polygon or MultiPolygon"), required=geometry_required)
    return out, geoms, L


def _kind_words() -> str:
    """The kinds as a drawing's labels name them: 街道养老服务中心, 社区养老服务站, …"""
    return ", ".join(word for word, _ in KIND_WORDS)


def _storeys_as_numbers(L: _Layer) -> None:
    """A `floor` written as storeys (一层, 1-2层, 地下一层) put as the format's numbers: the
    lowest storey, and, where a span is written and `floors` is blank, the storeys it spans.
    A span that disagrees with the `floors` given is refused: which is meant cannot be told."""
    if "floor" not in L.gdf:
        return
    written = L.gdf["floor"].tolist()
    storeys = [parse_storeys(v) for v in written]
    if not any(storeys):
        return
    gdf = L.gdf = L.gdf.copy()
    gdf["floor"] = pd.Series([s[0] if s else v for s, v in zip(storeys, written)],
                             index=gdf.index, dtype=object)
    spans = np.array([s[1] if s and s[1] else np.nan for s in storeys], dtype=float)
    if np.isnan(spans).all():
        return
    given = gdf["floors"].tolist() if "floors" in gdf else [None] * len(gdf)
    counts = np.array([parse_number(v, units_of("floors"))[0] for v in given], dtype=float)
    L.error(~np.isnan(spans) & ~np.isnan(counts) & (spans != counts),
            N_("the storeys the floor spans and the number of floors disagree"), field="floors",
            found=np.array([f"{w} / {g}" for w, g in zip(written, given)], dtype=object),
            expected=N_("floors equal to the storeys the floor spans (1-2层: 2)"))
    gdf["floors"] = pd.Series([g if n != n or c == c else n
                               for g, n, c in zip(given, spans, counts)],
                              index=gdf.index, dtype=object)


def validate_facilities(gdf, file: str, parcel_ids: set[str], geometry_required: bool = True):
    L = _Layer(apply_aliases(gdf, "facilities"), file, "facilities")
    out = pd.DataFrame(index=L.gdf.index)
    out["id"] = _ids(L)
    out["name"] = L.gdf["name"].astype(object).where(L.gdf["name"].notna(), None) \
        if "name" in L.gdf else None
    # A drawing names a kind in its labels' words; a table or a layer by the format's ids or
    # a name holding those words.
    expected = _kind_words() if L.drawing else \
        f"{', '.join(FACILITY_KINDS)}; {_kind_words()}"
    if "kind" in L.gdf:
        raw = L.gdf["kind"].map(lambda v: str(v).strip() if v is not None and v == v else None)
        # A name of the kind as an office writes it (社区日间照料中心, 老年人日间照料中心) is
        # read by the kind's words in it, as a drawing's label is.
        kind = raw.map(lambda v: (KIND_ALIASES.get(v) or kind_in_words(v) or v)
                       if isinstance(v, str) else v)
        blank = raw.isna().to_numpy()
        L.error(blank, N_("missing value"), field="kind", expected=expected)
        unknown = ~kind.isin(list(FACILITY_KINDS)).to_numpy() & ~blank
        L.error(unknown, N_("unknown kind"), field="kind", found=L.gdf["kind"].to_numpy(),
                expected=expected)
        out["kind"] = kind.to_numpy()
    else:
        L.missing("kind", expected)
        out["kind"] = None
    out["floor_area_m2"] = _numbers(L, "floor_area_m2", required=True, integer=False, minimum=0,
                                    strict_min=True, maximum=MAX_AREA_M2,
                                    expected=N_("floor area in m² > 0 (建筑面积)"))
    out["land_area_m2"] = _numbers(L, "land_area_m2", required=False, integer=False, minimum=0,
                                   strict_min=True, maximum=MAX_AREA_M2,
                                   expected=N_("land area in m² > 0 (用地面积)"))
    status = L.gdf["status"] if "status" in L.gdf else pd.Series([None] * len(L.gdf),
                                                                 index=L.gdf.index)
    norm = status.map(lambda v: STATE_ALIASES.get(str(v).strip().lower())
                      if v is not None and v == v else FacilityState.PLANNED)
    L.error(norm.isna().to_numpy(), N_("unknown status"), field="status", found=status.to_numpy(),
            expected=N_("planned or existing (规划 / 新建 / 在建, 现状 / 已建 / 现状保留)"))
    out["status"] = norm.fillna(FacilityState.PLANNED).map(str).to_numpy()
    out["phase"] = _numbers(L, "phase", required=False, integer=True, minimum=1, maximum=100,
                            expected=N_("a whole number ≥ 1"))
    for field in ("beds", "nursing_beds", "dementia_beds", "social_workers"):
        out[field] = _numbers(L, field, required=False, integer=True, minimum=0,
                              expected=N_("a whole number ≥ 0"))
    # Siting (PLAN-FORMAT.md): unknown stays unknown (NaN), so a rule can say it lacks it.
    _storeys_as_numbers(L)
    out["floor"] = _numbers(L, "floor", required=False, integer=True, minimum=-20, maximum=200,
                            expected=N_("a whole number: 1 = ground, 0 = semi-basement, "
                                        "−1 = basement; or as written: 一层, 首层, 2F, 1-2层, "
                                        "地下一层, 半地下"))
    out["floors"] = _numbers(L, "floors", required=False, integer=True, minimum=1, maximum=200,
                             expected=N_("a whole number ≥ 1"))
    for field in ("own_entrance", "lift", "ramp"):
        out[field] = _tristate(L, field)
    out["housing_share_complete"] = _numbers(
        L, "housing_share_complete", required=False, integer=False, minimum=0, maximum=1,
        expected=N_("a share from 0 to 1 of the housing complete when the facility is finished"))
    over = out["nursing_beds"] > out["beds"]
    L.error(over.to_numpy(), N_("more nursing beds than beds"), field="nursing_beds",
            found=out["nursing_beds"].to_numpy(), expected=N_("nursing_beds ≤ beds"))
    over = out["dementia_beds"] > out["nursing_beds"]
    L.error(over.to_numpy(), N_("more dementia beds than nursing beds"), field="dementia_beds",
            found=out["dementia_beds"].to_numpy(), expected=N_("dementia_beds ≤ nursing_beds"))
    if "parcel_id" in L.gdf:
        lists = L.gdf["parcel_id"].map(
            lambda v: [s.strip() for s in str(_as_id(v)).split(";") if s.strip()]
            if _as_id(v) is not None else [])
        named_nothing = L.gdf["parcel_id"].map(_as_id).notna() & lists.str.len().eq(0)
        L.error(named_nothing.to_numpy(), N_("parcel_id names no id"), field="parcel_id",
                found=L.gdf["parcel_id"].to_numpy(),
                expected=N_("ids of the parcels layer, ';'-separated, e.g. P1;P2"))
        unknown = lists.map(lambda ids: [i for i in ids if i not in parcel_ids])
        has_unknown = unknown.str.len().gt(0).to_numpy()
        L.error(has_unknown, N_("parcel_id names no parcel of the plan"), field="parcel_id",
                found=unknown.map(";".join).to_numpy(),
                expected=N_("ids of the parcels layer, ';'-separated"))
        out["parcel_ids"] = lists.map(lambda ids: [i for i in ids if i in parcel_ids]).to_numpy()
    else:
        out["parcel_ids"] = [[] for _ in range(len(L.gdf))]
    out["row"] = L.labels
    geoms = _geometry(L, POLYGONAL | PUNCTUAL, N_("a Point or Polygon"),
                      required=geometry_required)
    return out, geoms, L


def validate_buildings(gdf, file: str, parcel_ids: set[str], geometry_required: bool = True,
                       seen_ids: set | None = None):
    """A batch of the buildings layer; `seen_ids` holds the ids of the batches before it (an
    id used in an earlier batch is used twice), and is given this batch's."""
    L = _Layer(apply_aliases(gdf, "buildings"), file, "buildings")
    out = pd.DataFrame(index=L.gdf.index)
    out["id"] = _ids(L, required=False, seen=seen_ids)
    out["households"] = _numbers(L, "households", required=True, integer=True, minimum=0,
                                 expected=N_("a whole number ≥ 0 (户数)"))
    if "parcel_id" in L.gdf:
        pid = _as_ids(L.gdf["parcel_id"])
        # Membership by the set itself: Series.isin converts the whole set for every call,
        # once per batch of buildings (50,000 parcel ids × 20 batches: 5 s).
        named = pid.to_numpy(dtype=object)
        known = np.fromiter((v in parcel_ids for v in named), dtype=bool, count=len(named))
        unknown = pid.notna() & ~known
        L.error(unknown.to_numpy(), N_("parcel_id names no parcel of the plan"), field="parcel_id",
                found=pid.to_numpy(), expected=N_("an id of the parcels layer"))
        out["parcel_id"] = pid.where(~unknown, None).to_numpy()
    else:
        out["parcel_id"] = None
    geoms = _geometry(L, POLYGONAL | PUNCTUAL, N_("a Point or Polygon"),
                      required=geometry_required)
    return out, geoms, L


def validate_streets(gdf, file: str):
    """Streets: a line geometry, and `walkable` / `connect` (both true unless given false:
    `connect: false` marks bridges, tunnels, elevated and underground ways, walked but never
    joined to what they cross, nor to buildings and facilities)."""
    L = _Layer(apply_aliases(gdf, "streets"), file, "streets")
    geoms = _geometry(L, LINEAR, N_("a LineString or MultiLineString"))
    out = pd.DataFrame(index=L.gdf.index)
    for name in ("walkable", "connect"):
        given = L.gdf[name].notna().to_numpy() if name in L.gdf else np.zeros(len(L.gdf), bool)
        out[name] = np.where(given, _booleans(L, name), True)
    return out, geoms, L


# --------------------------------------------------------------------------------------------
# Coordinates: where a plan claims to be, and where it is.

# China's extent, generously: a plan outside it is warned about, not refused.
CHINA_LONLAT = (73.0, 17.0, 136.0, 54.0)
# Larger than any district: probably a wrong CRS or a stray feature.
LARGE_EXTENT_M = 150_000.0


def geographic_coordinates(bounds: np.ndarray, file: str, layer: str) -> list[Problem]:
    """Coordinates that a WGS 84 file cannot hold, or that put the plan off the map."""
    minx, miny, maxx, maxy = bounds
    problems = []
    lon_lat_swapped = (CHINA_LONLAT[1] <= minx and maxx <= CHINA_LONLAT[3]
                       and CHINA_LONLAT[0] <= miny and maxy <= CHINA_LONLAT[2]
                       and not (CHINA_LONLAT[0] <= minx and maxx <= CHINA_LONLAT[2]))
    if lon_lat_swapped:
        raise PlanError(Problem(
            file, N_("longitude and latitude look swapped"), layer=layer,
            found=f"x {minx:.4f}…{maxx:.4f} (latitudes?), y {miny:.4f}…{maxy:.4f} (longitudes?)",
            expected=N_("GeoJSON order [longitude, latitude] (RFC 7946)")))
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        raise PlanError(Problem(
            file, N_("coordinates are not longitude/latitude although the file claims WGS 84"),
            layer=layer, found=f"x {minx:,.0f}…{maxx:,.0f}, y {miny:,.0f}…{maxy:,.0f}",
            expected=N_("degrees; if these are projected metres, name their CRS with --crs "
                     "(e.g. --crs EPSG:4547 for CGCS2000 / 3-degree GK CM 114E)")))
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    if not (CHINA_LONLAT[0] <= cx <= CHINA_LONLAT[2] and CHINA_LONLAT[1] <= cy <= CHINA_LONLAT[3]):
        problems.append(Problem(file, N_("the plan lies outside China; checked all the same"),
                                layer=layer, found=f"centre {cx:.4f}, {cy:.4f}",
                                level="warning"))
    return problems


LARGE_PLAN = N_("the plan is larger than any district: check the CRS and stray features")


def plan_extent(projected, file: str) -> list[Problem]:
    minx, miny, maxx, maxy = projected.total_bounds
    width, height = maxx - minx, maxy - miny
    if max(width, height) > LARGE_EXTENT_M:
        return [Problem(file, LARGE_PLAN, layer="parcels",
                        found=f"{width / 1000:,.1f} km × {height / 1000:,.1f} km",
                        level="warning")]
    return []


def unprojectable(projected, file: str, layer: str):
    """Features whose coordinates the measuring CRS cannot hold (non-finite once projected:
    degrees far outside the plan's zone). A mask and one problem each."""
    geoms = projected.geometry.to_numpy()
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    bad = np.zeros(len(geoms), dtype=bool)
    bad[present] = ~np.isfinite(shapely.bounds(geoms[present])).all(axis=1)
    ids = projected["id"].to_numpy() if "id" in projected else np.full(len(geoms), None)
    return bad, [Problem(file, N_("the coordinates cannot be placed in the plan's measuring CRS"),
                         layer=layer, feature=str(ids[i]) if ids[i] is not None else f"#{i + 1}",
                         field="geometry",
                         expected=N_("coordinates near the rest of the plan, in the CRS the file "
                                     "declares"))
                 for i in np.flatnonzero(bad)]


def zero_area_parcels(projected, file: str):
    """Parcels with no area, which can only be told in metres (after projection)."""
    zero = (projected.area < 0.01).to_numpy()
    return zero, [Problem(file, N_("the parcel has zero area"), layer="parcels", feature=str(i),
                          field="geometry", expected=N_("a polygon with an area"))
                  for i in projected.loc[zero, "id"]]


HOUSEHOLDS_DISAGREE = N_("the parcel gives {parcel} households and its buildings hold "
                         "{buildings}: the floor-area rules count the parcel's, the walking "
                         "radius the buildings'")


def household_totals(parcels, buildings, file: str) -> list[Problem]:
    """Parcels whose buildings hold another number of households than the parcel gives (a
    permit's 1,000 against drawn buildings of 1,200 would hide 40 m² at 20 m² per 100): the
    area rules count the parcel's figure, the distances the buildings', and the reviewer is
    shown both. Parcels without buildings, with bad data of their own, or with a building
    whose count could not be read are left out: there is nothing sure to compare."""
    if buildings is None or not len(buildings) or not len(parcels):
        return []
    n = len(parcels)
    owner = buildings["parcel"].to_numpy()
    counts = buildings["households"].to_numpy(dtype=float)
    inside = owner >= 0
    owner, counts = owner[inside], counts[inside]
    held = np.bincount(owner, weights=np.nan_to_num(counts), minlength=n)
    unread = np.bincount(owner, weights=np.isnan(counts), minlength=n) > 0
    has_buildings = np.bincount(owner, minlength=n) > 0
    new = parcels["households_new"].to_numpy(dtype=float)
    existing = parcels["households_existing"].to_numpy(dtype=float)
    given = np.nan_to_num(new) + np.nan_to_num(existing)
    sound = np.array([not p for p in parcels["problems"]], dtype=bool) \
        if "problems" in parcels else np.ones(n, dtype=bool)
    differ = has_buildings & ~unread & sound & ~(np.isnan(new) & np.isnan(existing)) \
        & (np.abs(held - given) > 0.5)
    ids = parcels["id"].to_numpy()
    return [Problem(file, HOUSEHOLDS_DISAGREE, layer="parcels", feature=str(ids[i]),
                    field="households_existing" if np.isnan(new[i]) else "households_new",
                    level="warning",
                    args=(("parcel", f"{given[i]:,.0f}"), ("buildings", f"{held[i]:,.0f}")))
            for i in np.flatnonzero(differ)]


# --------------------------------------------------------------------------------------------
# The vocabulary of a standard file.

_SEVERITIES = tuple(s.value for s in Severity)
TOP_KEYS = {"id", "extends", "title", "title_en", "place", "place_en", "document",
            "assumptions", "rules", "district_targets", "level", "province", "province_en",
            "effective", "expires", "expires_note"}
RULE_KEYS = {"severity", "citation", "params", "applies_to", "consequence", "consequence_en",
             "enabled", "remedy_existing", "remedy_existing_en", "deadline"}
CITATION_KEYS = {"document", "clause", "quote", "quote_en", "note", "sourcing", "url"}
DOCUMENT_KEYS = {"title", "title_en", "number", "issuer", "issued", "issued_note", "source",
                 "verified", "sourcing", "url", "effective"}
LEVELS = ("national", "province", "city", "district")
SOURCINGS = ("official", "statute_mirror", "secondary")
ASSUMPTIONS = {
    "persons_per_household": "persons per household when a parcel gives no population",
    "walking_speed_km_h": "walking speed that turns minutes into metres",
}
# No source states more; a larger figure is a typing error (0.5 m/s is a slow walk, 10 km/h a
# run; no household holds 20 persons on average).
ASSUMPTION_MAXIMA = {"persons_per_household": 20.0, "walking_speed_km_h": 10.0}
DISTRICT_TARGETS = {"configuration_rate", "day_care_coverage", "station_per_community",
                    "radius_coverage"}
APPLIES_TO = {"complete_community", "rural"}


def line_of(mapping, key=None) -> int | None:
    """The YAML line of a mapping (or of one of its keys), where the loader recorded it."""
    lines = getattr(mapping, "lines", None)
    if lines is None:
        return None
    return lines.get(key, mapping.line) if key is not None else mapping.line

# --------------------------------------------------------------------------------------------
# Standard files: every problem in one pass, each with file, line and field.

def _number_problem(path, mapping, key, value, spec_min=0.0, spec_max=None, nullable=False):
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Problem(str(path), N_("not a number"), field=key, found=repr(value),
                       line=line_of(mapping, key), expected=N_("a number"))
    if value != value or value in (float("inf"), float("-inf")):
        return Problem(str(path), N_("not a finite number"), field=key, found=repr(value),
                       line=line_of(mapping, key), expected=N_("a finite number"))
    if value < spec_min:
        return Problem(str(path), N_("value out of range"), field=key, found=repr(value),
                       line=line_of(mapping, key), expected=N_("a number ≥ {minimum}"),
                       args=(("minimum", f"{spec_min:g}"),))
    if spec_max is not None and value > spec_max:
        return Problem(str(path), N_("value out of range"), field=key, found=repr(value),
                       line=line_of(mapping, key), expected=N_("a number ≤ {maximum}"),
                       args=(("maximum", f"{spec_max:g}"),))
    return None


def _check_citation(path, raw, where) -> list[Problem]:
    out = []
    if not isinstance(raw, dict):
        return [Problem(str(path), N_("citation must be a mapping"), field=where, line=line_of(raw),
                        expected=N_("clause and quote"))]
    for key in sorted(set(raw) - CITATION_KEYS):
        out.append(Problem(str(path), N_("unknown key in citation"), field=f"{where}.{key}",
                           line=line_of(raw, key), expected=", ".join(sorted(CITATION_KEYS))))
    for key in sorted(set(raw) & CITATION_KEYS):
        if isinstance(raw[key], (dict, list)):
            out.append(Problem(str(path), N_("must be text"), field=f"{where}.{key}",
                               line=line_of(raw, key), found=type(raw[key]).__name__,
                               expected=N_("a line of text")))
    for key in ("clause", "quote"):
        if not str(raw.get(key) or "").strip():
            out.append(Problem(str(path), N_("the citation lacks a required field"),
                               field=f"{where}.{key}",
                               line=line_of(raw), expected=N_("the clause number and its own words")))
    return out


def standard_shape(path, data: dict) -> list[Problem]:
    p: list[Problem] = []
    for key in sorted(set(data) - TOP_KEYS, key=str):
        p.append(Problem(str(path), N_("unknown key"), field=str(key), line=line_of(data, key),
                         expected=", ".join(sorted(TOP_KEYS))))
    for key in ("id", "title", "title_en", "place", "place_en", "extends"):
        if data.get(key) is not None and not isinstance(data[key], str):
            p.append(Problem(str(path), N_("must be text"), field=key, line=line_of(data, key),
                             found=type(data[key]).__name__, expected=N_("a line of text")))
    if isinstance(data.get("id"), str) and not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}",
                                                            data["id"]):
        p.append(Problem(str(path), N_("an id is lower-case letters, digits, '-' and '_'"),
                         field="id", line=line_of(data, "id"), found=repr(data["id"]),
                         expected=N_("e.g. 'my-city' (it names files)")))
    if not str(data.get("id") or "").strip():
        p.append(Problem(str(path), N_("missing id"), field="id", line=line_of(data),
                         expected=N_("a short name such as 'my-city'")))
    if data.get("level") is not None and data["level"] not in LEVELS:
        p.append(Problem(str(path), N_("unknown level"), field="level", found=repr(data["level"]),
                         line=line_of(data, "level"), expected=", ".join(LEVELS)))
    for where, holder, key in _dates(data):
        value = holder.get(key)
        if value is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
            p.append(Problem(str(path), N_("not a date"), field=where, found=repr(value),
                             line=line_of(holder, key), expected=N_("YYYY-MM-DD")))
    for where, holder in _sourced(data):
        value = holder.get("sourcing")
        if value is not None and value not in SOURCINGS:
            p.append(Problem(str(path), N_("unknown sourcing"), field=f"{where}.sourcing",
                             found=repr(value), line=line_of(holder, "sourcing"),
                             expected=", ".join(SOURCINGS)))
    doc = data.get("document")
    if not isinstance(doc, dict) or not str(doc.get("title") or "").strip():
        p.append(Problem(str(path), N_("missing document title"), field="document.title",
                         line=line_of(data, "document"),
                         expected=N_("the title, number and date of the source document")))
    elif any(isinstance(v, (dict, list)) for v in doc.values()):
        for key in sorted(k for k, v in doc.items() if isinstance(v, (dict, list))):
            p.append(Problem(str(path), N_("must be text"), field=f"document.{key}",
                             line=line_of(doc, key), expected=N_("a line of text")))
    elif set(doc) - DOCUMENT_KEYS:
        for key in sorted(set(doc) - DOCUMENT_KEYS):
            p.append(Problem(str(path), N_("unknown key in document"), field=f"document.{key}",
                             line=line_of(doc, key), expected=", ".join(sorted(DOCUMENT_KEYS))))
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        return p + [Problem(str(path), N_("rules must be a mapping of rule id to entry"),
                            field="rules", line=line_of(data, "rules"))]
    for rule_id, raw in rules.items():
        where = f"rules.{rule_id}"
        if rule_id not in CATALOGUE:
            close = difflib.get_close_matches(str(rule_id), list(CATALOGUE), n=1)
            p.append(Problem(str(path), N_("unknown rule"), field=where,
                             line=line_of(rules, rule_id),
                             expected=close[0] if close else N_("a rule id (see `compliance "
                                                                "rules`)")))
            continue
        if raw is None:
            continue
        if not isinstance(raw, dict):
            p.append(Problem(str(path), N_("a rule entry is a mapping"), field=where,
                             line=line_of(rules, rule_id)))
            continue
        for key in sorted(set(raw) - RULE_KEYS):
            p.append(Problem(str(path), N_("unknown key in rule"), field=f"{where}.{key}",
                             line=line_of(raw, key), expected=", ".join(sorted(RULE_KEYS))))
        if raw.get("severity") is not None and raw["severity"] not in _SEVERITIES:
            p.append(Problem(str(path), N_("unknown severity"), field=f"{where}.severity",
                             found=repr(raw["severity"]), line=line_of(raw, "severity"),
                             expected=N_("mandatory or advisory")))
        if raw.get("applies_to") is not None and raw["applies_to"] not in APPLIES_TO:
            p.append(Problem(str(path), N_("unknown applies_to"), field=f"{where}.applies_to",
                             found=repr(raw["applies_to"]), line=line_of(raw, "applies_to"),
                             expected=" or ".join(sorted(APPLIES_TO))))
        if "citation" in raw:
            p += _check_citation(path, raw["citation"], f"{where}.citation")
        info = CATALOGUE[rule_id]
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            p.append(Problem(str(path), N_("params must be a mapping"), field=f"{where}.params",
                             line=line_of(raw, "params")))
            continue
        for pname, praw in params.items():
            spec = info.param(pname)
            if spec is None:
                p.append(Problem(str(path), N_("unknown parameter of the rule"),
                                 field=f"{where}.params.{pname}", line=line_of(params, pname),
                                 expected=", ".join(s.name for s in info.params) or "none"))
                continue
            holder, key = params, pname
            if isinstance(praw, dict):
                if "citation" in praw:
                    p += _check_citation(path, praw["citation"], f"{where}.params.{pname}.citation")
                holder, key, praw = praw, "value", praw.get("value")
            if spec.type == "flag":
                prob = None if isinstance(praw, bool) else Problem(
                    str(path), N_("not true or false"), field=key, found=repr(praw),
                    line=line_of(holder, key), expected=N_("true or false"))
            else:
                prob = _number_problem(path, holder, key, praw, spec.minimum, spec.maximum,
                                       spec.nullable)
            if prob:
                p.append(replace(prob, field=f"{where}.params.{pname}"))
    for name, raw in (data.get("assumptions") or {}).items():
        if name not in ASSUMPTIONS:
            p.append(Problem(str(path), N_("unknown assumption"), field=f"assumptions.{name}",
                             line=line_of(data["assumptions"], name),
                             expected=", ".join(sorted(ASSUMPTIONS))))
            continue
        holder, key, value = data["assumptions"], name, raw
        if isinstance(raw, dict):
            holder, key, value = raw, "value", raw.get("value")
        prob = _number_problem(path, holder, key, value, 1e-9, ASSUMPTION_MAXIMA[name])
        if prob:
            p.append(replace(prob, field=f"assumptions.{name}"))
    for name, raw in (data.get("district_targets") or {}).items():
        if name not in DISTRICT_TARGETS or not isinstance(raw, dict):
            p.append(Problem(str(path), N_("unknown district target"), field=f"district_targets.{name}",
                             line=line_of(data["district_targets"], name),
                             expected=", ".join(sorted(DISTRICT_TARGETS))))
            continue
        prob = _number_problem(path, raw, "target", raw.get("target"), 0.0, 1.0)
        if prob:
            p.append(replace(prob, field=f"district_targets.{name}.target"))
        p += _check_citation(path, raw.get("citation"), f"district_targets.{name}.citation")
    return p


def _dates(data: dict):
    """Every date a standard file may give: (field, mapping, key)."""
    yield "effective", data, "effective"
    yield "expires", data, "expires"
    if isinstance(data.get("document"), dict):
        yield "document.effective", data["document"], "effective"
    for rid, raw in (data.get("rules") or {}).items() if isinstance(data.get("rules"),
                                                                     dict) else ():
        if isinstance(raw, dict):
            yield f"rules.{rid}.deadline", raw, "deadline"


def _sourced(data: dict):
    if isinstance(data.get("document"), dict):
        yield "document", data["document"]
    for rid, raw in (data.get("rules") or {}).items() if isinstance(data.get("rules"),
                                                                     dict) else ():
        if isinstance(raw, dict) and isinstance(raw.get("citation"), dict):
            yield f"rules.{rid}.citation", raw["citation"]


def standard_complete(path, data: dict, standard) -> list[Problem]:
    """After inheritance: every rule has a citation and all its required parameters."""
    p = []
    for rule in standard.rules.values():
        raw = (data.get("rules") or {}).get(rule.id)
        line = line_of(data.get("rules"), rule.id) if raw is not None else None
        if rule.citation is None:
            p.append(Problem(str(path), N_("rule has no citation (here or in the standard it "
                             "extends)"), field=f"rules.{rule.id}.citation", line=line,
                             expected=N_("citation: {clause: …, quote: …}")))
        for spec in CATALOGUE[rule.id].params:
            if spec.required and spec.name not in rule.params:
                p.append(Problem(str(path), N_("the rule lacks a required parameter"),
                                 field=f"rules.{rule.id}.params.{spec.name}", line=line,
                                 expected=spec.description))
    for name in ASSUMPTIONS:
        if name not in standard.assumptions:
            p.append(Problem(str(path), N_("missing assumption (normally inherited from national)"),
                             field=f"assumptions.{name}", expected=ASSUMPTIONS[name]))
    return p


# --------------------------------------------------------------------------------------------
# Report metadata: known keys, text values.

def report_meta(data, file: str) -> dict[str, str]:
    from .vocabulary import META_FIELDS

    if data is None:
        return {}
    if not isinstance(data, dict):
        raise PlanError(Problem(file, N_("report metadata is a mapping of field to text"),
                                found=type(data).__name__,
                                expected=N_("project: …, report_no: …, reviewer: …")))
    problems = []
    for key, value in data.items():
        if key not in META_FIELDS:
            problems.append(Problem(file, N_("unknown metadata field"), field=str(key),
                                    expected=", ".join(META_FIELDS)))
        elif value is not None and not isinstance(value, (str, int, float)):
            problems.append(Problem(file, N_("must be text"), field=str(key),
                                    found=type(value).__name__))
    if problems:
        raise PlanError(problems)
    return {k: str(v).strip() for k, v in data.items() if v is not None and str(v).strip()}
