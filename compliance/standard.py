"""Standards as data: load a city's YAML file, resolve its `extends` chain, validate it.

Every number a check uses lives in a standard file with the clause it comes from. A city file
overrides only what its own document states; everything else is inherited from the file it
extends and is marked inherited, so no report shows an inherited figure as the city's own.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import hashlib
import os
import re
from importlib import resources
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from ._i18n import N_
from ._errors import Problem, StandardError
from . import _validate
from .rules.catalogue import CATALOGUE
from .vocabulary import Severity



def standards_dir() -> Path:
    """Where the shipped standards live (override with COMPLIANCE_STANDARDS_DIR).

    They are package data of `compliance.standards` (the repository's top-level `standards/`
    folder, mapped into the package by setup.cfg), found through importlib.resources, so a
    wheel installed anywhere knows every city.
    """
    env = os.environ.get("COMPLIANCE_STANDARDS_DIR")
    if env:
        return Path(env)
    try:
        shipped = resources.files("compliance.standards")
    except ModuleNotFoundError:  # pragma: no cover - a source tree without the mapping
        shipped = None
    for candidate in getattr(shipped, "_paths", None) or ([shipped] if shipped else []):
        path = Path(str(candidate))
        if path.is_dir() and any(path.glob("*.yaml")):
            return path
    return Path(__file__).resolve().parent.parent / "standards"


@dataclass(frozen=True)
class Document:
    title: str
    title_en: str | None = None
    number: str | None = None
    issuer: str | None = None
    issued: str | None = None
    issued_note: str | None = None
    source: str | None = None
    verified: str | None = None
    # How the words were obtained (SOURCES-MORE.md): "official" (the issuing body's own
    # site), "statute_mirror" (the statute's own text on a secondary host), "secondary"
    # (news or reprint). None for the five seed documents, which are the texts themselves.
    sourcing: str | None = None
    url: str | None = None
    effective: str | None = None

    @property
    def secondary(self) -> bool:
        return self.sourcing in ("secondary", "statute_mirror")


@dataclass(frozen=True)
class Citation:
    document: Document
    clause: str
    quote: str
    note: str | None = None
    quote_en: str | None = None  # an English rendering, shown beside the Chinese original
    sourcing: str | None = None  # overrides the document's (one quote seen only in a reprint)
    url: str | None = None
    # The standard file whose entry states this citation.
    standard_id: str = ""
    inherited: bool = False

    @property
    def how_sourced(self) -> str | None:
        return self.sourcing or self.document.sourcing

    @property
    def secondary(self) -> bool:
        return self.how_sourced in ("secondary", "statute_mirror")


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    citation: Citation
    unit: str = ""
    inherited: bool = False
    # Set in a file that cites nothing for it: the rule's quote does not state this value.
    uncited: bool = False


@dataclass(frozen=True)
class RuleSpec:
    id: str
    severity: str
    citation: Citation
    params: dict[str, Parameter] = field(default_factory=dict)
    applies_to: str | None = None
    consequence: str | None = None
    consequence_en: str | None = None
    # What the standard says happens where existing housing falls short (购置、置换、租赁):
    # shown as the consequence of a failing finding on existing housing, not a refusal.
    remedy_existing: str | None = None
    remedy_existing_en: str | None = None
    # A target with a date ("到2022年底"): after it, reported as an expired target.
    deadline: str | None = None
    expired: bool = False
    inherited: bool = False

    def value(self, name: str, default: Any = None) -> Any:
        p = self.params.get(name)
        return default if p is None else p.value

    @property
    def any_inherited(self) -> bool:
        return self.inherited or any(p.inherited for p in self.params.values())


@dataclass(frozen=True)
class DistrictTarget:
    id: str
    target: float
    citation: Citation
    inherited: bool = False


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    title_en: str
    place: str
    place_en: str
    document: Document
    rules: dict[str, RuleSpec]
    assumptions: dict[str, Parameter]
    district_targets: dict[str, DistrictTarget]
    chain: tuple[str, ...]
    path: str
    # national, province or city; the province it belongs to (for grouping and reports).
    level: str = "city"
    province: str = ""
    province_en: str = ""
    effective: str | None = None
    expires: str | None = None
    expires_note: str | None = None
    # The date the rules are read as of (--as-of; today by default), and the files of the
    # chain whose rules were not in force on it: ({"id", "effective", "expires"}, …).
    as_of: str = ""
    not_in_force: tuple[dict, ...] = ()
    # Each file of the chain: ({"id", "level", "place", "place_en"}, …), this one first.
    levels: tuple[dict, ...] = ()
    # Dated targets of the chain whose date had passed on `as_of`: ({"id", "rule",
    # "deadline"}, …). Where the file extended has the rule undated, that rule stands.
    passed_deadlines: tuple[dict, ...] = ()
    # Provenance (RESULT-FORMAT.md): "built-in" or the user's file, the SHA-256 of each file of
    # the extends chain (this one first), and every parameter whose value differs from what the
    # nearest built-in standard it extends publishes.
    source: str = "built-in"
    sha256: str = ""
    sha256_chain: tuple[str, ...] = ()
    modified: tuple[dict, ...] = ()
    published: "Standard | None" = None  # the nearest built-in standard (itself if built-in)

    @property
    def built_in(self) -> bool:
        return self.source == "built-in"

    @property
    def persons_per_household(self) -> float:
        return float(self.assumptions["persons_per_household"].value)

    @property
    def walking_speed_km_h(self) -> float:
        """The standard's walking speed; a run's speed is `Options.walking_speed_km_h_for`."""
        return float(self.assumptions["walking_speed_km_h"].value)


# --------------------------------------------------------------------------------------------
# YAML with line numbers, loaded safely (no Python object tags).

class _LineDict(dict):
    line: int = 0
    lines: dict


class _StandardYAMLError(yaml.YAMLError):
    def __init__(self, problem: str, mark, figures: tuple = ()):
        self.problem, self.problem_mark, self.figures = problem, mark, figures


class _SafeLineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Plain data only: no Python tags (SafeLoader), no aliases (a file that expands itself
    a billion times), no key given twice (the second would silently win). libyaml's parser
    where PyYAML has it (a tenth of the time of every run's three files)."""

    def construct_document(self, node):
        _refuse_aliases(node)
        return super().construct_document(node)


def _refuse_aliases(root) -> None:
    """An alias makes the composed document use one node twice: refuse it before anything is
    built from it (the walk stops at the first node met again, however large the expansion)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            raise _StandardYAMLError(N_("aliases (*name) are not allowed in a standard file"),
                                     node.start_mark)
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise _StandardYAMLError(N_("a key must be a plain word or number"),
                                     key_node.start_mark)
        if key in mapping.lines:
            raise _StandardYAMLError(N_("'{key}' is given twice (first on line {first})"),
                                     key_node.start_mark,
                                     (("key", str(key)), ("first", mapping.lines[key])))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_SafeLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StandardError(Problem(str(path), N_("standard file not found"))) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StandardError(Problem(str(path), N_("cannot read the standard file"),
                                    found=str(exc))) from None
    try:
        data = yaml.load(text, Loader=_SafeLineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise StandardError(Problem(
            str(path), N_("YAML tag not allowed: a standard holds plain data only"),
            found=str(exc.problem).split(" for ")[0], line=line,
            expected=N_("mappings, lists, strings and numbers"))) from None
    except _StandardYAMLError as exc:
        raise StandardError(Problem(str(path), exc.problem, line=exc.problem_mark.line + 1,
                                    args=exc.figures)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StandardError(Problem(str(path), N_("not valid YAML"),
                                    found=str(getattr(exc, "problem", exc)),
                                    line=mark.line + 1 if mark else None)) from None
    except RecursionError:
        raise StandardError(Problem(str(path), N_("nested too deeply to be a standard file"),
                                    expected=N_("a few levels: rules → rule → params"))) from None
    if not isinstance(data, dict):
        raise StandardError(Problem(str(path), N_("a standard file is a mapping"),
                                    found=type(data).__name__, expected=N_("keys id, document, rules")))
    return data


# --------------------------------------------------------------------------------------------
# Resolution of `extends` chains.

def available_standards() -> list[str]:
    return sorted(p.stem for p in standards_dir().glob("*.yaml"))


def _locate(name: str, relative_to: Path | None = None) -> Path:
    candidate = Path(name)
    if candidate.suffix in (".yaml", ".yml"):
        if not candidate.is_absolute() and relative_to is not None and not candidate.exists():
            candidate = relative_to / candidate
        return candidate
    if relative_to is not None and (relative_to / f"{name}.yaml").exists():
        return relative_to / f"{name}.yaml"
    return standards_dir() / f"{name}.yaml"


def standard_id_for(name: str) -> str | None:
    """A shipped standard's id from the name a user types: its id, or its place in Chinese
    or English, in any case (`zunyi`, `Zunyi`, `遵义`, `遵义市`, `贵州省遵义市`). A place is
    named by its own name only: 山东 is Shandong's standard, never that of a city in it."""
    wanted = name.strip().lower()
    return _names_of_places().get(wanted)


@lru_cache(maxsize=1)
def _names_of_places() -> dict[str, str]:
    """Every name a user may type for a shipped standard → its id (the first id, in order,
    where two places share a name). Made once: a country's batch asks for each of its
    thousands of places."""
    names: dict[str, str] = {}
    for sid in available_standards():
        names.setdefault(sid, sid)
    for sid in available_standards():
        try:
            data = _read_yaml(standards_dir() / f"{sid}.yaml")
        except StandardError:
            continue
        for place in _place_names(str(data.get("place") or ""),
                                  str(data.get("place_en") or "")):
            names.setdefault(place, sid)
    return names


# The administrative units a Chinese place name is made of (贵州省 | 遵义市, 重庆市 | X区), and
# the endings a user may leave off its own (遵义市 → 遵义, 广西壮族自治区 → 广西). Only these
# endings cut a name: 州 and 区 also occur inside names (贵州, 广州).
_UNIT = re.compile(r".+?(?:特别行政区|自治区|省|市)")
_ENDINGS = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市", "区",
            "县")


def _place_names(place: str, place_en: str) -> set[str]:
    """What a user may type for a standard's place (lower case): its full name, its own unit
    (the city of a city's standard, the province of a province's) with or without its
    ending, and the English name with or without the province after its comma."""
    units = _UNIT.findall(place)
    rest = place[sum(len(u) for u in units):]
    own = rest or (units[-1] if units else place)
    names = {place, own, place_en, place_en.split(",")[0].strip()}
    names |= {own[:-len(e)] for e in _ENDINGS if own.endswith(e) and len(own) >= len(e) + 2}
    return {n.lower() for n in names if n}


def _today() -> str:
    """Today, or the reproducible-builds date (SOURCE_DATE_EPOCH) when one is set, so that a
    report regenerated from the same inputs applies the same rules."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return _dt.datetime.fromtimestamp(int(epoch), _dt.timezone.utc).date().isoformat()
    return _dt.date.today().isoformat()


def load_standard(name_or_path: str | os.PathLike, as_of: str | None = None) -> Standard:
    """Load a shipped standard by id (``dongying``) or a user's file by path, with inheritance,
    as in force on `as_of` (an ISO date; today when None)."""
    as_of = as_of or _today()
    path = _locate(str(name_or_path))
    if not path.exists() and Path(str(name_or_path)).suffix not in (".yaml", ".yml"):
        found = standard_id_for(str(name_or_path))
        if found:
            path = _locate(found)
    if not path.exists():
        if Path(str(name_or_path)).suffix in (".yaml", ".yml"):
            raise StandardError(Problem(str(path), N_("standard file not found")))
        from .not_encoded import find

        known = find(str(name_or_path))
        if known is not None:  # found in the sources, deliberately not encoded: why, instead
            raise StandardError(Problem(
                str(name_or_path), known.why,
                expected=N_("--city national (the national baseline), or a standard file of "
                            "your own (see `compliance standards not-encoded`)")))
        covered = place_without_standard(str(name_or_path))
        if covered is not None:
            raise StandardError(covered)
        # Only a near spelling is offered (dongyin → dongying): at difflib's default 0.6,
        # wuhan was offered henan, another province's rules.
        close = difflib.get_close_matches(str(name_or_path), available_standards(), n=1,
                                          cutoff=0.8)
        # The nearest id where there is one (a typo), else where the ids are listed: said in
        # the reader's language either way.
        raise StandardError(Problem(
            str(name_or_path), N_("no standard of this name"),
            expected=close[0] if close else N_("a standard id (see `compliance standards "
                                               "list`), a city's Chinese name, or a .yaml "
                                               "path")))
    return _resolve(path, seen=(), as_of=as_of)


NO_STANDARD_OF_PLACE = N_("{place} has no standard of its own among those shipped")
COVERED_BY = N_("{place} has no standard of its own among those shipped; {within}'s is {id}")
SEVERAL_PLACES = N_("these words name several places, none with a standard of its own among "
                    "those shipped")
USE_NATIONAL = N_("--city national (the national baseline), or a standard file of your own")
USE_COVERING = N_("--city {id} where {place} sets no rule of its own; otherwise a standard "
                  "file of your own")
USE_MEANT = N_("the standard of the place meant, or a standard file of your own")


def place_without_standard(text: str) -> Problem | None:
    """For words naming a place of China without a standard of its own (武汉, 红花岗区): what
    to use instead, said as a problem of `text`; None for words naming no such place."""
    from . import places

    named = places.find(text)
    return covering(text, named) if named else None


def standard_covering(division) -> tuple:
    """The nearest place holding `division` (a county's city, a city's province) that has a
    standard of its own, and that standard's id; (None, None) where none does."""
    from . import places

    return next(((d, sid) for d in places.within(division)
                 if (sid := standard_id_for(d.name))), (None, None))


def covering(text: str, named) -> Problem:
    """What to use for places of China without a standard of their own: the standard of the
    nearest place holding each (a county's city, a city's province), else the national one.
    Never used in their stead: a city may set rules its province does not."""
    from . import places

    if len(named) > 1:
        found = "; ".join(f"{places.full_name(d)} → {standard_covering(d)[1] or 'national'}"
                          for d in named)
        return Problem(text, SEVERAL_PLACES, found=found, expected=USE_MEANT)
    place = places.full_name(named[0])
    holder, sid = standard_covering(named[0])
    if sid is None:
        return Problem(text, NO_STANDARD_OF_PLACE, expected=USE_NATIONAL,
                       args=(("place", place),))
    return Problem(text, COVERED_BY, expected=USE_COVERING,
                   args=(("place", place), ("within", holder.name), ("id", sid)))


def _resolve(path: Path, seen: tuple[str, ...], as_of: str) -> Standard:
    key = str(path.resolve())
    if key in seen:
        chain = " → ".join(Path(s).name for s in (*seen, key))
        raise StandardError(Problem(str(path), N_("the extends chain has a cycle"), found=chain,
                                    field="extends", expected=N_("a chain that ends at a file "
                                    "without extends (normally national)")))
    data = _read_yaml(path)
    problems = _validate.standard_shape(path, data)
    parent = None
    if data.get("extends") is not None:
        parent_path = _locate(str(data["extends"]), relative_to=path.parent)
        if not parent_path.exists():
            problems.append(Problem(str(path), N_("extends names a standard that does not exist"),
                                    field="extends", found=repr(data["extends"]),
                                    line=_validate.line_of(data, "extends"),
                                    expected=N_("a shipped standard id or a path to a .yaml file")))
        else:
            parent = _resolve(parent_path, (*seen, key), as_of)
    if problems:
        raise StandardError(problems)
    standard = _build(path, data, parent, as_of)
    standard = _provenance(standard, path, parent)
    problems = _validate.standard_complete(path, data, standard)
    if problems:
        raise StandardError(problems)
    return standard


def _provenance(standard: Standard, path: Path, parent: Standard | None) -> Standard:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    try:
        built_in = path.resolve().parent == standards_dir().resolve()
    except OSError:  # pragma: no cover
        built_in = False
    chain = (digest, *(parent.sha256_chain if parent else ()))
    source = "built-in" if built_in else str(path)
    standard = replace(standard, source=source, sha256=digest, sha256_chain=chain)
    if built_in:
        return replace(standard, published=standard)
    published = parent.published if parent else None
    return replace(standard, published=published,
                   modified=tuple(_modified(standard, published, source)))


def _modified(standard: Standard, published: Standard | None, by: str) -> list[dict]:
    """Every parameter whose value differs from the nearest built-in standard's."""
    out = []
    for rule in standard.rules.values():
        base = published.rules.get(rule.id) if published else None
        for p in rule.params.values():
            was = base.value(p.name) if base else None
            if was != p.value:
                out.append({"rule": rule.id, "param": p.name, "published": was,
                            "used": p.value, "by": by})
    for name, p in standard.assumptions.items():
        was = published.assumptions[name].value if published and name in \
            published.assumptions else None
        if was != p.value:
            out.append({"rule": "assumptions", "param": name, "published": was,
                        "used": p.value, "by": by})
    return out


def _document(raw: dict) -> Document:
    return Document(**{k: (None if raw.get(k) is None else str(raw.get(k)))
                       for k in _validate.DOCUMENT_KEYS})


def _citation(raw: dict | None, doc: Document, standard_id: str) -> Citation | None:
    if raw is None:
        return None
    cited = raw.get("document")
    document = Document(title=str(cited)) if cited else doc
    return Citation(document=document, clause=str(raw.get("clause", "")),
                    quote=str(raw.get("quote", "")), note=raw.get("note"),
                    quote_en=raw.get("quote_en"), sourcing=raw.get("sourcing"),
                    url=raw.get("url"), standard_id=standard_id)


def _date(value) -> str | None:
    return None if value is None else str(value)


# Read a standard as written, every dated rule included (the generated docs, `standards diff`).
AS_WRITTEN = "*"


def in_force(effective: str | None, expires: str | None, as_of: str) -> bool:
    """Whether a file's rules apply on `as_of` (ISO dates compare as text)."""
    if as_of == AS_WRITTEN:
        return True
    return (effective is None or effective <= as_of) and (expires is None or as_of < expires)


def _param(name: str, raw: Any, rule_citation: Citation, doc: Document, sid: str,
           unit: str = "") -> Parameter:
    if isinstance(raw, dict):
        cit = _citation(raw.get("citation"), doc, sid) or rule_citation
        return Parameter(name, raw.get("value"), cit, str(raw.get("unit", unit)))
    return Parameter(name, raw, rule_citation, unit)


def _build(path: Path, data: dict, parent: Standard | None, as_of: str) -> Standard:
    sid = str(data["id"])
    doc = _document(data["document"])
    effective = _date(data.get("effective") or data["document"].get("effective"))
    expires = _date(data.get("expires"))
    applies = in_force(effective, expires, as_of)
    not_in_force = tuple(parent.not_in_force) if parent else ()
    if not applies:
        # Not yet in force, or lapsed, on the date checked: what it extends stands instead,
        # and every output says so.
        not_in_force = ({"id": sid, "effective": effective, "expires": expires},
                        *not_in_force)
        data = {**data, "rules": {}, "assumptions": {}, "district_targets": {}}
    rules: dict[str, RuleSpec] = dict(parent.rules) if parent else {}
    passed: list[dict] = list(parent.passed_deadlines) if parent else []
    for rule_id, raw in (data.get("rules") or {}).items():
        raw = raw or {}
        if raw.get("enabled") is False:
            rules.pop(rule_id, None)
            continue
        base = rules.get(rule_id)
        citation = _citation(raw.get("citation"), doc, sid) or (base.citation if base else None)
        info = CATALOGUE[rule_id]
        params = dict(base.params) if base else {}
        own_citation = raw.get("citation") is not None
        for pname, praw in (raw.get("params") or {}).items():
            spec = info.param(pname)
            param = _param(pname, praw, citation, doc, sid, spec.unit if spec else "")
            cited = own_citation or (isinstance(praw, dict) and praw.get("citation"))
            if not cited:
                # Nothing in this file cites it: the rule's quote (another file's) does not
                # state this value, so the parameter carries this file's uncited mark.
                param = replace(param, uncited=True,
                                citation=Citation(document=doc, clause="", quote="",
                                                  standard_id=sid))
            params[pname] = param
        rules[rule_id] = RuleSpec(
            id=rule_id,
            severity=Severity(raw.get("severity") or (base.severity if base else Severity.MANDATORY)),
            citation=citation,
            params=params,
            applies_to=raw.get("applies_to", base.applies_to if base else None),
            consequence=raw.get("consequence", base.consequence if base else None),
            consequence_en=raw.get("consequence_en", base.consequence_en if base else None),
            remedy_existing=raw.get("remedy_existing",
                                    base.remedy_existing if base else None),
            remedy_existing_en=raw.get("remedy_existing_en",
                                       base.remedy_existing_en if base else None),
            deadline=_date(raw.get("deadline", base.deadline if base else None)),
        )
        deadline = rules[rule_id].deadline
        if deadline is not None and as_of != AS_WRITTEN and deadline < as_of \
                and raw.get("deadline") is not None:
            passed.append({"id": sid, "rule": rule_id, "deadline": deadline})
            if base is not None and not base.expired and base.deadline is None:
                # This file's dated target has passed; the rule it extends still stands.
                rules[rule_id] = base
            else:
                rules[rule_id] = replace(rules[rule_id], expired=True)
    assumptions = dict(parent.assumptions) if parent else {}
    for name, raw in (data.get("assumptions") or {}).items():
        cit = _citation(raw.get("citation") if isinstance(raw, dict) else None, doc, sid)
        assumptions[name] = _param(name, raw, cit, doc, sid)
    targets = dict(parent.district_targets) if parent else {}
    for name, raw in (data.get("district_targets") or {}).items():
        targets[name] = DistrictTarget(name, float(raw["target"]),
                                       _citation(raw.get("citation"), doc, sid))

    # Inherited is relative to the standard being built: whatever another file states.
    def mark(c: Citation | None) -> Citation | None:
        return None if c is None else replace(c, inherited=c.standard_id != sid)

    def own(c: Citation | None) -> bool:
        return c is None or c.standard_id == sid

    rules = {
        rid: replace(r, citation=mark(r.citation), inherited=not own(r.citation),
                     params={n: replace(p, citation=mark(p.citation), inherited=not own(p.citation))
                             for n, p in r.params.items()})
        for rid, r in rules.items()
    }
    assumptions = {n: replace(p, citation=mark(p.citation), inherited=not own(p.citation))
                   for n, p in assumptions.items()}
    targets = {n: replace(t, citation=mark(t.citation), inherited=not own(t.citation))
               for n, t in targets.items()}
    level = str(data.get("level") or ("national" if parent is None else "city"))
    province = str(data.get("province") or (data.get("place") if level == "province" else "")
                   or (parent.province if parent else ""))
    province_en = str(data.get("province_en") or (data.get("place_en") if level == "province"
                      else "") or (parent.province_en if parent else ""))
    place = str(data.get("place") or (parent.place if parent else ""))
    place_en = str(data.get("place_en") or (parent.place_en if parent else ""))
    # A file that names no place of its own (a user's variant) is named by its title.
    own_title = str(data.get("title") or doc.title)
    levels = ({"id": sid, "level": level, "place": str(data.get("place") or own_title),
               "place_en": str(data.get("place_en") or data.get("title_en") or own_title)},
              *(parent.levels if parent else ()))
    return Standard(
        level=level, province=province, province_en=province_en, effective=effective,
        expires=expires, expires_note=data.get("expires_note"), as_of=as_of,
        not_in_force=not_in_force, levels=levels, passed_deadlines=tuple(passed),
        id=sid,
        title=str(data.get("title") or doc.title),
        title_en=str(data.get("title_en") or doc.title_en or data.get("title") or doc.title),
        place=place, place_en=place_en,
        document=doc, rules=rules, assumptions=assumptions, district_targets=targets,
        chain=(sid, *(parent.chain if parent else ())), path=str(path),
    )


