"""`peel peers load|list|explain`: peer groups as data, and how the computed default was made."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from peelkit.clitools import (
    Format,
    FormatOption,
    PeelGroup,
    ShortFormat,
    ShortFormatOption,
    print_json,
    warehouse_for_reading,
)

peers_app = typer.Typer(cls=PeelGroup, help="Peer groups (most similar forces): load, list, explain.",
                        no_args_is_help=True)

PublicationOption = Annotated[str, typer.Option(
    help="Publication id or .toml path: its population date and crime period feed the computed groups.")]


def _dates(publication: str) -> tuple[date, date, str]:
    from peelkit.indicators import publication as publications

    spec = publications.load(publication)
    crimes = spec.periods.get("crimes_per_1000")
    return spec.population_as_at, crimes.main.end if crimes else spec.population_as_at, spec.peer_groups


@peers_app.command("load")
def load_command(
    path: Annotated[Path, typer.Argument(help="A peer-group CSV: version,valid_from,force,members,source,"
                                              "include_self (members separated by ';').")],
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """Check a peer-group file and keep its version in the warehouse, all or nothing.

    Example: peel peers load msg-2017.csv
    """
    from peelkit import config, warehouse
    from peelkit.peers import groups

    con = warehouse.connect(config.warehouse_path())
    try:
        report = groups.load(con, path)
    finally:
        con.close()
    if fmt == ShortFormat.json:
        print_json({"version": report.version, "forces": report.forces, "status": report.status})
    else:
        typer.echo(f"{report.status} peer-group version {report.version!r} ({report.forces} forces) from {path}")


def _rows(version: str, publication: str) -> tuple[list[dict[str, Any]], list[str]]:
    from peelkit import forces, warehouse
    from peelkit.peers import groups as stored_groups
    from peelkit.peers import lookup as peers

    as_at, crime_end, default = _dates(publication)
    chosen = version or default
    con = warehouse.connect(warehouse_for_reading(), read_only=True)
    try:
        found = peers.groups_for(con, chosen, as_at, crime_end)
        kept = [str(v["version"]) for v in stored_groups.versions(con)]
    finally:
        con.close()
    rows = [{"version": g.version, "force_code": code, "force_name": forces.match(code).name,
             "members": ";".join(g.members), "member_names": "; ".join(forces.match(m).name for m in g.members),
             "include_self": g.include_self, "source": g.source,
             "valid_from": g.valid_from.isoformat() if g.valid_from else ""}
            for code, g in sorted(found.items(), key=lambda item: forces.match(item[0]).name)]
    return rows, [peers.COMPUTED, *kept]


@peers_app.command("list")
def list_command(
    version: Annotated[str, typer.Option(help="A loaded version, or 'computed'; default: the publication's.")] = "",
    publication: PublicationOption = "peel-effectiveness-2017",
    fmt: FormatOption = Format.table,
) -> None:
    """List each force's peer group in one version, and the versions kept.

    Example: peel peers list --format csv
    """
    rows, versions = _rows(version, publication)
    if fmt == Format.json:
        print_json(rows)
    elif fmt == Format.csv:
        from peelkit.csvcells import SafeDictWriter

        columns = ["version", "force_code", "force_name", "members", "member_names", "include_self", "source",
                   "valid_from"]
        writer = SafeDictWriter(sys.stdout, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        if not rows:
            typer.echo("No peer groups: the warehouse lacks the public data they are computed from "
                       "(run `peel data import $PEEL_DATA_DIR`).")
        for row in rows:
            typer.echo(f"{row['force_name']:<22} {row['member_names']}")
        if rows:
            typer.echo(f"\nversion {rows[0]['version']!r}: {rows[0]['source']}; own figure pooled: "
                       f"{'yes' if rows[0]['include_self'] else 'no'}")
        typer.echo(f"versions available: {', '.join(versions)}")


@peers_app.command("explain")
def explain_command(
    force: Annotated[str, typer.Argument(help="A force (any spelling, or its code).")],
    publication: PublicationOption = "peel-effectiveness-2017",
    fmt: ShortFormatOption = ShortFormat.table,
) -> None:
    """How a force's computed similar forces were chosen: method, variables, values and distances.

    Example: peel peers explain Warwickshire
    """
    from peelkit import forces, warehouse
    from peelkit.peers.explain import explanation, lines

    code = forces.match_force(force).code
    as_at, crime_end, _default = _dates(publication)
    con = warehouse.connect(warehouse_for_reading(), read_only=True)
    try:
        body = explanation(con, code, as_at, crime_end)
    finally:
        con.close()
    if fmt == ShortFormat.json:
        print_json(body)
    else:
        for line in lines(body):
            typer.echo(line)
