"""One import-problem model: `findings.ImportFailed` is the only "import failed" exception and `findings.Problems`
the one collector every reader reports to (no stand-ins cast to the warehouse Stage)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import peelkit
from peelkit.findings import ImportFailed, Problems, ProblemSink
from peelkit.warehouse import Stage

SRC = Path(peelkit.__file__).parent


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages([str(SRC)], prefix="peelkit.")
            if ".migrations." not in m.name and not m.name.endswith("__main__")]


def test_import_failed_is_the_only_import_failure_exception() -> None:
    found: set[str] = set()
    for name in _modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and cls.__name__.endswith("ImportFailed"):
                found.add(f"{name}.{cls.__name__}")
    assert found == {"peelkit.findings.ImportFailed"}
    assert ImportFailed.__subclasses__() == []


def test_no_reader_needs_a_stand_in_for_the_stage() -> None:
    offenders = [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if 'cast("Stage"' in p.read_text(encoding="utf-8")]
    assert offenders == []
    assert issubclass(Stage, Problems)
    sink: ProblemSink = Problems("x.csv")  # the Protocol a reader such as CsvRows asks for
    sink.problem("blank-value", "the force is blank", row=3, column="force")
    assert isinstance(sink, Problems) and sink.count == 1 and not sink.ok


def test_problems_keep_fifty_of_a_kind_and_count_the_rest() -> None:
    problems = Problems("big.csv")
    for row in range(2, 62):
        problems.problem("not-a-number", "the count is not a number", row=row, column="count")
    assert (len(problems.findings), problems.count) == (50, 60)
    assert problems.suppressed == ["big.csv: 10 more [not-a-number] problems not listed"]
    try:
        problems.raise_if_any(store="ledger")
    except ImportFailed as error:
        assert "nothing was imported and the ledger is unchanged" in str(error)
        assert str(error).endswith("big.csv: 10 more [not-a-number] problems not listed")
    else:
        raise AssertionError("raise_if_any did not raise")
    Problems("clean.csv").raise_if_any()  # nothing found: nothing raised
