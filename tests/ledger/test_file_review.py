"""Case-file review: frame import, reproducible stratified draws, answers (audited) and the summary."""

from __future__ import annotations

import csv
import json
import random
from datetime import date
from pathlib import Path

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from typer.testing import CliRunner

from peelkit import forces
from peelkit.findings import ImportFailed
from peelkit.ledger import db
from peelkit.ledger import file_review as fr
from peelkit.ledger.base import AuditLog, ConflictError
from peelkit.ledger.file_review_cli import file_review_app
from peelkit.ledger.history import force_history

WARKS = forces.match_force("Warwickshire").code
DURHAM = forces.match_force("Durham").code
KENT = forces.match_force("Kent").code
MET = forces.match_force("Metropolitan Police").code
CRIMES = [cid for cid, _ in fr.CRIME_TYPES]
HEADER = ["reference", "crime_type", "date_recorded", "force"]


def _rows(force: str, count: int, start: int = 0, crimes: list[str] | None = None,
          when: str = "2017-02-01") -> list[list[str]]:
    crimes = crimes or CRIMES
    return [[f"{force[:4].upper()}/{start + i:05d}/17", crimes[i % len(crimes)], when, force] for i in range(count)]


def _write(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _frame_rows(rows: list[list[str]]) -> list[fr.FrameRow]:
    out = []
    for ref, crime, when, force in rows:
        crime_id = fr.match_crime_type(crime)
        assert crime_id is not None
        out.append(fr.FrameRow(ref, forces.match_force(force).code, crime_id, date.fromisoformat(when)))
    return out


# --------------------------------------------------------------------------- allocation (pure)


def test_allocation_is_proportional_with_largest_remainder() -> None:
    assert fr.allocate(10, [50, 30, 20]) == [5, 3, 2]
    # quotas 1.5, 1.5, 7.0: one unit left for the two equal remainders -> the earlier (same size) stratum
    assert fr.allocate(10, [15, 15, 70]) == [2, 1, 7]
    # quotas 2.6, 3.3, 4.1: remainders .6 > .3 > .1
    assert fr.allocate(10, [26, 33, 41]) == [3, 3, 4]


def test_allocation_gives_every_non_empty_stratum_one_where_possible() -> None:
    # quotas 0.1, 3.3, 3.3, 3.3 -> [0, 4, 3, 3] by largest remainder, then one unit moves to the empty-handed one
    assert fr.allocate(10, [1, 33, 33, 33]) == [1, 3, 3, 3]
    # more non-empty strata than files: cannot give one each, largest quotas win
    assert fr.allocate(2, [5, 4, 3]) == [1, 1, 0]
    assert fr.allocate(5, [0, 100, 0, 1]) == [0, 4, 0, 1]
    # the minimum is paid for by the strata most over their quota (4.76 each here: [0, 0, 0, 0, 5, 5] first)
    assert fr.allocate(10, [1, 1, 1, 1, 40, 40]) == [1, 1, 1, 1, 3, 3]


def test_allocation_takes_all_when_the_force_is_small() -> None:
    assert fr.allocate(60, [10, 5, 0, 9]) == [10, 5, 0, 9]
    assert fr.allocate(24, [10, 5, 0, 9]) == [10, 5, 0, 9]


@given(st.integers(0, 120), st.lists(st.integers(0, 200), min_size=1, max_size=7))
def test_allocation_properties(size: int, populations: list[int]) -> None:
    alloc = fr.allocate(size, populations)
    total = sum(populations)
    assert sum(alloc) == min(size, total)
    assert all(0 <= a <= p for a, p in zip(alloc, populations, strict=True))
    if sum(1 for p in populations if p) <= size:
        assert all(a >= 1 for a, p in zip(alloc, populations, strict=True) if p)
    if size < total and all(size * p >= total for p in populations if p):
        # every quota is at least 1, so the minimum moves nothing: within one of the proportional quota
        assert all(abs(a - size * p / total) < 1 for a, p in zip(alloc, populations, strict=True))


# --------------------------------------------------------------------------- drawing (pure)


def _definition(seed: int = 7, **sizes: int) -> fr.DrawDefinition:
    return fr.DrawDefinition(seed=seed, sizes=sizes or {WARKS: 60, DURHAM: 60})


def test_stratum_sizes_sum_to_the_force_size() -> None:
    rows = _frame_rows(_rows("Warwickshire", 300) + _rows("Durham", 130, crimes=CRIMES[:3]))
    plans = fr.plan_draw(rows, _definition())
    for plan in plans:
        assert plan.drawn == sum(s.allocated for s in plan.strata) == 60
        assert all(len(s.references) == s.allocated for s in plan.strata)
        assert not plan.takes_all
    durham = next(p for p in plans if p.force_code == DURHAM)
    # 130 files over three crime types (44, 43, 43) -> 20, 20, 20; the other types are empty
    assert [s.allocated for s in durham.strata] == [20, 20, 20, 0, 0, 0, 0]


def test_same_seed_same_sample_whatever_the_row_order_or_other_forces() -> None:
    rows = _frame_rows(_rows("Warwickshire", 300) + _rows("Durham", 200))
    first = fr.plan_draw(rows, _definition())
    shuffled = rows[:]
    random.Random(1).shuffle(shuffled)
    assert fr.plan_draw(shuffled, _definition()) == first
    # another force in the frame and in the sizes changes nothing for these two
    more = shuffled + _frame_rows(_rows("Kent", 500))
    again = fr.plan_draw(more, _definition(**{WARKS: 60, DURHAM: 60, KENT: 60}))
    assert [p for p in again if p.force_code != KENT] == first
    # a different seed gives a different sample
    other = fr.plan_draw(rows, _definition(seed=8))
    assert {r for p in other for s in p.strata for r in s.references} != {
        r for p in first for s in p.strata for r in s.references}


def test_window_and_crime_types_limit_the_eligible_files() -> None:
    rows = _frame_rows(_rows("Warwickshire", 70, when="2017-03-31") + _rows("Warwickshire", 70, 1000,
                                                                             when="2017-04-01"))
    (plan,) = fr.plan_draw(rows, _definition(**{WARKS: 60}))
    assert plan.eligible == 70
    (plan,) = fr.plan_draw(rows, fr.DrawDefinition(seed=7, sizes={WARKS: 60}, crime_types=("rape", "stalking")))
    assert plan.eligible == 20 and plan.takes_all


def test_default_sizes() -> None:
    sizes = fr.default_sizes()
    assert len(sizes) == 43
    assert {code for code, n in sizes.items() if n == 90} == {
        forces.match_force(n).code for n in ("Metropolitan Police", "West Midlands", "West Yorkshire")}
    assert set(sizes.values()) == {60, 90}


# --------------------------------------------------------------------------- demo frame (once)


@pytest.fixture(scope="module")
def demo_frame(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("demo") / "frame.csv"
    fr.generate_demo_frame(2017, path)
    return path


def test_demo_frame_covers_every_force_and_is_marked_synthetic(demo_frame: Path, tmp_path: Path) -> None:
    rows, synthetic = fr.read_frame(demo_frame)
    assert synthetic
    assert {r.force_code for r in rows} == {f.code for f in forces.forces()}
    again = fr.generate_demo_frame(2017, tmp_path / "again.csv")
    assert again == len(rows) and (tmp_path / "again.csv").read_bytes() == demo_frame.read_bytes()
    by_force: dict[str, int] = {}
    for r in rows:
        by_force[r.force_code] = by_force.get(r.force_code, 0) + 1
    assert by_force[MET] == max(by_force.values())
    plans = {p.force_code: p for p in fr.plan_draw(rows, fr.DrawDefinition(seed=2017, sizes=fr.default_sizes()))}
    assert plans[MET].drawn == 90
    assert plans[forces.match_force("City of London").code].takes_all
    assert sum(p.takes_all for p in plans.values()) >= 1


# --------------------------------------------------------------------------- import (database)


def _count(url: str, model: type) -> int:
    with db.session_scope(url) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_import_lists_every_problem_and_loads_nothing(ledger_url: str, tmp_path: Path) -> None:
    rows = [
        ["A/1/17", "Stalking", "2017-01-05", "Warwickshire"],        # fine
        ["A/2/17", "Stalking", "2017-01-05", "Warwickshirre"],       # row 3: unknown force, with suggestion
        ["A/3/17", "Stalking", "31/02/2017", "Kent"],                # row 4: bad date
        ["   ", "Harassment", "2017-01-05", "Kent"],                 # row 5: blank reference
        ["A/1/17", "Harassment", "2017-01-06", "Warwickshire"],      # row 6: duplicate within the force
        ["A/1/17", "Harassment", "2017-01-06", "Kent"],              # fine: another force
        ["A/7/17", "Burglary", "2017-01-06", "Kent"],                # row 8: not a reviewed crime type
        ["A/8/17", "Theft from person", "06/01/2017", "West Midlands"],  # fine: alias and dd/mm/yyyy
        ["A/9/17", "Stalking", "2017-01-05", "North West"],          # row 10: a region, not a force
    ]
    path = _write(tmp_path / "frame.csv", rows)
    with pytest.raises(ImportFailed) as caught, db.session_scope(ledger_url) as session:
        fr.import_frame(session, path)
    found = {(f.code, f.row, f.column) for f in caught.value.findings}
    assert found == {
        ("unknown-force", 3, "force"), ("bad-date", 4, "date_recorded"), ("blank-value", 5, "reference"),
        ("duplicate-key", 6, "reference"), ("unexpected-value", 8, "crime_type"), ("unknown-force", 10, "force"),
    }
    by_row = {f.row: f for f in caught.value.findings}
    assert "Warwickshire" in (by_row[3].expected or "")
    assert "region" in by_row[10].message
    by_code = {f.code: f for f in caught.value.findings}
    assert "row 2" in by_code["duplicate-key"].message
    assert _count(ledger_url, fr.SamplingFrame) == 0 and _count(ledger_url, fr.FrameRecord) == 0


def test_import_reports_missing_columns(ledger_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "frame.csv", [["A/1/17", "Stalking", "2017-01-05"]],
                  header=["reference", "crime", "date_recorded"])
    with pytest.raises(ImportFailed) as caught, db.session_scope(ledger_url) as session:
        fr.import_frame(session, path)
    assert {(f.code, f.column) for f in caught.value.findings} == {
        ("missing-column", "crime_type"), ("missing-column", "force")}


def test_import_is_idempotent_and_records_provenance(ledger_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "frame.csv", _rows("Warwickshire", 5))
    with db.session_scope(ledger_url, actor="analyst") as session:
        frame, created = fr.import_frame(session, path)
        assert created and frame.record_count == 5 and not frame.synthetic and frame.imported_by == "analyst"
    with db.session_scope(ledger_url) as session:
        again, created = fr.import_frame(session, path)
        assert not created and again.id == frame.id
    assert _count(ledger_url, fr.FrameRecord) == 5


# --------------------------------------------------------------------------- draws (database)


def test_draw_is_stored_and_redraw_repeats_it_exactly(ledger_url: str, tmp_path: Path) -> None:
    rows = _rows("Warwickshire", 200) + _rows("Durham", 24) + _rows("Metropolitan Police", 150)
    path = _write(tmp_path / "frame.csv", rows)
    with db.session_scope(ledger_url, actor="analyst") as session:
        frame, _ = fr.import_frame(session, path)
        draw, created = fr.draw_sample(session, frame.id, 12345, size_overrides={"Durham Constabulary": 30})
        assert created
    with db.session_scope(ledger_url) as session:
        draw = fr.get_draw(session, draw.id)
        assert draw.seed == 12345 and draw.window_start == date(2017, 1, 1) and draw.window_end == date(2017, 3, 31)
        assert draw.crime_types == CRIMES and draw.size_overrides == {DURHAM: 30}
        assert draw.sizes[MET] == 90 and draw.sizes[WARKS] == 60 and len(draw.sizes) == 43
        assert (draw.allocation_rule, draw.allocation_version) == (fr.ALLOCATION_RULE, fr.ALLOCATION_VERSION)
        per_force = {f.force_code: f for f in fr.draw_forces(session, draw.id)}
        assert (per_force[MET].drawn, per_force[WARKS].drawn) == (90, 60)
        assert per_force[DURHAM].takes_all and per_force[DURHAM].drawn == 24 and per_force[DURHAM].eligible == 24
        assert per_force[KENT].drawn == 0 and fr.force_note(0, 60) == "no eligible files in the frame"
        strata = fr.draw_strata(session, draw.id)
        for code, force in per_force.items():
            assert sum(s.allocated for s in strata if s.force_code == code) == force.drawn
        stored = fr.stored_sample(session, draw.id)
        assert sum(len(refs) for refs in stored.values()) == 90 + 60 + 24
        assert fr.verify_draw(session, draw.id) == []
        again = fr.redraw(session, draw.id)
        assert {(p.force_code, s.crime_type): s.references for p in again for s in p.strata if s.references} == stored
        # the same definition again is the same draw
        same, created = fr.draw_sample(session, frame.id, 12345, size_overrides={DURHAM: 30})
        assert not created and same.id == draw.id


def test_import_order_does_not_change_the_sample(ledger_url: str, tmp_path: Path) -> None:
    rows = _rows("Warwickshire", 150) + _rows("Kent", 120)
    shuffled = rows[:]
    random.Random(3).shuffle(shuffled)
    with db.session_scope(ledger_url) as session:
        one, _ = fr.import_frame(session, _write(tmp_path / "one.csv", rows))
        two, _ = fr.import_frame(session, _write(tmp_path / "two.csv", shuffled))
        draw_one, _ = fr.draw_sample(session, one.id, 99)
        draw_two, _ = fr.draw_sample(session, two.id, 99)
        assert draw_one.id != draw_two.id
        assert fr.stored_sample(session, draw_one.id) == fr.stored_sample(session, draw_two.id)


def test_verify_notices_a_tampered_sample(ledger_url: str, tmp_path: Path) -> None:
    with db.session_scope(ledger_url) as session:
        frame, _ = fr.import_frame(session, _write(tmp_path / "f.csv", _rows("Warwickshire", 100)))
        draw, _ = fr.draw_sample(session, frame.id, 1)
        drawn = {f.reference for f in fr.draw_files(session, draw.id)}
        spare = session.scalars(select(fr.FrameRecord).where(fr.FrameRecord.reference.not_in(drawn))).first()
        sample = session.scalars(select(fr.SampledFile).where(fr.SampledFile.draw_id == draw.id)).first()
        assert spare is not None and sample is not None
        sample.record_id = spare.id
        session.flush()
        assert fr.verify_draw(session, draw.id) == [WARKS]
        session.rollback()


# --------------------------------------------------------------------------- answers and summary (database)


def _small_draw(url: str, tmp_path: Path) -> tuple[int, list[fr.SampledFileRow]]:
    with db.session_scope(url) as session:
        frame, _ = fr.import_frame(session, _write(tmp_path / "f.csv", _rows("Warwickshire", 21)
                                                   + _rows("Durham", 4)))
        draw, _ = fr.draw_sample(session, frame.id, 5)
        return draw.id, fr.draw_files(session, draw.id)


def test_summary_counts_percent_wilson_and_caveat(ledger_url: str, tmp_path: Path) -> None:
    draw_id, files = _small_draw(ledger_url, tmp_path)
    warks = [f for f in files if f.force_code == WARKS]
    durham = [f for f in files if f.force_code == DURHAM]
    assert len(warks) == 21 and len(durham) == 4
    with db.session_scope(ledger_url, actor="reviewer") as session:
        for i, f in enumerate(warks):  # 18 yes, 1 no, 2 not applicable
            answer = "yes" if i < 18 else "no" if i == 18 else "not_applicable"
            fr.record_answer(session, draw_id, f.reference, "evidence_secured", answer, force="Warwickshire")
        for i, f in enumerate(durham):  # 3 yes, 1 no
            fr.record_answer(session, draw_id, f.reference, "evidence_secured", "yes" if i else "no", force=DURHAM)
    with db.session_scope(ledger_url) as session:
        lines = fr.summarise(session, draw_id)
    line = next(x for x in lines if x.force_code == WARKS and x.criterion == "evidence_secured")
    assert (line.yes, line.no, line.not_applicable, line.counts) == (18, 1, 2, "18 of 19")
    assert line.percent == pytest.approx(94.7368, abs=1e-3)
    assert line.lower == pytest.approx(0.753613, abs=1e-6) and line.upper == pytest.approx(0.990648, abs=1e-6)
    assert line.small_sample and line.caveat == fr.SMALL_BASE_CAVEAT
    pooled = next(x for x in lines if x.pooled and x.criterion == "evidence_secured")
    assert (pooled.force_name, pooled.counts, pooled.not_applicable) == ("England and Wales", "21 of 23", 2)
    assert pooled.note == fr.POOLED_NOTE
    empty = next(x for x in lines if x.force_code == WARKS and x.criterion == "victim_updated")
    assert empty.counts == "0 of 0" and empty.percent is None and empty.lower is None
    assert {x.force_code for x in lines} == {WARKS, DURHAM, forces.ENGLAND_AND_WALES}
    # one force (and the pooled lines)
    with db.session_scope(ledger_url) as session:
        only = fr.summarise(session, draw_id, DURHAM)
    assert {x.force_code for x in only} == {DURHAM, forces.ENGLAND_AND_WALES}
    d = next(x for x in only if x.criterion == "evidence_secured").as_dict()
    assert (d["counts"], d["percent"], d["lower_percent"], d["upper_percent"]) == ("3 of 4", 75.0, 30.1, 95.4)


def test_no_caveat_from_thirty_files() -> None:
    assert fr.SMALL_BASE == 30
    assert not fr.summary_line(WARKS, "Warwickshire", "evidence_secured", 25, 5, 0).small_sample
    assert fr.summary_line(WARKS, "Warwickshire", "evidence_secured", 25, 4, 9).small_sample


def test_answers_are_audited_with_the_reviewer(ledger_url: str, tmp_path: Path) -> None:
    draw_id, files = _small_draw(ledger_url, tmp_path)
    ref = files[0].reference
    with db.session_scope(ledger_url, actor="Reviewer One") as session:
        row = fr.record_answer(session, draw_id, ref, "victim_updated", "no", force=files[0].force_code)
        answer_id = row.id
        assert row.version == 1
    with db.session_scope(ledger_url, actor="Reviewer Two") as session:
        row = fr.record_answer(session, draw_id, ref, "victim_updated", "yes", force=files[0].force_code,
                               expected_version=1)
        assert row.version == 2 and row.answered_by == "Reviewer Two"
    with db.session_scope(ledger_url) as session:
        audit = list(session.scalars(select(AuditLog).where(AuditLog.table_name == "file_review_answer")
                                     .order_by(AuditLog.id)))
        assert all(a.after is not None for a in audit) and audit[1].before is not None
        # (audit.py writes record_id "?" for inserts: the identity is not set yet in after_flush; so compare ids)
        assert [(a.action, a.actor, a.after["id"] if a.after else None) for a in audit] == [
            ("insert", "Reviewer One", answer_id), ("update", "Reviewer Two", answer_id)]
        assert audit[1].record_id == str(answer_id) and audit[1].before is not None and audit[1].after is not None
        assert (audit[1].before["answer"], audit[1].after["answer"]) == ("no", "yes")
        # The audit rows name the sampled file's force, so they are in that force's history (and no other's).
        assert {a.force_code for a in audit} == {files[0].force_code}
        assert [c.id for c in force_history(session, files[0].force_code)
                if c.table_name == "file_review_answer"] == [audit[1].id, audit[0].id]
        other = next(f.code for f in forces.forces() if f.code != files[0].force_code)
        assert not [c for c in force_history(session, other) if c.table_name == "file_review_answer"]
        with pytest.raises(ConflictError):
            fr.record_answer(session, draw_id, ref, "victim_updated", "no", force=files[0].force_code,
                             expected_version=1)


def test_answer_errors_are_plain(ledger_url: str, tmp_path: Path) -> None:
    draw_id, files = _small_draw(ledger_url, tmp_path)
    with db.session_scope(ledger_url) as session:
        with pytest.raises(fr.FileReviewError, match="Closest: evidence_secured"):
            fr.record_answer(session, draw_id, files[0].reference, "evidence_secure", "yes")
        with pytest.raises(fr.FileReviewError, match="yes, no or not_applicable"):
            fr.record_answer(session, draw_id, files[0].reference, "evidence_secured", "maybe")
        with pytest.raises(fr.FileReviewError, match="not among the files drawn"):
            fr.record_answer(session, draw_id, "NOPE/1", "evidence_secured", "yes")


def test_demo_answers_fill_every_file_once(ledger_url: str, tmp_path: Path) -> None:
    draw_id, files = _small_draw(ledger_url, tmp_path)
    with db.session_scope(ledger_url, actor="demo") as session:
        assert fr.demo_answers(session, draw_id, 1) == len(files) * len(fr.CRITERIA)
        assert fr.demo_answers(session, draw_id, 1) == 0
        lines = fr.summarise(session, draw_id)
    assert all(x.yes + x.no + x.not_applicable == len(files) for x in lines if x.pooled)


def test_file_review_tables_match_the_migration(ledger_url: str) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from peelkit.ledger.schema import metadata

    with db.engine_for(ledger_url).connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), metadata)
    assert [d for d in diff if "file_review" in repr(d)] == []


# --------------------------------------------------------------------------- CLI

runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(file_review_app, name="file-review")
    return app


def test_cli_round_trip(ledger_url: str, tmp_path: Path) -> None:
    app = _app()
    path = _write(tmp_path / "f.csv", _rows("Warwickshire", 80) + _rows("Durham", 10))
    result = runner.invoke(app, ["file-review", "import-frame", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    frame_id = json.loads(result.output)["frame"]
    result = runner.invoke(app, ["file-review", "draw", "--frame", str(frame_id), "--seed", "3",
                                 "--size-override", "Warwickshire=20", "--format", "json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    draw_id = body["draw"]
    assert body["size_overrides"] == {WARKS: 20}
    result = runner.invoke(app, ["file-review", "show-draw", str(draw_id), "--force", "Warwickshire",
                                 "--format", "csv"])
    assert result.exit_code == 0, result.output
    sampled = list(csv.DictReader(result.output.splitlines()))
    assert len(sampled) == 20
    result = runner.invoke(app, ["file-review", "record", "--draw", str(draw_id), "--reference",
                                 sampled[0]["reference"], "--criterion", "evidence_secured", "--answer", "yes",
                                 "--by", "A Reviewer"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["file-review", "summary", "--draw", str(draw_id), "--force", "Warwickshire",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    line = next(x for x in json.loads(result.output)
                if x["force_code"] == WARKS and x["criterion"] == "evidence_secured")
    assert line["counts"] == "1 of 1" and line["small_sample"]
    result = runner.invoke(app, ["file-review", "summary", "--draw", str(draw_id)])
    assert result.exit_code == 0 and "England and Wales" in result.output
    result = runner.invoke(app, ["file-review", "show-draw", str(draw_id)])
    assert result.exit_code == 0 and "takes all 10 eligible files" in result.output


def test_cli_import_failure_as_json(ledger_url: str, tmp_path: Path) -> None:
    path = _write(tmp_path / "f.csv", [["A/1/17", "Burglary", "2017-01-05", "Kent"]])
    result = runner.invoke(_app(), ["file-review", "import-frame", str(path), "--format", "json"])
    assert result.exit_code == 4
    body = json.loads(result.output)
    assert [(p["code"], p["row"], p["column"]) for p in body["problems"]] == [("unexpected-value", 2, "crime_type")]


def test_cli_demo_frame(tmp_path: Path) -> None:
    result = runner.invoke(_app(), ["file-review", "demo-frame", "--seed", "1", "--out", str(tmp_path / "d.csv")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d.csv").read_text(encoding="utf-8").startswith("reference,crime_type,date_recorded,force,"
                                                                      "synthetic\n")
