"""A force user's work in a real browser, keyboard only and with JavaScript switched off, against a running
`peel serve` on a warehouse and ledger made by separate `peel` processes (as in use):

- Kent downloads its blank return, uploads a broken one (every problem listed, nothing loaded), answers its data
  query with a revised value, uploads the corrected return (the query it answers closes, with the reason), sees
  its submitted figures and history, and signs off; the sign-off form then goes.
- The factual-accuracy check: the analyst's window (set by `peel ledger accuracy window`) lets Warwickshire read
  its draft report and comment on a section; an inspector answers the comment; Warwickshire never reaches
  another force's comments; once another `peel` process closes the window, the form goes.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest

from peelkit import forces
from peelkit.returns.demo import SUBMITTED_ON, force_entries
from peelkit.returns.template import write_return
from peelkit.sources.force_return.items import return_spec
from tests.helpers import peel_serve, run_peel
from tests.web.browser_helpers import CHROMIUM, Tab, follow, tab_to
from tests.web.conftest import PASSWORD, PUBLICATION, SECRET

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.slow
KENT = forces.match("Kent")
USERS = (("ana", "analyst", None), ("ian", "inspector", None), ("kent", "force", "Kent"),
         ("warks", "force", "Warwickshire"))
RULE = "consistency.ocgs-mapped-within-ocgs"  # the demo plants more mapped OCGs than OCGs in Kent's return


def _stamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """PEEL_HOME, ledger and users made by `peel` processes: the synthetic returns, the checks' queries, users,
    and an open factual-accuracy window."""
    home = tmp_path_factory.mktemp("force-work")
    env = {"PEEL_HOME": str(home), "PEEL_DATABASE_URL": f"sqlite:///{home / 'ledger.sqlite3'}",
           "PEEL_SECRET_KEY": SECRET, "PEEL_SITE_DIR": str(home / "site")}
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        run_peel("returns", "demo", "--publication", PUBLICATION)
        run_peel("checks", "run", "--publication", PUBLICATION)
        for name, role, force in USERS:
            run_peel("users", "add", name, "--role", role, *(("--force", force) if force else ()),
                     "--password-stdin", "--by", "setup", stdin=PASSWORD + "\n")
        now = datetime.now(UTC)
        run_peel("ledger", "accuracy", "window", "--publication", PUBLICATION, "--opens",
                 _stamp(now - timedelta(hours=1)), "--closes", _stamp(now + timedelta(days=2)), "--by", "ana")
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def server(world: dict[str, str]) -> Iterator[str]:
    with peel_serve(world) as base:
        yield base


def open_tab(browser: Browser, server: str) -> Tab:
    """A fresh profile with JavaScript off: every form must work without it."""
    context = browser.new_context(base_url=server, java_script_enabled=False, accept_downloads=True,
                                  viewport={"width": 1100, "height": 900}, locale="en-GB",
                                  timezone_id="Europe/London")
    context.set_default_timeout(20_000)
    return Tab(context.new_page()).watch()


def sign_in(page: Page, name: str) -> None:
    page.goto("/login")
    tab_to(page, element_id="name")
    page.keyboard.type(name)
    tab_to(page, element_id="password")
    page.keyboard.type(PASSWORD)
    follow(page)
    expect(page.locator(".peel-account-bar")).to_contain_text(f"Signed in as {name}")


def go(page: Page, **where: str) -> None:
    tab_to(page, **where)  # type: ignore[arg-type]
    follow(page)


def success(page: Page) -> object:
    return expect(page.locator(".govuk-notification-banner--success"))


def _kent_return(path: Path, *, corrected: bool, broken: bool = False) -> Path:
    entries = force_entries(KENT, 1)
    if corrected:
        ocgs = {e.period_end: e.value for e in entries if e.item == "ocgs"}
        entries = [replace(e, value=ocgs[e.period_end]) if e.item == "ocgs_mapped" else e for e in entries]
    write_return(return_spec(PUBLICATION), path, KENT, submitted_on=SUBMITTED_ON, entries=entries, synthetic=True)
    if broken:
        book = openpyxl.load_workbook(path)
        book["incidents"]["C6"] = "about 300,000"
        book["ocgs"]["D6"] = "maybe"
        book.save(path)
    return path


def _upload(page: Page, path: Path) -> None:
    tab_to(page, element_id="file")
    page.set_input_files("#file", str(path))  # a file chooser cannot be driven by keys in a headless browser
    go(page, text="Upload return")


def test_a_force_submits_answers_and_signs_off_by_keyboard(browser: Browser, server: str, tmp_path: Path) -> None:
    tab = open_tab(browser, server)
    page = tab.page
    sign_in(page, "kent")
    go(page, text="Returns", href="/returns")
    expect(page.get_by_role("heading", level=1)).to_have_text("Force data return: Kent")
    tab_to(page, element_id="download-template")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    blank = tmp_path / "blank.xlsx"
    download.value.save_as(blank)
    cover = [c for row in openpyxl.load_workbook(blank)["Cover"].iter_rows(values_only=True) for c in row if c]
    assert "Kent" in cover and "E23000032" in cover
    history = page.locator("table").last.locator("tbody tr")
    expect(history).to_have_count(1)

    _upload(page, _kent_return(tmp_path / "kent-return.xlsx", corrected=True, broken=True))
    expect(page.locator(".govuk-error-summary")).to_contain_text("The return has 2 problems and was not loaded")
    problems = page.locator("#problems")
    expect(problems).to_contain_text("kent-return.xlsx, sheet 'incidents', row 6, column 'Value'")
    expect(problems).to_contain_text("sheet 'ocgs', row 6")
    expect(history).to_have_count(1)  # nothing was loaded

    # The query about the planted figure, answered with the revised value.
    go(page, text="Data queries", href="/queries")
    go(page, text=re.compile(r"^Query \d+"))
    expect(page.locator("main")).to_contain_text("mapped")
    tab_to(page, element_id="answer")
    page.keyboard.type("The mapped count was keyed wrongly; corrected in the resubmitted return.")
    tab_to(page, element_id="revised_value")
    page.keyboard.type("41")
    go(page, text="Send answer")
    success(page).to_contain_text("Your answer has been recorded.")  # type: ignore[attr-defined]
    expect(page.locator("main")).to_contain_text("41")

    go(page, text="Returns", href="/returns")
    _upload(page, _kent_return(tmp_path / "kent-return-2.xlsx", corrected=True))
    success(page).to_contain_text("checked and loaded")  # type: ignore[attr-defined]
    expect(page.locator("#submitted-figures")).to_have_text("Your submitted figures")
    expect(history).to_have_count(2)
    expect(history.last).to_contain_text("kent-return-2.xlsx")
    expect(history.last).to_contain_text("Current")
    expect(page.locator("main")).to_contain_text("closed automatically: the checks no longer flag this figure")

    go(page, text="Data status", href="/status")
    tab_to(page, text="Sign off")
    follow(page)
    success(page).to_contain_text("Your sign-off has been recorded.")  # type: ignore[attr-defined]
    expect(page.get_by_role("button", name="Sign off")).to_have_count(0)
    expect(page.locator("#sign-off")).to_have_text("Your figures are signed off")
    tab.assert_clean()
    status = run_peel("returns", "status", "--publication", PUBLICATION, "--format", "json").stdout
    assert '"signed_off": true' in status.split('"E23000032"')[1].split("}")[0]


def test_the_factual_accuracy_check_by_keyboard(browser: Browser, server: str, world: dict[str, str]) -> None:
    force_page = f"/accuracy/{PUBLICATION}/forces/warwickshire"
    tab = open_tab(browser, server)
    page = tab.page
    sign_in(page, "warks")
    go(page, text="Accuracy check")
    expect(page.locator("#window-state")).to_contain_text("The check is open until")
    expect(page.locator("main")).not_to_contain_text("Kent")
    go(page, text="Warwickshire", href=force_page)
    go(page, element_id="draft-report")
    expect(page.locator("h1, .govuk-heading-xl").first).to_contain_text("Warwickshire")
    page.go_back()
    tab_to(page, element_id="section")
    page.keyboard.type("Overview")  # a focused select chooses the option typed
    tab_to(page, element_id="text")
    page.keyboard.type("The overview gives 2016's figure for organised crime groups, not 2017's.")
    go(page, text="Send comment")
    success(page).to_contain_text("Your comment has been sent")  # type: ignore[attr-defined]
    expect(page.locator("main")).to_contain_text("Awaiting an answer")
    response = page.goto(f"/accuracy/{PUBLICATION}/forces/kent")
    assert response is not None and response.status == 404

    inspector = open_tab(browser, server)
    other = inspector.page
    sign_in(other, "ian")
    go(other, text="Accuracy check")
    go(other, text="Warwickshire", href=force_page)
    tab_to(other, name="outcome")
    other.keyboard.press("ArrowRight")  # from Accepted to Not accepted
    assert other.locator("input[name=outcome][value=not_accepted]").is_checked()
    tab_to(other, name="reason")
    other.keyboard.type("The figure is the force's own return as at 1 July 2017.")
    go(other, text="Save answer")
    success(other).to_contain_text("The answer to the comment has been recorded.")  # type: ignore[attr-defined]

    page.goto(force_page)
    expect(page.locator("main")).to_contain_text("Not accepted: The figure is the force's own return")
    expect(page.locator("main")).to_contain_text("History of the comments")

    # Another process closes the window: the running server follows, and the form goes.
    now = datetime.now(UTC)
    run_peel("ledger", "accuracy", "window", "--publication", PUBLICATION, "--opens",
             _stamp(now - timedelta(days=3)), "--closes", _stamp(now - timedelta(minutes=1)), "--by", "ana",
             env=world)
    page.goto(force_page)
    expect(page.locator("#window-state")).to_contain_text("Comments can be sent only while it is open")
    expect(page.get_by_role("button", name="Send comment")).to_have_count(0)
    tab.assert_clean()
    inspector.assert_clean()
