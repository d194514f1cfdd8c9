"""`peel ledger demo`: clearly labelled synthetic narrative and areas for improvement, so the demo's report
reads as a whole report; repeatable, and an inspector's own text is never replaced."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.ledger.db import session_scope
from peelkit.ledger.improvements import areas_for
from peelkit.ledger.narrative import narratives, set_narrative
from peelkit.ledger.report_demo import LABEL, load_demo_report
from peelkit.publish.context import NO_NARRATIVE, NO_NARRATIVE_SECTION, load_publication_data
from peelkit.publish.report import render_force_html
from tests.publish.test_report import PUBLICATION, WARKS, build_warehouse

runner = CliRunner()
Q1 = "Q1_preventing_crime_and_ASB"


def test_every_section_gets_labelled_text_once(ledger_url: str) -> None:
    with session_scope(actor="inspector") as session:
        set_narrative(session, "Kent", "2017", Q1, "The inspector's own words.")
    with session_scope(actor="demo") as session:
        first = load_demo_report(session, "Kent", "2017")
    assert first.narratives_kept == [Q1] and len(first.narratives_added) == 5 and len(first.areas_added) == 2
    with session_scope(actor="demo") as session:
        texts = narratives(session, "Kent", "2017")
        assert texts[Q1] == "The inspector's own words."
        assert all(text.startswith(f"**{LABEL}**") for section, text in texts.items() if section != Q1)
        assert "Kent" in texts["overview"]
        areas = areas_for(session, "Kent")
        assert len(areas) == 2 and all(a.text.startswith(f"{LABEL}:") for a in areas)
        again = load_demo_report(session, "Kent", "2017")
    assert again.narratives_added == [] and again.areas_added == [] and len(again.areas_kept) == 2
    with session_scope(actor="demo") as session:
        assert len(areas_for(session, "Kent")) == 2


def test_the_demo_report_has_no_empty_section(ledger_url: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ledger", "demo", "--force", "Warwickshire", "--format", "json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["force"] == "Warwickshire" and len(report["narratives_added"]) == 6
    again = runner.invoke(app, ["ledger", "demo", "--force", "Warwickshire"])
    assert again.exit_code == 0 and "added for 0 sections (6 sections already had narrative)" in again.stdout
    warehouse = build_warehouse(tmp_path / "warehouse.duckdb")
    page = render_force_html(load_publication_data(warehouse, ledger_url, PUBLICATION), WARKS)
    assert NO_NARRATIVE not in page and NO_NARRATIVE_SECTION not in page
    assert "evaluate its problem-solving work" in page and "risk assessments of domestic abuse" in page
    assert page.count(LABEL) >= 8  # six narratives and two areas, each labelled


def test_a_published_record_is_not_changed(ledger_url: str) -> None:
    from peelkit.ledger.publication_state import PublicationStateRow

    with session_scope(actor="test") as session:
        session.add(PublicationStateRow(publication_id=PUBLICATION, state="published", updated_by="test"))
    result = runner.invoke(app, ["ledger", "demo", "--force", "Kent"])
    assert result.exit_code == 8, result.output
    with session_scope(actor="test") as session:
        assert narratives(session, "Kent", "2017") == {} and areas_for(session, "Kent") == []


def test_unknown_force_is_refused(ledger_url: str) -> None:
    result = runner.invoke(app, ["ledger", "demo", "--force", "Atlantis"])
    assert result.exit_code == 2 and "Atlantis" in result.output
