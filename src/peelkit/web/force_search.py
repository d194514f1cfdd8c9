"""Find your force: what a member of the public types ("Met", "Avon", "GMP", "Devon", "Kent Police",
"thames-valley", a GSS code) to the territorial forces it may mean, best first.

A force matches when every word typed begins a word of one of its spellings (its name, the name its reports
use, every alias the sources use, its data.police.uk id), or the typed word is the initials of one of them
("GMP", "TVP", "MPS"). Words every force could carry ("police", "constabulary") are ignored. An exact
spelling (as the importers match names, `forces.find`) comes first; then names that begin with what was typed;
then the rest, alphabetically. Nothing here depends on what is published: the list of forces is public."""

from __future__ import annotations

import re
from functools import cache

from peelkit import forces

# The county abbreviations people write (not spellings any source uses, so not in the force registry).
SHORT_NAMES = {"beds": "Bedfordshire", "cambs": "Cambridgeshire", "glos": "Gloucestershire", "hants": "Hampshire",
               "herts": "Hertfordshire", "leics": "Leicestershire", "lincs": "Lincolnshire",
               "northants": "Northamptonshire", "notts": "Nottinghamshire", "staffs": "Staffordshire",
               "warks": "Warwickshire", "wilts": "Wiltshire", "yorks": "Yorkshire", "manc": "Greater Manchester"}
_GENERIC = frozenset({"police", "constabulary", "service", "force", "area", "the", "of", "and"})
_GSS = re.compile(r"[A-Za-z]\d{8}")
MAX_QUERY = 100  # characters: a force's longest spelling is well under this


@cache
def _spellings() -> dict[str, tuple[tuple[str, ...], frozenset[str]]]:
    """Per force code: the words of every spelling, and the initials of each spelling (two letters or more)."""
    found: dict[str, tuple[tuple[str, ...], frozenset[str]]] = {}
    for area in forces.forces():
        short = [word for word, name in SHORT_NAMES.items() if name in area.name]
        texts = {area.name, area.report_name, *area.aliases, area.police_uk_id.replace("-", " "), *short} - {""}
        words: set[str] = set()
        initials: set[str] = set()
        for text in texts:
            parts = forces.normalise(text).split()
            words.update(parts)
            letters = "".join(p[0] for p in parts if p not in ("and", "of"))
            if len(letters) >= 2:
                initials.add(letters)
        found[area.code] = (tuple(sorted(words)), frozenset(initials))
    return found


def _words(query: str) -> list[str]:
    words = forces.normalise(query[:MAX_QUERY]).split()
    meaningful = [w for w in words if w not in _GENERIC]
    return meaningful or words


def _matches(code: str, words: list[str]) -> bool:
    own, initials = _spellings()[code]
    return all(word in initials or any(candidate.startswith(word) for candidate in own) for word in words)


def search(query: str) -> list[forces.Area]:
    """The territorial forces `query` may mean, best first (empty for an empty query)."""
    words = _words(query)
    if not words:
        return []
    exact = forces.find(query[:MAX_QUERY])
    if _GSS.fullmatch(query.strip()):
        # A GSS code is that force or nothing (its digits are not words to match).
        return [exact] if exact is not None and exact.kind == "force" else []
    found = [a for a in forces.forces() if _matches(a.code, words)]
    typed = " ".join(words)

    def rank(area: forces.Area) -> tuple[int, str]:
        if exact is not None and area.code == exact.code:
            return (0, area.name)
        return (1 if forces.normalise(area.name).startswith(typed) else 2, area.name)

    if exact is not None and exact.kind == "force" and exact not in found:
        found.append(exact)
    return sorted(found, key=rank)


__all__ = ["MAX_QUERY", "search"]
