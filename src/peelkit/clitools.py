"""What every `peel` command shares: output formats, turning an error into a message and an exit code,
and who is at the keyboard (for audit rows). Library code raises; only commands call `fail`."""

from __future__ import annotations

import getpass
import json
import os
from enum import StrEnum
from typing import Any, NoReturn

import typer

from peelkit.errors import PeelError


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class ShortFormat(StrEnum):
    table = "table"
    json = "json"


def print_json(payload: Any) -> None:
    typer.echo(json.dumps(payload, indent=2, default=str))


def fail(error: PeelError, fmt: str = "table") -> NoReturn:
    """Print the error (as JSON for `--format json`, listing every problem it carries) and exit with its code."""
    if fmt == "json":
        body: dict[str, Any] = {"error": type(error).__name__, "message": str(error).splitlines()[0]}
        findings = getattr(error, "findings", None)
        if findings is not None:
            body["problems"] = [f.to_dict() for f in findings]
            body["not_listed"] = getattr(error, "suppressed", [])
        errors = getattr(error, "errors", None)
        if errors is not None:
            body["forces"] = [{"force": e.force, "variable": e.variable, "message": str(e)} for e in errors]
        print_json(body)
    else:
        typer.echo(f"error: {error}", err=True)
    raise typer.Exit(error.exit_code)


def current_user() -> str:
    """The default actor for audit rows: PEEL_USER, else the login name."""
    try:
        return os.environ.get("PEEL_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
