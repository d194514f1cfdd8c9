"""The `peel` command. Heavy modules are imported inside commands so `peel --help` stays fast."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from peelkit.clitools import Format as ListFormat
from peelkit.clitools import FormatOption, PeelGroup, ShortFormatOption, command_group, warehouse_for_reading
from peelkit.clitools import ShortFormat as TableFormat
from peelkit.clitools import print_json as _print_json
from peelkit.csvcells import SafeDictWriter
from peelkit.errors import ConfigError
from peelkit.plural import counted

app = typer.Typer(
    cls=PeelGroup,
    help="peelkit: a PEEL-style police effectiveness inspection, from official statistics to reports.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = command_group("Import and inspect the official data.")
from peelkit.ledger.cli import ledger_app  # noqa: E402
from peelkit.ledger.queries_cli import checks_app, queries_app, returns_status_command, signoff_command  # noqa: E402
from peelkit.ledger.submit_cli import submit_command  # noqa: E402
from peelkit.peers.cli import peers_app  # noqa: E402
from peelkit.returns.cli import returns_app  # noqa: E402
from peelkit.web.cli import publication_app, serve_command, users_app  # noqa: E402

returns_app.command("signoff")(signoff_command)
returns_app.command("status")(returns_status_command)
returns_app.command("submit")(submit_command)
# In the order `peel --help` lists them.
SUB_APPS = {"data": data_app, "ledger": ledger_app, "returns": returns_app, "checks": checks_app,
            "queries": queries_app, "peers": peers_app, "users": users_app, "publication": publication_app}
for _name, _sub_app in SUB_APPS.items():
    app.add_typer(_sub_app, name=_name)
app.command("serve")(serve_command)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        from peelkit import __version__

        typer.echo(__version__)
        raise typer.Exit()


@data_app.command("import")
def data_import(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders of official data.", show_default=False)],
    vintage: Annotated[
        str | None, typer.Option(help="Release of these files (e.g. 2018-12-14); default: read from the data.")
    ] = None,
    fmt: ShortFormatOption = TableFormat.table,
    keep_street_records: Annotated[bool, typer.Option(
        "--keep-street-records", help="Also keep every data.police.uk street-level row (slower; default: "
        "monthly counts per force and crime type).")] = False,
    wait: Annotated[bool, typer.Option("--wait", help="If another import is running, wait for it (default: "
                                       "stop at once with exit code 7).")] = False,
) -> None:
    """Recognise each file by its content and load it into the warehouse, all or nothing.

    Example: peel data import $PEEL_DATA_DIR
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from peelkit.importer import expand, import_paths

    files = expand(paths)
    console = Console(stderr=True)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console,
                  disable=fmt == TableFormat.json or not console.is_terminal, transient=True) as progress:
        task = progress.add_task("importing", total=len(files))

        def step(path: Path) -> None:
            progress.update(task, advance=1, description=f"importing {path.name}")

        report = import_paths(paths, vintage=vintage, on_file=step, keep_street_records=keep_street_records,
                              wait=wait, on_wait=lambda message: typer.echo(message, err=True))
    if fmt == TableFormat.json:
        _print_json(report.to_dict())
        return
    for line in report.lines():
        typer.echo(line)


@data_app.command("status")
def data_status(
    fmt: ShortFormatOption = TableFormat.table,
) -> None:
    """Per dataset: periods covered, forces present and missing, vintages loaded.

    Example: peel data status --format json
    """
    from peelkit.status import dataset_status

    rows = dataset_status(warehouse_for_reading())
    if fmt == TableFormat.json:
        _print_json(rows)
        return
    if not rows:
        typer.echo("The warehouse is empty.")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Warehouse datasets")
    for name in ("dataset", "rows", "periods", "forces", "missing", "vintages"):
        table.add_column(name, justify="right" if name in ("rows", "forces") else "left")
    for row in rows:
        period = (f"{row['period_first_start']} to {row['period_last_end']} ({row.get('periods', '-')})"
                  if "period_last_end" in row else "-")
        missing = row.get("forces_missing")
        table.add_row(
            row["dataset"], f"{row['rows']:,}", period,
            str(row.get("forces_present", "-")),
            "-" if missing is None else (", ".join(missing) if len(missing) <= 4 else f"{len(missing)} forces"),
            ", ".join(row["vintages"]),
        )
    Console(width=160).print(table)


@data_app.command("fetch")
def data_fetch(
    dest: Annotated[Path | None, typer.Option(help="Where to save; default PEEL_DATA_DIR.")] = None,
) -> None:
    """Download the official files from their publishers into PEEL_DATA_DIR (needs the internet).

    Example: PEEL_DATA_DIR=~/peel-data peel data fetch
    """
    from peelkit import config
    from peelkit.fetch import MANUAL_PAGES, fetch_all

    target = dest or config.data_dir(required=False)
    if target is None:
        raise ConfigError("set PEEL_DATA_DIR or pass --dest to say where the files go")
    written = fetch_all(target)
    for path in written:
        typer.echo(f"saved {path}")
    typer.echo("Download these by hand from their publishers' pages:\n  " + "\n  ".join(MANUAL_PAGES))


@app.command("indicators")
def indicators_command(
    publication: Annotated[str, typer.Option(help="Publication id, or the path of a publication .toml file.")] = (
        "peel-effectiveness-2017"),
    force: Annotated[str | None, typer.Option(help="One force (any spelling, or its code).")] = None,
    fmt: FormatOption = ListFormat.table,
    earlier: Annotated[bool, typer.Option("--earlier", help="Also the earlier years shown beside some figures.")] = (
        False),
    overdispersion: Annotated[str | None, typer.Option(
        help="Funnel limits for comparison_overdispersed: none, multiplicative or additive (Spiegelhalter); "
             "default: the publication's setting.")] = None,
    peers: Annotated[str | None, typer.Option(
        help="Peer-group version (see `peel peers list`); default: the publication's.")] = None,
) -> None:
    """Evaluate a publication's indicators for every force and England and Wales.

    Example: peel indicators --publication peel-effectiveness-2017 --force Warwickshire
    """
    from peelkit import forces, warehouse
    from peelkit.indicators import engine
    from peelkit.indicators import publication as publications

    spec = publications.with_options(publications.load(publication), overdispersion, peers)
    force_code = forces.match_force(force).code if force else None
    con = warehouse.connect(warehouse_for_reading(), read_only=True)
    try:
        results = engine.evaluate_publication(con, spec, force_code, include_earlier=earlier)
    finally:
        con.close()
    if fmt == ListFormat.csv:

        writer = SafeDictWriter(sys.stdout, fieldnames=list(engine.CSV_COLUMNS), lineterminator="\n")
        writer.writeheader()
        # The CSV's contract is one row per force and indicator: earlier periods are in the JSON (and the table).
        writer.writerows(r.csv_row() for r in results if r.period == spec.periods[r.indicator].main)
        if earlier:
            typer.echo("note: --earlier adds rows to the table and the JSON only; the CSV keeps one row per force "
                       "and indicator, for the publication's period (use --format json for the earlier ones)",
                       err=True)
    elif fmt == ListFormat.json:
        _print_json([engine.result_json(r) for r in results])
    else:
        from peelkit.indicators.table import force_in_numbers

        force_in_numbers(spec, results, force_code)


@app.command("publish")
def publish_command(
    publication: Annotated[str, typer.Option(help="Publication id, or the path of a publication .toml file.")] = (
        "peel-effectiveness-2017"),
    out: Annotated[Path | None, typer.Option(
        help="The site folder (a link to the newest build; swapped atomically). Default: PEEL_SITE_DIR, else "
             "PEEL_HOME/site, the folder `peel serve` reads.", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", help="Comma-separated: html, pdf.")] = "html,pdf",
    force: Annotated[list[str] | None, typer.Option(help="Only these forces (repeat the option).")] = None,
    jobs: Annotated[int | None, typer.Option(
        help="Worker processes rendering reports in parallel (default: the number of CPU cores).")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="If another publish to this folder is running, wait for it "
                                       "(default: stop at once with exit code 7).")] = False,
) -> None:
    """Publish every force's report (HTML and PDF), the national data tables, an index and a manifest.

    Example: peel publish --publication peel-effectiveness-2017 --out site --jobs 2
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from peelkit import config, forces
    from peelkit.indicators import publication as publications
    from peelkit.ledger.db import database_url
    from peelkit.publish.context import load_publication_data
    from peelkit.publish.model import PublicationData
    from peelkit.publish.publisher import publish

    spec = publications.load(publication)
    codes = [forces.match_force(f).code for f in force] if force else None
    console = Console(stderr=True)
    console.print(f"loading {spec.title} ...")
    warehouse_path = warehouse_for_reading()

    def data() -> PublicationData:  # loaded while the report workers start
        return load_publication_data(warehouse_path, database_url(), spec)

    total = len(codes) if codes else len(forces.forces())
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not console.is_terminal) as progress:
        task = progress.add_task("publishing", total=total)

        def step(code: str) -> None:
            progress.update(task, advance=1, description=f"published {forces.match(code).name}")

        report = publish(data, out or config.site_dir(), formats=[f.strip() for f in fmt.split(",")],
                         force_codes=codes, jobs=jobs if jobs is not None else (os.cpu_count() or 1), on_force=step,
                         wait=wait, on_wait=console.print)
    typer.echo(f"published {counted(len(report.forces), 'force')}, {counted(report.files, 'file')} in "
               f"{report.seconds:.1f} s: {report.out}/index.html")


@app.command("forces")
def forces_list(
    name: Annotated[str | None, typer.Argument(help="A name or code to match (any spelling a source uses).")] = None,
    fmt: FormatOption = ListFormat.table,
) -> None:
    """List the 43 territorial forces, or match one name the way the importers do.

    Example: peel forces "London, City of"
    """
    from peelkit import forces

    areas = [forces.match(name)] if name else list(forces.forces())
    rows = [{"code": a.code, "name": a.name, "kind": a.kind, "region": a.region,
             "police_uk_id": a.police_uk_id, "slug": a.slug} for a in areas]
    if fmt == ListFormat.json:
        _print_json(rows)
    elif fmt == ListFormat.csv:

        writer = SafeDictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        for row in rows:
            typer.echo(f"{row['code']}  {row['name']:<22} {row['kind']:<6} {row['region']}")


def main() -> None:
    """The `peel` entry point. Errors are answered by the app's root group, `clitools.PeelGroup`: one handler
    for every command, whether run here or through Typer's test runner."""
    app()


if __name__ == "__main__":
    main()
