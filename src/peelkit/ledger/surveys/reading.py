"""Reading a survey CSV with the shared CSV reader, and checking one cell of it (problems recorded, not raised)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path

from peelkit.findings import Problems
from peelkit.ledger.surveys.rules import CATEGORIES, category_of

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def csv_rows(path: Path, problems: Problems, required: list[str],
             optional: tuple[str, ...] = ()) -> Iterable[tuple[int, dict[str, str]]]:
    """The rows of a survey CSV, read by the shared reader (`CsvRows`); its `columns` say which were found."""
    from peelkit.sources._csv import CsvRows

    return CsvRows(path, problems, required, optional)


def header_of(path: Path) -> list[str]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return [h.strip() for h in next(csv.reader(handle), [])]
    except (UnicodeDecodeError, csv.Error):
        return []  # CsvRows reports the problem with its location


def check_force(problems: Problems, text: str, row: int, column: str) -> str | None:
    from peelkit import forces

    area = forces.find(text)
    if area is None or not area.is_territorial_force:
        suggestions = forces.suggest(text) if area is None else []
        hint = f"closest known: {', '.join(suggestions)}" if suggestions else "one of the 43 territorial forces"
        what = "not a known police force" if area is None else f"a {area.kind}, not a territorial force"
        problems.problem("unknown-force", f"{text.strip()!r} is {what}", row=row, column=column, value=text,
                         expected=hint)
        return None
    return area.code


def check_category(problems: Problems, variable: str, text: str, row: int, column: str) -> str | None:
    if not text.strip():
        problems.problem("blank-value", f"the {variable} is blank", row=row, column=column,
                         expected=", ".join(CATEGORIES[variable]))
        return None
    category = category_of(variable, text)
    if category is None:
        problems.problem("unexpected-value", f"{text.strip()!r} is not a category of {variable}", row=row,
                         column=column, value=text, expected=", ".join(CATEGORIES[variable]))
    return category


def parse_number(problems: Problems, text: str, row: int, column: str) -> float | None:
    value = text.strip().replace(",", "")
    if not _NUMBER.match(value):
        problems.problem("not-a-number", f"the {column} is not a number", row=row, column=column, value=text,
                         expected="a number such as 0.25" if column == "share" else "a number such as 12345")
        return None
    number = float(value)
    if number < 0:
        problems.problem("negative-count" if column != "share" else "unexpected-value",
                         f"the {column} cannot be negative", row=row, column=column, value=text,
                         expected="zero or more")
        return None
    return number
