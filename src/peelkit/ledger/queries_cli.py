"""`peel checks run`, `peel queries ...` and the sign-off commands the `peel returns` app mounts.

They live in the ledger because they turn check findings into data queries, which the ledger keeps: the
checks stage itself never imports the ledger (see the import layering in README "Layout"). SQLAlchemy,
DuckDB and the ledger models are imported inside the commands, so `peel --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peelkit.clitools import Format, FormatOption, command_group, warehouse_for_reading
from peelkit.csvcells import SafeDictWriter
from peelkit.plural import counted, word_for

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from peelkit.ledger.queries import DataQuery

checks_app = command_group(
    "Data-quality checks of the force returns against each other and the official tables.\n\n"
    "Example: peel checks run --publication peel-effectiveness-2017")
queries_app = command_group(
    "Data queries raised by the checks: list them, record the force's answer, resolve or accept.\n\n"
    "Example: peel queries list --force Warwickshire --status open")


SYNTHETIC = "synthetic demonstration data"
RUN_COLUMNS = ("query_id", "query_status", "new", "severity", "rule_id", "force_code", "force_name", "item",
               "period_end", "figure", "synthetic", "message")
QUERY_COLUMNS = ("id", "publication_id", "force_code", "rule_id", "severity", "item", "period_end", "figure",
                 "status", "version", "synthetic", "answer", "answered_by", "answered_at", "closed_by",
                 "closed_at", "created_at", "message")
STATUS_COLUMNS = ("force_code", "force_name", "return_import_id", "open_queries", "answered_queries",
                  "closed_queries", "signed_off", "signed_by", "signed_at", "signed_import_id", "note")

PublicationOption = Annotated[str, typer.Option("--publication", help="Publication id or .toml path.")]
ByOption = Annotated[str, typer.Option("--by", help="Your name, recorded in the query and the audit log.")]
ExpectedVersion = Annotated[int, typer.Option(
    "--expected-version", help="The version you read (peel queries list shows it); refused (exit 5) if the query "
    "changed since. Required: an edit never overwrites one it did not see.", show_default=False)]


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    writer = SafeDictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row.get(k) is None else str(row[k]).lower() if isinstance(row[k], bool)
                         else row[k] for k in columns})


def _current_returns() -> dict[str, int] | None:
    from peelkit import warehouse

    return warehouse.current_returns(warehouse_for_reading())


def _print_findings(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        query = f"query {row['query_id']} ({row['query_status']}{', new' if row['new'] else ''})" \
            if row["query_id"] else "no query"
        synthetic = f" [{SYNTHETIC}]" if row["synthetic"] else ""
        typer.echo(f"{row['severity'].upper():<7} {row['rule_id']} - {row['force_name']}, {row['item']}"
                   f"{synthetic}; {query}")
        typer.echo(f"        {row['message']}")


@checks_app.command("run")
def run_command(
    publication: PublicationOption,
    fmt: FormatOption = Format.table,
    raise_queries: Annotated[bool, typer.Option("--queries/--no-queries",
                                                help="Raise a data query for each finding (default).")] = True,
    by: Annotated[str, typer.Option("--by", help="Recorded as the actor in the audit log.")] = "peel checks run",
) -> None:
    """Run every check rule (completeness, consistency, outliers, year-on-year trends, agreement with the
    official tables) on each force's current return, and raise a data query for each finding.

    Running again never duplicates a query: a finding is matched to its query by a fingerprint of rule, force,
    item, period and figure. A resolved query found again is reopened. Always exits 0 when the checks ran; the
    counts by severity (error, warning, info) end the output.

    CSV columns: query_id, query_status, new, severity, rule_id, force_code, force_name, item, period_end,
    figure, synthetic, message. JSON: {publication, counts: {error, warning, info}, findings: [...],
    no_longer_found: [query ids]}.

    Example: peel checks run --publication peel-effectiveness-2017 --format csv
    """
    from peelkit import warehouse
    from peelkit.indicators.publication import load
    from peelkit.ledger.check_run import CheckRun, find, raise_for

    pub = load(publication)
    path = warehouse_for_reading()
    findings = find(path, pub)
    run = CheckRun(pub.id, findings)
    if raise_queries:
        from peelkit.ledger.db import session_scope

        with session_scope(actor=by) as session:
            run = raise_for(session, pub, findings, warehouse.current_returns(path))
    counts, rows = run.counts, run.rows()
    stale, closed = run.no_longer_found, run.closed_resubmitted
    if fmt == Format.csv:
        _csv(rows, RUN_COLUMNS)
        return
    if fmt == Format.json:
        typer.echo(json.dumps({"publication": pub.id, "counts": counts, "findings": rows,
                               "no_longer_found": stale, "closed_resubmitted": closed}, indent=2, default=str))
        return
    _print_findings(rows)
    if closed:
        typer.echo(f"{counted(len(closed), 'query')} closed: no longer flagged on the force's resubmitted return: "
                   f"{', '.join(map(str, closed))}")
    if stale:
        typer.echo(f"{counted(len(stale), 'open or answered query', 'open or answered queries')} "
                   f"{word_for(len(stale), 'was')} not flagged this time (figure corrected?): "
                   f"{', '.join(map(str, stale))}; close them with `peel queries resolve ID --by NAME`.")
    typer.echo(f"{counted(len(findings), 'finding')}: {counts['error']} error, {counts['warning']} warning, "
               f"{counts['info']} info")


@checks_app.command("rules")
def rules_command(fmt: FormatOption = Format.table) -> None:
    """List the registered check rules: id, kind, title and what each flags (thresholds included).

    CSV columns: id, kind, title, description. JSON: a list of objects with the same keys.

    Example: peel checks rules --format json
    """
    from peelkit.checks.registry import rules

    rows = [{"id": r.id, "kind": r.kind, "title": r.title, "description": " ".join(r.description.split())}
            for r in rules()]
    if fmt == Format.csv:
        _csv(rows, ("id", "kind", "title", "description"))
    elif fmt == Format.json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        for row in rows:
            typer.echo(f"{row['id']:<45} {row['kind']:<13} {row['title']}")


@queries_app.command("list")
def list_command(
    force: Annotated[str | None, typer.Option(help="Only this force (any spelling, or its code).")] = None,
    status: Annotated[str | None, typer.Option(help="open, answered, resolved or accepted.")] = None,
    publication: Annotated[str | None, typer.Option(help="Only this publication id.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List data queries, by force then id.

    CSV columns: id, publication_id, force_code, rule_id, severity, item, period_end, figure, status, version,
    synthetic, answer, answered_by, answered_at, closed_by, closed_at, created_at, message. JSON: a list of
    objects with the same keys.

    Example: peel queries list --force "West Mercia" --status open --format json
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.queries import list_queries

    with session_scope(actor="peel queries list") as session:
        rows = [q.to_dict() for q in list_queries(session, publication, force, status)]
    if fmt == Format.csv:
        _csv(rows, QUERY_COLUMNS)
        return
    if fmt == Format.json:
        typer.echo(json.dumps(rows, indent=2, default=str))
        return
    if not rows:
        typer.echo("No data queries match.")
        return
    for row in rows:
        synthetic = f" [{SYNTHETIC}]" if row["synthetic"] else ""
        typer.echo(f"#{row['id']} v{row['version']} {row['status']:<8} {row['severity']:<7} {row['force_code']} "
                   f"{row['rule_id']} {row['item']}{synthetic}")
        typer.echo(f"    {row['message']}")
        if row["answer"]:
            typer.echo(f"    answer ({row['answered_by']}): {row['answer']}")


@queries_app.command("answer")
def answer_command(
    query_id: Annotated[int, typer.Argument(help="The query's id (see `peel queries list`).",
                                            show_default=False)],
    text: Annotated[str, typer.Option("--text", help="The force's answer.")],
    by: ByOption,
    expected_version: ExpectedVersion,
    revised_value: Annotated[float | None, typer.Option("--revised-value", help="The corrected figure, when the "
                                                        "figure queried is wrong.")] = None,
) -> None:
    """Record the force's answer to a data query (it becomes 'answered'), with the corrected figure if any.

    Example: peel queries answer 12 --text "Figure includes 2015 orders" --by "J Smith" --expected-version 1
    """
    from peelkit.ledger.queries import answer_query

    _change_query(by, lambda session: answer_query(session, query_id, text, by, expected_version, revised_value))


@queries_app.command("resolve")
def resolve_command(
    query_id: Annotated[int, typer.Argument(help="The query's id.", show_default=False)],
    by: ByOption,
    expected_version: ExpectedVersion,
    accept: Annotated[bool, typer.Option("--accept", help="Accept the figure as is on the force's answer, "
                                                          "rather than mark it corrected.")] = False,
) -> None:
    """Close a data query: resolved (the figure was corrected) or, with --accept, accepted as is.

    Example: peel queries resolve 12 --by "A Analyst" --accept --expected-version 2
    """
    from peelkit.ledger.queries import resolve_query

    _change_query(by, lambda session: resolve_query(session, query_id, by, accept, expected_version))


@queries_app.command("reopen")
def reopen_command(
    query_id: Annotated[int, typer.Argument(help="The query's id.", show_default=False)],
    by: ByOption,
    expected_version: ExpectedVersion,
) -> None:
    """Reopen a resolved or accepted data query: the force is asked to look again (its answer is kept).

    Example: peel queries reopen 12 --by "A Analyst" --expected-version 3
    """
    from peelkit.ledger.queries import reopen_query

    _change_query(by, lambda session: reopen_query(session, query_id, expected_version))


def _change_query(by: str, change: Callable[[Session], DataQuery]) -> None:
    """One audited change of a data query, reported as its new status and version."""
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        query = change(session)
        typer.echo(f"{query.describe()} {query.status} (version {query.version})")


def signoff_command(
    force: Annotated[str, typer.Option(help="The force signing off (any spelling, or its code).")],
    by: Annotated[str, typer.Option("--by", help="Who signs off for the force.")],
    publication: Annotated[str, typer.Option(help="Publication id.")] = "peel-effectiveness-2017",
    note: Annotated[str | None, typer.Option(help="Anything the force wants recorded with its sign-off.")] = None,
    allow_open: Annotated[bool, typer.Option("--allow-open",
                                             help="Sign off although some queries are still open.")] = False,
) -> None:
    """Record that a force has checked its final figures, covering its current return. Refused while the force
    has open data queries (unless --allow-open); a resubmitted return needs a new sign-off.

    Example: peel returns signoff --force Warwickshire --by "Chief Inspector A Jones"
    """
    from peelkit.forces import match_force
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.queries import sign_off

    code = match_force(force).code
    current = (_current_returns() or {}).get(code)
    with session_scope(actor=by) as session:
        signoff = sign_off(session, publication, force, by, note, current, allow_open)
        covering = f"return {current}" if current is not None else "no return loaded"
        typer.echo(f"{force}: signed off by {signoff.signed_by} for {publication} (covering {covering})")


def returns_status_command(
    publication: PublicationOption = "peel-effectiveness-2017",
    fmt: FormatOption = Format.table,
) -> None:
    """Which forces have not signed off their current return, and each force's open and answered queries.

    CSV columns: force_code, force_name, return_import_id, open_queries, answered_queries, closed_queries,
    signed_off, signed_by, signed_at, signed_import_id, note. JSON: {publication, not_signed_off: [codes],
    forces: [...]}.

    Example: peel returns status --publication peel-effectiveness-2017
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.queries import return_status

    current = _current_returns()
    with session_scope(actor="peel returns status") as session:
        rows = return_status(session, publication, current)
    dicts = [r.to_dict() for r in rows]
    missing = [r for r in rows if not r.signed_off]
    if fmt == Format.csv:
        _csv(dicts, STATUS_COLUMNS)
        return
    if fmt == Format.json:
        typer.echo(json.dumps({"publication": publication, "not_signed_off": [r.force_code for r in missing],
                               "forces": dicts}, indent=2, default=str))
        return
    for r in rows:
        mark = "signed off" if r.signed_off else "NOT signed off"
        typer.echo(f"{r.force_name:<28} {mark:<15} open {r.open_queries:>3}  answered {r.answered_queries:>3}  "
                   f"closed {r.closed_queries:>3}  {r.note}")
    typer.echo(f"{len(missing)} of {counted(len(rows), 'force')} {word_for(len(missing), 'has')} not signed off "
               f"{'its' if len(missing) == 1 else 'their'} current return.")
