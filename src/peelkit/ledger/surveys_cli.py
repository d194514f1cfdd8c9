"""`peel ledger surveys ...`: the public attitude survey (import, rake, weighted shares with the design effect)
and the staff survey (unweighted counts by theme).

SQLAlchemy, weightipy and the ledger models are imported inside the commands, so `peel --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from peelkit.clitools import ByOption, Format, FormatOption, ShortFormat, ShortFormatOption, command_group
from peelkit.csvcells import SafeDictWriter
from peelkit.plural import counted

surveys_app = command_group(
    "Surveys: the public attitude survey (weighted, an indication only) and the staff survey (themes).\n\n"
    "Example: peel ledger surveys report --wave 1 --question feel_safe --answer yes")


WaveOption = Annotated[int, typer.Option("--wave", help="The survey wave id (shown by `peel ledger surveys waves`).")]

REPORT_COLUMNS = ("area_code", "area_name", "n", "n_answer", "unweighted_share", "weighted_share", "design_effect",
                  "effective_n", "lower", "upper", "note")
THEME_COLUMNS = ("force_code", "force_name", "theme", "responses", "note")


def _json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


def _number(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


@surveys_app.command("import-responses")
def import_responses(
    path: Annotated[Path, typer.Argument(help="Responses CSV: respondent_id, force, age_band, gender, work_status "
                                              "and one column per question.", exists=True, dir_okay=False)],
    name: Annotated[str, typer.Option(help="A unique name for the wave.")],
    year: Annotated[int, typer.Option(help="The survey year.")],
    synthetic: Annotated[bool, typer.Option(help="Mark the wave as synthetic (demo) data.")] = False,
    by: ByOption = "peel ledger surveys import-responses",
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """Create a public attitude survey wave from a responses CSV, all or nothing (every problem is listed).

    Import the force areas' margins next (import-margins), then weight the wave.

    Example: peel ledger surveys import-responses responses.csv --name "Public survey 2017" --year 2017
    """
    from sqlalchemy import func, select

    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        wave = surveys.import_responses(session, path, name=name, year=year, synthetic=synthetic)
        count = session.scalar(select(func.count()).select_from(surveys.SurveyRespondent).where(
            surveys.SurveyRespondent.wave_id == wave.id))
    if fmt == ShortFormat.json:
        _json({"wave": wave.id, "name": wave.name, "respondents": count, "sha256": wave.responses_sha256})
    else:
        typer.echo(f"wave {wave.id} ({wave.name}): {count} respondents imported from {path.name}; next: "
                   f"peel ledger surveys import-margins --wave {wave.id} MARGINS.csv")


@surveys_app.command("import-margins")
def import_margins(
    path: Annotated[Path, typer.Argument(help="Margins CSV: force, variable, category and share and/or count "
                                              "(optionally total).", exists=True, dir_okay=False)],
    wave: WaveOption,
    replace: Annotated[bool, typer.Option(help="Replace the wave's margins (its weights are cleared).")] = False,
    by: ByOption = "peel ledger surveys import-margins",
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """Import the force areas' population margins (age band, gender, work status) for a wave, all or nothing.

    Shares of a variable must sum to 1 (within 0.001), or counts to the force total (within 0.1%), and every
    category the force's respondents fall in needs a margin.

    Example: peel ledger surveys import-margins margins.csv --wave 1
    """
    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        margins = surveys.import_margins(session, wave, path, replace=replace)
    force_count = len({m.force_code for m in margins})
    if fmt == ShortFormat.json:
        _json({"wave": wave, "margins": len(margins), "forces": force_count})
    else:
        typer.echo(f"wave {wave}: {counted(len(margins), 'margin')} for {counted(force_count, 'force')} imported; "
                   f"next: peel ledger surveys weight --wave {wave}")


@surveys_app.command("weight")
def weight(
    wave: WaveOption,
    max_iterations: Annotated[int, typer.Option(help="Cap on raking iterations per force.", min=1)] = 500,
    by: ByOption = "peel ledger surveys weight",
    fmt: FormatOption = Format.table,
) -> None:
    """Rake each force area's respondents to its margins (weightipy) and store the weights, mean 1 per force.

    Every weighted margin must be met within 1e-6; otherwise nothing is stored and the error names the force and
    the variable.

    Example: peel ledger surveys weight --wave 1
    """
    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        results = surveys.weight_wave(session, wave, max_iterations=max_iterations)
    rows = [{"force_code": r.force_code, "force_name": r.force_name, "respondents": r.respondents,
             "iterations": r.iterations, "max_margin_error": r.max_error, "design_effect": r.design_effect,
             "min_weight": r.min_weight, "max_weight": r.max_weight} for r in results]
    if fmt == Format.json:
        _json({"wave": wave, "forces": rows})
    elif fmt == Format.csv:
        writer = SafeDictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["force_code"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        for r in results:
            typer.echo(f"{r.force_code}  {r.force_name:<32} n={r.respondents:<5} iterations={r.iterations:<4} "
                       f"deff={r.design_effect:.2f}  weights {r.min_weight:.2f}-{r.max_weight:.2f}")
        typer.echo(f"wave {wave}: {counted(len(results), 'force')} weighted; every margin met within 1e-6")


@surveys_app.command("report")
def report(
    wave: WaveOption,
    question: Annotated[str, typer.Option(help="The question id (a column of the responses file).")],
    answer: Annotated[str, typer.Option(help="The answer to count (case-insensitive).")],
    force: Annotated[str | None, typer.Option(help="Only this force (name or code).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Weighted share giving an answer, per force and for England and Wales, with Kish's design effect, the
    effective sample size and a 95% Wilson interval on the effective sample size. An indication only.

    CSV columns: area_code, area_name, n, n_answer, unweighted_share, weighted_share, design_effect, effective_n,
    lower, upper, note.

    Example: peel ledger surveys report --wave 1 --question feel_safe --answer yes --format csv
    """
    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor="peel ledger surveys report") as session:
        result = surveys.report_share(session, wave, question, answer, force=force)
    rows = [r.as_dict() for r in result.rows]
    if result.england_and_wales is not None:
        rows.append(result.england_and_wales.as_dict())
    if fmt == Format.json:
        _json({"wave": result.wave_id, "wave_name": result.wave_name, "question": result.question,
               "answer": result.answer, "synthetic": result.synthetic, "indication": result.indication,
               "interval_method": result.interval_method, "notes": result.notes, "rows": rows})
        return
    if fmt == Format.csv:
        writer = SafeDictWriter(sys.stdout, fieldnames=list(REPORT_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        return
    typer.echo(f"{result.wave_name}: {result.question} = {answer!r}")
    typer.echo(f"{'area':<34} {'n':>5} {'unweighted':>10} {'weighted':>9} {'deff':>5} {'n_eff':>7}  95% interval")
    for row in rows:
        typer.echo(f"{row['area_name']:<34} {row['n']:>5} {_percent(row['unweighted_share']):>10} "
                   f"{_percent(row['weighted_share']):>9} {_number(row['design_effect'], 2):>5} "
                   f"{_number(row['effective_n'], 0):>7}  {_percent(row['lower'])} to {_percent(row['upper'])}")
    for note in [result.indication, *result.notes]:
        typer.echo(f"note: {note}")


@surveys_app.command("import-staff")
def import_staff(
    path: Annotated[Path, typer.Argument(help="Staff survey CSV: force, theme and answer and/or comment "
                                              "(optionally respondent_id).", exists=True, dir_okay=False)],
    name: Annotated[str, typer.Option(help="A unique name for the staff survey.")],
    year: Annotated[int, typer.Option(help="The survey year.")],
    synthetic: Annotated[bool, typer.Option(help="Mark the survey as synthetic (demo) data.")] = False,
    by: ByOption = "peel ledger surveys import-staff",
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """Import a voluntary staff survey (unweighted), all or nothing (every problem is listed).

    Example: peel ledger surveys import-staff staff.csv --name "Staff survey 2017" --year 2017
    """
    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        wave = surveys.import_staff(session, path, name=name, year=year, synthetic=synthetic)
    if fmt == ShortFormat.json:
        _json({"wave": wave.id, "name": wave.name, "sha256": wave.responses_sha256})
    else:
        typer.echo(f"staff survey wave {wave.id} ({wave.name}) imported from {path.name}; next: "
                   f"peel ledger surveys staff-themes --wave {wave.id}")


@surveys_app.command("staff-themes")
def staff_themes(
    wave: WaveOption,
    force: Annotated[str | None, typer.Option(help="Only this force (name or code).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Counts of staff survey responses by theme per force: voluntary and unweighted, so no percentages.

    CSV columns: force_code, force_name, theme, responses, note.

    Example: peel ledger surveys staff-themes --wave 2 --force Kent
    """
    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor="peel ledger surveys staff-themes") as session:
        counts = surveys.staff_themes(session, wave, force=force)
    rows = [c.as_dict() for c in counts]
    if fmt == Format.json:
        _json({"wave": wave, "caveat": surveys.STAFF_CAVEAT, "rows": rows})
    elif fmt == Format.csv:
        writer = SafeDictWriter(sys.stdout, fieldnames=list(THEME_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
    else:
        for c in counts:
            typer.echo(f"{c.force_code}  {c.force_name:<32} {c.theme:<30} {c.responses:>5}")
        typer.echo(f"note: {surveys.STAFF_CAVEAT}")


@surveys_app.command("waves")
def waves(fmt: FormatOption = Format.table) -> None:
    """List the survey waves in the ledger.

    Example: peel ledger surveys waves --format json
    """
    from sqlalchemy import select

    from peelkit.ledger import surveys
    from peelkit.ledger.db import session_scope

    with session_scope(actor="peel ledger surveys waves") as session:
        found = session.scalars(select(surveys.SurveyWave).order_by(surveys.SurveyWave.id)).all()
        rows = [{"id": w.id, "kind": w.kind, "name": w.name, "year": w.year, "mode": w.mode,
                 "synthetic": w.synthetic, "responses_file": w.responses_file, "margins_file": w.margins_file,
                 "weighted_at": w.weighted_at} for w in found]
    if fmt == Format.json:
        _json(rows)
    elif fmt == Format.csv:
        writer = SafeDictWriter(sys.stdout, fieldnames=["id", "kind", "name", "year", "mode", "synthetic",
                                                        "responses_file", "margins_file", "weighted_at"])
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            flag = " SYNTHETIC" if row["synthetic"] else ""
            weighted = "weighted" if row["weighted_at"] else ("-" if row["kind"] == "staff" else "not weighted")
            typer.echo(f"{row['id']:>4}  {row['kind']:<6} {row['year']}  {row['name']}  ({weighted}){flag}")


@surveys_app.command("demo")
def demo(
    out: Annotated[Path, typer.Option(help="Folder to write the synthetic CSV files to.")],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same files.")] = 2017,
    force: Annotated[list[str] | None, typer.Option(help="Only these forces (repeat); default all 43.")] = None,
    per_force: Annotated[int, typer.Option(help="Public survey respondents per force.", min=10)] = 300,
    load: Annotated[bool, typer.Option(help="Also import, weight and list the demo in the ledger.")] = False,
    by: ByOption = "peel ledger surveys demo",
) -> None:
    """Write SYNTHETIC survey files (seeded): ~300 panel respondents per force skewed against the margins, the
    margins, and a small staff survey. Never real data.

    Example: peel ledger surveys demo --seed 7 --out ./survey-demo
    """
    from peelkit import forces as _forces
    from peelkit.ledger import surveys

    codes = [_forces.match_force(f).code for f in force] if force else None
    paths = surveys.demo_files(out, seed=seed, force_codes=codes, per_force=per_force)
    typer.echo(surveys.SYNTHETIC_NOTE)
    for kind, path in paths.items():
        typer.echo(f"{kind:<10} {path}")
    if not load:
        typer.echo(f"next: peel ledger surveys import-responses {paths['responses']} --name 'Synthetic demo "
                   f"seed {seed}' --year 2017 --synthetic")
        return
    from sqlalchemy import select

    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        # Running the demo again reuses what it loaded before (the same seed writes the same files).
        existing = session.scalars(select(surveys.SurveyWave).where(
            surveys.SurveyWave.name == f"SYNTHETIC demo public survey (seed {seed})")).first()
        if existing is not None:
            typer.echo(f"already loaded: public survey wave {existing.id}; try: peel ledger surveys report "
                       f"--wave {existing.id} --question feel_safe --answer yes")
            return
        wave = surveys.import_responses(session, paths["responses"], name=f"SYNTHETIC demo public survey "
                                        f"(seed {seed})", year=2017, synthetic=True)
        surveys.import_margins(session, wave.id, paths["margins"])
        surveys.weight_wave(session, wave.id)
        staff = surveys.import_staff(session, paths["staff"], name=f"SYNTHETIC demo staff survey (seed {seed})",
                                     year=2017, synthetic=True)
    typer.echo(f"loaded: public survey wave {wave.id} (weighted), staff survey wave {staff.id}; try: "
               f"peel ledger surveys report --wave {wave.id} --question feel_safe --answer yes")
