"""`peel returns submit`: a force's return submitted as the web upload does (ledger.submissions). It lives in the
ledger because submitting also raises and closes data queries; cli.py mounts it on the `peel returns` app."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from peelkit.clitools import ShortFormat as Format
from peelkit.clitools import ShortFormatOption as FormatOption
from peelkit.clitools import print_json
from peelkit.returns.cli import DEFAULT_PUBLICATION, PublicationOption, print_import_report


def submit_command(
    path: Annotated[Path, typer.Argument(help="The filled return (XLSX or CSV).", show_default=False)],
    by: Annotated[str, typer.Option("--by", help="Who submits it (the audit log's actor).")],
    publication: PublicationOption = DEFAULT_PUBLICATION,
    force: Annotated[str | None, typer.Option(help="Refuse the file unless it is this force's return.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Submit one force's return as the web upload does: checked and loaded like `peel returns import` (all or
    nothing), then the checks run again for that force: new findings become data queries, and its open or
    answered queries whose finding no longer occurs are closed with the reason recorded.

    JSON fields: force_code, import (as `peel returns import`), import_id, queries_raised, queries_closed.

    Example: peel returns submit kent.xlsx --force Kent --by "Kent data team"
    """
    from peelkit import config, forces
    from peelkit.ledger.submissions import submit_return

    code = forces.match_force(force).code if force else None
    done = submit_return(path, publication, by, force_code=code, warehouse_path=config.warehouse_path())
    if fmt == Format.json:
        print_json(done.to_dict())
        return
    print_import_report(done.report, fmt)
    typer.echo(f"current return of {forces.match(done.force_code).name}: import {done.import_id}; "
               f"queries raised {len(done.raised)}, closed as no longer flagged {len(done.closed)}"
               + (f" ({', '.join(map(str, done.closed))})" if done.closed else ""))
