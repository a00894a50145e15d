"""The layers stay apart: domain and importer load neither textual nor sqlmodel; only ui loads textual.
Also: no import cycle among tutor's modules, services write no SQL (their queries live in storage), and no
module grows past 500 lines without saying why."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PROBE = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
print(",".join(sorted(m for m in {forbidden!r} if m in sys.modules)))
"""


def _loaded(modules: list[str], forbidden: list[str]) -> str:
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(modules=modules, forbidden=forbidden)],
        capture_output=True, text=True, check=True,
    )
    return out.stdout.strip()


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        (["tutor.domain.catalogue", "tutor.domain.testing", "tutor.importer", "tutor.importer.parsers"],
         ["textual", "sqlmodel", "sqlalchemy"]),
        (["tutor.bank.audit", "tutor.bank.checks", "tutor.bank.generator", "tutor.bank.prompts",
          "tutor.practice.marking", "tutor.practice.engine", "tutor.practice.review",
          "tutor.interchange", "tutor.interchange.gift", "tutor.interchange.aiken", "tutor.interchange.moodle_xml",
          "tutor.interchange.qti3", "tutor.interchange.qti3_read", "tutor.interchange.qti3_schema",
          "tutor.interchange.safety"],
         ["textual", "sqlmodel", "sqlalchemy"]),
        (["tutor.storage.tables", "tutor.storage.engine", "tutor.services.catalogue", "tutor.services.bundled",
          "tutor.services.bank", "tutor.services.sittings", "tutor.services.practice", "tutor.services.interchange",
          "tutor.services.throttle"],
         ["textual", "tutor.ui"]),
        (["tutor", "tutor.cli", "tutor.cli.serve"], ["textual", "textual_serve", "sqlmodel", "tutor.importer"]),
        # the app's quick start draws its first screen with these alone (tests/cli/test_app_start.py runs it)
        (["tutor.cli.app", "tutor.ui.app", "tutor.services.start", "tutor.storage.first_screen", "tutor.rendering"],
         ["sqlalchemy", "sqlmodel", "pydantic", "argon2", "fsrs", "jinja2", "tutor.bank", "tutor.services.accounts",
          "tutor.storage.tables"]),
    ],
)
def test_layers_do_not_load_what_they_must_not(modules, forbidden):
    assert _loaded(modules, forbidden) == ""


def test_the_probe_can_see_a_forbidden_import():
    """The probe itself works: importing the UI does load textual."""
    assert _loaded(["tutor.ui.app"], ["textual"]) == "textual"


# -- the import graph, read from the source ----------------------------------------------------------------

PACKAGE = ROOT / "tutor"


def _modules() -> dict[str, Path]:
    """Every module of tutor by dotted name (a package by its __init__)."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in MODULES.items()}


def _imports(name: str) -> set[str]:
    """The tutor modules a module imports, at module level or inside a function: ``from a import b`` is
    ``a.b`` when that is a module, else ``a``; relative imports are resolved."""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                if f"{base}.{alias.name}" in MODULES:
                    found.add(f"{base}.{alias.name}")
                elif base in MODULES:
                    found.add(base)
    found.discard(name)
    return found


CYCLE_EXEMPT: set[frozenset[str]] = set()


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that comes back to its start, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return None


def test_no_import_cycle_among_tutor_modules():
    graph = {name: {target for target in _imports(name) if frozenset({name, target}) not in CYCLE_EXEMPT}
             for name in MODULES}
    cycle = _cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_the_import_graph_sees_function_level_imports():
    """tutor.services.review.portfolio imports record_audit inside a method."""
    assert "tutor.services.record_audit" in _imports("tutor.services.review.portfolio")


# -- services hold rules and steps; their SQL lives in tutor/storage ----------------------------------------

SQL_STATEMENTS = {"select", "insert", "update", "delete"}


def _sql_statements(tree: ast.Module) -> set[str]:
    """The names of SQL statements a module takes from SQLAlchemy or SQLModel (imported, or as an attribute
    of the imported module: ``sa.select``)."""
    found: set[str] = set()
    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in ("sqlalchemy", "sqlmodel"):
            found.update(alias.name for alias in node.names if alias.name in SQL_STATEMENTS)
        elif isinstance(node, ast.Import):
            aliases.update(alias.asname or alias.name for alias in node.names
                           if alias.name.split(".")[0] in ("sqlalchemy", "sqlmodel"))
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and node.attr in SQL_STATEMENTS
                and isinstance(node.value, ast.Name) and node.value.id in aliases):
            found.add(node.attr)
    return found


def _services() -> dict[str, set[str]]:
    return {str(MODULES[name].relative_to(ROOT)): _sql_statements(TREES[name])
            for name in MODULES if name.startswith("tutor.services.")}


def test_services_import_no_sql_statements():
    """No exceptions: every service's queries are in a tutor/storage query module."""
    writing = {path: sorted(names) for path, names in _services().items() if names}
    assert writing == {}, "move these queries into a tutor/storage query module"


def test_the_sql_check_sees_imports_and_attributes():
    tree = ast.parse("from sqlmodel import Session, select\nimport sqlalchemy as sa\nsa.delete(t)\nsa.func.count()")
    assert _sql_statements(tree) == {"select", "delete"}


# -- rooms of a readable size --------------------------------------------------------------------------------

MAX_LINES = 500
REASON = re.compile(r"Over 500 lines because \S")


def _lines(name: str) -> int:
    return len(MODULES[name].read_text(encoding="utf-8").splitlines())


def test_no_module_over_500_lines_without_a_reason():
    long = {str(MODULES[name].relative_to(ROOT)): _lines(name) for name in MODULES if _lines(name) > MAX_LINES}
    unexplained = {path: lines for path, lines in long.items()
                   if not REASON.search(ast.get_docstring(TREES[_name(path)]) or "")}
    assert unexplained == {}, "split these, or say in the docstring why not ('Over 500 lines because ...')"


def _name(path: str) -> str:
    return next(name for name, file in MODULES.items() if str(file.relative_to(ROOT)) == path)
