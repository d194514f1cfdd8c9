"""A force submitting its filled return (the web upload and `peel returns submit`): checked and loaded exactly as
`peel returns import` does (every problem located, nothing partly loaded), refused when it is another force's
return; then the checks run again on it, so its findings become data queries and the force's queries whose
finding no longer occurs are closed, with the reason recorded (a stale query must not block its sign-off).

Also what a force sees of its submission: the figures of its current return, item by item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peelkit import forces, warehouse
from peelkit.errors import PeelError
from peelkit.importer import ImportReport, import_paths
from peelkit.ledger.db import session_scope
from peelkit.ledger.queries import ReturnSubmission, close_stale_queries, raise_queries
from peelkit.sources.force_return.items import return_spec


@dataclass
class Submission:
    force_code: str
    report: ImportReport
    import_id: int | None  # the force's current return after the submission
    raised: list[int] = field(default_factory=list)  # queries opened (or reopened) by the new return's findings
    closed: list[int] = field(default_factory=list)  # stale queries closed

    def to_dict(self) -> dict[str, Any]:
        return {"force_code": self.force_code, "import": self.report.to_dict(), "import_id": self.import_id,
                "queries_raised": self.raised, "queries_closed": self.closed}


def submit_return(path: Path, publication_id: str, by: str, *, force_code: str | None = None,
                  warehouse_path: Path, ledger_url: str | None = None) -> Submission:
    """Import one filled return (all or nothing; `force_code` refuses another force's), then re-run the checks
    for its force and bring that force's data queries up to date."""
    from peelkit.sources.force_return import marked_synthetic

    return_spec(publication_id)  # an unknown publication is refused before anything is read
    report = import_paths([path], db_path=warehouse_path, synthetic=marked_synthetic(path),
                          expect_force=force_code)
    # A file loaded before is not read again (same bytes), so its force is taken from what it loaded.
    code = _force_of(report, warehouse_path)
    if code is None:
        raise PeelError(f"{path.name}: not a force data return (no return items were loaded)")
    if force_code is not None and code != force_code:
        raise PeelError(f"{path.name} is {forces.match(code).name}'s return (already loaded, unchanged): you can "
                        f"submit {forces.match(force_code).name}'s return only")
    current = (warehouse.current_returns(warehouse_path) or {}).get(code)
    submission = Submission(code, report, current)
    _recheck(submission, publication_id, by, warehouse_path, ledger_url)
    return submission


def _force_of(report: ImportReport, warehouse_path: Path) -> str | None:
    records = report.loaded or report.unchanged
    if not records:
        return None
    con = warehouse.connect(warehouse_path, read_only=True)
    try:
        row = con.execute("SELECT any_value(area_code) FROM return_items WHERE import_id = ?",
                          [records[0].import_id]).fetchone()
    finally:
        con.close()
    return str(row[0]) if row and row[0] else None


def _recheck(submission: Submission, publication_id: str, by: str, warehouse_path: Path,
             ledger_url: str | None) -> None:
    from peelkit.checks.runner import run_checks

    con = warehouse.connect(warehouse_path, read_only=True)
    try:
        findings = [f for f in run_checks(con, publication_id) if f.force_code == submission.force_code]
    finally:
        con.close()
    with session_scope(ledger_url, actor=by) as session:
        for record in submission.report.loaded:
            session.add(ReturnSubmission(publication_id=publication_id, force_code=submission.force_code,
                                         import_id=record.import_id, file_name=record.file_name, submitted_by=by))
        synced = raise_queries(session, publication_id, findings)
        submission.raised = [q.id for q in [*synced.created, *synced.reopened]]
        current = {submission.force_code: submission.import_id} if submission.import_id is not None else {}
        stale = close_stale_queries(session, publication_id, findings, current, by)
        submission.closed = [q.id for q in stale]


@dataclass(frozen=True)
class Figure:
    item: str
    label: str
    part: str | None
    period_end: str
    status: str
    value: float | None
    reason: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def submitted_figures(warehouse_path: Path, publication_id: str, force_code: str) -> list[Figure]:
    """The figures of the force's current return, in template order, with each item's status and reason."""
    import duckdb

    spec = return_spec(publication_id)
    current = (warehouse.current_returns(warehouse_path) or {}).get(force_code)
    if current is None:
        return []
    con = warehouse.connect(warehouse_path, read_only=True)
    try:
        items = con.execute("SELECT item, period_end, status, reason FROM return_items WHERE import_id = ? "
                            "AND area_code = ?", [current, force_code]).fetchall()
        values = {(m, o or None, e): v for m, o, e, v in con.execute(
            "SELECT measure, offence, period_end, value FROM facts WHERE import_id = ? AND area_code = ?",
            [current, force_code]).fetchall()}
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
    found = {(str(key), end): (status, reason) for key, end, status, reason in items}
    figures = []
    for item in spec.items:
        for part, period in item.rows():
            status, reason = found.get((item.item_key(part), period.end), ("not in the return", None))
            figures.append(Figure(item.id, item.label, part, period.end.isoformat(), str(status),
                                  values.get((item.id, part, period.end)), reason))
    return figures
