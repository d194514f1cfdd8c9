"""`peel ledger demo`: synthetic narrative and areas for improvement for one or two forces (make demo)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from peelkit.clitools import ShortFormat, ShortFormatOption
from peelkit.plural import counted


def demo_command(
    force: Annotated[list[str], typer.Option(help="A force (repeat the option for more).")],
    year: Annotated[str, typer.Option(help="Programme year or framework id.")] = "2017",
    by: Annotated[str, typer.Option("--by", help="Recorded as the author in the audit log.")] = (
        "peel ledger demo (synthetic)"),
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """Load clearly labelled synthetic narrative (overview and every question) and two areas for improvement
    for these forces, where they have none, so that a demo report reads as a whole report. Every text begins
    "Synthetic demonstration text". Repeatable: what exists is left as it is. Refused (exit 8) for a
    publication already public, whose records change only as corrections.

    JSON: a list of {force, year, narratives_added, narratives_kept, areas_added, areas_kept}.

    Example: peel ledger demo --force Warwickshire --force Kent --year 2017
    """
    from dataclasses import asdict

    from peelkit.ledger.db import session_scope
    from peelkit.ledger.report_demo import load_demo_report

    with session_scope(actor=by) as session:
        reports = [load_demo_report(session, name, year) for name in force]
    if fmt == ShortFormat.json:
        typer.echo(json.dumps([asdict(r) for r in reports], indent=2))
        return
    for r in reports:
        typer.echo(f"{r.force} {r.year}: synthetic narrative added for "
                   f"{counted(len(r.narratives_added), 'section')} ({counted(len(r.narratives_kept), 'section')} "
                   f"already had narrative), {counted(len(r.areas_added), 'area')} for improvement raised "
                   f"({len(r.areas_kept)} already there)")
