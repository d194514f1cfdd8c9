"""Counts in words: "1 force", "2 forces", "1 query", "3 queries". Every message that states a count of
something goes through :func:`counted`, so no message says "published 1 forces" or "has 1 open data queries"."""

from __future__ import annotations

_IRREGULAR = {"query": "queries", "inquiry": "inquiries", "is": "are", "has": "have", "was": "were",
              "criterion": "criteria", "person": "people"}


def plural_of(word: str) -> str:
    """The plural of a singular noun or verb as peelkit's messages use them."""
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    last = word.rsplit(" ", 1)[-1]
    if last in _IRREGULAR:
        return word[: len(word) - len(last)] + _IRREGULAR[last]
    if word.endswith(("s", "x", "sh", "ch")):
        return word + "es"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return word[:-1] + "ies"
    return word + "s"


def word_for(count: int, singular: str, plural: str | None = None) -> str:
    """The noun (or verb) that agrees with `count`: one takes the singular, every other number the plural."""
    return singular if count == 1 else (plural or plural_of(singular))


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 force', '43 forces', '0 queries': `count` and the word that agrees with it; a given `plural` wins
    (e.g. counted(n, "open data query", "open data queries"))."""
    return f"{count:,} {word_for(count, singular, plural)}"


__all__ = ["counted", "plural_of", "word_for"]
