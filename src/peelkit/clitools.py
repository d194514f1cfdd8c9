"""What every `peel` command shares: output formats, the one place an error becomes a message and an exit code,
who is at the keyboard (for audit rows) and the warning about an empty warehouse.

Commands raise `PeelError` subclasses and never catch them to print: `PeelGroup.invoke` wraps every command of
the `peel` app and answers with the class's `exit_code` (see errors.py). A command that declares its `--format`
with `FormatOption` or `ShortFormatOption` gets its errors as JSON under `--format json`."""

from __future__ import annotations

import getpass
import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from peelkit import config
from peelkit.errors import InputError, PeelError

_FORMAT_KEY = "peelkit.format"


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ShortFormat(StrEnum):
    table = "table"
    json = "json"


def _remember_format(ctx: typer.Context, value: Any) -> Any:
    # Context.meta is shared by every context of one invocation, so PeelGroup.invoke sees it after the command
    # failed and its own context is gone.
    if value is not None:
        ctx.meta[_FORMAT_KEY] = str(getattr(value, "value", value))
    return value


_FORMAT_HELP = "Output for people (table) or machines."
FormatOption = Annotated[Format, typer.Option("--format", help=_FORMAT_HELP, callback=_remember_format)]
ShortFormatOption = Annotated[ShortFormat, typer.Option("--format", help=_FORMAT_HELP, callback=_remember_format)]


def print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


def report_error(error: PeelError, fmt: str = "table") -> None:
    """Print the error: as JSON on stdout for `--format json` (listing every problem it carries), else on
    stderr."""
    if fmt != "json":
        typer.echo(f"error: {error}", err=True)
        return
    body: dict[str, Any] = {"error": type(error).__name__, "message": str(error).splitlines()[0],
                            "exit_code": error.exit_code}
    findings = getattr(error, "findings", None)
    if findings is not None:
        body["problems"] = [f.to_dict() for f in findings]
        body["not_listed"] = getattr(error, "suppressed", [])
    errors = getattr(error, "errors", None)
    if errors is not None:
        body["forces"] = [{"force": e.force, "variable": e.variable, "message": str(e)} for e in errors]
    print_json(body)


class PeelGroup(TyperGroup):
    """The group class of every `peel` app (`typer.Typer(cls=PeelGroup)`): the one handler that turns a
    `PeelError` from any command into its message and exit code, whether the command runs under `peel`,
    `python -m peelkit.cli` or Typer's test runner on a sub-app; the innermost group answers."""

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]  # Typer types it by its vendored click
        try:
            return super().invoke(ctx)
        except PeelError as error:
            report_error(error, str(ctx.meta.get(_FORMAT_KEY, "table")))
            raise typer.Exit(error.exit_code) from None


def command_group(description: str, **settings: Any) -> typer.Typer:
    """A `peel` command group: `PeelGroup` handles its errors, and it shows its help when given no command
    (unless `settings` say otherwise)."""
    return typer.Typer(cls=PeelGroup, help=description, **{"no_args_is_help": True, **settings})


# The `--by` of the ledger's commands that record who made a change.
ByOption = Annotated[str, typer.Option("--by", help="Your name, recorded as the actor in the audit log.")]


def fail(error: PeelError, fmt: str = "table") -> NoReturn:
    """Deprecated: raise the error instead; `PeelGroup` prints it and exits with its code."""
    raise error


def parse_date(value: str | None, what: str) -> date | None:
    """An ISO date given on the command line; bad input (exit 2) otherwise."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what} must be a date like 2018-03-22, not {value!r}") from None


def current_user() -> str:
    """The default actor for audit rows: PEEL_USER, else the login name."""
    try:
        return config.value("user") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def warehouse_for_reading() -> Path:
    """The warehouse path, after warning on stderr when nothing has been imported there: a relative PEEL_HOME
    run from another folder otherwise shows a page of dashes and exits 0."""
    from peelkit.status import warehouse_is_empty

    path = config.warehouse_path()
    if warehouse_is_empty(path):
        home = config.peel_home()
        typer.echo(f"warning: nothing has been imported into the warehouse {path.resolve()} (PEEL_HOME={home}"
                   f"{'' if home.is_absolute() else ', relative to ' + str(Path.cwd())}): every figure will be a "
                   "dash. Run `peel data import $PEEL_DATA_DIR`, or set PEEL_HOME to the folder that holds "
                   "warehouse.duckdb (an absolute path; `make` exports one).", err=True)
    return path
