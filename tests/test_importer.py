"""The import contract: recognised by content, all or nothing, idempotent, vintages side by side."""

from __future__ import annotations

from pathlib import Path

import pytest

from peelkit.errors import ConfigError
from tests.helpers import codes, load, load_fails, query, snapshot, write

HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


def rolling(path: Path, rows: list[str]) -> Path:
    return write(path, HEADER + "".join(r + "\n" for r in rows))


def test_file_is_recognised_by_content_not_name(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    odd_name = rolling(tmp_path / "download (3).dat", ["30-06-2017,Kent,South East,Robbery,5"])
    assert load(db, odd_name).loaded[0].source == "home_office_rolling_crime"


def test_one_bad_file_loads_nothing_of_the_batch(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    good = rolling(tmp_path / "a-good.csv", ["30-06-2017,Kent,South East,Robbery,5"])
    bad = rolling(tmp_path / "b-unknown-force.csv", ["30-06-2017,Kentt,South East,Robbery,5"])
    findings = load_fails(db, good, bad)
    assert codes(findings) == {"unknown-force"}
    assert findings[0].file.endswith("b-unknown-force.csv")
    assert query(db, "SELECT count(*) FROM facts") == [(0,)]
    assert query(db, "SELECT count(*) FROM imports") == [(0,)]


def test_problems_from_every_file_are_reported_together(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    one = rolling(tmp_path / "one.csv", ["30-06-2017,Kentt,South East,Robbery,5"])
    two = rolling(tmp_path / "two.csv", ["30-06-2017,Kent,South East,Robbery,-"])
    empty = write(tmp_path / "empty.csv", "")
    findings = load_fails(db, one, two, empty)
    assert {(Path(f.file).name, f.code) for f in findings} == {
        ("one.csv", "unknown-force"), ("two.csv", "not-a-number"), ("empty.csv", "empty-file")}


def test_importing_the_same_file_twice_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = rolling(tmp_path / "r.csv", ["30-06-2017,Kent,South East,Robbery,5"])
    load(db, csv)
    before = snapshot(db)
    report = load(db, csv)
    assert not report.loaded and report.unchanged[0].status == "already loaded"
    assert snapshot(db) == before


def test_newer_vintage_is_kept_beside_the_old_and_wins(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    old = rolling(tmp_path / "old.csv", ["30-06-2017,Kent,South East,Robbery,5"])
    new = rolling(tmp_path / "new.csv", ["30-06-2017,Kent,South East,Robbery,7",
                                         "30-09-2017,Kent,South East,Robbery,8"])
    load(db, old)
    load(db, new)
    assert query(db, "SELECT vintage, value FROM facts ORDER BY vintage, period_end") == [
        ("2017-06", 5.0), ("2017-09", 7.0), ("2017-09", 8.0)]
    latest = query(db, "SELECT value FROM latest_facts WHERE period_end = DATE '2017-06-30'")
    assert latest == [(7.0,)]
    pinned = query(db, "SELECT value FROM facts WHERE vintage = '2017-06' AND period_end = DATE '2017-06-30'")
    assert pinned == [(5.0,)]


def test_different_content_claiming_the_same_vintage_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    load(db, rolling(tmp_path / "first.csv", ["30-06-2017,Kent,South East,Robbery,5"]))
    revised = rolling(tmp_path / "revised.csv", ["30-06-2017,Kent,South East,Robbery,6"])
    findings = load_fails(db, revised)
    assert codes(findings) == {"vintage-conflict"}
    assert "--vintage" in findings[0].message
    load(db, revised, vintage="2017-08-15")
    assert query(db, "SELECT value FROM latest_facts") == [(6.0,)]


def test_bad_vintage_label_is_a_clear_error(tmp_path: Path) -> None:
    csv = rolling(tmp_path / "r.csv", ["30-06-2017,Kent,South East,Robbery,5"])
    with pytest.raises(ConfigError, match="must look like 2018-12"):
        load(tmp_path / "w.duckdb", csv, vintage="last week")


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.csv", b"", "empty-file"),
        ("whitespace-only.csv", b"  \n\n", "empty-file"),
        ("not-a-workbook.xlsx", b"Area Code,Area Name\nE23000001,Metropolitan Police\n", "not-a-workbook"),
        ("zip-not-workbook.xlsx", b"PK\x03\x04garbage", "not-a-workbook"),
        ("unknown-layout.csv", b"colour,size\nred,3\n", "unrecognised-file"),
        ("binary.bin", bytes(range(256)) * 4, "unrecognised-file"),
    ],
)
def test_unreadable_files_get_a_clear_problem(tmp_path: Path, name: str, content: bytes, code: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    findings = load_fails(tmp_path / "w.duckdb", path)
    assert [f.code for f in findings] == [code]
    assert findings[0].file == str(path)


def test_folder_import_skips_documentation(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    rolling(folder / "home_office" / "r.csv", ["30-06-2017,Kent,South East,Robbery,5"])
    write(folder / "README.md", "# data\n")
    write(folder / "SHA256SUMS", "abc  r.csv\n")
    write(folder / ".hidden" / "x.csv", "junk\n")
    report = load(tmp_path / "w.duckdb", folder)
    assert len(report.loaded) == 1
    assert {Path(s.file).name for s in report.skipped} == {"README.md", "SHA256SUMS"}


def test_missing_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load(tmp_path / "w.duckdb", tmp_path / "nope.csv")


def test_provenance_is_recorded(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    csv = rolling(tmp_path / "r.csv", ["30-06-2017,Kent,South East,Robbery,5"])
    load(db, csv)
    (source, publisher, name, sha, vintage, datasets, rows, imported_at), = query(
        db, "SELECT source, publisher, file_name, sha256, vintage, datasets, row_count, imported_at FROM imports")
    assert (source, publisher, name, vintage, datasets, rows) == (
        "home_office_rolling_crime", "Home Office", "r.csv", "2017-06", ["recorded_crime_rolling"], 1)
    import hashlib
    assert sha == hashlib.sha256(csv.read_bytes()).hexdigest()
    assert imported_at is not None
