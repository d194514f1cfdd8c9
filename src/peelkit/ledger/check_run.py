"""One run of the data checks, as `peel checks run` and the web's "Run the checks" do it: every rule over the
warehouse's current returns, and a data query raised (or reopened) for each finding, in one ledger
transaction. The queries are how findings are followed up, so both callers show the same thing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from peelkit.checks.registry import CheckFinding, force_name
from peelkit.checks.runner import counts_by_severity, run_checks
from peelkit.indicators.publication import Publication


@dataclass
class CheckRun:
    """The findings of a run, each with the query that follows it up: (id, status, new this run)."""

    publication_id: str
    findings: list[CheckFinding]
    queries: dict[str, tuple[int | None, str, bool]] = field(default_factory=dict)
    no_longer_found: list[int] = field(default_factory=list)
    closed_resubmitted: list[int] = field(default_factory=list)  # closed: not flagged on a resubmitted return

    @property
    def counts(self) -> dict[str, int]:
        return counts_by_severity(self.findings)

    def rows(self) -> list[dict[str, Any]]:
        out = []
        for f in self.findings:
            qid, status, new = self.queries.get(f.fingerprint, (None, "", False))
            out.append({**f.to_dict(), "force_name": force_name(f.force_code), "query_id": qid,
                        "query_status": status, "new": new})
        return out


def find(warehouse_path: Path, pub: Publication) -> list[CheckFinding]:
    """Every finding of every rule, read from the warehouse (read-only)."""
    from peelkit import warehouse

    con = warehouse.connect(warehouse_path, read_only=True)
    try:
        return run_checks(con, pub)
    finally:
        con.close()


def raise_for(session: Session, pub: Publication, findings: list[CheckFinding],
              current_returns: dict[str, int] | None = None) -> CheckRun:
    """Raise (or reopen) the data query of each finding, and close those whose finding no longer occurs on a
    force's resubmitted return (`current_returns`: force code -> import id); the run's record."""
    from peelkit.ledger.queries import close_stale_queries, raise_queries

    report = raise_queries(session, pub.id, findings)
    new = {id(q) for q in report.created}
    run = CheckRun(pub.id, findings)
    for q in [*report.created, *report.unchanged, *report.reopened]:
        run.queries[q.fingerprint] = (q.id, q.status, id(q) in new)
    actor = str(session.info.get("actor") or "peel checks run")
    run.closed_resubmitted = [q.id for q in close_stale_queries(session, pub.id, findings, current_returns or {},
                                                                actor)]
    run.no_longer_found = [q.id for q in report.no_longer_found if q.id not in run.closed_resubmitted]
    return run


def run_and_raise(session: Session, warehouse_path: Path, pub: Publication) -> CheckRun:
    """Run the checks and raise their queries (the session's actor is recorded on each)."""
    from peelkit import warehouse

    return raise_for(session, pub, find(warehouse_path, pub), warehouse.current_returns(warehouse_path))
