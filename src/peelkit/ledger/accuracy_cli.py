"""`peel ledger accuracy ...`: the factual-accuracy check from the command line (the web app's analyst and
inspector pages do the same): set or show the window, list the forces' comments, answer one.

SQLAlchemy and the ledger models are imported inside the commands, so `peel --help` stays fast.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from peelkit.clitools import ShortFormat, command_group, print_json
from peelkit.clitools import ShortFormatOption as FormatOption
from peelkit.errors import InputError

accuracy_app = command_group(
    "The factual-accuracy check of the draft reports: its window, the forces' comments, the answers.\n\n"
    "Example: peel ledger accuracy window --publication peel-effectiveness-2017 --opens 2018-02-01T09:00Z "
    "--closes 2018-02-15T17:00Z --by 'A Analyst'")
PublicationOption = Annotated[str, typer.Option(help="The publication whose draft reports are checked.")]


def _time(option: str, value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{option} {value!r} is not a time like 2018-02-01T09:00:00+00:00") from None
    if parsed.tzinfo is None:
        raise InputError(f"{option} {value!r} has no time zone: add one, e.g. {value}+00:00 (UTC)")
    return parsed


@accuracy_app.command("window")
def window_command(
    publication: PublicationOption,
    opens: Annotated[str | None, typer.Option(help="When forces may start commenting (ISO 8601, with a zone).")]
    = None,
    closes: Annotated[str | None, typer.Option(help="When commenting ends (ISO 8601, with a zone).")] = None,
    by: Annotated[str | None, typer.Option("--by", help="Who sets the window (the audit log's actor).")] = None,
    expected_version: Annotated[int | None, typer.Option(help="The window's version you read (0: none yet).")]
    = None,
    fmt: FormatOption = ShortFormat.table,
) -> None:
    """Set the window (with --opens, --closes and --by), or show it (without them).

    JSON fields: publication_id, opens_at, closes_at, set_by, version (null when no window is set).

    Example: peel ledger accuracy window --publication peel-effectiveness-2017 --opens 2018-02-01T09:00Z
    --closes 2018-02-15T17:00Z --by "A Analyst" --expected-version 0
    """
    from peelkit.ledger.accuracy import AccuracyWindow, get_window, set_window
    from peelkit.ledger.db import session_scope

    window: AccuracyWindow | None

    changing = opens is not None or closes is not None
    if changing and (opens is None or closes is None or not by):
        raise InputError("to set the window give --opens, --closes and --by")
    with session_scope(actor=by or "peel ledger accuracy") as session:
        if changing and opens is not None and closes is not None and by:
            window = set_window(session, publication, _time("--opens", opens), _time("--closes", closes), by,
                                expected_version)
        else:
            window = get_window(session, publication)
        body = window.to_dict() if window is not None else None
    if fmt == ShortFormat.json:
        print_json(body)
    elif body is None:
        typer.echo(f"{publication}: no factual-accuracy window is set")
    else:
        typer.echo(f"{publication}: factual-accuracy window {body['opens_at']} to {body['closes_at']} "
                   f"(set by {body['set_by']}, version {body['version']})")


@accuracy_app.command("list")
def list_command(
    publication: PublicationOption,
    force: Annotated[str | None, typer.Option(help="Only this force's comments (any spelling, or its code).")]
    = None,
    fmt: FormatOption = ShortFormat.table,
) -> None:
    """Every comment of the forces on their draft reports, with its answer.

    JSON: a list of {id, publication_id, force_code, section, text, author, created_at, outcome, outcome_label,
    reason, answered_by, answered_at, version}.

    Example: peel ledger accuracy list --publication peel-effectiveness-2017 --force Kent
    """
    from peelkit.forces import match_force
    from peelkit.ledger.accuracy import list_comments
    from peelkit.ledger.db import session_scope

    code = match_force(force).code if force else None
    with session_scope() as session:
        rows = [c.to_dict() for c in list_comments(session, publication, code)]
    if fmt == ShortFormat.json:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']:>4}  {row['force_code']}  {row['section']}  {row['outcome_label']}  "
                   f"(version {row['version']})")
        typer.echo(f"      {row['text']}")
        if row["reason"]:
            typer.echo(f"      answer ({row['answered_by']}): {row['reason']}")
    if not rows:
        typer.echo("No comments.")


@accuracy_app.command("answer")
def answer_command(
    comment_id: Annotated[int, typer.Argument(help="The comment's id (see `peel ledger accuracy list`).",
                                              show_default=False)],
    outcome: Annotated[str, typer.Option(help="accepted or not_accepted.")],
    reason: Annotated[str, typer.Option(help="Why, as the force will read it.")],
    by: Annotated[str, typer.Option("--by", help="The inspector answering.")],
    expected_version: Annotated[int, typer.Option(help="The comment's version you read.")],
) -> None:
    """An inspector's answer to a force's comment: accepted or not accepted, with the reason.

    Example: peel ledger accuracy answer 3 --outcome accepted --reason "Corrected" --by "I Inspector"
    --expected-version 1
    """
    from peelkit.ledger.accuracy import answer_comment
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        comment = answer_comment(session, comment_id, outcome, reason, by, expected_version)
        typer.echo(f"{comment.describe()} {comment.outcome} (version {comment.version})")
