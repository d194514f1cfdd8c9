"""Formula cells an XLSX workbook holds without a saved result. A workbook written by a program (not saved in
Excel) keeps only the formula, and every reader sees such a cell as blank; the importers say instead that it is
a formula, so the user knows to type the figure or save the file in Excel."""

from __future__ import annotations

import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any

from defusedxml import ElementTree  # type: ignore[import-untyped]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_REF = re.compile(r"([A-Z]+)(\d+)")

Formulas = dict[str, dict[tuple[int, int], str]]


def uncached_formulas(path: Path) -> Formulas:
    """Sheet name -> (row, column), both from 0 -> the formula (without '='), for formulas with no saved value.
    Empty for anything that is not a readable XLSX (the readers report those themselves)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return {name: found for name, target in _sheets(archive).items()
                    if (found := _formulas(archive, target))}
    except (zipfile.BadZipFile, KeyError, OSError, ElementTree.ParseError, ValueError):
        return {}
    except Exception as error:  # defusedxml refuses entity tricks with its own exception types
        if type(error).__module__.startswith("defusedxml"):
            return {}
        raise


def _sheets(archive: zipfile.ZipFile) -> dict[str, str]:
    book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_PKG_REL}Relationship")}
    found = {}
    for sheet in book.iter(f"{_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_REL}id"), "")
        found[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
    return found


def _formulas(archive: zipfile.ZipFile, member: str) -> dict[tuple[int, int], str]:
    found: dict[tuple[int, int], str] = {}
    with archive.open(member) as handle:
        for _event, cell in ElementTree.iterparse(handle):
            if cell.tag != f"{_MAIN}c":
                continue
            formula, value = cell.find(f"{_MAIN}f"), cell.find(f"{_MAIN}v")
            match = _REF.fullmatch(cell.get("r", ""))
            if formula is not None and (value is None or not (value.text or "").strip()) and match:
                found[(int(match.group(2)) - 1, _column_index(match.group(1)))] = formula.text or ""
            cell.clear()
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def fill_formulas(rows: list[list[object]], formulas: dict[tuple[int, int], str]) -> list[list[object]]:
    """Put '=FORMULA' into the blank cells that hold an unsaved formula (readers then report a formula-cell)."""
    for (row, column), formula in formulas.items():
        if row < len(rows) and column < len(rows[row]) and rows[row][column] in ("", None):
            rows[row][column] = "=" + formula
    return rows


def formula_problem(text: str) -> dict[str, Any]:
    """The message and expectation of a formula-cell problem for a cell whose text is '=FORMULA'."""
    return {"message": f"the cell holds the formula {text} with no saved value, so it has no figure to read",
            "expected": "the figure itself typed in, or the workbook opened and saved in Excel so the value is kept",
            "value": text}
