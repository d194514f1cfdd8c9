"""`peel ledger judgment moderate|reviews`: a second inspector accepts a drafted judgment or returns it with a
comment; the list of where each judgment of a programme year stands in moderation.

SQLAlchemy and the ledger models are imported inside the commands, so `peel --help` stays fast."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from peelkit.clitools import ShortFormat, ShortFormatOption, command_group, print_json

judgment_app = command_group(
    "Moderation of judgments: drafted by one inspector, accepted or returned with a comment by a second.\n\n"
    "Example: peel ledger judgment moderate --force Kent --year 2017 --question overall --decision accept "
    "--by \"B Inspector\" --expected-version 1")
ByOption = Annotated[str, typer.Option("--by", help="Your name (the moderator), recorded in the audit log.")]


class DecisionChoice(StrEnum):
    accept = "accept"
    return_ = "return"


REVIEW_COLUMNS = ("force_code", "question_id", "version", "state", "drafted_by", "moderated_by", "comment")


@judgment_app.command("moderate")
def moderate_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    year: Annotated[str, typer.Option(help="Programme year or framework id.")],
    question: Annotated[str, typer.Option(help="Question id (e.g. Q2_investigating_crime) or 'overall'.")],
    decision: Annotated[DecisionChoice, typer.Option(help="accept, or return (with --comment) to the drafter.")],
    by: ByOption,
    expected_version: Annotated[int, typer.Option(
        help="The judgment's version you read (peel ledger judgment reviews shows it); refused (exit 5) if it "
        "changed since.", show_default=False)],
    comment: Annotated[str, typer.Option(help="Why it is returned (required to return); a note to accept.")] = "",
) -> None:
    """Moderate one drafted judgment: refused (exit 8) when --by drafted it, or when returning without a comment;
    refused (exit 5) when the judgment changed since --expected-version or was moderated meanwhile. Audited.

    Example: peel ledger judgment moderate --force Kent --year 2017 --question overall --decision return
    --comment "Evidence does not support Good" --by "B Inspector" --expected-version 1
    """
    from peelkit.ledger import moderation
    from peelkit.ledger.db import session_scope

    chosen = "accepted" if decision == DecisionChoice.accept else "returned"
    with session_scope(actor=by) as session:
        judgment = moderation.find(session, force, year, question)
        moderation.moderate(session, judgment, chosen, expected_version, comment or None)
        what = judgment.describe()
    typer.echo(f"{what}: {chosen}")


@judgment_app.command("reviews")
def reviews_command(
    year: Annotated[str, typer.Option(help="Programme year or framework id.")],
    force: Annotated[str | None, typer.Option(help="Only this force.")] = None,
    waiting: Annotated[bool, typer.Option("--waiting", help="Only judgments not yet accepted.")] = False,
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """Where each judgment of a programme year stands: awaiting moderation, accepted or returned; who drafted
    the current version and who moderated it. JSON: a list of objects with judgment_id, force_code,
    framework_id, question_id, version, state, drafted_by, moderated_by, comment and history.

    Example: peel ledger judgment reviews --year 2017 --force Kent --waiting
    """
    from peelkit.ledger import moderation
    from peelkit.ledger.db import session_scope

    with session_scope(actor="peel ledger judgment reviews") as session:
        rows = [r.to_dict() for r in moderation.programme_reviews(session, year, force)
                if not waiting or r.state != moderation.ACCEPTED]
    if fmt == ShortFormat.json:
        print_json(rows)
        return
    for row in rows:
        by = f", moderated by {row['moderated_by']}" if row["moderated_by"] else ""
        note = f": {row['comment']}" if row["comment"] else ""
        typer.echo(f"{row['force_code']}  {row['question_id']:<34} v{row['version']}  {row['state']} "
                   f"(drafted by {row['drafted_by']}{by}){note}")
    typer.echo(f"{len(rows)} judgments")
