"""Standards as data: load a city's YAML file, resolve its `extends` chain, validate it.

Every number a check uses lives in a standard file with the clause it comes from. A city file
overrides only what its own document states; everything else is inherited from the file it
extends and is marked inherited, so no report shows an inherited figure as the city's own.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ._errors import Problem, StandardError
from .rules import REGISTRY

SEVERITIES = ("mandatory", "advisory")
_TOP_KEYS = {"id", "extends", "title", "title_en", "place", "place_en", "document",
             "assumptions", "rules", "district_targets"}
_RULE_KEYS = {"severity", "citation", "params", "applies_to", "consequence", "consequence_en",
              "enabled"}
_CITATION_KEYS = {"document", "clause", "quote", "note"}
_DOCUMENT_KEYS = {"title", "title_en", "number", "issuer", "issued", "issued_note", "source",
                  "verified"}
_ASSUMPTIONS = {
    "persons_per_household": "persons per household when a parcel gives no population",
    "walking_speed_km_h": "walking speed that turns minutes into metres",
}
_DISTRICT_TARGETS = {"configuration_rate", "day_care_coverage", "station_per_community",
                     "radius_coverage"}
_APPLIES_TO = {"complete_community", "rural"}


def standards_dir() -> Path:
    """Where the shipped standards live (override with COMPLIANCE_STANDARDS_DIR)."""
    env = os.environ.get("COMPLIANCE_STANDARDS_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "standards"


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


@dataclass(frozen=True)
class Citation:
    document: Document
    clause: str
    quote: str
    note: str | None = None
    # The standard file whose entry states this citation.
    standard_id: str = ""
    inherited: bool = False


@dataclass(frozen=True)
class Parameter:
    name: str
    value: Any
    citation: Citation
    unit: str = ""
    inherited: bool = False


@dataclass(frozen=True)
class RuleSpec:
    id: str
    severity: str
    citation: Citation
    params: dict[str, Parameter] = field(default_factory=dict)
    applies_to: str | None = None
    consequence: str | None = None
    consequence_en: str | None = None
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

    @property
    def persons_per_household(self) -> float:
        return float(self.assumptions["persons_per_household"].value)

    @property
    def walking_speed_m_per_min(self) -> float:
        return float(self.assumptions["walking_speed_km_h"].value) * 1000.0 / 60.0


# --------------------------------------------------------------------------------------------
# YAML with line numbers, loaded safely (no Python object tags).

class _LineDict(dict):
    line: int = 0
    lines: dict


class _SafeLineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    mapping = _LineDict()
    mapping.line = node.start_mark.line + 1
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = key_node.start_mark.line + 1
    return mapping


_SafeLineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(mapping, key=None) -> int | None:
    if isinstance(mapping, _LineDict):
        return mapping.lines.get(key, mapping.line) if key is not None else mapping.line
    return None


def _read_yaml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise StandardError(Problem(str(path), "standard file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise StandardError(Problem(str(path), f"cannot read the standard file: {exc}")) from None
    try:
        data = yaml.load(text, Loader=_SafeLineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.constructor.ConstructorError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise StandardError(Problem(
            str(path), "YAML tag not allowed: a standard holds plain data only",
            found=str(exc.problem).split(" for ")[0], line=line,
            expected="mappings, lists, strings and numbers")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise StandardError(Problem(str(path), f"not valid YAML: {getattr(exc, 'problem', exc)}",
                                    line=mark.line + 1 if mark else None)) from None
    if not isinstance(data, dict):
        raise StandardError(Problem(str(path), "a standard file is a mapping",
                                    found=type(data).__name__, expected="keys id, document, rules"))
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


def load_standard(name_or_path: str | os.PathLike) -> Standard:
    """Load a shipped standard by id (``dongying``) or a user's file by path, with inheritance."""
    path = _locate(str(name_or_path))
    if not path.exists():
        if Path(str(name_or_path)).suffix in (".yaml", ".yml"):
            raise StandardError(Problem(str(path), "standard file not found"))
        close = difflib.get_close_matches(str(name_or_path), available_standards(), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise StandardError(Problem(
            str(name_or_path), f"no standard named '{name_or_path}'{hint}",
            expected="one of " + ", ".join(available_standards()) + ", or a .yaml path"))
    return _resolve(path, seen=())


def _resolve(path: Path, seen: tuple[str, ...]) -> Standard:
    key = str(path.resolve())
    if key in seen:
        chain = " → ".join(Path(s).name for s in (*seen, key))
        raise StandardError(Problem(str(path), "the extends chain has a cycle", found=chain,
                                    field="extends", expected="a chain that ends at a file "
                                    "without extends (normally national)"))
    data = _read_yaml(path)
    problems = _check_shape(path, data)
    parent = None
    if data.get("extends") is not None:
        parent_path = _locate(str(data["extends"]), relative_to=path.parent)
        if not parent_path.exists():
            problems.append(Problem(str(path), "extends names a standard that does not exist",
                                    field="extends", found=repr(data["extends"]),
                                    line=_line(data, "extends"),
                                    expected="a shipped standard id or a path to a .yaml file"))
        else:
            parent = _resolve(parent_path, (*seen, key))
    if problems:
        raise StandardError(problems)
    standard = _build(path, data, parent)
    problems = _check_complete(path, data, standard)
    if problems:
        raise StandardError(problems)
    return standard


def _document(raw: dict) -> Document:
    return Document(**{k: (None if raw.get(k) is None else str(raw.get(k)))
                       for k in _DOCUMENT_KEYS})


def _citation(raw: dict | None, doc: Document, standard_id: str) -> Citation | None:
    if raw is None:
        return None
    cited = raw.get("document")
    document = Document(title=str(cited)) if cited else doc
    return Citation(document=document, clause=str(raw.get("clause", "")),
                    quote=str(raw.get("quote", "")), note=raw.get("note"),
                    standard_id=standard_id)


def _param(name: str, raw: Any, rule_citation: Citation, doc: Document, sid: str,
           unit: str = "") -> Parameter:
    if isinstance(raw, dict):
        cit = _citation(raw.get("citation"), doc, sid) or rule_citation
        return Parameter(name, raw.get("value"), cit, str(raw.get("unit", unit)))
    return Parameter(name, raw, rule_citation, unit)


def _build(path: Path, data: dict, parent: Standard | None) -> Standard:
    sid = str(data["id"])
    doc = _document(data["document"])
    rules: dict[str, RuleSpec] = dict(parent.rules) if parent else {}
    for rule_id, raw in (data.get("rules") or {}).items():
        raw = raw or {}
        if raw.get("enabled") is False:
            rules.pop(rule_id, None)
            continue
        base = rules.get(rule_id)
        citation = _citation(raw.get("citation"), doc, sid) or (base.citation if base else None)
        info = REGISTRY[rule_id]
        params = dict(base.params) if base else {}
        for pname, praw in (raw.get("params") or {}).items():
            spec = info.param(pname)
            params[pname] = _param(pname, praw, citation, doc, sid, spec.unit if spec else "")
        rules[rule_id] = RuleSpec(
            id=rule_id,
            severity=raw.get("severity") or (base.severity if base else "mandatory"),
            citation=citation,
            params=params,
            applies_to=raw.get("applies_to", base.applies_to if base else None),
            consequence=raw.get("consequence", base.consequence if base else None),
            consequence_en=raw.get("consequence_en", base.consequence_en if base else None),
        )
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
    return Standard(
        id=sid,
        title=str(data.get("title") or doc.title),
        title_en=str(data.get("title_en") or doc.title_en or data.get("title") or doc.title),
        place=str(data.get("place") or (parent.place if parent else "")),
        place_en=str(data.get("place_en") or (parent.place_en if parent else "")),
        document=doc, rules=rules, assumptions=assumptions, district_targets=targets,
        chain=(sid, *(parent.chain if parent else ())), path=str(path),
    )


# --------------------------------------------------------------------------------------------
# Validation: every problem in one pass, each with file, line and field.

def _number_problem(path, mapping, key, value, spec_min=0.0, spec_max=None, nullable=False):
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Problem(str(path), "not a number", field=key, found=repr(value),
                       line=_line(mapping, key), expected="a number")
    if value != value:  # NaN
        return Problem(str(path), "not a number", field=key, found="NaN",
                       line=_line(mapping, key), expected="a number")
    if value < spec_min:
        return Problem(str(path), "value out of range", field=key, found=repr(value),
                       line=_line(mapping, key), expected=f"a number ≥ {spec_min:g}")
    if spec_max is not None and value > spec_max:
        return Problem(str(path), "value out of range", field=key, found=repr(value),
                       line=_line(mapping, key), expected=f"a number ≤ {spec_max:g}")
    return None


def _check_citation(path, raw, where) -> list[Problem]:
    out = []
    if not isinstance(raw, dict):
        return [Problem(str(path), "citation must be a mapping", field=where, line=_line(raw),
                        expected="clause and quote")]
    for key in sorted(set(raw) - _CITATION_KEYS):
        out.append(Problem(str(path), "unknown key in citation", field=f"{where}.{key}",
                           line=_line(raw, key), expected=", ".join(sorted(_CITATION_KEYS))))
    for key in ("clause", "quote"):
        if not str(raw.get(key) or "").strip():
            out.append(Problem(str(path), "citation lacks its " + key, field=f"{where}.{key}",
                               line=_line(raw), expected="the clause number and its own words"))
    return out


def _check_shape(path: Path, data: dict) -> list[Problem]:
    p: list[Problem] = []
    for key in sorted(set(data) - _TOP_KEYS, key=str):
        p.append(Problem(str(path), "unknown key", field=str(key), line=_line(data, key),
                         expected=", ".join(sorted(_TOP_KEYS))))
    if not str(data.get("id") or "").strip():
        p.append(Problem(str(path), "missing id", field="id", line=_line(data),
                         expected="a short name such as 'my-city'"))
    doc = data.get("document")
    if not isinstance(doc, dict) or not str(doc.get("title") or "").strip():
        p.append(Problem(str(path), "missing document title", field="document.title",
                         line=_line(data, "document"),
                         expected="the title, number and date of the source document"))
    elif set(doc) - _DOCUMENT_KEYS:
        for key in sorted(set(doc) - _DOCUMENT_KEYS):
            p.append(Problem(str(path), "unknown key in document", field=f"document.{key}",
                             line=_line(doc, key), expected=", ".join(sorted(_DOCUMENT_KEYS))))
    rules = data.get("rules") or {}
    if not isinstance(rules, dict):
        return p + [Problem(str(path), "rules must be a mapping of rule id to entry",
                            field="rules", line=_line(data, "rules"))]
    for rule_id, raw in rules.items():
        where = f"rules.{rule_id}"
        if rule_id not in REGISTRY:
            close = difflib.get_close_matches(str(rule_id), list(REGISTRY), n=1)
            p.append(Problem(str(path), "unknown rule" + (f" (did you mean '{close[0]}'?)"
                                                           if close else ""),
                             field=where, line=_line(rules, rule_id),
                             expected="one of " + ", ".join(sorted(REGISTRY))))
            continue
        if raw is None:
            continue
        if not isinstance(raw, dict):
            p.append(Problem(str(path), "a rule entry is a mapping", field=where,
                             line=_line(rules, rule_id)))
            continue
        for key in sorted(set(raw) - _RULE_KEYS):
            p.append(Problem(str(path), "unknown key in rule", field=f"{where}.{key}",
                             line=_line(raw, key), expected=", ".join(sorted(_RULE_KEYS))))
        if raw.get("severity") is not None and raw["severity"] not in SEVERITIES:
            p.append(Problem(str(path), "unknown severity", field=f"{where}.severity",
                             found=repr(raw["severity"]), line=_line(raw, "severity"),
                             expected="mandatory or advisory"))
        if raw.get("applies_to") is not None and raw["applies_to"] not in _APPLIES_TO:
            p.append(Problem(str(path), "unknown applies_to", field=f"{where}.applies_to",
                             found=repr(raw["applies_to"]), line=_line(raw, "applies_to"),
                             expected=" or ".join(sorted(_APPLIES_TO))))
        if "citation" in raw:
            p += _check_citation(path, raw["citation"], f"{where}.citation")
        info = REGISTRY[rule_id]
        params = raw.get("params") or {}
        if not isinstance(params, dict):
            p.append(Problem(str(path), "params must be a mapping", field=f"{where}.params",
                             line=_line(raw, "params")))
            continue
        for pname, praw in params.items():
            spec = info.param(pname)
            if spec is None:
                p.append(Problem(str(path), f"unknown parameter of {rule_id}",
                                 field=f"{where}.params.{pname}", line=_line(params, pname),
                                 expected=", ".join(s.name for s in info.params) or "none"))
                continue
            holder, key = params, pname
            if isinstance(praw, dict):
                if "citation" in praw:
                    p += _check_citation(path, praw["citation"], f"{where}.params.{pname}.citation")
                holder, key, praw = praw, "value", praw.get("value")
            prob = _number_problem(path, holder, key, praw, spec.minimum, spec.maximum,
                                   spec.nullable)
            if prob:
                p.append(replace(prob, field=f"{where}.params.{pname}"))
    for name, raw in (data.get("assumptions") or {}).items():
        if name not in _ASSUMPTIONS:
            p.append(Problem(str(path), "unknown assumption", field=f"assumptions.{name}",
                             line=_line(data["assumptions"], name),
                             expected=", ".join(sorted(_ASSUMPTIONS))))
            continue
        holder, key, value = data["assumptions"], name, raw
        if isinstance(raw, dict):
            holder, key, value = raw, "value", raw.get("value")
        prob = _number_problem(path, holder, key, value, 1e-9)
        if prob:
            p.append(replace(prob, field=f"assumptions.{name}"))
    for name, raw in (data.get("district_targets") or {}).items():
        if name not in _DISTRICT_TARGETS or not isinstance(raw, dict):
            p.append(Problem(str(path), "unknown district target", field=f"district_targets.{name}",
                             line=_line(data["district_targets"], name),
                             expected=", ".join(sorted(_DISTRICT_TARGETS))))
            continue
        prob = _number_problem(path, raw, "target", raw.get("target"), 0.0, 1.0)
        if prob:
            p.append(replace(prob, field=f"district_targets.{name}.target"))
        p += _check_citation(path, raw.get("citation"), f"district_targets.{name}.citation")
    return p


def _check_complete(path: Path, data: dict, standard: Standard) -> list[Problem]:
    """After inheritance: every rule has a citation and all its required parameters."""
    p = []
    for rule in standard.rules.values():
        raw = (data.get("rules") or {}).get(rule.id)
        line = _line(data.get("rules"), rule.id) if raw is not None else None
        if rule.citation is None:
            p.append(Problem(str(path), "rule has no citation (here or in the standard it "
                             "extends)", field=f"rules.{rule.id}.citation", line=line,
                             expected="citation: {clause: …, quote: …}"))
        for spec in REGISTRY[rule.id].params:
            if spec.required and spec.name not in rule.params:
                p.append(Problem(str(path), f"rule {rule.id} lacks a required parameter",
                                 field=f"rules.{rule.id}.params.{spec.name}", line=line,
                                 expected=spec.description))
    for name in _ASSUMPTIONS:
        if name not in standard.assumptions:
            p.append(Problem(str(path), "missing assumption (normally inherited from national)",
                             field=f"assumptions.{name}", expected=_ASSUMPTIONS[name]))
    return p
