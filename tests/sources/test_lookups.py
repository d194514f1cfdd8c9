from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest

from peelkit import forces
from tests.helpers import load, load_fails, query, write

LSOA_HEADER = (",Region code,Region name,Local authority code,Local authority name,MSOA Code,MSOA Name,LSOA Code,"
               "LSOA Name,Police_force\n")
CATEGORY_HEADER = ",Offence_Group,Offence_Code,Offence_Description,Offence_Subgroup,Police.uk_Cat\n"
FORCE_COLUMNS = ["gss_code", "ons_pfa_name", "pfa16nm_boundaries", "region", "home_office_rec_crime_pfa_name",
                 "home_office_open_data_tables_name", "police_uk_force_id", "police_uk_force_name",
                 "population_mid2016"]


def lsoa(index: int, code: str, force: str, authority: str = "E06000047,County Durham UA") -> str:
    return f"{index},E12000001,NORTH EAST,{authority},E02004297,County Durham 001,{code},County Durham 001A,{force}\n"


def test_lsoa_lookup(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "lsoa.csv", LSOA_HEADER + lsoa(3, "E01020634", "Durham")
                 + lsoa(4, "E01020635", "City of London") + lsoa(5, "E01027000", "", "E06000048,Northumberland UA"))
    report = load(db, path)
    assert report.loaded[0].vintage == "2011-12"
    assert query(db, "SELECT lsoa_code, local_authority_code, area_code FROM lsoa_force ORDER BY 1") == [
        ("E01020634", "E06000047", "E23000008"),
        ("E01020635", "E06000047", "E23000034"),
        ("E01027000", "E06000048", None),
    ]
    assert any("1 LSOAs in 1 local authorities have no police force" in n for n in report.notes)
    assert any("forces with no LSOA" in n for n in report.notes)


def test_lsoa_lookup_problems(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "lsoa-bad.csv", LSOA_HEADER + lsoa(3, "E01020634", "Durhamm")
                 + lsoa(4, "E0102", "Durham") + lsoa(5, "E01020640", "Durham") + lsoa(6, "E01020640", "Durham")
                 + lsoa(7, "E01020641", "British Transport Police"))
    findings = load_fails(db, path)
    assert [(f.code, f.row) for f in findings] == [
        ("unknown-force", 2), ("unexpected-value", 3), ("duplicate-key", 5), ("unknown-force", 6)]
    assert "Durham" in (findings[0].expected or "")


def test_lsoa_lookup_missing_column(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "lsoa-missing.csv", "LSOA Code,LSOA Name,Police_force\nE01020634,x,Durham\n")
    assert {(f.code, f.column) for f in load_fails(db, path)} == {
        ("missing-column", "Local authority code"), ("missing-column", "Local authority name")}


def test_offence_categories(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "categories.csv", CATEGORY_HEADER
                 + "0,Sexual offences,17A,Sexual assault on a male aged 13 and over,Other sexual offences,"
                   "Violence and Sexual Offences\n"
                 + "1,Fraud offences,AF,Fraud offences recorded by Action Fraud,Fraud: action fraud,Other crime\n")
    report = load(db, path)
    assert report.loaded[0].vintage == "2018-03"
    assert query(db, "SELECT offence_code, police_uk_category FROM offence_categories ORDER BY 1") == [
        ("17A", "Violence and Sexual Offences"), ("AF", "Other crime")]


def test_offence_category_problems(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    path = write(tmp_path / "categories-bad.csv", CATEGORY_HEADER
                 + "0,Robbery,5D,Robbery of business property,Robbery,Robbery\n"
                 + "1,Robbery,5D,Robbery of business property,Robbery,Robbery\n"
                 + "2,Robbery,34B,Robbery of personal property,Robbery,Muggings\n"
                 + "3,Robbery,,Robbery of personal property,Robbery,Robbery\n")
    findings = load_fails(db, path)
    assert [(f.code, f.row) for f in findings] == [("duplicate-key", 3), ("unexpected-value", 4),
                                                   ("blank-value", 5)]


def force_list(**changes: dict[str, str]) -> str:
    """The 43 forces as the registry has them; `changes` alters a force's row by GSS code."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FORCE_COLUMNS)
    for area in forces.forces():
        row = dict.fromkeys(FORCE_COLUMNS, area.name)
        row.update(gss_code=area.code, region=area.region, police_uk_force_id=area.police_uk_id,
                   population_mid2016="1000")
        row.update(changes.get(area.code, {}))
        if row.get("drop"):
            continue
        writer.writerow([row[c] for c in FORCE_COLUMNS])
    return out.getvalue()


def test_force_list_is_cross_checked_and_only_population_loaded(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    report = load(db, write(tmp_path / "forces.csv", force_list()))
    assert report.loaded[0].vintage == "2016-12"
    assert query(db, "SELECT dataset, measure, count(*), min(period_start), max(period_end), sum(value) "
                     "FROM facts GROUP BY ALL") == [
        ("population_lookup", "population", 43, date(2016, 6, 30), date(2016, 6, 30), 43000.0)]


def test_force_list_disagreements(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    text = force_list(
        E23000017={"ons_pfa_name": "West Mercia"},
        E23000016={"police_uk_force_id": "west-mercia-police"},
        E23000015={"region": "East Midlands"},
        E23000014={"population_mid2016": "-5"},
        E23000013={"population_mid2016": "many"},
        W15000004={"drop": "yes"},
    )
    findings = load_fails(db, write(tmp_path / "forces-bad.csv", text))
    assert [(f.code, f.column) for f in findings] == [
        ("not-a-number", "population_mid2016"),
        ("negative-count", "population_mid2016"),
        ("code-name-mismatch", "region"),
        ("code-name-mismatch", "police_uk_force_id"),
        ("code-name-mismatch", "ons_pfa_name"),
        ("missing-force", None),
    ]


def test_force_list_missing_force(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    findings = load_fails(db, write(tmp_path / "forces-42.csv", force_list(W15000004={"drop": "yes"})))
    assert [(f.code, "Dyfed-Powys" in f.message) for f in findings] == [("missing-force", True)]


def test_force_list_unknown_code(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    findings = load_fails(db, write(tmp_path / "forces-bad-code.csv",
                                    force_list(E23000017={"gss_code": "E23000071"})))
    assert [(f.code, f.value) for f in findings] == [("unknown-force", "E23000071"), ("missing-force", None)]
    assert "E23000017" in (findings[0].expected or "")


@pytest.mark.slow
def test_real_lookups(tmp_path: Path, data_dir: Path) -> None:
    db = tmp_path / "w.duckdb"
    folder = data_dir / "lookups"
    report = load(db, folder / "lsoa11-to-police-force.csv", folder / "ho-offence-code-to-policeuk-category.csv",
                  folder / "police_forces_england_wales.csv")
    assert {r.source: r.row_count for r in report.loaded} == {
        "lookup_lsoa_force": 32844, "lookup_offence_categories": 132, "lookup_force_list": 43}
    # England only: the four Welsh forces are absent, as expected; the third party left 3,335 LSOAs blank.
    assert query(db, "SELECT count(DISTINCT area_code), count(*) FILTER (WHERE area_code IS NULL) "
                     "FROM lsoa_force") == [(39, 3335)]
    assert any("expected: the lookup covers England only" in n for n in report.notes)
    assert query(db, "SELECT sum(value) FROM facts WHERE dataset = 'population_lookup'") == [(58381300.0,)]
