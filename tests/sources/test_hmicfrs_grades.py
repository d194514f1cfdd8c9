from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import load, query, write

HEADER = "force,year,question,grade,last_inspected,source_url,evidence,confidence\n"


def test_grades_file_is_recognised_and_skipped_for_the_ledger(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "grades.csv", HEADER + "Kent,2016,overall,Good,2016,https://example.org,,explicit\n")
    report = load(db, path)
    assert report.loaded == []
    assert len(report.skipped) == 1 and "peel ledger import-grades" in report.skipped[0].reason
    assert query(db, "SELECT count(*) FROM imports") == [(0,)]


@pytest.mark.slow
def test_real_grades_file_is_skipped_not_an_error(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, data_dir / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv")
    assert report.loaded == [] and [s.file for s in report.skipped] == [
        str(data_dir / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv")]
