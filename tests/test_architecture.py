"""The shape of the package: data flows one way (read → plan → rules → result → views), with
no import cycle, views that never reach into the engine, the readers or a rule's
implementation, and no module outside rules/ that names a rule id."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from compliance.rules.catalogue import CATALOGUE

PACKAGE = Path(__file__).resolve().parent.parent / "compliance"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every compliance module this file imports, at any depth of the file (functions
    included), except under `if TYPE_CHECKING:`, which never runs."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for b in node.body for n in ast.walk(b)}
    out = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("compliance")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("compliance"):
                continue
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                out.add(candidate if _exists(candidate) else target)
    return out


def _exists(module: str) -> bool:
    rel = Path(*module.split("."))
    return (PACKAGE.parent / rel).with_suffix(".py").exists() or \
        (PACKAGE.parent / rel / "__init__.py").exists()


def _graph() -> nx.DiGraph:
    g = nx.DiGraph()
    for path in PACKAGE.rglob("*.py"):
        src = _module_name(path)
        g.add_node(src)
        for dst in _imports(path):
            if dst != src:
                g.add_edge(src, dst)
    return g


def test_no_import_cycle():
    cycles = list(nx.simple_cycles(_graph()))
    assert not cycles, cycles


def test_views_render_and_never_compute():
    forbidden = ("compliance.engine", "compliance.io", "compliance.plan", "compliance.workflow",
                 "compliance.distance", "compliance.routing", "compliance.provision",
                 "compliance.district")
    g = _graph()
    for view in [n for n in g if n.startswith("compliance.views.")]:
        for dst in g.successors(view):
            assert not dst.startswith(forbidden), f"{view} imports {dst}"
            if dst.startswith("compliance.rules"):
                assert dst == "compliance.rules.catalogue", f"{view} imports {dst}"


def test_no_module_outside_rules_names_a_rule_id():
    ids = set(CATALOGUE)
    for path in PACKAGE.rglob("*.py"):
        if "rules" in path.relative_to(PACKAGE).parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert node.value not in ids, f"{path.name} names the rule id {node.value!r}"


def test_statuses_and_kinds_are_compared_through_the_vocabulary():
    from compliance.vocabulary import FACILITY_KINDS, FacilityState, Severity, Status, Verdict

    words = {w.value for e in (Status, Verdict, Severity, FacilityState) for w in e}
    words |= set(FACILITY_KINDS)
    for path in PACKAGE.rglob("*.py"):
        if path.name == "vocabulary.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Compare):
                for side in [node.left, *node.comparators]:
                    consts = [side] if isinstance(side, ast.Constant) else \
                        list(side.elts) if isinstance(side, (ast.Tuple, ast.List, ast.Set)) else []
                    for c in consts:
                        assert not (isinstance(c, ast.Constant) and c.value in words), \
                            f"{path.name}:{node.lineno} compares with the literal {c.value!r}"
