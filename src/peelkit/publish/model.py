"""The shapes the publishing stages hand each other (charts, national tables and reports are built by
separate modules against these)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from peelkit.indicators.engine import Result
from peelkit.indicators.publication import Publication
from peelkit.peers.groups import PeerGroup


@dataclass(frozen=True)
class Chart:
    """One figure: Vega-Lite spec (interactive on the web), its SVG (print), and accessible alternatives."""

    id: str  # e.g. "asb_powers_per_million"
    title: str
    spec: dict[str, Any]  # Vega-Lite JSON, as Altair produces it
    svg: str  # rendered offline with vl-convert
    alt_text: str  # one or two sentences saying what the chart shows for this force
    table_columns: tuple[str, ...]  # the data table fallback
    table_rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()  # e.g. forces left out and why
    missing: str = ""  # when there are no figures to draw: the one sentence saying so and why


@dataclass(frozen=True)
class SourceFile:
    """An input of the publication, for Annex A and the manifest."""

    file_name: str
    source: str
    publisher: str
    vintage: str
    sha256: str
    synthetic: bool


@dataclass
class PublicationData:
    """Everything needed to render any force's report: loaded once per worker process, not once per force."""

    publication: Publication
    results: list[Result]  # every force and England and Wales, main and earlier periods
    sources: list[SourceFile]
    synthetic: bool  # any figure comes from synthetic demonstration data
    ledger: dict[str, Any] = field(default_factory=dict)  # per force code: judgments, areas, narrative, reviews
    peer_groups: dict[str, PeerGroup] = field(default_factory=dict)  # per force code: the publication's peers
