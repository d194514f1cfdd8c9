"""CSV cells a spreadsheet must not run: text starting with = + - @ (or a tab or carriage return) gets a leading
apostrophe, as OWASP advises for CSV injection, unless it is simply a number ("-5", "+1,234.5", "-0.05%").
Every CSV peelkit writes, published or printed by a command, goes through here."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?")


def needs_neutralising(text: str) -> bool:
    """True for text a spreadsheet could take for a formula; text that is simply a number ("-5%") is not."""
    return text.startswith(_FORMULA_TRIGGERS) and not _NUMBER_TEXT.fullmatch(text)


def neutralise(text: str) -> str:
    """The CSV form of a text cell: a leading apostrophe when it could be read as a formula."""
    return "'" + text if needs_neutralising(text) else text


def safe_cell(value: Any) -> Any:
    return neutralise(value) if isinstance(value, str) else value


class SafeDictWriter(csv.DictWriter):  # type: ignore[type-arg]
    """csv.DictWriter whose text cells are neutralised (numbers, dates and empty cells pass unchanged)."""

    def writerow(self, rowdict: Mapping[str, Any]) -> Any:
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts: Iterable[Mapping[str, Any]]) -> None:
        for row in rowdicts:
            self.writerow(row)
