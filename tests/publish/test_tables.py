"""The national data tables: sheets, cover, notes, [x] for missing values, formula neutralisation, and a golden
CSV (regenerate with PEEL_UPDATE_GOLDEN=1)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators import publication as publication_module
from peelkit.indicators.engine import CSV_COLUMNS, SYNTHETIC_NOTE, Result
from peelkit.periods import months_to
from peelkit.publish import tables
from peelkit.publish.model import SourceFile

GOLDEN = Path(__file__).parent / "golden" / "tables"
SUFFOLK_REASON = "Suffolk Constabulary could not provide outcomes data for this period."
INJECTED = "=HYPERLINK(\"http://example.com\",\"click\")"
PERIOD = months_to(date(2017, 6, 30))


@pytest.fixture(scope="module")
def publication() -> publication_module.Publication:
    return publication_module.parse({
        "id": "fixture-2017", "title": "PEEL: Police effectiveness 2017", "year": 2017, "published": "2018-03",
        "population_as_at": "2016-06-30",
        "periods": {"crimes_per_1000": {"end": "2017-06-30"}, "action_taken_pct": {"end": "2017-06-30"},
                    "crime_change_pct": {"end": "2017-06-30"}},
        "exclusions": [{"forces": ["Suffolk"], "indicators": ["action_taken_pct"], "reason": SUFFOLK_REASON}],
    }, "fixture.toml")


def _result(code: str, name: str, indicator: str, value: float | None, **kw: Any) -> Result:
    fields: dict[str, Any] = {
        "force_code": code, "force_name": name, "indicator": indicator, "period": kw.pop("period", PERIOD),
        "value": value, "numerator": 120.0, "denominator": 1500.0, "lower_95": None if value is None else value - 1,
        "upper_95": None if value is None else value + 1, "lower_99_8": None, "upper_99_8": None,
        "comparison": "similar", "status": "ok", "note": "", "display": "–" if value is None else f"{value:.0f}",
    }
    fields.update(kw)
    return Result(**fields)


@pytest.fixture(scope="module")
def results() -> list[Result]:
    crimes = "crimes_per_1000"
    action = "action_taken_pct"
    change = "crime_change_pct"
    return [
        _result("E23000017", "Warwickshire", crimes, 62.5, display="63", comparison="lower"),
        _result("E23000026", "Suffolk", crimes, 55.25, display="55", note=SYNTHETIC_NOTE,
                extra={"synthetic": True}),
        _result("E23000001", "Metropolitan Police", crimes, 90.0, display="90", comparison="higher",
                note=INJECTED),
        _result(ENGLAND_AND_WALES, "England and Wales", crimes, 70.5, display="71", comparison=""),
        _result("E23000017", "Warwickshire", action, 21.75, display="22%"),
        _result("E23000026", "Suffolk", action, None, numerator=None, denominator=None, status="excluded",
                comparison="not compared", note=SUFFOLK_REASON),
        _result("E23000001", "Metropolitan Police", action, 18.0, display="18%", comparison="lower"),
        _result(ENGLAND_AND_WALES, "England and Wales", action, 20.0, display="20%", comparison="",
                note="excludes Suffolk (excluded from this indicator)"),
        _result("E23000017", "Warwickshire", change, -0.05, display="-0.05%", numerator=1000.0,
                denominator=1000.5),
        _result(ENGLAND_AND_WALES, "England and Wales", change, -3.5, display="-4%", comparison=""),
        # An earlier period is not part of the national tables.
        _result("E23000017", "Warwickshire", crimes, 1.0, period=months_to(date(2016, 6, 30))),
    ]


SOURCES = [SourceFile("recorded-crime.xlsx", "Police recorded crime by force area", "Home Office", "2017-10",
                      "ab" * 32, False),
           SourceFile("returns.csv", "Force data return", "HMICFRS", "2017-09", "cd" * 32, True)]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory, results: list[Result],
            publication: publication_module.Publication) -> list[Path]:
    out = tmp_path_factory.mktemp("tables")
    return tables.write_national_tables(results, publication, SOURCES, out, synthetic=True)


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _flat(rows: list[list[Any]]) -> list[Any]:
    return [cell for row in rows for cell in row if cell != ""]


def _table(rows: list[list[Any]]) -> list[list[Any]]:
    start = next(i for i, row in enumerate(rows) if row and row[0] == "Force code")
    return rows[start:]


def test_files_written(written: list[Path]) -> None:
    assert [p.name for p in written] == [tables.XLSX_NAME, tables.ODS_NAME, tables.CSV_NAME, tables.NOTES_CSV_NAME]
    assert all(p.stat().st_size > 0 for p in written)


@pytest.mark.parametrize("index", [0, 1], ids=["xlsx", "ods"])
def test_sheets_cover_and_notes(written: list[Path], index: int) -> None:
    sheets = _sheets(written[index])
    assert list(sheets) == ["Cover", "Contents", "Notes", "crimes_per_1000", "action_taken_pct",
                            "crime_change_pct"]
    cover = _flat(sheets["Cover"])
    assert "synthetic demonstration data" in cover[0]
    assert cover[2] == tables.SYNTHETIC_WARNING  # first line of the introduction
    assert tables.OGL in cover
    assert "Published: March 2018" in cover
    assert any("recorded-crime.xlsx" in line and "vintage 2017-10" in line for line in cover)
    assert tables.CONTACT_PLACEHOLDER in cover
    contents = _flat(sheets["Contents"])
    assert "crimes_per_1000" in contents
    assert any(str(c).startswith("Table 2: Investigations where action was taken") for c in contents)
    notes = sheets["Notes"]
    start = next(i for i, row in enumerate(notes) if row[0] == "Note number")
    listed = {int(row[0]): row[1] for row in notes[start + 1:]}
    assert list(listed) == [1, 2, 3, 4]
    assert set(listed.values()) == {SYNTHETIC_NOTE, INJECTED, SUFFOLK_REASON,
                                    "excludes Suffolk (excluded from this indicator)"}


@pytest.mark.parametrize("index", [0, 1], ids=["xlsx", "ods"])
def test_table_header_values_and_missing(written: list[Path], index: int) -> None:
    sheets = _sheets(written[index])
    rows = _table(sheets["action_taken_pct"])
    assert rows[0] == ["Force code", "Force name", "Value (%, unrounded)", "Displayed value (%, as published)",
                       "Numerator (count)", "Denominator (count)", "95% lower limit (%)", "95% upper limit (%)",
                       "Compared with England and Wales", "Status", "Notes"]
    by_code = {row[0]: row for row in rows[1:]}
    assert list(by_code) == ["E23000017", "E23000026", "E23000001", ENGLAND_AND_WALES]
    suffolk = by_code["E23000026"]
    assert suffolk[2:8] == ["[x]"] * 6
    assert suffolk[9] == "excluded"
    notes = sheets["Notes"]
    number = next(int(row[0]) for row in notes if len(row) > 1 and row[1] == SUFFOLK_REASON)
    assert suffolk[10] == f"[note {number}]"
    warwickshire = by_code["E23000017"]
    assert warwickshire[2] == pytest.approx(21.75)
    assert warwickshire[3] == "22%"
    assert warwickshire[4] == 120
    assert warwickshire[10] == "[z]"  # no note
    assert by_code[ENGLAND_AND_WALES][8] == "[z]"  # compared with itself: not applicable
    assert all(cell != "" for row in rows for cell in row)  # never blank


@pytest.mark.parametrize("index", [0, 1], ids=["xlsx", "ods"])
def test_negative_numbers_stay_numbers(written: list[Path], index: int) -> None:
    rows = _table(_sheets(written[index])["crime_change_pct"])
    warwickshire = rows[1]
    assert isinstance(warwickshire[2], float) and warwickshire[2] == pytest.approx(-0.05)
    assert warwickshire[3] == "-0.05%"


@pytest.mark.parametrize("index", [0, 1], ids=["xlsx", "ods"])
def test_formula_text_is_a_string_not_a_formula(written: list[Path], index: int) -> None:
    book = CalamineWorkbook.from_path(str(written[index]))
    notes = book.get_sheet_by_name("Notes").to_python()
    assert any(row[1] == INJECTED for row in notes if len(row) > 1)  # the text itself, not a computed value


def test_xlsx_has_no_formulas_and_quote_prefix(written: list[Path]) -> None:
    import zipfile

    with zipfile.ZipFile(written[0]) as archive:
        xml = "".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("xl/worksheets/"))
        styles = archive.read("xl/styles.xml").decode()
    assert "<f>" not in xml
    assert 'quotePrefix="1"' in styles


def test_xlsx_and_ods_have_the_same_cells(written: list[Path]) -> None:
    xlsx, ods = _sheets(written[0]), _sheets(written[1])
    assert list(xlsx) == list(ods)
    for name in xlsx:
        assert _flat(xlsx[name]) == _flat(ods[name]), name


def test_csv_neutralises_text_but_not_numbers(written: list[Path]) -> None:
    text = written[2].read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(CSV_COLUMNS)
    assert "\"'=HYPERLINK(" in text
    assert ",-0.05,-0.05%," in text


def test_csv_golden(written: list[Path]) -> None:
    for path in written[2:]:
        golden = GOLDEN / path.name
        if os.environ.get("PEEL_UPDATE_GOLDEN"):
            golden.parent.mkdir(parents=True, exist_ok=True)
            golden.write_bytes(path.read_bytes())
        assert path.read_bytes() == golden.read_bytes(), f"{path.name} differs; PEEL_UPDATE_GOLDEN=1 to regenerate"


def test_rebuild_is_byte_identical(tmp_path: Path, results: list[Result],
                                   publication: publication_module.Publication, written: list[Path]) -> None:
    again = tables.write_national_tables(results, publication, SOURCES, tmp_path, synthetic=True)
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_not_synthetic_says_nothing_of_it(tmp_path: Path, results: list[Result],
                                         publication: publication_module.Publication) -> None:
    real = [r for r in results if SYNTHETIC_NOTE not in r.note]
    xlsx = tables.write_national_tables(real, publication, SOURCES[:1], tmp_path, synthetic=False)[0]
    assert not any("synthetic" in str(c).lower() for c in _flat(_sheets(xlsx)["Cover"]))


@pytest.mark.parametrize(("text", "risky"), [
    ("=1+2", True), ("+44 20", True), ("-cmd", True), ("@SUM(A1)", True), ("\tx", True), ("\rx", True),
    ("-5%", False), ("-0.05%", False), ("-1,234", False), ("+3", False), ("Warwickshire", False), ("", False),
])
def test_needs_neutralising(text: str, risky: bool) -> None:
    assert tables.needs_neutralising(text) is risky
    assert tables.neutralise(text) == ("'" + text if risky else text)


def test_ods_is_a_well_formed_opendocument(written: list[Path]) -> None:
    """peelkit writes the ODS XML itself (odfpy was 1.6 s of every publish): odfpy must still read it back, the
    mimetype entry must come first and be stored, and the contents sheet links to each table's sheet."""
    import zipfile

    from odf.opendocument import load  # type: ignore[import-untyped]
    from odf.table import Table  # type: ignore[import-untyped]
    from odf.text import A  # type: ignore[import-untyped]

    with zipfile.ZipFile(written[1]) as archive:
        first = archive.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert archive.read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
        assert archive.testzip() is None
    document = load(str(written[1]))
    names = [t.getAttribute("name") for t in document.spreadsheet.getElementsByType(Table)]
    assert names[:3] == ["Cover", "Contents", "Notes"]
    links = [a.getAttribute("href") for a in document.spreadsheet.getElementsByType(A)]
    assert links == [f"#{name}.A1" for name in names[3:]]


def test_ods_escapes_markup_in_text() -> None:
    from peelkit.publish.ods import _row

    assert '<text:p>&lt;b&gt; &amp; "x"</text:p>' in _row(['<b> & "x"'])
    assert 'xlink:href="#a&amp;b.A1"' in _row(["a&b"], link_first=True)
