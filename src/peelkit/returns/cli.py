"""`peel returns ...`: the force data return - blank template, import of filled returns, the synthetic demo set,
and each force's submission history.

The warehouse, workbook writer and readers are imported inside the commands, so `peel --help` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from peelkit.clitools import ShortFormat as Format
from peelkit.clitools import ShortFormatOption as FormatOption
from peelkit.clitools import command_group, print_json, warehouse_for_reading
from peelkit.errors import InputError
from peelkit.plural import counted

if TYPE_CHECKING:
    from peelkit.importer import ImportReport

returns_app = command_group(
    "Force data returns: the blank template, importing filled returns, the synthetic demo set, history.\n\n"
    "Example: peel returns template --force Warwickshire --out warwickshire-return.xlsx")

DEFAULT_PUBLICATION = "peel-effectiveness-2017"
PublicationOption = Annotated[str, typer.Option(help="The publication whose return it is.")]




def print_import_report(report: ImportReport, fmt: Format) -> None:
    if fmt == Format.json:
        print_json(report.to_dict())
        return
    for line in report.lines():
        typer.echo(line)


@returns_app.command("template")
def template_command(
    out: Annotated[Path, typer.Option(help="The file to write: .xlsx (one sheet per item) or .csv (long form).")],
    publication: PublicationOption = DEFAULT_PUBLICATION,
    force: Annotated[str | None, typer.Option(help="Pre-fill this force (any spelling, or its code); default: "
                                                   "a return any force can fill in.")] = None,
) -> None:
    """Write a blank force data return with instructions, the periods pre-filled.

    Example: peel returns template --publication peel-effectiveness-2017 --force Kent --out kent.xlsx
    """
    from peelkit import forces
    from peelkit.returns.template import instructions_path, write_return
    from peelkit.sources.force_return.items import return_spec

    spec = return_spec(publication)
    area = forces.match_force(force) if force else None
    write_return(spec, out, area)
    typer.echo(f"wrote {out}" + (f" (instructions: {instructions_path(out)})" if out.suffix.lower() == ".csv"
                                 else ""))


@returns_app.command("import")
def import_command(
    paths: Annotated[list[Path], typer.Argument(help="Filled returns (XLSX or CSV), or folders of them.",
                                                show_default=False)],
    vintage: Annotated[str | None, typer.Option(help="Override the vintage; default: the submission date of "
                                                     "each return (.2, .3 ... for later ones the same day).")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Check filled returns and load them, all or nothing; a resubmission supersedes the earlier return.

    Files marked as synthetic demonstration data are imported flagged synthetic (all or none of a batch).

    Example: peel returns import kent.xlsx surrey.csv
    """
    from peelkit.importer import expand, import_paths
    from peelkit.sources import force_return

    files = [p for p in expand(paths) if p.suffix.lower() in (".xlsx", ".xlsm", ".ods", ".csv", ".gz")]
    marked = {force_return.marked_synthetic(p) for p in files}
    if len(marked) > 1:
        raise InputError("some of these returns are marked synthetic demonstration data and some are not: "
                        "import them separately")
    report = import_paths(paths, vintage=vintage, synthetic=marked == {True})
    print_import_report(report, fmt)


@returns_app.command("demo")
def demo_command(
    publication: PublicationOption = DEFAULT_PUBLICATION,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same returns.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Folder for the files; default PEEL_HOME/demo-returns/seed-N.")]
    = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Generate a seeded synthetic return for every force (with planted anomalies) and import it, flagged synthetic.

    Example: peel returns demo --publication peel-effectiveness-2017 --seed 1
    """
    from peelkit.returns.demo import PLANTED_ANOMALIES, UNABLE, default_out, run_demo

    folder = out or default_out(seed)
    paths, report = run_demo(publication, seed, folder)
    if fmt == Format.json:
        typer.echo(json.dumps({"folder": str(folder), "files": [str(p) for p in paths],
                               "loaded": len(report.loaded), "unchanged": len(report.unchanged),
                               "planted_anomalies": [a.__dict__ for a in PLANTED_ANOMALIES],
                               "unable": [{"force": f, "item": i, "reason": r} for (f, i), r in UNABLE.items()]},
                              indent=2, default=str))
        return
    typer.echo(f"synthetic demonstration data: {counted(len(paths), 'return')} written to {folder}; "
               f"{len(report.loaded)} loaded, {len(report.unchanged)} already loaded")
    for anomaly in PLANTED_ANOMALIES:
        typer.echo(f"planted    {anomaly.force}, {anomaly.item}: {anomaly.what} (should be flagged by {anomaly.rule})")


@returns_app.command("history")
def history_command(
    force: Annotated[str, typer.Option(help="The force (any spelling, or its code).")],
    fmt: FormatOption = Format.table,
) -> None:
    """Every return a force has submitted that is loaded, oldest first, and which one is current.

    Example: peel returns history --force Kent
    """
    from peelkit import forces, warehouse
    from peelkit.returns import submissions

    area = forces.match_force(force)
    con = warehouse.connect(warehouse_for_reading(), read_only=True)
    try:
        rows = submissions(con, area.code)
    finally:
        con.close()
    if fmt == Format.json:
        typer.echo(json.dumps({"force": area.name, "force_code": area.code,
                               "submissions": [s.to_dict() for s in rows]}, indent=2, default=str))
        return
    if not rows:
        typer.echo(f"No return of {area.name} is loaded: `peel returns import FILE`.")
        return
    typer.echo(f"{area.name} ({area.code}): {len(rows)} submission(s)")
    for s in rows:
        flags = ", ".join(f for f in ("current" if s.current else "superseded",
                                      "synthetic demonstration data" if s.synthetic else "") if f)
        typer.echo(f"  import {s.import_id:>4}  submitted {s.submitted_on}  vintage {s.vintage:<14} "
                   f"{s.file_name}  ({flags})")
