"""Connecting to the ledger database and bringing its schema up to date with Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from importlib import resources

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from peelkit import config


def database_url() -> str:
    url = config.value("database_url")
    if url:
        return url
    home = config.peel_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{(home / 'ledger.sqlite3').resolve()}"


def _normalise(url: str) -> str:
    # psycopg 3 is the driver we ship; plain postgresql:// URLs would ask for psycopg2.
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@cache
def engine_for(url: str) -> Engine:
    url = _normalise(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("peelkit.ledger").joinpath("migrations")))
    cfg.set_main_option("sqlalchemy.url", _normalise(url).replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Apply every migration not yet applied (idempotent)."""
    from alembic import command

    url = url or database_url()
    cfg = alembic_config(url)
    with engine_for(url).begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, revision)


@contextmanager
def session_scope(url: str | None = None, actor: str = "system", migrate: bool = True) -> Iterator[Session]:
    """A session in one transaction, committed at the end; `actor` is recorded in every audit row."""
    url = url or database_url()
    install_listeners()
    if migrate:
        _upgraded(url)
    session = Session(engine_for(url), expire_on_commit=False)
    session.info["actor"] = actor
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_UPGRADED: set[str] = set()


@cache
def install_listeners() -> None:
    """Register, once per process, what every ledger session must do: the correction guard, the audit rows and
    the change counter. Done here, where every session is made, not as a side effect of some import (the
    audit listeners used to be registered only in the process that ran the migrations)."""
    from peelkit.ledger import audit, changes, corrections

    corrections.install()
    audit.install()
    changes.install()


def _upgraded(url: str) -> None:
    if url not in _UPGRADED:
        # Importing Alembic and walking its scripts costs ~0.4 s: skip both when the database already
        # records exactly the heads our migration files declare (the common case for every read).
        if applied_revisions(url) != head_revisions():
            upgrade(url)
        _UPGRADED.add(url)


@cache
def head_revisions() -> frozenset[str]:
    """Revisions no migration file names as its down_revision (or depends_on), read from the files without
    Alembic."""
    import re

    revisions: set[str] = set()
    parents: set[str] = set()
    folder = resources.files("peelkit.ledger").joinpath("migrations/versions")
    for entry in folder.iterdir():
        if not entry.name.endswith(".py"):
            continue
        text = entry.read_text(encoding="utf-8")
        revision = re.search(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", text, re.M)
        if revision:
            revisions.add(revision.group(1))
        # Alembic drops a revision that another one depends on from alembic_version, as it does a parent.
        for parent in re.finditer(r"^(?:down_revision|depends_on)\s*=\s*(.+)$", text, re.M):
            parents.update(re.findall(r"['\"]([^'\"]+)['\"]", parent.group(1)))
    return frozenset(revisions - parents)


def applied_revisions(url: str) -> frozenset[str] | None:
    """The revisions recorded in alembic_version, or None when there is no such table yet."""
    from sqlalchemy import inspect, text

    with engine_for(url).connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return frozenset(str(r[0]) for r in connection.execute(text("SELECT version_num FROM alembic_version")))
