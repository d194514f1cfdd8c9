"""`import-grades`: the real public grades, validation with row numbers, atomicity and idempotence."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from peelkit import forces
from peelkit.findings import ImportFailed
from peelkit.ledger import db
from peelkit.ledger.base import AuditLog
from peelkit.ledger.grades_import import import_grades
from peelkit.ledger.judgments import Judgment

HEADER = "force,year,question,grade,last_inspected,source_url,evidence,confidence\n"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def count(url: str, model: type[Judgment] | type[AuditLog]) -> int:
    with db.session_scope(url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_real_grades_import_and_reimport(ledger_url: str, data_dir: Path) -> None:
    path = data_dir / "hmicfrs" / "peel_effectiveness_grades_2015_2018.csv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    with db.session_scope(ledger_url, actor="importer") as session:
        report = import_grades(session, path)
    assert (report.rows, report.inserted, report.forces) == (len(rows), len(rows), 43)
    assert report.years == ["2015", "2016", "2017", "2018/19"]
    assert report.unknown_grades == sum(1 for r in rows if not r["grade"].strip())
    assert report.carried_forward == sum(1 for r in rows if r["last_inspected"] and r["last_inspected"] != r["year"])
    audits = count(ledger_url, AuditLog)
    with db.session_scope(ledger_url, actor="importer") as session:
        again = import_grades(session, path)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, len(rows))
    assert count(ledger_url, AuditLog) == audits
    with db.session_scope(ledger_url) as session:
        kept = session.scalars(select(Judgment).where(Judgment.source.is_not(None))).first()
        assert kept is not None and kept.confidence is not None
        carried = session.scalars(select(Judgment).where(Judgment.framework_id == "peel-effectiveness-2017",
                                                         Judgment.last_inspected == "2016")).all()
        assert carried and not any(j.inspected_this_year for j in carried)


def test_every_problem_reported_with_its_row_and_nothing_imported(ledger_url: str, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", HEADER + "Kent,2016,overall,Good,2016,http://x,,explicit\n")
    with db.session_scope(ledger_url, actor="importer") as session:
        import_grades(session, good)
    bad = write(tmp_path / "bad.csv", HEADER
                + "Kent,2016,overall,Requires improvement,2016,http://x,,explicit\n"   # row 2: fine (an update)
                + "Warwickshir,2017,overall,Good,2017,,,\n"                           # row 3: force
                + "Kent,2019,overall,Good,2019,,,\n"                                  # row 4: year (and last)
                + "Kent,2017,Q9_unknown,Good,2017,,,\n"                               # row 5: question
                + "Kent,2017,Q2_investigating_crime,Adequate,2017,,,\n"               # row 6: grade
                + "Kent,2017,Q2_investigating_crime,Good,2018/19,,,\n"                # row 7: last after year
                + "Kent,2017,Q5_specialist_capabilities,Good,2017,,,\n"               # row 8: ungraded
                + "Kent,2017,overall,Good,2017,,,\n"
                + "Kent,2017,overall,Good,2017,,,\n")                                 # row 10: duplicate
    with pytest.raises(ImportFailed) as caught, db.session_scope(ledger_url, actor="importer") as session:
        import_grades(session, bad)
    by_row = {(f.row, f.column) for f in caught.value.findings}
    assert by_row == {(3, "force"), (4, "year"), (4, "last_inspected"), (5, "question"), (6, "grade"),
                      (7, "last_inspected"), (8, "grade"), (10, "question")}
    message = str(caught.value)
    assert "row 3" in message and "Warwickshire" in message and "nothing was imported" in message
    with db.session_scope(ledger_url) as session:
        assert session.scalars(select(Judgment.grade)).all() == ["Good"]  # row 2's update was not applied


def test_missing_column_is_reported(ledger_url: str, tmp_path: Path) -> None:
    path = write(tmp_path / "g.csv", "force,year,question,grade\nKent,2017,overall,Good\n")
    with pytest.raises(ImportFailed, match="last_inspected"), db.session_scope(ledger_url) as session:
        import_grades(session, path)
    assert count(ledger_url, Judgment) == 0


def test_quoted_multi_line_field_is_kept_and_later_rows_numbered_as_a_spreadsheet(ledger_url: str,
                                                                                   tmp_path: Path) -> None:
    evidence = "Inspected in March.\nSee the force report,\nchapter 2."
    good = write(tmp_path / "multi.csv", HEADER + f'Kent,2017,overall,Good,2017,http://x,"{evidence}",explicit\n'
                 + "Essex,2017,overall,Good,2017,,,\n")
    with db.session_scope(ledger_url, actor="importer") as session:
        assert import_grades(session, good).inserted == 2
    with db.session_scope(ledger_url) as session:
        kent = session.scalars(select(Judgment).where(Judgment.force_code == forces.match_force("Kent").code)).one()
        assert kent.evidence == evidence  # the newlines inside the quotes survive
    # Row 2 spans three lines of text; the bad row after it is spreadsheet row 3, not line 5.
    bad = write(tmp_path / "multi_bad.csv", HEADER + f'Kent,2016,overall,Good,2016,,"{evidence}",\n'
                + "Narnia,2016,overall,Good,2016,,,\n")
    with pytest.raises(ImportFailed) as caught, db.session_scope(ledger_url, actor="importer") as session:
        import_grades(session, bad)
    assert [(f.file, f.row, f.column, f.code) for f in caught.value.findings] == [
        ("multi_bad.csv", 3, "force", "unknown-force")]
    assert "multi_bad.csv, row 3, column 'force'" in str(caught.value)
    assert count(ledger_url, Judgment) == 2  # row 2 of the bad file was not half-written


def test_bad_rows_raise_the_one_import_failed_naming_file_row_and_column(ledger_url: str, tmp_path: Path) -> None:
    bad = write(tmp_path / "grades_bad.csv", HEADER + "Kent,2017,overall,Good,2017,,,\n"
                + "Kent,2017,overall,Brilliant,2017,,,\n" + "Kent,2017\n" + "Essex,2017,overall,Good,2017,,,\n")
    audits = count(ledger_url, AuditLog)
    with pytest.raises(ImportFailed) as caught, db.session_scope(ledger_url, actor="importer") as session:
        import_grades(session, bad)
    assert type(caught.value) is ImportFailed and caught.value.exit_code == 4
    assert {(f.file, f.row, f.column, f.code) for f in caught.value.findings} == {
        ("grades_bad.csv", 3, "grade", "unexpected-value"), ("grades_bad.csv", 4, None, "wrong-field-count")}
    assert "the ledger is unchanged" in str(caught.value)
    assert (count(ledger_url, Judgment), count(ledger_url, AuditLog)) == (0, audits)
