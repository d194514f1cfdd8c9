"""Size limits for src/: no module over 500 lines, no function over 80 (Alembic migrations excepted).

Small rooms keep one responsibility each (issue 15). The limits are checked on every module and every function,
nested and methods included, so a new oversized one fails here at once.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80

# Exceptions, each with its size and the reason it may stay (none today: the offenders of issue 15 were split).
# A listed module or function may only shrink; one that is back under the limit must be removed.
ALLOWED_MODULES: dict[str, int] = {}
ALLOWED_FUNCTIONS: dict[str, int] = {}


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if "migrations" not in p.relative_to(SRC).parts)


def _functions(tree: ast.AST, prefix: str = "") -> list[tuple[str, int]]:
    """(qualified name, lines from `def` to the last line of its body) for every function, nested ones too."""
    found: list[tuple[str, int]] = []
    for node in ast.iter_child_nodes(tree):
        name = prefix
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            name = f"{prefix}{node.name}"
            if not isinstance(node, ast.ClassDef):
                found.append((name, (node.end_lineno or node.lineno) - node.lineno + 1))
            name += "."
        found += _functions(node, name)
    return found


def sizes() -> tuple[dict[str, int], dict[str, int]]:
    """Every module's line count and every function's length, keyed as the allowlists are."""
    modules: dict[str, int] = {}
    functions: dict[str, int] = {}
    for path in _modules():
        rel = path.relative_to(SRC).as_posix()
        text = path.read_text("utf-8")
        modules[rel] = len(text.splitlines())
        for name, length in _functions(ast.parse(text)):
            functions[f"{rel}::{name}"] = length
    return modules, functions


def over(found: dict[str, int], limit: int, allowed: dict[str, int]) -> list[str]:
    """What is over `limit` and not allowed at (at most) its recorded size."""
    return [f"{name}: {size} lines (limit {limit}" + (f", allowed {allowed[name]})" if name in allowed else ")")
            for name, size in sorted(found.items()) if size > limit and size > allowed.get(name, limit)]


def test_no_module_over_the_limit() -> None:
    modules, _ = sizes()
    assert over(modules, MAX_MODULE_LINES, ALLOWED_MODULES) == []


def test_no_function_over_the_limit() -> None:
    _, functions = sizes()
    assert over(functions, MAX_FUNCTION_LINES, ALLOWED_FUNCTIONS) == []


def test_the_allowlists_hold_only_current_offenders() -> None:
    # An entry that has been brought under the limit (or renamed away) must leave the list, so it cannot
    # silently shelter a new offender of the same name later.
    modules, functions = sizes()
    stale = [n for n in ALLOWED_MODULES if modules.get(n, 0) <= MAX_MODULE_LINES]
    stale += [n for n in ALLOWED_FUNCTIONS if functions.get(n, 0) <= MAX_FUNCTION_LINES]
    assert stale == []


@pytest.mark.parametrize(("source", "expected"), [
    ("def f():\n" + "    x = 1\n" * 80, [("f", 81)]),
    ("class C:\n    def m(self):\n        def inner():\n            pass\n", [("C.m", 3), ("C.m.inner", 2)]),
    ("async def g():\n    pass\n", [("g", 2)]),
])
def test_function_lengths_are_measured_from_def_to_the_last_line(source: str, expected: list[tuple[str, int]]) -> None:
    assert _functions(ast.parse(source)) == expected


def test_over_reports_new_offenders_and_grown_allowed_ones() -> None:
    found = {"a.py": 501, "b.py": 600, "c.py": 650, "d.py": 100}
    assert over(found, 500, {"b.py": 600, "c.py": 620}) == ["a.py: 501 lines (limit 500)",
                                                           "c.py: 650 lines (limit 500, allowed 620)"]
