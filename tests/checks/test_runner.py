"""run_checks: the whole registry against a warehouse, ordered and counted."""

from __future__ import annotations

from pathlib import Path

from peelkit import warehouse
from peelkit.checks.registry import CheckFinding
from peelkit.checks.runner import counts_by_severity, run_checks
from tests.checks.world import AT17, Y17, World, code


def test_run_checks_takes_a_publication_id(tmp_path: Path) -> None:
    world = World.realistic()
    world.status(code("Durham"), "da_arrests", Y17, "unable", "not flagged")
    con = world.build(tmp_path / "w.duckdb")
    found = run_checks(con, "peel-effectiveness-2017")
    assert [(f.rule_id, f.force_code, f.item) for f in found] == [
        ("completeness.not-supplied", code("Durham"), "da_arrests")]
    assert all(isinstance(f, CheckFinding) for f in found)


def test_empty_warehouse_reports_every_force_without_a_return(tmp_path: Path) -> None:
    con = warehouse.connect(tmp_path / "w.duckdb")
    found = run_checks(con, "peel-effectiveness-2017")
    assert len(found) == 43 and {f.item for f in found} == {"return"}
    assert counts_by_severity(found) == {"error": 0, "warning": 43, "info": 0}


def test_findings_are_ordered_most_severe_first_and_counted(tmp_path: Path) -> None:
    world = World.realistic()
    world.set(code("Kent"), "ocgs_mapped", AT17, world.get(code("Kent"), "ocgs", AT17) + 1)
    world.status(code("Durham"), "da_arrests", Y17, "unable", "not flagged")
    world.no_return.add(code("Essex"))
    found = run_checks(world.build(tmp_path / "w.duckdb"), "peel-effectiveness-2017")
    assert [f.severity for f in found] == ["error", "warning", "info"]
    assert counts_by_severity(found) == {"error": 1, "warning": 1, "info": 1}
    body = found[0].to_dict()
    assert body["fingerprint"] == found[0].fingerprint and body["period_end"] == "2017-07-01"
