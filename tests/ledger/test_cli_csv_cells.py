"""Every `--format csv` a command prints neutralises cells a spreadsheet would run as a formula, as the
published exports do (issue 13, 3)."""

from __future__ import annotations

import csv
import io
import re

import pytest
from typer.testing import CliRunner

from peelkit.csvcells import SafeDictWriter, neutralise
from peelkit.ledger.db import session_scope
from peelkit.ledger.queries import answer_query, list_queries, raise_queries
from tests.conftest import REPO
from tests.ledger.test_queries import PUB, _findings, _peel

runner = CliRunner()
HOSTILE = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
           "\tTAB", "\rCR"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_text_gets_an_apostrophe(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["-5", "+1,234.5", "-0.05%", "12", "", "Kent", "a=b"])
def test_numbers_and_plain_text_are_unchanged(text: str) -> None:
    assert neutralise(text) == text


def test_the_safe_writer_leaves_non_text_alone() -> None:
    out = io.StringIO()
    writer = SafeDictWriter(out, fieldnames=["a", "b", "c"], lineterminator="\n")
    writer.writeheader()
    writer.writerows([{"a": "=1+1", "b": -3, "c": None}])
    assert out.getvalue() == "a,b,c\n'=1+1,-3,\n"


def test_queries_list_csv_neutralises_a_forces_answer(ledger_url: str) -> None:
    with session_scope(actor="analyst") as session:
        raise_queries(session, PUB, _findings())
        query_id = list_queries(session, PUB, force="Kent")[0].id
    with session_scope(actor="kent-user") as session:
        answer_query(session, query_id, HOSTILE[0], by="@K Force")
    listed = runner.invoke(_peel(), ["queries", "list", "--format", "csv"])
    assert listed.exit_code == 0, listed.output
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(listed.output))}
    assert rows[str(query_id)]["answer"] == "'" + HOSTILE[0]
    assert rows[str(query_id)]["answered_by"] == "'@K Force"


def test_no_command_writes_csv_to_the_terminal_unneutralised() -> None:
    # Enumerate, not sample: any CSV writer on stdout anywhere in the package must be the safe one.
    raw = re.compile(r"csv\.(?:Dict)?[Ww]riter\(\s*(?:sys\.stdout|typer|click)")
    offenders = [str(path.relative_to(REPO)) for path in (REPO / "src" / "peelkit").rglob("*.py")
                 if raw.search(path.read_text(encoding="utf-8"))]
    assert offenders == []
    assert len([p for p in (REPO / "src" / "peelkit").rglob("*.py")
                if "SafeDictWriter(sys.stdout" in p.read_text(encoding="utf-8")]) >= 6
