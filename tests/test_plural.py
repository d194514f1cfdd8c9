"""Counts in words agree with their number: no "published 1 forces", no "has 1 open data queries"."""

from __future__ import annotations

import pytest

from peelkit.plural import counted, plural_of, word_for


@pytest.mark.parametrize(("word", "plural"), [("force", "forces"), ("query", "queries"),
                                              ("open data query", "open data queries"), ("day", "days"),
                                              ("box", "boxes"), ("has", "have"), ("was", "were"),
                                              ("file", "files")])
def test_plural_of(word: str, plural: str) -> None:
    assert plural_of(word) == plural


def test_one_takes_the_singular_and_every_other_number_the_plural() -> None:
    assert counted(1, "force") == "1 force"
    assert counted(0, "force") == "0 forces"
    assert counted(43, "force") == "43 forces"
    assert counted(1, "open data query") == "1 open data query"
    assert counted(2, "open data query") == "2 open data queries"
    assert counted(1_234, "file") == "1,234 files"
    assert counted(2, "criterion", "criteria") == "2 criteria"
    assert word_for(1, "has") == "has" and word_for(3, "has") == "have"
