"""The terminal view of Force in numbers: a force's figures beside England and Wales, as a report shows them."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.engine import Result
from peelkit.indicators.publication import Publication


def force_in_numbers(publication: Publication, results: list[Result], force_code: str | None) -> None:
    console = Console(width=160)
    main = [r for r in results if r.period == publication.periods[r.indicator].main]
    ew = {r.indicator: r for r in main if r.force_code == ENGLAND_AND_WALES}
    codes = [force_code] if force_code else sorted({r.force_code for r in main} - {ENGLAND_AND_WALES})
    footnotes: list[str] = []
    for code in codes:
        rows = [r for r in main if r.force_code == code]
        if not rows:
            continue
        table = Table(title=f"{publication.title}: Force in numbers — {rows[0].force_name}", title_justify="left")
        for column in ("indicator", "period", "force", "95% interval", "England and Wales", "compared",
                       "similar forces", "compared ", "status"):
            table.add_column(column, justify="right" if column in ("force", "England and Wales", "similar forces")
                             else "left")
        for result in rows:
            interval = (f"{result.lower_95:,.1f} to {result.upper_95:,.1f}"
                        if result.lower_95 is not None and result.upper_95 is not None else "")
            mark = ""
            if result.note:
                if result.note not in footnotes:
                    footnotes.append(result.note)
                mark = f"[{footnotes.index(result.note) + 1}]"
            peer_note = str(result.extra.get("peer_note", ""))
            peer_mark = ""
            if peer_note:
                if peer_note not in footnotes:
                    footnotes.append(peer_note)
                peer_mark = f"[{footnotes.index(peer_note) + 1}]"
            table.add_row(BY_ID[result.indicator].title, result.period.label(), result.display + mark, interval,
                          ew[result.indicator].display, result.comparison,
                          str(result.extra.get("peer_display", "–")) + peer_mark,
                          str(result.extra.get("peer_comparison", "")), result.status)
        console.print(table)
        group = next((r.extra for r in rows if r.extra.get("peer_group")), None)
        if group is not None:
            console.print(f"similar forces: {group.get('peer_group_source') or group['peer_group']} "
                          f"(version {group['peer_group']})", markup=False, highlight=False)
    for number, text in enumerate(footnotes, 1):
        console.print(f"[{number}] {text}", markup=False, highlight=False)
