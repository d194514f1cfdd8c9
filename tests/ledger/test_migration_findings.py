"""Migration 0009_issue17_findings: rows written by the schema before it (every head up to 0008) survive the
upgrade, on SQLite and PostgreSQL: findings keep kind, status and history, the old 2021/22 framework id moves
to the new one, and the new kinds and recommendations can then be recorded."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from peelkit.ledger import db
from peelkit.ledger.improvements import AreaView, get_area, raise_area
from peelkit.ledger.recommendations import add_recommendation
from tests.ledger.conftest import _admin

BEFORE = ("0002", "0003", "0004", "0005", "0006", "0007", "0008")
NOW = "2019-01-01 00:00:00"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
        yield url
        db.engine_for(url).dispose()
        return
    server = request.getfixturevalue("postgres_server")
    name = f"m_{uuid.uuid4().hex[:12]}"
    _admin(server, f"CREATE DATABASE {name}")
    url = f"{server}/{name}"
    yield url
    db.engine_for(url).dispose()
    _admin(server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _old_rows(url: str) -> None:
    with db.engine_for(url).begin() as conn:
        conn.execute(text(
            "INSERT INTO judgment (id, force_code, framework_id, question_id, grade, inspected_this_year, "
            "created_at, updated_at, version) VALUES "
            f"(1, 'E23000033', 'peel-2021', 'investigating_crime', 'Adequate', TRUE, '{NOW}', '{NOW}', 1), "
            f"(2, 'E23000033', 'peel-effectiveness-2017', 'overall', 'Good', TRUE, '{NOW}', '{NOW}', 2)"))
        conn.execute(text(
            "INSERT INTO improvement_area (id, kind, force_code, framework_id, question_id, year_raised, text, "
            "predecessor_id, status, created_at, updated_at, version) VALUES "
            f"(1, 'area_for_improvement', 'E23000033', 'peel-effectiveness-2017', 'Q2_investigating_crime', "
            f"'2017', 'Supervise investigations.', NULL, 'closed', '{NOW}', '{NOW}', 2), "
            f"(2, 'cause_of_concern', 'E23000033', 'peel-2021', 'investigating_crime', '2021/22', "
            f"'Investigations are not supervised.', 1, 'open', '{NOW}', '{NOW}', 1)"))
        conn.execute(text(
            "INSERT INTO improvement_status (id, area_id, status, on_date, evidence, actor, recorded_at) VALUES "
            f"(1, 1, 'open', '2018-03-22', NULL, 'Ann', '{NOW}'), "
            f"(2, 1, 'closed', '2019-05-01', 'superseded', 'Bob', '{NOW}'), "
            f"(3, 2, 'open', '2022-04-01', NULL, 'Ann', '{NOW}')"))
        if conn.dialect.name == "postgresql":  # rows written by the app advance the id sequences; these did not
            for table in ("judgment", "improvement_area", "improvement_status"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 10)"))


def test_rows_survive_the_upgrade_from_0008(empty_url: str) -> None:
    for revision in BEFORE:
        db.upgrade(empty_url, revision)
    assert db.applied_revisions(empty_url) == frozenset(BEFORE)
    _old_rows(empty_url)
    db.upgrade(empty_url)
    assert db.applied_revisions(empty_url) == db.head_revisions()
    with db.engine_for(empty_url).connect() as conn:
        judgments = conn.execute(text("SELECT id, framework_id, grade, version FROM judgment ORDER BY id")).all()
        areas = conn.execute(text("SELECT id, kind, framework_id, status, predecessor_id, text FROM "
                                  "improvement_area ORDER BY id")).all()
        history = conn.execute(text("SELECT area_id, status, actor FROM improvement_status ORDER BY id")).all()
    assert [tuple(r) for r in judgments] == [(1, "peel-2021-22", "Adequate", 1),
                                             (2, "peel-effectiveness-2017", "Good", 2)]
    assert [tuple(r) for r in areas] == [
        (1, "area_for_improvement", "peel-effectiveness-2017", "closed", None, "Supervise investigations."),
        (2, "cause_of_concern", "peel-2021-22", "open", 1, "Investigations are not supervised.")]
    assert [tuple(r) for r in history] == [(1, "open", "Ann"), (1, "closed", "Bob"), (2, "open", "Ann")]
    with db.session_scope(empty_url, actor="Cat", migrate=False) as session:
        view = AreaView(get_area(session, 2)).to_dict()
        assert (view["raised"], view["recommendations"]) == ("raised 2 times (first in 2017)", [])
        add_recommendation(session, 2, "Supervise every investigation.", "Chief constable", date(2023, 3, 31))
        practice = raise_area(session, "Surrey", "2021/22", "investigating_crime", "Case review panel.",
                              kind="promising_practice")
        assert practice.status == "noted"
    with db.engine_for(empty_url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM recommendation")).scalar_one() == 1
        # The constraint still refuses a kind that does not exist.
        with pytest.raises(Exception, match=r"(?i)check"):
            conn.execute(text(
                "INSERT INTO improvement_area (kind, force_code, framework_id, question_id, year_raised, text, "
                f"status, created_at, updated_at, version) VALUES ('worry', 'E23000033', 'peel-2021-22', "
                f"'investigating_crime', '2021/22', 'x', 'open', '{NOW}', '{NOW}', 1)"))
