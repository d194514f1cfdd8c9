"""HMICFRS PEEL effectiveness grades, as gathered from HMICFRS's public pages and press coverage.

The grades are inspection judgments, not statistics: they belong in the inspection ledger, imported by
`peel ledger import-grades`. This source only recognises the file so `peel data import` on a data folder
skips it with that message instead of calling it unrecognised.
"""

from __future__ import annotations

from pathlib import Path

from peelkit.sources import Sniff, Source, header_score, register
from peelkit.warehouse import Stage

COLUMNS = ["force", "year", "question", "grade", "last_inspected", "source_url", "evidence", "confidence"]


def _score(sniff: Sniff) -> float:
    if sniff.container not in ("text", "gzip"):
        return 0.0
    return header_score(sniff.header_fields(), COLUMNS)


def read(path: Path, stage: Stage) -> None:
    """Nothing to stage: the importer skips ledger sources before reading them."""
    stage.notes.append(f"{path.name} holds ledger data; import it with `peel ledger import-grades`")


SOURCE = register(
    Source(
        name="hmicfrs_peel_grades",
        title="HMICFRS PEEL effectiveness grades (ledger data: imported by `peel ledger import-grades`)",
        publisher="HMICFRS",
        score=_score,
        read=read,
        kind="ledger",
    )
)
