"""A force resubmits its return (as the web upload and `peel returns submit` do): checked and loaded like
`peel returns import`, another force's return refused with the cell located, and the queries whose finding no
longer occurs closed with the reason recorded, so the force can sign off. Separate `peel` processes make the
world, as in use."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from peelkit import forces
from peelkit.findings import ImportFailed
from peelkit.ledger import db
from peelkit.ledger.history import force_history
from peelkit.ledger.queries import ReturnSubmission, list_queries, sign_off
from peelkit.ledger.submissions import submit_return, submitted_figures
from peelkit.returns.demo import SUBMITTED_ON, force_entries
from peelkit.returns.template import write_return
from peelkit.sources.force_return.items import return_spec
from tests.helpers import run_peel

PUB = "peel-effectiveness-2017"
KENT = forces.match("Kent")
RULE = "consistency.ocgs-mapped-within-ocgs"  # the demo plants more mapped OCGs than OCGs in Kent's return


def corrected_kent(path: Path) -> Path:
    """Kent's demo return with the planted anomaly corrected: mapped OCGs no more than OCGs."""
    entries = force_entries(KENT, 1)
    ocgs = {e.period_end: e.value for e in entries if e.item == "ocgs"}
    fixed = [replace(e, value=ocgs[e.period_end]) if e.item == "ocgs_mapped" else e for e in entries]
    write_return(return_spec(PUB), path, KENT, submitted_on=SUBMITTED_ON, entries=fixed, synthetic=True)
    return path


@pytest.fixture
def demo_world(peel_home: Path, ledger_url: str) -> Path:
    run_peel("returns", "demo", "--publication", PUB)
    run_peel("checks", "run", "--publication", PUB)
    return peel_home / "warehouse.duckdb"


def _kent_queries(url: str) -> list[tuple[str, str, str | None]]:
    with db.session_scope(url) as session:
        return [(q.rule_id, q.status, q.close_reason) for q in list_queries(session, PUB, KENT.code)]


def test_a_resubmission_closes_the_queries_it_answers(demo_world: Path, ledger_url: str, tmp_path: Path) -> None:
    assert (RULE, "open", None) in _kent_queries(ledger_url)
    with db.session_scope(ledger_url) as session, pytest.raises(Exception, match=r"open data quer(y|ies)"):
        sign_off(session, PUB, "Kent", "kent")
    done = submit_return(corrected_kent(tmp_path / "kent.xlsx"), PUB, "kent-user", force_code=KENT.code,
                         warehouse_path=demo_world, ledger_url=ledger_url)
    assert done.closed and done.import_id is not None
    closed = [q for q in _kent_queries(ledger_url) if q[0] == RULE]
    assert closed[0][1] == "resolved" and "no longer flag" in (closed[0][2] or "")
    with db.session_scope(ledger_url) as session:
        assert sign_off(session, PUB, "Kent", "kent", return_import_id=done.import_id).force_code == KENT.code
        (record,) = session.scalars(select(ReturnSubmission)).all()
        assert (record.force_code, record.import_id, record.submitted_by) == (KENT.code, done.import_id, "kent-user")
        history = {(c.table_name, c.actor) for c in force_history(session, KENT.code)}
        assert {("return_submission", "kent-user"), ("data_query", "kent-user")} <= history
    figures = submitted_figures(demo_world, PUB, KENT.code)
    mapped = [f for f in figures if f.item == "ocgs_mapped"]
    ocgs = {f.period_end: f.value for f in figures if f.item == "ocgs"}
    assert mapped and all(f.value == ocgs[f.period_end] and f.status == "supplied" for f in mapped)


def test_another_forces_return_is_refused_whole(demo_world: Path, ledger_url: str, tmp_path: Path) -> None:
    before = submitted_figures(demo_world, PUB, KENT.code)
    surrey = forces.match("Surrey")
    path = tmp_path / "surrey.xlsx"
    write_return(return_spec(PUB), path, surrey, submitted_on=SUBMITTED_ON, entries=force_entries(surrey, 1))
    with pytest.raises(ImportFailed) as failed:
        submit_return(path, PUB, "kent-user", force_code=KENT.code, warehouse_path=demo_world, ledger_url=ledger_url)
    problem = failed.value.findings[0]
    assert problem.code == "unexpected-value" and problem.sheet == "Cover" and problem.row is not None
    assert "Surrey's return" in problem.message and problem.expected == "Kent"
    assert submitted_figures(demo_world, PUB, KENT.code) == before
    assert (RULE, "open", None) in _kent_queries(ledger_url)


def test_the_cli_submits_and_answers_with_a_revised_value(demo_world: Path, ledger_url: str,
                                                          tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        query = next(q for q in list_queries(session, PUB, KENT.code) if q.rule_id == RULE)
    run_peel("queries", "answer", str(query.id), "--text", "Mapped count was wrong", "--revised-value", "31",
             "--by", "kent", "--expected-version", "1")
    shown = json.loads(run_peel("queries", "list", "--force", "Kent", "--format", "json").stdout)
    assert next(q for q in shown if q["id"] == query.id)["revised_value"] == 31.0
    out = run_peel("returns", "submit", str(corrected_kent(tmp_path / "kent.xlsx")), "--force", "Kent", "--by",
                   "kent", "--format", "json")
    body = json.loads(out.stdout)
    assert query.id in body["queries_closed"] and body["force_code"] == KENT.code
    # The same bytes again are not re-read, but they are still Kent's return: refused for Surrey.
    refused = run_peel("returns", "submit", str(tmp_path / "kent.xlsx"), "--force", "Surrey", "--by", "x",
                       check=False)
    assert refused.returncode == 1 and "Kent's return" in refused.stderr
    fresh = corrected_kent(tmp_path / "again" / "kent.csv")
    refused = run_peel("returns", "submit", str(fresh), "--force", "Surrey", "--by", "x", check=False)
    assert refused.returncode == 4 and "Kent's return" in refused.stderr and "nothing was imported" in refused.stderr


def test_checks_run_after_a_plain_import_closes_the_stale_queries_too(demo_world: Path, ledger_url: str,
                                                                      tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        query = next(q for q in list_queries(session, PUB, KENT.code) if q.rule_id == RULE)
    again = json.loads(run_peel("checks", "run", "--publication", PUB, "--format", "json").stdout)
    assert again["closed_resubmitted"] == []  # nothing resubmitted: nothing closed
    run_peel("returns", "import", str(corrected_kent(tmp_path / "kent.xlsx")))
    body = json.loads(run_peel("checks", "run", "--publication", PUB, "--format", "json").stdout)
    assert query.id in body["closed_resubmitted"] and query.id not in body["no_longer_found"]
    (closed,) = [q for q in _kent_queries(ledger_url) if q[0] == RULE]
    assert closed[1] == "resolved" and "Kent's resubmitted return" in (closed[2] or "")
