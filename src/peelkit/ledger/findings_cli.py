"""`peel ledger frameworks`, `peel ledger recommendation ...` and `peel ledger check`: the framework versions,
the recommendations of causes of concern, and the check of the record against the grade definitions.

SQLAlchemy and the ledger models are imported inside the commands, so `peel --help` stays fast."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from peelkit.clitools import ByOption, ShortFormat, command_group, parse_date
from peelkit.clitools import ShortFormatOption as FormatOption

frameworks_app = command_group(
    "The PEEL framework of each cycle (2015 to 2025-27): areas with heading and core question, the grade "
    "scale, the publication years it governs, source and confidence.\n\n"
    "Example: peel ledger frameworks --format json",
    invoke_without_command=True,
    no_args_is_help=False,
)
recommendation_app = command_group(
    "Recommendations of a cause of concern: owner, due date and status.\n\n"
    "Example: peel ledger recommendation add --finding 3 --text \"...\" --owner \"Chief constable\" "
    "--due 2023-03-31 --by Ann")


def _print_framework(f: dict[str, object]) -> None:
    typer.echo(f"{f['id']}  {f['year']}  publications {f['years']}  [{f['confidence']}]")
    typer.echo(f"  {f['title']}")
    grades = ", ".join(str(g["grade"]) for g in f["grades"])  # type: ignore[attr-defined]
    overall = "an overall grade" if f["overall_grade"] else "no overall grade"
    typer.echo(f"  scale {f['scale']}: {grades}; {overall}")
    areas = f["areas"]
    assert isinstance(areas, list)
    if not f["areas_complete"]:
        expected = f" of {f['expected_areas']}" if f["expected_areas"] else ""
        typer.echo(f"  AREA LIST NOT CONFIRMED: {len(areas)}{expected} areas known; load the definitive list with "
                   "`peel ledger frameworks load FILE`")
    for a in areas:
        graded = "graded" if a["graded"] else "ungraded"
        unconfirmed = f"  (not confirmed: {', '.join(a['unconfirmed'])})" if a["unconfirmed"] else ""
        only = f"  [only in revision {', '.join(a['revisions'])}]" if a["revisions"] else ""
        typer.echo(f"    {a['id']:<34} {graded:<9} {a['heading'] or '-'}{only}{unconfirmed}")
        if a["core_question"]:
            typer.echo(f"    {'':<34} {'':<9} {a['core_question']}")
    typer.echo(f"  source: {f['source'] or '-'}  ({f['origin']})")


@frameworks_app.callback()
def frameworks_command(ctx: typer.Context, fmt: FormatOption = ShortFormat.table) -> None:
    """List the framework versions: id, programme year, the publication years each governs, scale id and grades
    (with their definitions), areas (id, heading, core question, graded, details not confirmed, revision),
    source and confidence.

    JSON: a list of {id, year, title, order, publication_years, scale, grades: [{grade, definition}],
    overall_grade, areas_complete, expected_areas, expected_graded, areas: [{id, heading, core_question, graded,
    unconfirmed, revisions, note}], revisions, aliases, source, confidence, note, origin}.

    Example: peel ledger frameworks
    """
    if ctx.invoked_subcommand is not None:
        return
    from peelkit.ledger import frameworks as fw

    listed = [{**f.to_dict(), "years": f.years_label()} for f in fw.frameworks()]
    if fmt == ShortFormat.json:
        typer.echo(json.dumps([{k: v for k, v in f.items() if k != "years"} for f in listed], indent=2))
        return
    for f in listed:
        _print_framework(f)
        typer.echo("")


@frameworks_app.command("load")
def load_command(
    file: Annotated[Path, typer.Argument(help="A framework TOML file (the format of the shipped ones).",
                                         show_default=False)],
    by: ByOption,
    fmt: FormatOption = ShortFormat.table,
) -> None:
    """Load the definitive framework of a cycle (replacing the shipped file of the same id) or a new cycle.

    Refused, with every problem listed, if the file is malformed, changes a shipped framework's programme year,
    order, scale or grades, or drops an area the ledger holds records for. Audited under --by.

    Example: peel ledger frameworks load peel-2023-25.toml --by "A Administrator"
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.framework_load import load_framework

    with session_scope(actor=by) as session:
        result = load_framework(session, file)
    if fmt == ShortFormat.json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    verb = "replaced" if result.replaced else "added"
    typer.echo(f"{verb} framework {result.framework.id} ({result.framework.year}): "
               f"{len(result.framework.all_areas)} areas; kept in {result.path}")


@recommendation_app.command("add")
def add_command(
    finding: Annotated[int, typer.Option(help="Id of the cause of concern (or accelerated cause of concern).")],
    text: Annotated[str, typer.Option(help="The recommendation, as published.")],
    owner: Annotated[str, typer.Option(help="Who must act on it (e.g. the chief constable).")],
    due: Annotated[str, typer.Option(help="Date it is due (YYYY-MM-DD).")],
    by: ByOption,
    on: Annotated[str | None, typer.Option(help="Date made (YYYY-MM-DD); default today.")] = None,
) -> None:
    """Add a recommendation to a cause of concern (status open); prints its id.

    Example: peel ledger recommendation add --finding 3 --text "..." --owner "Chief constable" --due 2023-03-31 --by Ann
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.recommendations import add_recommendation

    due_on = parse_date(due, "--due")
    assert due_on is not None
    with session_scope(actor=by) as session:
        ident = add_recommendation(session, finding, text, owner, due_on, on=parse_date(on, "--on")).id
    typer.echo(f"added recommendation {ident}")


@recommendation_app.command("set-status")
def set_status_command(
    recommendation_id: Annotated[int, typer.Argument(help="The recommendation's id.", show_default=False)],
    status: Annotated[str, typer.Option(help="open, in_progress, completed, superseded or withdrawn.")],
    by: ByOption,
    expected_version: Annotated[int, typer.Option(
        help="The version you read; refused (exit 5) if it changed. Required: an edit never overwrites one it did "
             "not see.", show_default=False)],
    on: Annotated[str | None, typer.Option(help="Date of the change (YYYY-MM-DD); default today.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence for the new status.")] = None,
) -> None:
    """Move a recommendation to a new status, with date and evidence (kept in its history; audited).

    Example: peel ledger recommendation set-status 4 --status completed --expected-version 1 --by Ann
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.recommendations import set_recommendation_status

    with session_scope(actor=by) as session:
        rec = set_recommendation_status(session, recommendation_id, status, on=parse_date(on, "--on"),
                                        evidence=evidence, expected_version=expected_version)
        version = rec.version
    typer.echo(f"recommendation {recommendation_id} is now {status} (version {version})")


def check_command(
    force: Annotated[str | None, typer.Option(help="Only this force.")] = None,
    year: Annotated[str | None, typer.Option(help="Only this programme year (or framework id).")] = None,
    fmt: FormatOption = ShortFormat.table,
) -> None:
    """Check the record against the grade definitions: an Inadequate grade without a cause of concern, and a
    cause of concern without a recommendation, are findings. Exits 1 when there are findings, 0 when none.

    JSON: a list of {code, title, force_code, year, framework_id, question_id, record, message}; codes
    inadequate-without-cause-of-concern and cause-of-concern-without-recommendation.

    Example: peel ledger check --year 2021/22
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.ledger_check import check_ledger

    with session_scope(actor="peel ledger check") as session:
        found = check_ledger(session, force=force, year=year)
    if fmt == ShortFormat.json:
        typer.echo(json.dumps([f.to_dict() for f in found], indent=2))
    elif not found:
        typer.echo("No findings: every Inadequate grade has a cause of concern, every cause a recommendation.")
    for f in found if fmt == ShortFormat.table else ():
        typer.echo(f"{f.code}  {f.record}: {f.message}")
    if found:
        raise typer.Exit(1)
