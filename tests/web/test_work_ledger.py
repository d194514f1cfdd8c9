"""Ledger editing for inspectors: judgments reach the live draft report, narrative preview is sanitised and saves
nothing, concurrent edits are shown with both versions (never lost), areas and file review answers are
recorded, and every save leaves audit rows naming the inspector."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from peelkit.ledger import db
from peelkit.ledger import file_review as fr
from peelkit.ledger.judgments import Judgment
from peelkit.ledger.narrative import Narrative
from peelkit.ledger.users import add_user
from peelkit.web.app import WebSettings
from tests.web.conftest import PASSWORD, PUBLICATION, WARKS
from tests.web.test_work_pages import LEDGER, Q4, audit_count, hidden, post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
Q2 = "Q2_investigating_crime"
Q3 = "Q3_protecting_vulnerable_people"
REPORT = f"/publications/{PUBLICATION}/forces/warwickshire/report"


@pytest.fixture
def second_inspector(web_settings: WebSettings) -> str:
    with db.session_scope(web_settings.ledger_url, actor="test-setup") as session:
        add_user(session, "ivy", "inspector", PASSWORD)
    return "ivy"


def _judgment(settings: WebSettings, question: str) -> Judgment | None:
    with db.session_scope(settings.ledger_url, actor="test") as session:
        return session.scalars(select(Judgment).where(
            Judgment.force_code == WARKS, Judgment.framework_id == "peel-effectiveness-2017",
            Judgment.question_id == question)).one_or_none()


def _narrative(settings: WebSettings, section: str) -> str | None:
    with db.session_scope(settings.ledger_url, actor="test") as session:
        row = session.scalars(select(Narrative).where(Narrative.force_code == WARKS, Narrative.year == "2017",
                                                      Narrative.section == section)).one_or_none()
        return None if row is None else row.text


# ------------------------------------------------------------------------------------------------ judgments


def test_a_recorded_judgment_appears_in_the_live_draft_report(client: TestClient, login: Login,
                                                              web_settings: WebSettings) -> None:
    login(client, "ian")
    assert "Outstanding" not in client.get(REPORT).text
    form = client.get(f"{LEDGER}/judgments/{Q4}")
    assert form.status_code == 200 and hidden(form.text, "version") == "0"
    before = audit_count(web_settings, "judgment", actor="ian")
    saved = post(client, f"{LEDGER}/judgments/{Q4}", {"grade": "Outstanding", "inspected": "yes",
                                                      "evidence": "Strong partnership work", "version": "0"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{LEDGER}?saved=judgment"
    assert audit_count(web_settings, "judgment", actor="ian") == before + 1
    overview = client.get(saved.headers["location"])
    assert "The judgment has been saved." in overview.text
    assert "ian" in overview.text  # the audit table names who changed it
    recorded = next(j for j in client.get(f"{LEDGER}.json").json()["judgments"] if j["question_id"] == Q4)
    assert recorded["recorded"]["grade"] == "Outstanding" and recorded["standing"]["basis"] == "inspected"
    report = client.get(REPORT)
    assert report.status_code == 200 and "Outstanding" in report.text
    stored = _judgment(web_settings, Q4)
    assert stored is not None and stored.evidence == "Strong partnership work" and stored.last_inspected == "2017"


def test_a_judgment_edit_keeps_what_it_does_not_show(client: TestClient, login: Login,
                                                      web_settings: WebSettings) -> None:
    with db.session_scope(web_settings.ledger_url, actor="import") as session:
        from peelkit.ledger.judgments import record_judgment

        record_judgment(session, WARKS, "2017", Q3, "Good", source="grades.csv", confidence="high")
    login(client, "ian")
    version = hidden(client.get(f"{LEDGER}/judgments/{Q3}").text, "version")
    post(client, f"{LEDGER}/judgments/{Q3}", {"grade": "Requires improvement", "inspected": "yes", "version": version})
    stored = _judgment(web_settings, Q3)
    assert stored is not None and stored.grade == "Requires improvement"
    assert stored.source == "grades.csv" and stored.confidence == "high"


def test_a_judgment_form_with_errors_links_each_to_its_field(client: TestClient, login: Login,
                                                            web_settings: WebSettings) -> None:
    login(client, "ian")
    before = audit_count(web_settings)
    response = post(client, f"{LEDGER}/judgments/{Q4}", {"grade": "Brilliant", "inspected": "", "version": "0"})
    assert response.status_code == 400
    assert 'href="#grade"' in response.text and 'href="#inspected"' in response.text
    assert "govuk-error-summary" in response.text and 'id="grade"' in response.text
    assert audit_count(web_settings) == before


def test_a_concurrent_judgment_edit_shows_both_and_loses_neither(new_client: NewClient, login: Login,
                                                                  second_inspector: str,
                                                                  web_settings: WebSettings) -> None:
    ian, ivy = login(new_client(), "ian"), login(new_client(), second_inspector)
    version = hidden(ian.get(f"{LEDGER}/judgments/{Q2}").text, "version")
    theirs = post(ivy, f"{LEDGER}/judgments/{Q2}", {"grade": "Requires improvement", "inspected": "yes",
                                                     "evidence": "Evidence from Ivy", "version": version})
    assert theirs.status_code == 303
    mine = post(ian, f"{LEDGER}/judgments/{Q2}", {"grade": "Outstanding", "inspected": "yes",
                                                   "evidence": "Evidence from Ian", "version": version})
    assert mine.status_code == 409
    assert "Someone else changed this judgment" in mine.text
    assert "Evidence from Ivy" in mine.text and "Requires improvement" in mine.text  # their saved version
    assert ">Evidence from Ian</textarea>" in mine.text  # my unsaved text, still in the form
    assert 'value="Outstanding" checked' in mine.text
    stored = _judgment(web_settings, Q2)
    assert stored is not None and stored.grade == "Requires improvement"
    # Saving again from the re-shown form (it carries the new version) applies my change knowingly.
    again = post(ian, f"{LEDGER}/judgments/{Q2}", {"grade": "Outstanding", "inspected": "yes",
                                                    "evidence": "Evidence from Ian",
                                                    "version": hidden(mine.text, "version")})
    assert again.status_code == 303
    stored = _judgment(web_settings, Q2)
    assert stored is not None and stored.grade == "Outstanding" and stored.evidence == "Evidence from Ian"


def test_two_first_judgments_at_once_conflict(new_client: NewClient, login: Login, second_inspector: str) -> None:
    ian, ivy = login(new_client(), "ian"), login(new_client(), second_inspector)
    assert hidden(ian.get(f"{LEDGER}/judgments/{Q4}").text, "version") == "0"
    assert post(ivy, f"{LEDGER}/judgments/{Q4}", {"grade": "Good", "inspected": "yes", "version": "0"}
                ).status_code == 303
    clash = post(ian, f"{LEDGER}/judgments/{Q4}", {"grade": "Inadequate", "inspected": "yes", "version": "0"})
    assert clash.status_code == 409 and "Someone else changed" in clash.text


# ------------------------------------------------------------------------------------------------ narrative

HOSTILE = ("## Findings\n\nThe force is **effective**.<script>alert('x')</script>\n\n"
           "[click](javascript:alert(1)) <img src=x onerror=alert(2)>")


def test_narrative_preview_is_sanitised_and_saves_nothing(client: TestClient, login: Login,
                                                          web_settings: WebSettings) -> None:
    login(client, "ian")
    saved_before = _narrative(web_settings, "overview")
    before = audit_count(web_settings)
    version = hidden(client.get(f"{LEDGER}/narrative/overview").text, "version")
    preview = post(client, f"{LEDGER}/narrative/overview", {"text": HOSTILE, "version": version,
                                                            "action": "preview"})
    assert preview.status_code == 200
    assert "Preview (not saved)" in preview.text
    assert "<strong>effective</strong>" in preview.text and "<h3>Findings</h3>" in preview.text
    assert "<script>alert" not in preview.text and 'href="javascript:' not in preview.text
    assert "<img src=x" not in preview.text and "&lt;img src=x onerror=alert(2)&gt;" in preview.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in preview.text  # the text, escaped, in the form
    assert hidden(preview.text, "version") == version
    assert _narrative(web_settings, "overview") == saved_before
    assert audit_count(web_settings) == before


def test_narrative_is_saved_audited_and_sanitised_in_the_report(client: TestClient, login: Login,
                                                                web_settings: WebSettings) -> None:
    login(client, "ian")
    version = hidden(client.get(f"{LEDGER}/narrative/overview").text, "version")
    before = audit_count(web_settings, "narrative", actor="ian")
    saved = post(client, f"{LEDGER}/narrative/overview", {"text": HOSTILE.replace("\n", "\r\n"),
                                                          "version": version, "action": "save"})
    assert saved.status_code == 303 and saved.headers["location"] == f"{LEDGER}?saved=narrative"
    assert _narrative(web_settings, "overview") == HOSTILE
    assert audit_count(web_settings, "narrative", actor="ian") == before + 1
    report = client.get(REPORT).text
    assert "<strong>effective</strong>" in report and "<script>alert('x')" not in report


def test_a_concurrent_narrative_edit_shows_both_texts(new_client: NewClient, login: Login, second_inspector: str,
                                                      web_settings: WebSettings) -> None:
    ian, ivy = login(new_client(), "ian"), login(new_client(), second_inspector)
    version = hidden(ian.get(f"{LEDGER}/narrative/overview").text, "version")
    assert post(ivy, f"{LEDGER}/narrative/overview", {"text": "Text saved by Ivy first", "version": version,
                                                      "action": "save"}).status_code == 303
    # Previewing does not refresh the version: the save after it still notices Ivy's change.
    preview = post(ian, f"{LEDGER}/narrative/overview", {"text": "Ian's own words", "version": version,
                                                         "action": "preview"})
    mine = post(ian, f"{LEDGER}/narrative/overview", {"text": "Ian's own words",
                                                      "version": hidden(preview.text, "version"), "action": "save"})
    assert mine.status_code == 409
    assert "Someone else changed this narrative" in mine.text
    assert "Text saved by Ivy first" in mine.text  # their saved text
    assert ">Ian&#39;s own words</textarea>" in mine.text  # mine, unsaved, in the form
    assert _narrative(web_settings, "overview") == "Text saved by Ivy first"
    again = post(ian, f"{LEDGER}/narrative/overview", {"text": "Ian's own words", "action": "save",
                                                       "version": hidden(mine.text, "version")})
    assert again.status_code == 303 and _narrative(web_settings, "overview") == "Ian's own words"


def test_a_narrative_written_by_two_at_once_conflicts(new_client: NewClient, login: Login,
                                                      second_inspector: str) -> None:
    ian, ivy = login(new_client(), "ian"), login(new_client(), second_inspector)
    url = f"{LEDGER}/narrative/{Q4}"
    assert hidden(ian.get(url).text, "version") == "0"
    assert post(ivy, url, {"text": "Ivy wrote this", "version": "0", "action": "save"}).status_code == 303
    clash = post(ian, url, {"text": "Ian wrote this", "version": "0", "action": "save"})
    assert clash.status_code == 409 and "Ivy wrote this" in clash.text and "Ian wrote this" in clash.text


# ------------------------------------------------------------------------------------------------ areas


def test_areas_are_raised_and_moved_through_their_statuses(new_client: NewClient, login: Login,
                                                           second_inspector: str, web_settings: WebSettings) -> None:
    ian = login(new_client(), "ian")
    missing = post(ian, f"{LEDGER}/areas", {"kind": "area_for_improvement", "question": Q3, "text": " "})
    assert missing.status_code == 400 and 'href="#text"' in missing.text
    areas_before = audit_count(web_settings, "improvement_area", actor="ian")
    raised = post(ian, f"{LEDGER}/areas", {"kind": "cause_of_concern", "question": Q3,
                                           "text": "Safeguarding <referrals> are slow", "on": "2017-11-30"})
    assert raised.status_code == 303 and raised.headers["location"] == f"{LEDGER}?saved=area-raised"
    assert audit_count(web_settings, "improvement_area", actor="ian") == areas_before + 1
    area = next(a for a in ian.get(f"{LEDGER}.json").json()["areas"] if a["text"].startswith("Safeguarding"))
    assert area["kind"] == "cause_of_concern" and area["history"][0]["on"] == "2017-11-30"
    assert "Safeguarding &lt;referrals&gt; are slow" in ian.get(LEDGER).text

    url = f"{LEDGER}/areas/{area['id']}/status"
    version = hidden(ian.get(url).text, "version")
    statuses_before = audit_count(web_settings, "improvement_status", actor="ian")
    moved = post(ian, url, {"status": "in_progress", "evidence": "Action plan agreed", "version": version})
    assert moved.status_code == 303
    assert audit_count(web_settings, "improvement_status", actor="ian") == statuses_before + 1
    # Ivy saves from the form she opened before Ian's change: she is shown his, and keeps her own text.
    ivy = login(new_client(), second_inspector)
    stale = post(ivy, url, {"status": "closed", "evidence": "Ivy says it is done", "version": version})
    assert stale.status_code == 409
    assert "Someone else changed this area" in stale.text and "Action plan agreed" in stale.text
    assert ">Ivy says it is done</textarea>" in stale.text and 'value="closed" checked' in stale.text


# ------------------------------------------------------------------------------------------------ file review


@pytest.fixture
def draw(web_settings: WebSettings, tmp_path: Path) -> int:
    frame = tmp_path / "frame.csv"
    lines = ["reference,crime_type,date_recorded,force"]
    lines += [f"WARKS/{n},Common assault,2017-02-{n + 1:02d},Warwickshire" for n in range(6)]
    lines += [f"KENT/{n},Harassment,2017-02-{n + 1:02d},Kent" for n in range(4)]
    frame.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with db.session_scope(web_settings.ledger_url, actor="analyst") as session:
        made, _ = fr.import_frame(session, frame)
        drawn, _ = fr.draw_sample(session, made.id, seed=2017)
        return drawn.id


def test_file_review_answers_are_recorded_and_conflicts_shown(new_client: NewClient, login: Login, draw: int,
                                                              second_inspector: str,
                                                              web_settings: WebSettings) -> None:
    ian = login(new_client(), "ian")
    listing = ian.get(f"{LEDGER}/file-review.json").json()
    assert len(listing["files"]) == 6 and all(f["reference"].startswith("WARKS/") for f in listing["files"])
    sample = listing["files"][0]
    kent_files = ian.get(f"/ledger/{PUBLICATION}/forces/kent/file-review.json").json()["files"]
    # A Kent file is not reachable through Warwickshire's address.
    assert ian.get(f"{LEDGER}/file-review/{kent_files[0]['sample_id']}").status_code == 404

    url = sample["url"]
    form = ian.get(url).text
    answers = {f"answer_{c}": "yes" for c, _ in fr.CRITERIA}
    versions = {f"version_{c}": hidden(form, f"version_{c}") for c, _ in fr.CRITERIA}
    answers["answer_appropriate_outcome"] = "not_applicable"
    before = audit_count(web_settings, "file_review_answer", actor="ian")
    saved = post(ian, url, {**answers, **versions})
    assert saved.status_code == 303
    assert audit_count(web_settings, "file_review_answer", actor="ian") == before + len(fr.CRITERIA)
    assert ian.get(f"{LEDGER}.json").json()["file_review"]["complete"] == 1
    with db.session_scope(web_settings.ledger_url, actor="test") as session:
        lines = {line.criterion: line for line in fr.summarise(session, draw, WARKS, include_pooled=False)}
    assert lines["victim_updated"].yes == 1 and lines["appropriate_outcome"].not_applicable == 1

    # Both open the saved answers; Ivy changes one; Ian, from his older form, answers it differently.
    form = ian.get(url).text
    versions = {f"version_{c}": hidden(form, f"version_{c}") for c, _ in fr.CRITERIA}
    ivy = login(new_client(), second_inspector)
    assert post(ivy, url, {**answers, **versions, "answer_victim_updated": "no"}).status_code == 303
    clash = post(ian, url, {**answers, **versions, "answer_victim_updated": "not_applicable"})
    assert clash.status_code == 409 and "Someone else saved: No (ivy" in clash.text
    assert 'value="not_applicable" checked' in clash.text


def test_without_a_draw_the_file_review_page_says_so(client: TestClient, login: Login) -> None:
    login(client, "ian")
    page = client.get(f"{LEDGER}/file-review")
    assert page.status_code == 200 and "No case-file sample has been drawn for 2017" in page.text
