"""The force user's web work, through the app (TestClient): the blank return downloads; an uploaded return is
checked like `peel returns import` (problems located, nothing loaded) and refused for another force; an answer
carries a revised value; the sign-off form goes once signed off; the factual-accuracy check opens and closes
with its window, and inspectors answer each comment, audited."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import openpyxl
import pytest
from fastapi.testclient import TestClient

from peelkit import forces
from peelkit.ledger import db
from peelkit.ledger.accuracy import list_comments
from peelkit.returns.demo import SUBMITTED_ON, force_entries
from peelkit.returns.template import write_return
from peelkit.sources.force_return.items import return_spec
from peelkit.web.app import WebSettings
from peelkit.web.routes.work_returns import MAX_UPLOAD_BYTES
from tests.web.conftest import KENT, PUBLICATION, WARKS, Clock, form_token
from tests.web.test_work_pages import make_query

Login = Callable[..., TestClient]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def import_ids_past_the_fixture(web_settings: WebSettings) -> None:
    """The fixture warehouse writes its imports (ids 1-5) by hand: move the id sequence past them, as real
    imports would have."""
    con = duckdb.connect(str(web_settings.warehouse_path))
    try:
        con.execute("SELECT nextval('import_ids') FROM range(10)").fetchall()
    finally:
        con.close()


def _return(path: Path, force: str, *, break_it: bool = False) -> bytes:
    area = forces.match(force)
    entries = force_entries(area, 1)
    write_return(return_spec(PUBLICATION), path, area, submitted_on=SUBMITTED_ON, entries=entries, synthetic=True)
    if break_it:  # a figure that is not a number, where a person would type it
        book = openpyxl.load_workbook(path)
        book["incidents"]["C6"] = "lots"
        book.save(path)
    return path.read_bytes()


def _upload(client: TestClient, content: bytes, name: str = "return.xlsx", **fields: str) -> object:
    return client.post("/returns/upload", data={"csrf_token": form_token(client), "publication": PUBLICATION,
                                                **fields},
                       files={"file": (name, content, XLSX)})


def test_the_blank_return_downloads_for_the_own_force_only(client: TestClient, login: Login) -> None:
    login(client, "warks")
    response = client.get("/returns/template.xlsx?force=kent")  # another force asked for: its own is given
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    assert "warwickshire" in response.headers["content-disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    cover = [[c for c in row if c is not None] for row in book["Cover"].iter_rows(values_only=True)]
    assert any("Warwickshire" in row for row in cover) and not any("Kent" in row for row in cover)


def test_an_upload_is_checked_whole_and_shown_back(client: TestClient, login: Login, tmp_path: Path) -> None:
    login(client, "warks")
    before = client.get("/returns.json").json()
    broken = _upload(client, _return(tmp_path / "w.xlsx", "Warwickshire", break_it=True))
    assert broken.status_code == 400  # type: ignore[attr-defined]
    text = broken.text  # type: ignore[attr-defined]
    assert "Nothing was loaded" in text
    assert "return.xlsx, sheet &#39;incidents&#39;, row 6, column &#39;Value&#39;" in text
    assert "The return has 1 problem and was not loaded" in text
    assert client.get("/returns.json").json()["history"] == before["history"]
    other = _upload(client, _return(tmp_path / "k.xlsx", "Kent"))
    assert other.status_code == 400 and "Kent&#39;s return" in other.text  # type: ignore[attr-defined]
    good = _upload(client, _return(tmp_path / "w2.xlsx", "Warwickshire"), name="w2.xlsx")
    assert good.status_code == 303  # type: ignore[attr-defined]
    after = client.get("/returns.json").json()
    assert len(after["history"]) == len(before["history"]) + 1 and after["history"][-1]["current"]
    incidents = [f for f in after["figures"] if f["item"] == "incidents"]
    assert incidents and incidents[0]["status"] == "supplied" and incidents[0]["value"] > 0
    page = client.get("/returns").text
    assert "Your submitted figures" in page and "w2.xlsx" in page


def test_uploads_are_limited_and_guarded(client: TestClient, login: Login, new_client: Callable[[], TestClient],
                                         tmp_path: Path) -> None:
    login(client, "warks")
    assert _upload(client, b"x" * (MAX_UPLOAD_BYTES + 100_000)).status_code == 413  # type: ignore[attr-defined]
    assert _upload(client, b"a,b\n", name="notes.txt").status_code == 400  # type: ignore[attr-defined]
    no_token = client.post("/returns/upload", files={"file": ("r.xlsx", b"x", XLSX)})
    assert no_token.status_code == 403
    inspector = login(new_client(), "ian")
    assert _upload(inspector, _return(tmp_path / "w.xlsx", "Warwickshire")).status_code == 403  # type: ignore
    analyst = login(new_client(), "ana")
    done = _upload(analyst, _return(tmp_path / "k.xlsx", "Kent"), name="k.xlsx", force="kent")
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert analyst.get("/returns.json?force=kent").json()["history"][-1]["file_name"] == "k.xlsx"


def test_an_answer_carries_a_revised_value(client: TestClient, login: Login, web_settings: WebSettings) -> None:
    query_id = make_query(web_settings, WARKS)
    login(client, "warks")
    token = form_token(client)
    bad = client.post(f"/queries/{query_id}/answer", data={"csrf_token": token, "version": "1", "answer": "Typo",
                                                          "revised_value": "twelve"})
    assert bad.status_code == 400 and "revised value as a number" in bad.text
    ok = client.post(f"/queries/{query_id}/answer", data={"csrf_token": token, "version": "1", "answer": "Typo",
                                                         "revised_value": "1,234"})
    assert ok.status_code == 303
    shown = client.get(f"/queries/{query_id}.json").json()["query"]
    assert (shown["revised_value"], shown["status"]) == (1234.0, "answered")


def test_the_sign_off_form_goes_once_signed_off(client: TestClient, login: Login) -> None:
    login(client, "warks")
    assert 'action="/status/signoff"' in client.get("/status").text
    done = client.post("/status/signoff", data={"csrf_token": form_token(client), "publication": PUBLICATION,
                                                "note": "Checked"})
    assert done.status_code == 303
    page = client.get("/status").text
    assert 'action="/status/signoff"' not in page and "Your figures are signed off" in page


def test_the_accuracy_window_decides_when_a_force_may_comment(client: TestClient, login: Login,
                                                              new_client: Callable[[], TestClient], clock: Clock,
                                                              web_settings: WebSettings) -> None:
    force_page = f"/accuracy/{PUBLICATION}/forces/warwickshire"
    warks = login(client, "warks")
    comment = {"section": "overview", "text": "The overview gives the wrong year."}
    assert "Send comment" not in warks.get(force_page).text
    refused = warks.post(f"{force_page}/comments", data={**comment, "csrf_token": form_token(warks)})
    assert refused.status_code == 400 and "not been opened" in refused.text
    analyst = login(new_client(), "ana")
    opens = clock.now.strftime("%Y-%m-%dT%H:%M")
    closes = (clock.now + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    bad = analyst.post(f"/accuracy/{PUBLICATION}/window", data={"csrf_token": form_token(analyst), "version": "0",
                                                                 "opens": closes, "closes": opens})
    assert bad.status_code == 400 and "close after it opens" in bad.text
    saved = analyst.post(f"/accuracy/{PUBLICATION}/window", data={"csrf_token": form_token(analyst),
                                                                   "version": "0", "opens": opens, "closes": closes})
    assert saved.status_code == 303
    assert "Send comment" in warks.get(force_page).text
    assert warks.post(f"{force_page}/comments", data={**comment, "csrf_token": form_token(warks)}).status_code == 303
    kent = login(new_client(), "kent")
    assert kent.get(force_page).status_code == 404  # another force's comments do not exist for it
    assert kent.post(f"{force_page}/comments", data={**comment, "csrf_token": form_token(kent)}).status_code == 404
    inspector = login(new_client(), "ian")
    with db.session_scope(web_settings.ledger_url) as session:
        (made,) = list_comments(session, PUBLICATION, WARKS)
    answer = f"{force_page}/comments/{made.id}/answer"
    missing = inspector.post(answer, data={"csrf_token": form_token(inspector), "version": "1",
                                           "outcome": "accepted", "reason": ""})
    assert missing.status_code == 400 and "Enter the reason" in missing.text
    ok = inspector.post(answer, data={"csrf_token": form_token(inspector), "version": "1", "outcome": "accepted",
                                      "reason": "The year is corrected."})
    assert ok.status_code == 303
    shown = warks.get(f"{force_page}.json").json()
    assert [(c["outcome"], c["reason"]) for c in shown["comments"]] == [("accepted", "The year is corrected.")]
    assert {e["who"] for e in shown["audit"]} >= {"warks", "ian"}
    clock.advance(hours=3)  # the window has closed
    late = warks.post(f"{force_page}/comments", data={**comment, "csrf_token": form_token(warks)})
    assert late.status_code == 400 and "closed at" in late.text
    assert "Send comment" not in warks.get(force_page).text
    assert re.search(r"The check is closed", warks.get(f"/accuracy/{PUBLICATION}").text)
    assert KENT not in str(warks.get(f"/accuracy/{PUBLICATION}.json").json()["forces"])


def test_an_upload_while_the_warehouse_is_being_read_waits_or_says_so(client: TestClient, login: Login,
                                                                       web_settings: WebSettings,
                                                                       tmp_path: Path) -> None:
    """Another request of this server holding the warehouse: the upload tries again, and if it stays busy it
    says so and loads nothing (never a 500, never half a return)."""
    login(client, "warks")
    before = client.get("/returns.json").json()["history"]
    reader = duckdb.connect(str(web_settings.warehouse_path), read_only=True)
    try:
        busy = _upload(client, _return(tmp_path / "w.xlsx", "Warwickshire"), name="w.xlsx")
    finally:
        reader.close()
    assert busy.status_code == 400 and "busy just now" in busy.text  # type: ignore[attr-defined]
    assert client.get("/returns.json").json()["history"] == before
    reader = duckdb.connect(str(web_settings.warehouse_path), read_only=True)
    releaser = threading.Timer(1.0, reader.close)  # the other request finishes while the upload waits
    releaser.start()
    try:
        done = _upload(client, _return(tmp_path / "w.xlsx", "Warwickshire"), name="w.xlsx")
    finally:
        releaser.join()
    assert done.status_code == 303  # type: ignore[attr-defined]
    assert client.get("/returns.json").json()["history"][-1]["file_name"] == "w.xlsx"
