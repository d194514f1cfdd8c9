"""`peel ledger file-review ...`: import a sampling frame, draw the sample, record answers, summarise.

Nothing heavy is imported at module level (sqlalchemy, numpy): `peel --help` must stay fast.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from peelkit.clitools import Format, FormatOption, command_group
from peelkit.clitools import current_user as _default_actor
from peelkit.csvcells import SafeDictWriter

file_review_app = command_group(
    "Case-file review: a reproducible random sample of crime files per force, answers and summaries.")


class Answer(StrEnum):
    yes = "yes"
    no = "no"
    not_applicable = "not_applicable"


def _date(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date as yyyy-mm-dd", param_hint=option) from None


def _overrides(items: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for item in items:
        name, sep, number = item.rpartition("=")
        if not sep or not name.strip() or not number.strip().isdigit():
            raise typer.BadParameter(f"{item!r} is not FORCE=N (e.g. Warwickshire=75)", param_hint="--size-override")
        found[name.strip()] = int(number)
    return found


def _write_csv(rows: list[dict[str, Any]], columns: list[str]) -> None:

    writer = SafeDictWriter(sys.stdout, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)


_FORMAT = FormatOption
_BY = Annotated[str | None, typer.Option("--by", help="Who is doing this (recorded in the audit log); "
                                                      "default: $PEEL_USER or your login.")]


@file_review_app.command("import-frame")
def import_frame_command(
    file: Annotated[Path, typer.Argument(help="CSV with reference, crime_type, date_recorded, force "
                                              "(and optionally synthetic).", show_default=False)],
    name: Annotated[str | None, typer.Option(help="A name for the frame; default: the file name.")] = None,
    by: _BY = None,
    fmt: _FORMAT = Format.table,
) -> None:
    """Import a sampling frame (crimes recorded), all or nothing: every problem is listed with row and column.

    Importing the same file again returns the frame it already made.

    Example: peel ledger file-review import-frame crimes-q1-2017.csv
    """
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by or _default_actor()) as session:
        frame, created = fr.import_frame(session, file, name)
    body = {"frame": frame.id, "name": frame.name, "records": frame.record_count, "synthetic": frame.synthetic,
            "sha256": frame.sha256, "created": created}
    if fmt == Format.json:
        typer.echo(json.dumps(body, indent=2))
    elif fmt == Format.csv:
        _write_csv([body], list(body))
    else:
        verb = "imported" if created else "already imported"
        marker = " (synthetic)" if frame.synthetic else ""
        typer.echo(f"frame {frame.id}: {frame.record_count} records {verb} from {file.name}{marker}")


@file_review_app.command("draw")
def draw_command(
    frame: Annotated[int, typer.Option("--frame", help="The frame to draw from.", show_default=False)],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (0 or more); stored with the draw.",
                                      show_default=False)],
    window_start: Annotated[str, typer.Option(help="First day of the window (yyyy-mm-dd).")] = "2017-01-01",
    window_end: Annotated[str, typer.Option(help="Last day of the window (yyyy-mm-dd), included.")] = "2017-03-31",
    crime_type: Annotated[list[str] | None, typer.Option(
        "--crime-type", help="A crime type to include (repeat); default: all reviewed types.")] = None,
    size_override: Annotated[list[str] | None, typer.Option(
        "--size-override", help="FORCE=N to change one force's sample size (repeat).")] = None,
    by: _BY = None,
    fmt: _FORMAT = Format.table,
) -> None:
    """Draw the stratified random sample per force (60 files, 90 for the three largest) and store its definition.

    Example: peel ledger file-review draw --frame 1 --seed 2017 --size-override Warwickshire=75
    """
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    window = (_date(window_start, "--window-start"), _date(window_end, "--window-end"))
    overrides = _overrides(size_override or [])
    with session_scope(actor=by or _default_actor()) as session:
        draw, created = fr.draw_sample(session, frame, seed, window, crime_type, overrides)
        per_force = fr.draw_forces(session, draw.id)
    rows = [_force_row(f) for f in per_force]
    if fmt == Format.json:
        typer.echo(json.dumps({"draw": draw.id, "created": created, **_definition(draw), "forces": rows}, indent=2))
    elif fmt == Format.csv:
        _write_csv(rows, list(rows[0]))
    else:
        verb = "drawn" if created else "already drawn with this definition"
        typer.echo(f"draw {draw.id}: {sum(f.drawn for f in per_force)} files {verb} from frame {frame} "
                   f"(seed {seed}, {window[0]} to {window[1]})")
        for row in rows:
            if row["note"]:
                typer.echo(f"  {row['force']}: {row['note']}")


def _force_row(f: Any) -> dict[str, Any]:
    from peelkit import forces
    from peelkit.ledger import file_review as fr

    plan_note = fr.force_note(f.eligible, f.target_size)
    return {"force_code": f.force_code, "force": forces.match(f.force_code).name, "target_size": f.target_size,
            "eligible": f.eligible, "drawn": f.drawn, "takes_all": f.takes_all, "note": plan_note}


def _definition(draw: Any) -> dict[str, Any]:
    return {"frame": draw.frame_id, "seed": draw.seed, "window_start": draw.window_start.isoformat(),
            "window_end": draw.window_end.isoformat(), "crime_types": draw.crime_types, "sizes": draw.sizes,
            "size_overrides": draw.size_overrides, "allocation_rule": draw.allocation_rule,
            "allocation_version": draw.allocation_version, "numpy_version": draw.numpy_version,
            "drawn_at": draw.drawn_at.isoformat(), "drawn_by": draw.drawn_by}


@file_review_app.command("show-draw")
def show_draw_command(
    draw_id: Annotated[int, typer.Argument(help="The draw.", show_default=False)],
    force: Annotated[str | None, typer.Option(help="One force (any spelling, or its code).")] = None,
    fmt: _FORMAT = Format.table,
) -> None:
    """Show a draw: its definition, each force's strata and the files drawn.

    Example: peel ledger file-review show-draw 1 --force Warwickshire --format csv
    """
    from peelkit import forces
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    force_code = forces.match_force(force).code if force else None
    with session_scope(actor=_default_actor()) as session:
        draw = fr.get_draw(session, draw_id)
        per_force = fr.draw_forces(session, draw_id, force_code)
        strata = fr.draw_strata(session, draw_id)
        files = fr.draw_files(session, draw_id, force_code)
    file_rows = [{"force_code": f.force_code, "force": forces.match(f.force_code).name, "crime_type": f.crime_type,
                  "position": f.position, "reference": f.reference, "date_recorded": f.date_recorded.isoformat()}
                 for f in files]
    if fmt == Format.csv:
        _write_csv(file_rows, ["force_code", "force", "crime_type", "position", "reference", "date_recorded"])
        return
    force_rows = []
    for f in per_force:
        row = _force_row(f)
        row["strata"] = [{"crime_type": s.crime_type, "population": s.population, "allocated": s.allocated}
                         for s in strata if s.force_code == f.force_code]
        row["files"] = [r for r in file_rows if r["force_code"] == f.force_code]
        force_rows.append(row)
    if fmt == Format.json:
        typer.echo(json.dumps({"draw": draw.id, **_definition(draw), "forces": force_rows}, indent=2))
        return
    typer.echo(f"draw {draw.id} from frame {draw.frame_id}: seed {draw.seed}, {draw.window_start} to "
               f"{draw.window_end}, rule {draw.allocation_rule} v{draw.allocation_version}")
    for row in force_rows:
        typer.echo(f"\n{row['force']}: {row['drawn']} of {row['eligible']} eligible files "
                   f"(size {row['target_size']}){'; ' + row['note'] if row['note'] else ''}")
        for s in row["strata"]:
            typer.echo(f"  {fr.crime_type_label(s['crime_type']):<46} {s['allocated']:>3} of {s['population']}")
        for r in row["files"]:
            typer.echo(f"    {r['reference']:<24} {r['date_recorded']}  {r['crime_type']}")


@file_review_app.command("record")
def record_command(
    draw: Annotated[int, typer.Option("--draw", help="The draw the file was sampled in.", show_default=False)],
    reference: Annotated[str, typer.Option("--reference", help="The file's crime reference.", show_default=False)],
    criterion: Annotated[str, typer.Option("--criterion", help="Criterion id (e.g. evidence_secured).",
                                           show_default=False)],
    answer: Annotated[Answer, typer.Option("--answer", help="The reviewer's answer.", show_default=False)],
    by: Annotated[str, typer.Option("--by", help="The reviewer (recorded in the audit log).", show_default=False)],
    force: Annotated[str | None, typer.Option(help="The force, when two forces share the reference.")] = None,
    fmt: _FORMAT = Format.table,
) -> None:
    """Record (or change) one sampled file's answer to one criterion; every change is audited.

    Example: peel ledger file-review record --draw 1 --reference WARWIC/123456/17 --criterion evidence_secured --answer yes --by "A Reviewer"
    """  # noqa: E501
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    with session_scope(actor=by) as session:
        row = fr.record_answer(session, draw, reference, criterion, answer.value, force)
        body = {"draw": draw, "reference": reference, "criterion": row.criterion, "answer": row.answer,
                "by": row.answered_by, "version": row.version}
    if fmt == Format.json:
        typer.echo(json.dumps(body, indent=2))
    elif fmt == Format.csv:
        _write_csv([body], list(body))
    else:
        typer.echo(f"{reference} / {body['criterion']}: {body['answer']} (by {body['by']}, version {body['version']})")


@file_review_app.command("summary")
def summary_command(
    draw: Annotated[int, typer.Option("--draw", help="The draw to summarise.", show_default=False)],
    force: Annotated[str | None, typer.Option(help="One force (any spelling, or its code).")] = None,
    fmt: _FORMAT = Format.table,
) -> None:
    """Per force and criterion: yes of (yes + no), the percentage, its 95% Wilson interval and the small-sample
    caveat; then England and Wales pooled.

    Example: peel ledger file-review summary --draw 1 --force Warwickshire
    """
    from peelkit import forces
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    force_code = forces.match_force(force).code if force else None
    with session_scope(actor=_default_actor()) as session:
        lines = fr.summarise(session, draw, force_code)
    rows = [line.as_dict() for line in lines]
    if fmt == Format.json:
        typer.echo(json.dumps(rows, indent=2))
        return
    if fmt == Format.csv:
        _write_csv(rows, list(rows[0]))
        return
    _summary_table(lines)


def _summary_table(lines: list[Any]) -> None:
    from peelkit.ledger import file_review as fr

    typer.echo(f"{'Force':<22} {'Criterion':<24} {'Files':>10} {'%':>6}  {'95% interval':<16}")
    for line in lines:
        pct = "" if line.percent is None else f"{line.percent:.0f}%"
        ci = "" if line.lower is None else f"{100 * line.lower:.0f}% to {100 * line.upper:.0f}%"
        mark = " *" if 0 < line.base < fr.SMALL_BASE else ("  (no yes/no answers)" if line.base == 0 else "")
        typer.echo(f"{line.force_name:<22} {line.criterion:<24} {line.counts:>10} {pct:>6}  {ci:<16}{mark}")
    if any(0 < line.base < fr.SMALL_BASE for line in lines):
        typer.echo(f"\n* {fr.SMALL_BASE_CAVEAT}")
    if any(line.pooled for line in lines):
        typer.echo(f"England and Wales: {fr.POOLED_NOTE}")
    typer.echo("Files: yes of (yes + no); not applicable is left out.")


@file_review_app.command("demo-frame")
def demo_frame_command(
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", show_default=False)],
    out: Annotated[Path, typer.Option("--out", help="Where to write the CSV.", show_default=False)],
) -> None:
    """Write a seeded synthetic sampling frame for all 43 forces (every row marked synthetic).

    Example: peel ledger file-review demo-frame --seed 2017 --out demo-frame.csv
    """
    from peelkit.ledger import file_review as fr

    count = fr.generate_demo_frame(seed, out)
    typer.echo(f"wrote {count} synthetic records to {out}")


@file_review_app.command("demo-answers")
def demo_answers_command(
    draw: Annotated[int, typer.Option("--draw", help="The draw to fill.", show_default=False)],
    seed: Annotated[int, typer.Option("--seed", help="Random seed.", show_default=False)],
) -> None:
    """Fill seeded synthetic answers for every drawn file not yet answered (audited as reviewer 'demo').

    Example: peel ledger file-review demo-answers --draw 1 --seed 2017
    """
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    with session_scope(actor="demo (synthetic answers)") as session:
        added = fr.demo_answers(session, draw, seed)
    typer.echo(f"recorded {added} synthetic answers in draw {draw}")


@file_review_app.command("demo")
def demo_command(
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the frame, draw and answers.")] = 2017,
    force: Annotated[str | None, typer.Option(help="Show one force (and England and Wales).")] = "Warwickshire",
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the frame; default: in PEEL_HOME.")] = (
        None),
) -> None:
    """Synthetic frame, import, draw, answers and summary in one go (repeatable: reuses what exists).

    Example: peel ledger file-review demo --seed 2017 --force Warwickshire
    """
    from peelkit import config, forces
    from peelkit.ledger import file_review as fr
    from peelkit.ledger.db import session_scope

    path = out or config.peel_home() / f"file-review-demo-frame-{seed}.csv"
    force_code = forces.match_force(force).code if force else None
    if not path.exists():
        fr.generate_demo_frame(seed, path)
    with session_scope(actor="demo (synthetic answers)") as session:
        frame, _ = fr.import_frame(session, path, f"synthetic demo frame (seed {seed})")
        draw, _ = fr.draw_sample(session, frame.id, seed)
        fr.demo_answers(session, draw.id, seed)
        lines = fr.summarise(session, draw.id, force_code)
    typer.echo(f"SYNTHETIC DEMO: frame {frame.id} ({frame.record_count} made-up records), draw {draw.id} "
               f"(seed {seed}), made-up answers\n")
    _summary_table(lines)
