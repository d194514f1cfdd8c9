"""`peel users ...`, `peel publication ...` and `peel serve`: accounts for the web app, the analyst's control of
a publication's embargo from the command line, and running the app.

Nothing heavy is imported at module level (SQLAlchemy, FastAPI and uvicorn are imported inside the commands),
so `peel --help` stays fast.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Annotated, Any

import typer

from peelkit import config
from peelkit.clitools import (
    Format,
    FormatOption,
    PeelGroup,
    ShortFormat,
    ShortFormatOption,
    current_user,
    print_json,
    warehouse_for_reading,
)
from peelkit.csvcells import SafeDictWriter
from peelkit.errors import InputError

users_app = typer.Typer(cls=PeelGroup, help="Web app accounts: analysts, inspectors and force users.\n\n"
                        "Example: peel users add ana --role analyst", no_args_is_help=True)
publication_app = typer.Typer(cls=PeelGroup, no_args_is_help=True,
                              help="Draft, embargo and publish a publication (what the web app shows the public)."
                                   "\n\nExample: peel publication status peel-effectiveness-2017")

USER_COLUMNS = ("name", "role", "force_code", "active", "created_at")
ByOption = Annotated[str | None, typer.Option("--by", help="Your name, recorded as the actor in the audit log "
                                                           "(default: PEEL_USER or your login name).")]
UserName = Annotated[str, typer.Argument(help="The user name.", show_default=False)]


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise InputError("no password on standard input (send one line, e.g. `echo ... | peel users add ...`)")
        return password
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="User name (lower case letters, digits, '.', '_', '-').",
                                        show_default=False)],
    role: Annotated[str, typer.Option(help="analyst, inspector or force.")],
    force: Annotated[str | None, typer.Option(help="For a force user: the force (any spelling, or its code).")] = (
        None),
    password_stdin: Annotated[bool, typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input (for scripts) instead "
        "of asking for it.")] = False,
    by: ByOption = None,
) -> None:
    """Add a user; asks for the password twice (hidden), or reads it from standard input.

    Example: peel users add warwickshire --role force --force Warwickshire
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.users import add_user

    password = _read_password(password_stdin)
    with session_scope(actor=by or current_user()) as session:
        user = add_user(session, name, role, password, force)
        summary = f"added {user.role} {user.name}" + (f" ({user.force_code})" if user.force_code else "")
    typer.echo(summary)


@users_app.command("list")
def users_list(
    fmt: FormatOption = Format.table,
) -> None:
    """Every user, with role, force and whether the account is active (never the password hash).

    CSV and JSON fields: name, role, force_code, active, created_at.

    Example: peel users list --format csv
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.users import list_users

    with session_scope(actor="peel users list") as session:
        rows = [{k: v for k, v in user.to_dict().items() if k in USER_COLUMNS} for user in list_users(session)]
    if fmt == Format.json:
        print_json(rows)
    elif fmt == Format.csv:
        writer = SafeDictWriter(sys.stdout, fieldnames=list(USER_COLUMNS), lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if r[k] is None else str(r[k]).lower() if isinstance(r[k], bool) else r[k])
                          for k in USER_COLUMNS} for r in rows)
    elif not rows:
        typer.echo("No users yet: add one with `peel users add NAME --role analyst`.")
    else:
        for r in rows:
            state = "active" if r["active"] else "disabled"
            typer.echo(f"{r['name']:<24} {r['role']:<10} {r['force_code'] or '-':<10} {state}")


def _activation_command(verb: str, active: bool, summary: str) -> None:
    """Register `peel users disable` or `peel users enable`: one command, but for the state it sets."""

    def command(name: UserName, by: ByOption = None) -> None:
        _set_active(name, active, by)

    command.__doc__ = f"{summary}\n\nExample: peel users {verb} kent"
    users_app.command(verb)(command)


_activation_command("disable", False,
                    "Disable a user: they cannot sign in, and an open session stops working within seconds.")
_activation_command("enable", True, "Enable a disabled user again.")


def _set_active(name: str, active: bool, by: str | None) -> None:
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.users import set_active

    with session_scope(actor=by or current_user()) as session:
        set_active(session, name, active)
    typer.echo(f"{'enabled' if active else 'disabled'} {name}")


@users_app.command("password")
def users_password(
    name: UserName,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from standard "
                                                                          "input.")] = False,
    by: ByOption = None,
) -> None:
    """Set a user's password (asked twice, hidden, or read from standard input).

    Example: peel users password kent
    """
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.users import set_password

    password = _read_password(password_stdin)
    with session_scope(actor=by or current_user()) as session:
        set_password(session, name, password)
    typer.echo(f"changed the password of {name}")


def _publication_id(publication: str) -> str:
    from peelkit.indicators import publication as publications

    return publications.load(publication).id


def _parse_time(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"--release-at {value!r} is not a time like 2018-03-22T00:01:00+00:00") from None
    if parsed.tzinfo is None:
        raise InputError(f"--release-at {value!r} has no time zone: add one, e.g. {value}+00:00 (UTC) or "
                        f"{value}+01:00 (British Summer Time)")
    return parsed


def _show_status(body: dict[str, object], fmt: ShortFormat) -> None:
    if fmt == ShortFormat.json:
        print_json(body)
        return
    release = body["release_at"] or "-"
    public = "public" if body["public"] else "not public"
    typer.echo(f"{body['publication_id']}: {body['state']} (release at {release}; {public} now; "
               f"version {body['version']})")


@publication_app.command("status")
def publication_status(
    publication: Annotated[str, typer.Argument(help="Publication id.", show_default=False)],
    fmt: ShortFormatOption = (
        ShortFormat.table),
) -> None:
    """Whether a publication is a draft, embargoed until a time, or published (and so public now).

    JSON fields: publication_id, state, release_at, version, public.

    Example: peel publication status peel-effectiveness-2017 --format json
    """
    from datetime import UTC

    from peelkit.ledger.db import session_scope
    from peelkit.ledger.publication_state import get_status

    publication_id = _publication_id(publication)
    with session_scope(actor="peel publication status") as session:
        status = get_status(session, publication_id)
    _show_status({**status.to_dict(), "public": status.is_public(datetime.now(UTC))}, fmt)


@publication_app.command("set")
def publication_set(
    publication: Annotated[str, typer.Argument(help="Publication id.", show_default=False)],
    state: Annotated[str, typer.Option(help="draft, embargoed or published.")],
    release_at: Annotated[str | None, typer.Option(
        "--release-at", help="For embargoed: when it becomes public, ISO 8601 with a time zone.")] = None,
    version: Annotated[int | None, typer.Option(
        help="The version you read with `peel publication status` (refused if it has changed since); "
             "default: the current one.")] = None,
    override: Annotated[str | None, typer.Option(
        help="Release although data queries are open or forces have not signed off: the reason (audited, "
             "listed in Annex A).")] = None,
    by: ByOption = None,
    fmt: ShortFormatOption = (
        ShortFormat.table),
) -> None:
    """Change a publication's state: draft -> embargoed (needs --release-at) or published; embargoed ->
    published, or back to draft or a new release time before the release time. Embargo and publication are
    refused (exit 8, listing why) while error data queries are unresolved or forces have not signed off,
    unless --override gives the reason. Once published, its records change only as corrections.

    Example: peel publication set peel-effectiveness-2017 --state embargoed --release-at 2018-03-22T00:01:00+00:00
    """
    from datetime import UTC

    from peelkit import config
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.publication_state import get_status, set_status
    from peelkit.warehouse import current_returns

    publication_id = _publication_id(publication)
    when = _parse_time(release_at)
    with session_scope(actor=by or current_user()) as session:
        expected = get_status(session, publication_id).version if version is None else version
        status = set_status(session, publication_id, state, when, expected, override=override,
                            current_returns=current_returns(config.warehouse_path()))
    _show_status({**status.to_dict(), "public": status.is_public(datetime.now(UTC))}, fmt)


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
) -> None:
    """Run the web app: published reports for the public, and the work pages for signed-in users.

    Settings come from the environment: PEEL_HOME, PEEL_DATABASE_URL, PEEL_SECRET_KEY (else a key kept in
    PEEL_HOME/web-secret), PEEL_SITE_DIR, PEEL_HTTPS=1 behind an HTTPS proxy (secure cookies).

    Example: peel serve --port 8000
    """
    import uvicorn

    from peelkit.web.app import settings_from_env

    settings_from_env()  # fail here, clearly, rather than in every worker
    warehouse_for_reading()
    typer.echo(f"peelkit web app on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    trusted = proxy_options()
    uvicorn.run("peelkit.web.app:create_app", factory=True, host=host, port=port, workers=workers,
                log_level="info", proxy_headers=bool(trusted["proxy_headers"]),
                forwarded_allow_ips=trusted.get("forwarded_allow_ips"))


def proxy_options() -> dict[str, Any]:
    """uvicorn's forwarded-header options: X-Forwarded-For/-Proto are believed only from the addresses in
    PEEL_FORWARDED_ALLOW_IPS. By default from nobody, not even loopback: any process on this host could
    otherwise pose as any client address and escape the per-address sign-in throttle."""
    allowed = config.value("forwarded_allow_ips")
    if not allowed:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": allowed}
