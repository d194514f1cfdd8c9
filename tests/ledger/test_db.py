from __future__ import annotations

from sqlalchemy import inspect

from peelkit.ledger import db
from peelkit.ledger.schema import metadata


def test_migrations_create_every_model_table(ledger_url: str) -> None:
    tables = set(inspect(db.engine_for(ledger_url)).get_table_names())
    assert set(metadata.tables) <= tables


def test_models_and_migrations_agree(ledger_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine_for(ledger_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert diff == []


def test_upgrade_is_idempotent(ledger_url: str) -> None:
    db.upgrade(ledger_url)
    db.upgrade(ledger_url)


def test_default_database_is_sqlite_in_peel_home(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PEEL_DATABASE_URL", raising=False)
    monkeypatch.setenv("PEEL_HOME", str(tmp_path / "home"))
    assert db.database_url() == f"sqlite:///{(tmp_path / 'home' / 'ledger.sqlite3').resolve()}"
