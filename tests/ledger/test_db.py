from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from peelkit.ledger import db
from peelkit.ledger.changes import current_version
from peelkit.ledger.schema import metadata
from peelkit.ledger.users import add_user, list_users


def test_migrations_create_every_model_table(ledger_url: str) -> None:
    tables = set(inspect(db.engine_for(ledger_url)).get_table_names())
    assert set(metadata.tables) <= tables


def test_models_and_migrations_agree(ledger_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine_for(ledger_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def _schema(ledger_url: str) -> dict[str, list[str]]:
    inspector = inspect(db.engine_for(ledger_url))
    return {table: sorted(c["name"] for c in inspector.get_columns(table)) for table in inspector.get_table_names()}


def test_upgrade_is_idempotent(ledger_url: str) -> None:
    # Upgrading a ledger that is already at the heads, twice, changes neither its schema nor its records nor
    # its change counter, and leaves it recorded at exactly the heads the migration files declare.
    with db.session_scope(ledger_url, actor="test") as session:
        add_user(session, "ana", "analyst", "a long enough password")
    with db.session_scope(ledger_url, actor="test") as session:
        version = current_version(session)
    schema = _schema(ledger_url)
    db.upgrade(ledger_url)
    db.upgrade(ledger_url)
    assert _schema(ledger_url) == schema
    assert db.applied_revisions(ledger_url) == db.head_revisions()
    with db.session_scope(ledger_url, actor="test") as session:
        assert current_version(session) == version > 0
        assert [u.name for u in list_users(session)] == ["ana"]


def test_default_database_is_sqlite_in_peel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PEEL_DATABASE_URL", raising=False)
    monkeypatch.setenv("PEEL_HOME", str(tmp_path / "home"))
    assert db.database_url() == f"sqlite:///{(tmp_path / 'home' / 'ledger.sqlite3').resolve()}"
