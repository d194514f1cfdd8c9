"""`peel ledger ...`: the inspectors' record of judgments and areas for improvement.

SQLAlchemy and the ledger models are imported inside the commands, so `peel --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from peelkit.clitools import ByOption, Format, FormatOption, ShortFormat, ShortFormatOption, command_group, parse_date
from peelkit.csvcells import SafeDictWriter
from peelkit.errors import InputError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from peelkit.ledger.improvements import ImprovementArea
    from peelkit.ledger.judgments import StandingReport
    from peelkit.ledger.rollup import Rollup

ledger_app = command_group(
    "The inspection ledger: judgments, carried-forward grades, areas for improvement.\n\n"
    "Example: peel ledger judgments --force Warwickshire --year 2017")


def _mount_sub_apps() -> None:
    # The sub-apps import nothing heavy at module level, so `peel --help` stays fast.
    from peelkit.ledger.accuracy_cli import accuracy_app
    from peelkit.ledger.file_review_cli import file_review_app
    from peelkit.ledger.findings_cli import check_command, frameworks_app, recommendation_app
    from peelkit.ledger.moderation_cli import judgment_app
    from peelkit.ledger.report_demo_cli import demo_command
    from peelkit.ledger.surveys_cli import surveys_app

    # In the order `peel ledger --help` lists them.
    for sub_app, name in ((file_review_app, "file-review"), (surveys_app, "surveys"), (frameworks_app, "frameworks"),
                          (recommendation_app, "recommendation"), (judgment_app, "judgment"),
                          (accuracy_app, "accuracy")):
        ledger_app.add_typer(sub_app, name=name)
    ledger_app.command("check")(check_command)
    ledger_app.command("demo")(demo_command)


_mount_sub_apps()


# Stable output columns (documented in the command help; tests pin them).
JUDGMENT_COLUMNS = ("force_code", "force", "year", "framework_id", "question", "grade", "grade_status",
                    "last_inspected", "carried_forward", "basis", "previous_year", "previous_grade", "movement",
                    "advisory_rollup", "departs_from_rollup")
AFI_COLUMNS = ("id", "kind", "force_code", "year_raised", "question", "status", "version", "times_raised",
               "consecutive_inspections", "raised", "predecessor_id", "text", "history", "recommendations")


def begin_correction(session: Session, reason: str | None) -> None:
    # Imported here: `peel --help` must not import SQLAlchemy.
    from peelkit.ledger.corrections import begin_correction as begin

    begin(session, reason)


CorrectionOption = Annotated[str | None, typer.Option(
    "--correction", help="The reason, when this changes a record of a published publication (shown on the "
                         "report and force page as 'Corrected on <date>: <reason>'; refused without it).")]


def _judgment_rows(report: StandingReport, rollup: Rollup) -> list[dict[str, Any]]:
    common = {"force_code": report.force_code, "force": report.force, "year": report.year,
              "framework_id": report.framework.id}
    rows = []
    for q in report.questions:
        rows.append({**common, "question": q.question_id, "grade": q.grade, "grade_status": q.grade_status,
                     "last_inspected": q.last_inspected, "carried_forward": q.carried_forward, "basis": q.basis,
                     "previous_year": None, "previous_grade": None, "movement": None, "advisory_rollup": None,
                     "departs_from_rollup": None})
    if report.overall is not None:
        o = report.overall
        rows.append({**common, "question": o.question_id, "grade": o.grade, "grade_status": o.grade_status,
                     "last_inspected": o.last_inspected, "carried_forward": o.carried_forward, "basis": o.basis,
                     "previous_year": report.previous_year, "previous_grade": report.previous_overall,
                     "movement": report.movement, "advisory_rollup": rollup.advisory,
                     "departs_from_rollup": rollup.departs})
    return rows


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    writer = SafeDictWriter(sys.stdout, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row[k] is None else str(row[k]).lower() if isinstance(row[k], bool) else row[k])
                         for k in columns})


@ledger_app.command("judgments")
def judgments_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    year: Annotated[str, typer.Option(help="Programme year (2015, 2016, 2017, 2018/19, 2021/22, 2023-25, "
                                           "2025-27) or framework id.")],
    fmt: FormatOption = Format.table,
) -> None:
    """The grade standing for each question in a programme year, and the overall grade.

    A question not re-inspected that year shows the latest earlier grade on the same scale, with the year it was
    last inspected (carried_forward true). The overall grade is the inspector's; the advisory roll-up (CQC-style
    aggregation) is shown beside it and a departure is flagged, never corrected. Blank grades are unknown.

    CSV columns (one row per question, then one row with question "overall"): force_code, force, year,
    framework_id, question, grade, grade_status (known/unknown), last_inspected, carried_forward (true/false),
    basis, previous_year, previous_grade, movement, advisory_rollup, departs_from_rollup; the last five are
    filled on the overall row only. JSON: {force_code, force, year, framework_id, scale, questions: [...],
    overall: {...grade, previous_year, previous_grade, movement}, rollup: {advisory, recorded, departs, reason}}.

    Example: peel ledger judgments --force Lancashire --year 2017 --format csv
    """
    from peelkit.ledger import rollup as rollups
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.judgments import standing_judgments

    with session_scope(actor="peel ledger judgments") as session:
        report = standing_judgments(session, force, year)
    advice = rollups.advise_standing(report)
    rows = _judgment_rows(report, advice)
    if fmt == Format.csv:
        _csv(rows, JUDGMENT_COLUMNS)
        return
    if fmt == Format.json:
        body = {"force_code": report.force_code, "force": report.force, "year": report.year,
                "framework_id": report.framework.id, "scale": report.framework.scale,
                "questions": [q.to_dict() for q in report.questions],
                "overall": None if report.overall is None else {
                    **report.overall.to_dict(), "previous_year": report.previous_year,
                    "previous_grade": report.previous_overall, "movement": report.movement},
                "rollup": advice.to_dict()}
        typer.echo(json.dumps(body, indent=2, default=str))
        return
    _print_judgments(report, advice)


def _print_judgments(report: StandingReport, advice: Rollup) -> None:
    typer.echo(f"{report.force} ({report.force_code}): {report.framework.title} [{report.framework.scale}]")
    for q in report.questions:
        grade = q.grade or "unknown"
        when = f"last inspected {q.last_inspected}" if q.last_inspected else "not inspected on record"
        carried = "  (carried forward)" if q.carried_forward else ""
        typer.echo(f"  {q.question_id:<34} {grade:<22} {when}{carried}")
    if report.overall is not None:
        o = report.overall
        previous = (f"{report.previous_overall} in {report.previous_year}" if report.previous_overall
                    else "no previous grade")
        typer.echo(f"  {'overall':<34} {o.grade or 'unknown':<22} previous: {previous}; {report.movement}")
        if advice.advisory:
            flag = "  ** recorded grade departs from the roll-up **" if advice.departs else ""
            typer.echo(f"  {'advisory roll-up':<34} {advice.advisory:<22}{flag}")
        else:
            typer.echo(f"  {'advisory roll-up':<34} {'-':<22} {advice.reason}")


@ledger_app.command("import-grades")
def import_grades_command(
    file: Annotated[Path, typer.Argument(help="The grades CSV (force, year, question, grade, last_inspected, "
                                              "source_url, evidence, confidence).", show_default=False)],
    by: ByOption = "peel ledger import-grades",
    correction: CorrectionOption = None,
    fmt: ShortFormatOption = (
        ShortFormat.table),
) -> None:
    """Import the public PEEL grades: every row checked first, all problems listed with row numbers, nothing
    imported on any problem; re-importing the same file changes nothing. Blank grades are kept as unknown.

    JSON: {file, rows, inserted, updated, unchanged, unknown_grades, carried_forward, forces, years, notes}.

    Example: peel ledger import-grades ../shared/data/hmicfrs/peel_effectiveness_grades_2015_2018.csv
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.grades_import import import_grades

    with session_scope(actor=by) as session:
        begin_correction(session, correction)
        report = import_grades(session, file)
    if fmt == ShortFormat.json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
        return
    typer.echo(f"{report.rows} rows: {report.inserted} new, {report.updated} updated, {report.unchanged} unchanged; "
               f"{report.forces} forces; years {', '.join(report.years)}; {report.unknown_grades} unknown grades; "
               f"{report.carried_forward} carried forward")
    for note in report.notes:
        typer.echo(f"note  {note}")


@ledger_app.command("record-judgment")
def record_judgment_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    year: Annotated[str, typer.Option(help="Programme year or framework id.")],
    question: Annotated[str, typer.Option(help="Question id (e.g. Q2_investigating_crime) or 'overall'.")],
    grade: Annotated[str, typer.Option(help="A grade on the framework's scale; '' records an unknown grade.")],
    by: ByOption,
    expected_version: Annotated[int, typer.Option(
        help="The version you read (0: there was none); refused (exit 5) if it changed. Required: an edit never "
        "overwrites one it did not see.", show_default=False)],
    not_inspected: Annotated[bool, typer.Option("--not-inspected", help="The question was not re-inspected "
                                                                        "this year (grade carried forward).")] = False,
    last_inspected: Annotated[str | None, typer.Option(help="Year last inspected, for --not-inspected.")] = None,
    judged_on: Annotated[str | None, typer.Option(help="Date of the judgment (YYYY-MM-DD).")] = None,
    source: Annotated[str | None, typer.Option(help="Where the judgment is published.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence or note.")] = None,
    confidence: Annotated[str | None, typer.Option(help="Confidence in the source (e.g. explicit).")] = None,
    correction: CorrectionOption = None,
) -> None:
    """Record (insert or update) one judgment; audited under --by; a stale --expected-version is refused (exit 5).

    Prints the saved judgment's id and version.

    Example: peel ledger record-judgment --force Kent --year 2017 --question overall --grade Good --by "A Inspector"
    --expected-version 0
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.judgments import record_judgment

    with session_scope(actor=by) as session:
        begin_correction(session, correction)
        extra: dict[str, Any] = {}
        if last_inspected is not None:
            extra["last_inspected"] = last_inspected
        judgment = record_judgment(session, force, year, question, grade or None,
                                   inspected_this_year=not not_inspected,
                                   judged_on=parse_date(judged_on, "--judged-on"),
                                   source=source, evidence=evidence, confidence=confidence,
                                   expected_version=expected_version, **extra)
        ident, version = judgment.id, judgment.version
    typer.echo(f"saved judgment {ident} (version {version})")


@ledger_app.command("raise-area")
def raise_area_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    year: Annotated[str, typer.Option(help="Programme year in which it is raised.")],
    question: Annotated[str, typer.Option(help="Question id the area belongs to.")],
    text: Annotated[str, typer.Option(help="The area for improvement or cause of concern, as published.")],
    by: ByOption,
    kind: Annotated[str, typer.Option(help="area_for_improvement, cause_of_concern, accelerated_cause_of_concern, "
                                           "innovative_practice or promising_practice.")] = "area_for_improvement",
    predecessor: Annotated[int | None, typer.Option(help="Id of the same area raised in an earlier "
                                                         "inspection.")] = None,
    on: Annotated[str | None, typer.Option(help="Date raised (YYYY-MM-DD); default today.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence or note.")] = None,
    correction: CorrectionOption = None,
) -> None:
    """Record a finding: an area for improvement, a cause of concern (add its recommendations with `peel ledger
    recommendation add`), an accelerated cause of concern, or innovative or promising practice (noted, with no
    status to move). Status open (noted for practice); prints its id.

    Example: peel ledger raise-area --force Kent --year 2017 --question Q2_investigating_crime --text "..." --by Ann
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.improvements import raise_area

    with session_scope(actor=by) as session:
        begin_correction(session, correction)
        area = raise_area(session, force, year, question, text, kind=kind, predecessor_id=predecessor,
                          on=parse_date(on, "--on"), evidence=evidence)
        ident = area.id
    typer.echo(f"raised area {ident}")


@ledger_app.command("set-area-status")
def set_area_status_command(
    area_id: Annotated[int, typer.Argument(help="The area's id.", show_default=False)],
    status: Annotated[str, typer.Option(help="open, in_progress, addressed or closed.")],
    by: ByOption,
    expected_version: Annotated[int, typer.Option(
        help="The version you read (0: there was none); refused (exit 5) if it changed. Required: an edit never "
        "overwrites one it did not see.", show_default=False)],
    on: Annotated[str | None, typer.Option(help="Date of the change (YYYY-MM-DD); default today.")] = None,
    evidence: Annotated[str | None, typer.Option(help="Evidence for the new status.")] = None,
    correction: CorrectionOption = None,
) -> None:
    """Move an area to a new status, with date and evidence (kept in its history; audited under --by).

    Example: peel ledger set-area-status 3 --status addressed --evidence "2018 inspection" --by "A Inspector"
    --expected-version 1
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.improvements import set_status

    with session_scope(actor=by) as session:
        begin_correction(session, correction)
        area = set_status(session, area_id, status, on=parse_date(on, "--on"), evidence=evidence,
                          expected_version=expected_version)
        version = area.version
    typer.echo(f"area {area_id} is now {status} (version {version})")


def _afi_row(area: ImprovementArea) -> dict[str, Any]:
    from peelkit.ledger.improvements import AreaView

    view = AreaView(area).to_dict()
    history = "; ".join(f"{h['status']} {h['on']}" + (f" ({h['evidence']})" if h["evidence"] else "")
                        for h in view["history"])
    recommendations = "; ".join(f"{r['id']}: {r['text']} (owner {r['owner']}, due {r['due']}, {r['status']})"
                                for r in view["recommendations"])
    return {**view, "question": view["question_id"], "history": history, "recommendations": recommendations}


@ledger_app.command("afis")
def afis_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    fmt: FormatOption = Format.table,
) -> None:
    """Findings of a force (every kind), with status history, recommendations and how often raised.

    CSV columns: id, kind, force_code, year_raised, question, status, version, times_raised,
    consecutive_inspections, raised (e.g. "raised in our last two inspections"), predecessor_id, text, history
    ("status date (evidence); ..."), recommendations ("id: text (owner X, due D, status); ..."). JSON: a list of
    objects with the same keys plus kind_label, question as question_id, history as a list of {status, on,
    evidence, actor} and recommendations as a list of {id, finding_id, text, owner, due, status, version,
    history}.

    Example: peel ledger afis --force Kent --format json
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.improvements import AreaView, areas_for

    with session_scope(actor="peel ledger afis") as session:
        areas = areas_for(session, force)
        views = [AreaView(a).to_dict() for a in areas]
        rows = [_afi_row(a) for a in areas]
    if fmt == Format.json:
        typer.echo(json.dumps(views, indent=2, default=str))
        return
    if fmt == Format.csv:
        _csv(rows, AFI_COLUMNS)
        return
    if not views:
        typer.echo("No areas for improvement or causes of concern recorded for this force.")
        return
    for view in views:
        typer.echo(f"[{view['id']}] {view['kind_label']} ({view['year_raised']}, {view['question_id']}): "
                   f"{view['text']}")
        typer.echo(f"    status {view['status']}; {view['raised']}")
        for h in view["history"]:
            note = f" - {h['evidence']}" if h["evidence"] else ""
            typer.echo(f"    {h['on']}  {h['status']:<12} by {h['actor']}{note}")
        for r in view["recommendations"]:
            typer.echo(f"    recommendation {r['id']}: {r['text']} (owner {r['owner']}, due {r['due']}; {r['status']})")


@ledger_app.command("set-narrative")
def set_narrative_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    year: Annotated[str, typer.Option(help="Programme year or framework id.")],
    section: Annotated[str, typer.Option(help="A question id, 'overview' or 'specialist_capabilities'.")],
    file: Annotated[Path, typer.Option(help="The Markdown text: a file, or - for standard input.")],
    by: ByOption,
    expected_version: Annotated[int | None, typer.Option(help="The version you read; refused if it changed.")] = (
        None),
    correction: CorrectionOption = None,
) -> None:
    """Save the inspectors' narrative (Markdown, sanitised when shown) of one report section; audited under --by.

    Example: peel ledger set-narrative --force Kent --year 2017 --section overview --file overview.md --by "A Inspector"
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.narrative import set_narrative

    try:
        text = sys.stdin.read() if str(file) == "-" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{file}: cannot read the narrative as UTF-8 text: {error}") from error
    with session_scope(actor=by) as session:
        begin_correction(session, correction)
        row = set_narrative(session, force, year, section, text, expected_version=expected_version)
        ident, version = row.id, row.version
    typer.echo(f"saved narrative {ident} (version {version})")


HISTORY_COLUMNS = ("at", "actor", "table_name", "record_id", "action", "changed")


@ledger_app.command("history")
def history_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    limit: Annotated[int, typer.Option(help="At most this many changes, newest first.")] = 50,
    fmt: FormatOption = Format.table,
) -> None:
    """The audit trail of a force's records (judgments, narrative, areas, queries, sign-offs, corrections), newest
    first, whichever process made each change (CLI or web).

    CSV columns: at, actor, table_name, record_id, action, changed (the fields that changed). JSON adds before
    and after.

    Example: peel ledger history --force Kent --format csv
    """
    from peelkit.forces import match_force
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.history import force_history

    code = match_force(force).code
    with session_scope(actor="peel ledger history") as session:
        rows = force_history(session, code, limit)
    if fmt == Format.json:
        typer.echo(json.dumps([row.to_dict() for row in rows], indent=2))
        return
    table = [{"at": row.at.isoformat(timespec="seconds"), "actor": row.actor, "table_name": row.table_name,
              "record_id": row.record_id, "action": row.action, "changed": ", ".join(row.changed)} for row in rows]
    if fmt == Format.csv:
        _csv(table, HISTORY_COLUMNS)
        return
    if not table:
        typer.echo(f"no recorded changes for {code}")
    for row in table:
        typer.echo(f"{row['at']}  {row['actor']:<24} {row['action']:<6} {row['table_name']} {row['record_id']}"
                   + (f"  ({row['changed']})" if row["changed"] else ""))
