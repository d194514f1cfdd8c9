"""Writes the malformed-input corpus (tests/corpus/files/) and its expectations (expected.toml).

Each file is small and named after the one quirk it reproduces; expected.toml gives the problem code it must
produce and where that problem must be located. The files are committed; run this script again only to change
the corpus (`python tests/corpus/make_corpus.py`), and review the diff.
"""

from __future__ import annotations

import gzip
import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
FILES = HERE / "files"

ROLLING = "12 months ending,PFA,Region,Offence,Rolling year total number of offences"
OPEN = ("Financial Year,Financial Quarter,Force Name,Offence Description,Offence Group,Offence Subgroup,"
        "Offence Code,Number of Offences")
OUTCOMES = ("financial_year,financial_quarter,force_name,offence_description,offence_group,offence_subgroup,"
            "offence_code,offence_code_expired,outcome_description,outcome_group,outcome_type,offences,"
            "force_outcomes_recorded_in_quarter")
POPULATION = "code,name,MYE2018,SNHP2017"
STREET = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,"
          "Last outcome category,Context")
RETURN = "publication,force_code,force_name,submitted_on,item,power_type,period_end,as_at,value,status,reason"

Entry = tuple[str, bytes, str, tuple[str, ...]]  # file name, content, expected code, located by


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _rolling(*rows: str) -> bytes:
    return _csv(ROLLING, "31-03-2017,Kent,South East,Robbery,1200", *rows)


def _open(*rows: str) -> bytes:
    return _csv(OPEN, "2017/18,1,Kent,Robbery of business property,Robbery,Robbery,34A, 120 ", *rows)


def _outcomes(*rows: str) -> bytes:
    good = "2017/18,1,Kent,Robbery of personal property,Robbery,Robbery,34B,NA,Charged/Summonsed,Charged,1,40,38"
    return _csv(OUTCOMES, good, *rows)


def _street(*rows: str) -> bytes:
    good = ("abc1,2017-07,West Yorkshire Police,West Yorkshire Police,-1.70,53.54,On or near X,E01007426,"
            "Barnsley 027D,Burglary,Under investigation,")
    return _csv(STREET, good, *rows)


def _return(change: Callable[[list[str]], None] | None = None, submitted: str = "2017-09-01") -> bytes:
    rows = [RETURN]
    for item, power, end, as_at in _RETURN_ITEMS:
        fields = ["peel-effectiveness-2017", "E23000032", "Kent", submitted, item, power, end, as_at, "100",
                  "supplied", ""]
        rows.append(",".join(fields))
    if change is not None:
        change(rows)
    return _csv(*rows)


_RETURN_ITEMS = [
    ("incidents", "", "2017-06-30", ""), ("da_incidents", "", "2017-06-30", ""), ("da_crimes", "", "2017-06-30", ""),
    ("da_arrests", "", "2017-06-30", ""), ("asb_powers", "criminal_behaviour_orders", "2016-03-31", ""),
    ("asb_powers", "community_protection_notices", "2016-03-31", ""), ("asb_powers", "civil_injunctions",
                                                                         "2016-03-31", ""),
    ("asb_powers", "dispersal_orders", "2016-03-31", ""), ("asb_powers", "criminal_behaviour_orders",
                                                           "2017-03-31", ""),
    ("asb_powers", "community_protection_notices", "2017-03-31", ""), ("asb_powers", "civil_injunctions",
                                                                         "2017-03-31", ""),
    ("asb_powers", "dispersal_orders", "2017-03-31", ""), ("ocgs", "", "", "2016-07-01"),
    ("ocgs", "", "", "2017-07-01"), ("ocgs_mapped", "", "", "2017-07-01"),
]


def _replace(index: int, column: int, value: str) -> Callable[[list[str]], None]:
    def change(rows: list[str]) -> None:
        fields = rows[index].split(",")
        fields[column] = value
        rows[index] = ",".join(fields)
    return change


def _gzip(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(fileobj=out, mode="wb", mtime=0) as handle:
        handle.write(data)
    return out.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2018, 1, 1, 0, 0, 0))
            archive.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return out.getvalue()


def _workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """A minimal XLSX written by hand (no calculated values, as a program writes it): a cell given as a string
    starting with '=' is stored as a formula with no saved value."""
    book = ['<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets>']
    rels = ['<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships">']
    types = ['<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
             '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
             'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
             'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+'
             'xml"/>']
    members: dict[str, bytes] = {}
    for n, (name, rows) in enumerate(sheets.items(), start=1):
        book.append(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>')
        rels.append(f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                    f'relationships/worksheet" Target="worksheets/sheet{n}.xml"/>')
        types.append(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/vnd.openxml'
                     'formats-officedocument.spreadsheetml.worksheet+xml"/>')
        members[f"xl/worksheets/sheet{n}.xml"] = _sheet_xml(rows).encode()
    book.append("</sheets></workbook>")
    rels.append("</Relationships>")
    types.append("</Types>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                 'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                 'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    return _zip({"[Content_Types].xml": "".join(types).encode(), "_rels/.rels": root_rels.encode(),
                 "xl/workbook.xml": "".join(book).encode(), "xl/_rels/workbook.xml.rels": "".join(rels).encode(),
                 **members})


def _sheet_xml(rows: list[list[object]]) -> str:
    from xml.sax.saxutils import escape

    out = ['<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
           'spreadsheetml/2006/main"><sheetData>']
    for r, row in enumerate(rows, start=1):
        out.append(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{chr(ord('A') + c)}{r}"
            if value is None or value == "":
                continue
            if isinstance(value, str) and value.startswith("="):
                out.append(f'<c r="{ref}"><f>{escape(value[1:])}</f></c>')
            elif isinstance(value, (int, float)):
                out.append(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def _ons_population(cell: object = 1_500_000, year: object = 2016) -> bytes:
    title = "Table P9:  Mid-year population estimates for police force areas, English regions and Wales, 2016"
    return _workbook({"Table P9": [[title], [], ["England and Wales"], ["", "", "Mid-year"],
                                   ["Area Code", "Area Name", year], ["E23000032", "Kent", cell],
                                   ["E23000033", "Essex", 1_800_000]]})


def _zip_bomb() -> bytes:
    # One sheet of 64 MB of spaces: about 64 KB compressed (a ratio of ~1000; published workbooks ~5).
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in (("[Content_Types].xml", "<Types/>"), ("xl/workbook.xml", "<workbook/>")):
            archive.writestr(zipfile.ZipInfo(name, (2018, 1, 1, 0, 0, 0)), text)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", (2018, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as member:
            block = b" " * (1 << 20)
            for _ in range(64):
                member.write(block)
    return out.getvalue()


def entries() -> list[Entry]:
    row, col = ("row",), ("row", "column")
    long_field = "31-03-2017,Kent,South East,\"" + "x" * 200_000 + "\",12"
    nul_late = _rolling(*[f"31-03-2017,Kent,South East,Offence {n},{n}" for n in range(200)]) + (
        b"31-03-2017,Ke\x00nt,South East,Robbery,3\n")
    return [
        # --- whole-file problems: located by the file alone
        ("empty.csv", b"", "empty-file", ()),
        ("whitespace-only.csv", b"  \n\n\t\n", "empty-file", ()),
        ("binary-junk.csv", bytes(range(256)) * 8, "unrecognised-file", ()),
        ("random-text.csv", _csv("hello,world", "1,2"), "unrecognised-file", ()),
        ("json-not-geojson.json", b'{"type": "Feature"}', "unrecognised-file", ()),
        ("truncated-gzip.csv.gz", _gzip(_rolling(*[f"31-03-2017,Kent,South East,Offence {n},{n}"
                                                   for n in range(300)]))[:900], "truncated-file", ()),
        ("xlsx-zip-bomb.xlsx", _zip_bomb(), "not-a-workbook", ()),
        ("xlsx-that-is-text.xlsx", _rolling(), "not-a-workbook", ()),
        ("xlsx-truncated-zip.xlsx", _ons_population()[:300], "not-a-workbook", ()),
        ("ods-that-is-junk.ods", b"PK\x03\x04" + b"\x00" * 100, "not-a-workbook", ()),
        ("rolling-utf16-bom.csv", _rolling().decode().encode("utf-16"), "wrong-encoding", ("row",)),
        ("rolling-utf16le-no-bom.csv", _rolling().decode().encode("utf-16-le"), "wrong-encoding", ("row",)),
        ("rolling-utf16be-no-bom.csv", _rolling().decode().encode("utf-16-be"), "wrong-encoding", ("row",)),
        # --- recorded crime, rolling year
        ("rolling-header-only.csv", _csv(ROLLING), "empty-file", ()),
        ("rolling-truncated-last-row.csv", _rolling("31-03-2017,Surrey,South"), "truncated-file", row),
        ("rolling-missing-column.csv", _csv("12 months ending,PFA,Region,Rolling year total number of offences",
                                            "31-03-2017,Kent,South East,1200"), "missing-column", ("column",)),
        ("rolling-duplicate-column.csv", _csv(ROLLING + ",PFA", "31-03-2017,Kent,South East,Robbery,1200,Kent"),
         "duplicate-column", ("column",)),
        ("rolling-bom-twice.csv", b"\xef\xbb\xbf" + _rolling().replace(b"12 months", b"\xef\xbb\xbf12 months", 1),
         "missing-column", ("column",)),
        ("rolling-non-numeric-count.csv", _rolling("31-03-2017,Surrey,South East,Robbery,12a"), "not-a-number", col),
        ("rolling-decimal-count.csv", _rolling("31-03-2017,Surrey,South East,Robbery,12.5"), "not-a-whole-number",
         col),
        ("rolling-blank-count.csv", _rolling("31-03-2017,Surrey,South East,Robbery,"), "blank-value", col),
        ("rolling-unknown-force.csv", _rolling("31-03-2017,Narnia,South East,Robbery,5"), "unknown-force", col),
        ("rolling-formula-as-force.csv", _rolling('31-03-2017,"=HYPERLINK(""http://x"",""Kent"")",SE,Robbery,5'),
         "unknown-force", col),
        ("rolling-duplicate-row.csv", _rolling("31-03-2017,Kent,South East,Robbery,1200"), "duplicate-key", col),
        ("rolling-latin1.csv", _rolling("31-03-2017,Surrey,South East,Café robbery,3").decode().encode("latin-1"),
         "wrong-encoding", row),
        ("rolling-date-9999.csv", _rolling("31-03-9999,Surrey,South East,Robbery,3"), "bad-date", col),
        ("rolling-date-1323.csv", _rolling("31-03-1323,Surrey,South East,Robbery,3"), "bad-date", col),
        ("rolling-date-1978.csv", _rolling("31-03-1978,Surrey,South East,Robbery,3"), "bad-date", col),
        ("rolling-date-not-quarter-end.csv", _rolling("15-02-2017,Surrey,South East,Robbery,3"), "bad-date", col),
        ("rolling-date-unreadable.csv", _rolling("March 2017,Surrey,South East,Robbery,3"), "bad-date", col),
        ("rolling-date-31-february.csv", _rolling("31-02-2017,Surrey,South East,Robbery,3"), "bad-date", col),
        ("rolling-blank-offence.csv", _rolling("31-03-2017,Surrey,South East,,3"), "blank-value", col),
        ("rolling-extra-field.csv", _rolling("31-03-2017,Surrey,South East,Robbery,3,9"), "wrong-field-count", row),
        ("rolling-missing-field.csv", _rolling("31-03-2017,Surrey,South East,3", "31-03-2017,Essex,East,Robbery,1"),
         "wrong-field-count", row),
        ("rolling-oversize-field.csv.gz", _gzip(_csv(ROLLING, long_field)), "wrong-field-count", row),
        ("rolling-nul-byte-in-force.csv", nul_late, "unknown-force", col),
        # --- recorded crime, open data table
        ("opendata-decimal-count.csv", _open("2017/18,1,Surrey,Robbery of business property,Robbery,Robbery,"
                                             "34A,4.5"), "not-a-whole-number", col),
        ("opendata-non-numeric-count.csv", _open("2017/18,1,Surrey,Robbery of business property,Robbery,Robbery,"
                                                 "34A,n/a"), "not-a-number", col),
        ("opendata-quarter-5.csv", _open("2017/18,5,Surrey,Robbery of business property,Robbery,Robbery,34A,4"),
         "bad-period", col),
        ("opendata-year-not-consecutive.csv", _open("2017/19,1,Surrey,Robbery of business property,Robbery,"
                                                    "Robbery,34A,4"), "bad-period", col),
        ("opendata-year-9999.csv", _open("9999/00,1,Surrey,Robbery of business property,Robbery,Robbery,34A,4"),
         "bad-period", col),
        ("opendata-year-1978.csv", _open("1978/79,1,Surrey,Robbery of business property,Robbery,Robbery,34A,4"),
         "bad-period", col),
        ("opendata-unknown-force.csv", _open("2017/18,1,Lundun,Robbery of business property,Robbery,Robbery,"
                                             "34A,4"), "unknown-force", col),
        ("opendata-duplicate-row.csv", _open("2017/18,1,Kent,Robbery of business property,Robbery,Robbery,34A,9"),
         "duplicate-key", row),
        # --- crime outcomes
        ("outcomes-missing-column.csv", _csv(OUTCOMES.replace(",offences,", ","), "x"), "missing-column",
         ("column",)),
        ("outcomes-non-numeric-count.csv", _outcomes("2017/18,1,Surrey,Robbery of personal property,Robbery,"
                                                     "Robbery,34B,NA,Charged/Summonsed,Charged,1,three,2"),
         "not-a-number", col),
        ("population-negative.csv", _csv(POPULATION, "E23000032,Kent,-1800000,700000"), "negative-count", col),
        ("outcomes-year-2099.csv", _outcomes("2099/00,1,Surrey,Robbery of personal property,Robbery,Robbery,34B,NA,"
                                             "Charged/Summonsed,Charged,1,3,2"), "bad-period", col),
        ("outcomes-unknown-outcome-type.csv", _outcomes("2017/18,1,Surrey,Robbery of personal property,Robbery,"
                                                        "Robbery,34B,NA,Made up,Made up,99,3,2"), "unexpected-value",
         col),
        # --- population CSV
        ("population-code-name-mismatch.csv", _csv(POPULATION, "E23000032,Essex,1800000,700000"),
         "code-name-mismatch", row),
        ("population-non-numeric.csv", _csv(POPULATION, "E23000032,Kent,about 1.8m,700000"), "not-a-number", col),
        # --- data.police.uk street level
        ("street-month-2099.csv", _street("abc2,2099-07,West Yorkshire Police,West Yorkshire Police,-1.7,53.5,"
                                          "On or near X,E01007426,Barnsley 027D,Burglary,Under investigation,"),
         "bad-date", col),
        ("street-month-1999.csv", _street("abc2,1999-07,West Yorkshire Police,West Yorkshire Police,-1.7,53.5,"
                                          "On or near X,E01007426,Barnsley 027D,Burglary,Under investigation,"),
         "bad-date", col),
        ("street-month-unreadable.csv", _street("abc2,July 2017,West Yorkshire Police,West Yorkshire Police,-1.7,"
                                                "53.5,On or near X,E01007426,Barnsley 027D,Burglary,x,"),
         "bad-date", col),
        ("street-coordinate-out-of-uk.csv", _street("abc2,2017-07,West Yorkshire Police,West Yorkshire Police,"
                                                    "151.2,-33.8,On or near X,E01007426,Barnsley 027D,Burglary,x,"),
         "bad-coordinate", col),
        ("street-unknown-force.csv", _street("abc2,2017-07,Gotham Police,Gotham Police,-1.7,53.5,On or near X,"
                                             "E01007426,Barnsley 027D,Burglary,x,"), "unknown-force", col),
        # --- boundaries
        ("boundaries-cut-short.geojson", b'{"type": "FeatureCollection", "features": [', "truncated-file", ()),
        ("boundaries-invalid-json.geojson", b'{"type": "FeatureCollection", features: []}', "bad-json", ()),
        ("boundaries-no-geometry.geojson", json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"PFA16CD": "E23000032", "PFA16NM": "Kent"}, "geometry": None}]}
        ).encode(), "bad-geometry", ()),
        # --- force data return (CSV and XLSX)
        ("return-wrong-publication.csv", _return(lambda rows: rows.__setitem__(
            slice(1, None), [r.replace("peel-effectiveness-2017", "peel-effectiveness-1999") for r in rows[1:]])),
         "unexpected-value", col),
        ("return-submitted-in-the-future.csv", _return(submitted="2099-01-01"), "bad-date", col),
        ("return-negative-value.csv", _return(_replace(1, 8, "-5")), "negative-count", col),
        ("return-formula-string.csv", _return(_replace(1, 8, "=2+5")), "formula-cell", col),
        ("return-value-but-unable.csv", _return(_replace(1, 9, "unable")), "unexpected-value", col),
        ("return-unknown-status.csv", _return(_replace(1, 9, "maybe")), "unexpected-value", col),
        ("return-unknown-force.csv", _return(lambda rows: rows.__setitem__(
            slice(1, None), [r.replace("E23000032,Kent", ",Kentucky") for r in rows[1:]])), "unknown-force", col),
        ("ons-population-formula-without-value.xlsx", _ons_population(cell="=1000000+500000"), "formula-cell",
         ("sheet", "row", "column")),
        ("ons-population-year-1066.xlsx", _ons_population(year=1066), "bad-header", ("sheet", "row", "column")),
        ("ons-population-non-numeric.xlsx", _ons_population(cell="lots"), "not-a-number", ("sheet", "row", "column")),
    ]


def write() -> None:
    import tomllib  # noqa: F401 (the test reads the file back with it)

    FILES.mkdir(exist_ok=True)
    for old in FILES.iterdir():
        old.unlink()
    lines = ["# The malformed-input corpus: file -> the problem code its import must report and where it must be",
             "# located (besides the file). Written by make_corpus.py; see README.md.", ""]
    for name, data, code, where in entries():
        (FILES / name).write_bytes(data)
        located = ", ".join(f'"{w}"' for w in where)
        lines += [f'["{name}"]', f'code = "{code}"', f"located = [{located}]", ""]
    (HERE / "expected.toml").write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"{len(entries())} files in {FILES}")
