"""Imports follow the data flow one way (DESIGN.md section 2): a module imports only its own unit or a unit of a
lower layer. The layers are written here as data and documented in README "Layout"; every module under
src/peelkit must fall in one of them, so a new top-level module or package has to be placed before it lands.

Every `import` and `from ... import` counts, at module level, inside functions (imported late to keep
`peel --help` fast) and under TYPE_CHECKING alike: a late import is still a dependency.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
ROOT = "peelkit"

# Lowest first. A unit is a module or package prefix; the longest prefix that matches a module names its unit.
# A unit may import itself and any unit of a LOWER layer, never one of its own layer or above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("peelkit", "peelkit.errors", "peelkit.binomial_test"),  # the package root, exceptions, the exact binomial test
    ("peelkit.config", "peelkit.files", "peelkit.locks", "peelkit.csvcells", "peelkit.forces", "peelkit.periods",
     "peelkit.findings", "peelkit.fetch", "peelkit.stats"),  # foundations, used by every stage
    ("peelkit.overdispersion",),  # funnel limits widened for over-dispersion, on top of stats
    ("peelkit.warehouse",),  # the DuckDB store and its staged, atomic loads
    ("peelkit.sources",),  # one reader per official source and the force return (its items and layout)
    ("peelkit.importer", "peelkit.status"),  # recognise files and load a batch; what the warehouse holds
    ("peelkit.clitools",),  # the commands' shared options and error handler (warns on an empty warehouse)
    ("peelkit.returns",),  # the return's template, demo set and commands, built on its reader
    ("peelkit.indicators.catalogue",),  # indicator definitions (declarations only)
    ("peelkit.indicators.publication",),  # publications as data: periods, vintages, exclusions
    ("peelkit.checks", "peelkit.peers"),  # data-quality rules; peer groups (both read the declarations above)
    ("peelkit.indicators",),  # the engine: values, intervals, comparators, peer values
    ("peelkit.ledger",),  # judgments, file reviews, surveys, data queries raised from check findings
    ("peelkit.publish",),  # reports, figures, tables, the static site
    ("peelkit.web",),  # the web application
    ("peelkit.cli", "peelkit.__main__"),  # the `peel` command mounts every stage's commands
)


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the peelkit module (or package) imported
    line: int


def unit_of(module: str) -> str | None:
    units = [u for layer in LAYERS for u in layer if module == u or module.startswith(u + ".")]
    return max(units, key=len, default=None)


def layer_of(unit: str) -> int:
    return next(i for i, layer in enumerate(LAYERS) if unit in layer)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def _is_module(name: str) -> bool:
    path = SRC.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def imports_of(path: Path, source: str | None = None) -> list[Import]:
    """Every peelkit import of one file (`from peelkit import x` names module x when x is one)."""
    module = module_name(path)
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(module, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(module, path.name == "__init__.py", node)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.append(Import(module, candidate if _is_module(candidate) else base, node.lineno))
    # `from peelkit.x import a, b` is one dependency of this line, not two.
    return list(dict.fromkeys(i for i in found if i.target == ROOT or i.target.startswith(ROOT + ".")))


def violations(found: list[Import]) -> list[str]:
    problems = []
    for imp in found:
        source, target = unit_of(imp.module), unit_of(imp.target)
        if source is None or target is None:
            problems.append(f"{imp.module} (line {imp.line}) -> {imp.target}: not placed in LAYERS")
        elif source != target and layer_of(target) >= layer_of(source):
            problems.append(f"{imp.module} (line {imp.line}) imports {imp.target}: {source} (layer "
                            f"{layer_of(source)}) may not import {target} (layer {layer_of(target)})")
    return problems


def _package_inits_run(found: list[Import]) -> list[Import]:
    """Importing a.b.c runs a/__init__ and a/b/__init__ first: where such a package's own module-level code
    imports peelkit modules, the importer depends on those too (checks -> indicators.catalogue must not pull
    in the indicators engine through indicators/__init__.py)."""
    extra: list[Import] = []
    for imp in found:
        parts = imp.target.split(".")
        for n in range(2, len(parts)):
            package = ".".join(parts[:n])
            init = SRC.joinpath(*parts[:n], "__init__.py")
            if unit_of(package) == unit_of(imp.target) or not init.is_file():
                continue
            tree = ast.parse(init.read_text(encoding="utf-8"))
            top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
            if top_level:
                extra.append(Import(imp.module, package, imp.line))
    return extra


def all_files() -> list[Path]:
    return sorted(p for p in (SRC / ROOT).rglob("*.py") if "migrations" not in p.relative_to(SRC).parts)


def test_every_module_is_placed_in_a_layer() -> None:
    unplaced = [module_name(p) for p in all_files() if unit_of(module_name(p)) is None]
    assert unplaced == [], f"add these to LAYERS in {Path(__file__).name}: {unplaced}"


def test_imports_follow_the_data_flow() -> None:
    found = [imp for path in all_files() for imp in imports_of(path)]
    assert len(found) > 300  # the scan sees the code (guards against a path mistake passing vacuously)
    problems = violations(found + _package_inits_run(found))
    assert problems == [], "imports against the data flow:\n" + "\n".join(problems)


@pytest.mark.parametrize(("module", "code", "allowed"), [
    ("checks/outliers.py", "from peelkit.ledger.queries import DataQuery", False),
    ("checks/outliers.py", "def f():\n    from peelkit.ledger import db\n", False),
    ("checks/outliers.py", "from peelkit import indicators", False),
    ("checks/outliers.py", "from peelkit.indicators.engine import compute", False),
    ("checks/outliers.py", "from peelkit.peers import groups", False),  # same layer, another unit
    ("checks/outliers.py", "from peelkit.indicators.catalogue import BY_ID", True),
    ("checks/outliers.py", "from . import registry", True),
    ("sources/lookups.py", "from peelkit.returns.template import write_return", False),
    ("sources/lookups.py", "from peelkit.importer import import_paths", False),
    ("sources/lookups.py", "from ..warehouse import Stage", True),
    ("returns/demo.py", "from peelkit.sources.force_return.items import RETURNS", True),
    ("warehouse.py", "import peelkit.sources", False),
    ("ledger/queries.py", "from peelkit.checks.registry import CheckFinding", True),
    ("publish/report.py", "from peelkit.web import app", False),
])
def test_the_rule_catches_what_it_should(module: str, code: str, allowed: bool) -> None:
    """Positive and negative controls: the scan resolves these imports and judges them by the table."""
    found = imports_of(SRC / ROOT / module, code)
    assert found, code
    assert (violations(found) == []) is allowed, violations(found)
