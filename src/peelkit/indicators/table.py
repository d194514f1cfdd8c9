"""The terminal view of Force in numbers: a force's figures beside England and Wales, as a report shows them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.engine import Result
from peelkit.indicators.publication import Publication


def _ordered(publication: Publication, results: list[Result], code: str) -> list[Result]:
    """A force's rows: each indicator's main period, then the earlier periods evaluated (--earlier) beneath it,
    latest first, so every row says which period it is."""
    order = {indicator: number for number, indicator in enumerate(publication.periods)}
    rows = [r for r in results if r.force_code == code]
    return sorted(rows, key=lambda r: (order.get(r.indicator, len(order)),
                                       r.period != publication.periods[r.indicator].main, -r.period.end.toordinal()))


def _mark(footnotes: list[str], note: str) -> str:
    if not note:
        return ""
    if note not in footnotes:
        footnotes.append(note)
    return f"[{footnotes.index(note) + 1}]"


def force_in_numbers(publication: Publication, results: list[Result], force_code: str | None) -> None:
    """Print each force's table. With earlier periods among `results`, each is a row of its own, with its
    period and England and Wales for that period."""
    console = Console(width=160)
    ew = {(r.indicator, r.period): r for r in results if r.force_code == ENGLAND_AND_WALES}
    codes = [force_code] if force_code else sorted({r.force_code for r in results} - {ENGLAND_AND_WALES})
    footnotes: list[str] = []
    for code in codes:
        rows = _ordered(publication, results, code)
        if not rows:
            continue
        table = Table(title=f"{publication.title}: Force in numbers — {rows[0].force_name}", title_justify="left")
        for column in ("indicator", "period", "force", "95% interval", "England and Wales", "compared",
                       "similar forces", "compared ", "status"):
            table.add_column(column, justify="right" if column in ("force", "England and Wales", "similar forces")
                             else "left", no_wrap=column == "period")  # rows differ only by period
        for result in rows:
            interval = (f"{result.lower_95:,.1f} to {result.upper_95:,.1f}"
                        if result.lower_95 is not None and result.upper_95 is not None else "")
            mark = _mark(footnotes, result.note)
            peer_mark = _mark(footnotes, str(result.extra.get("peer_note", "")))
            national = ew.get((result.indicator, result.period))
            table.add_row(BY_ID[result.indicator].title, result.period.label(), result.display + mark, interval,
                          national.display if national else "–", result.comparison,
                          str(result.extra.get("peer_display", "–")) + peer_mark,
                          str(result.extra.get("peer_comparison", "")), result.status)
        console.print(table)
        group = next((r.extra for r in rows if r.extra.get("peer_group")), None)
        if group is not None:
            console.print(f"similar forces: {group.get('peer_group_source') or group['peer_group']} "
                          f"(version {group['peer_group']})", markup=False, highlight=False)
    for number, text in enumerate(footnotes, 1):
        console.print(f"[{number}] {text}", markup=False, highlight=False)
