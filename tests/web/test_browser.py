"""The main flows in a real browser (Playwright driving Debian's Chromium against the app on a loopback port):
the public browses a published force and compares forces; an inspector records a judgment and sees it in the
draft report; a force user answers a query and cannot reach another force's data; an analyst embargoes and
the clock releases; the same flows by keyboard only, and with JavaScript switched off. A full-page screenshot
of each main page is kept (PEEL_TEST_ARTIFACTS, else pytest's tmp folder; the path is printed).

Every page is also checked for script errors, Content Security Policy refusals and failed sub-resources.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from peelkit.web.app import WebSettings
from tests.web.browser_gate import require_browser
from tests.web.browser_helpers import (
    CHROMIUM,
    Tab,
    active,
    artifacts_dir,
    follow,
    govuk_styled,
    tab_to,
)
from tests.web.conftest import KENT, PASSWORD, PUBLICATION, WARKS, Clock
from tests.web.test_work_pages import make_query

require_browser(CHROMIUM)  # a loud skip locally without Chromium; a failure in CI (PEEL_REQUIRE_BROWSER=1)


pytestmark = pytest.mark.slow  # a real browser: seconds per test

Tabs = Callable[..., Tab]
Shot = Callable[[Page, str], Path]
FORCE = f"/publications/{PUBLICATION}/forces/warwickshire"
LEDGER = f"/ledger/{PUBLICATION}/forces/warwickshire"
ASB_POWERS = "Anti-social behaviour powers used per million population"
Q4_TITLE = "Tackling serious and organised crime"  # the published heading (the core question is beneath it)


@pytest.fixture
def tabs(browser: Browser, live_server: str) -> Iterator[Tabs]:
    """tabs(javascript=True) opens a fresh browser profile (own cookies) on the live server."""
    contexts: list[Any] = []

    def open_tab(javascript: bool = True) -> Tab:
        context = browser.new_context(base_url=live_server, java_script_enabled=javascript,
                                      viewport={"width": 1100, "height": 900}, locale="en-GB",
                                      timezone_id="Europe/London")
        context.set_default_timeout(15_000)
        contexts.append(context)
        return Tab(context.new_page()).watch()

    yield open_tab
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # one folder for all the workers' screenshots, not one per worker
    folder = artifacts_dir(base / "screenshots")
    print(f"\nbrowser screenshots: {folder}")
    return folder


@pytest.fixture
def shot(screenshots: Path, record_property: Callable[[str, object], None]) -> Shot:
    def take(page: Page, name: str) -> Path:
        path = screenshots / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        record_property(f"screenshot-{name}", str(path))
        print(f"screenshot: {path}")
        return path

    return take


def sign_in(page: Page, name: str) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".peel-account-bar")).to_contain_text(f"Signed in as {name}")


def success_banner(page: Page) -> Any:
    return page.locator(".govuk-notification-banner--success")


# ------------------------------------------------------------------------------------------------ flows


def test_the_public_browses_a_published_force_and_compares_forces(tabs: Tabs, set_state: Callable[..., Any],
                                                                  shot: Shot) -> None:
    set_state("published")
    tab = tabs()
    page = tab.page
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Police effectiveness inspections")
    assert govuk_styled(page), "GOV.UK Frontend's stylesheet is not applied (run `make web-assets`)"
    expect(page.locator(".peel-draft-banner")).to_have_count(0)
    shot(page, "home")

    page.locator("table.peel-grades").get_by_role("link", name="Warwickshire", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(FORCE) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Warwickshire")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=ASB_POWERS))
    expect(row.get_by_role("cell").first).to_contain_text("268")
    expect(page.locator("#judgments + table")).to_contain_text("Good")
    shot(page, "force-page")

    row.get_by_role("link", name=ASB_POWERS).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Compare forces: {ASB_POWERS}")
    expect(page.locator("tr.peel-highlight")).to_contain_text("Warwickshire")
    kent = page.get_by_role("row").filter(has=page.get_by_role("link", name="Kent", exact=True))
    expect(kent).to_contain_text("126")
    page.get_by_label("Funnel plot").check()
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"view=funnel"))
    expect(page.locator("figure.peel-chart svg").first).to_be_visible()
    expect(page.locator("tr.peel-highlight")).to_contain_text("Warwickshire")
    shot(page, "compare")
    # The comparison's column header sorts the table on the server (works with or without scripts).
    page.locator("thead").get_by_role("link", name=re.compile("^Force")).click()
    expect(page).to_have_url(re.compile(r"sort=force"))
    tab.assert_clean()


def test_an_inspector_records_a_judgment_and_sees_it_in_the_draft_report(tabs: Tabs, shot: Shot) -> None:
    tab = tabs()
    page = tab.page
    page.goto("/login")
    shot(page, "login")
    sign_in(page, "ian")
    page.goto(LEDGER)
    expect(page.locator(".peel-draft-banner")).to_contain_text("Draft — embargoed")
    shot(page, "ledger-editing")
    page.get_by_role("link", name=re.compile(f"the judgment: {re.escape(Q4_TITLE)}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(Q4_TITLE)
    page.get_by_label("Outstanding").check()
    page.locator("input[name=inspected][value=yes]").check()
    page.get_by_label("Evidence (optional)").fill("Strong regional organised crime unit.")
    page.get_by_role("button", name="Save judgment").click()
    expect(success_banner(page)).to_contain_text("The judgment has been saved.")

    page.goto(LEDGER)
    page.get_by_role("link", name="See the live draft report").click()
    expect(page.locator(".draft-banner")).to_contain_text("Draft — embargoed")
    expect(page.locator("table.grades")).to_contain_text("Outstanding")
    tab.assert_clean()


def test_a_force_user_answers_a_query_and_cannot_reach_another_forces_data(tabs: Tabs, web_settings: WebSettings,
                                                                          shot: Shot) -> None:
    own = make_query(web_settings, WARKS, message="Please confirm the organised crime group count")
    other = make_query(web_settings, KENT, item="asb_powers", message="Kent: confirm the ASB powers figure")
    tab = tabs()
    page = tab.page
    sign_in(page, "warks")
    page.get_by_role("link", name="Data queries", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data queries")
    expect(page.locator("main")).not_to_contain_text("Kent: confirm")
    expect(page.get_by_role("link", name=re.compile(f"^Query {other}\\b"))).to_have_count(0)
    shot(page, "queries")
    page.get_by_role("link", name=re.compile(f"^Query {own}\\b")).click()
    expect(page.locator("main")).to_contain_text("Please confirm the organised crime group count")
    page.get_by_label("Your answer").fill("The count is right: twenty groups were mapped.")
    page.get_by_role("button", name="Send answer").click()
    expect(success_banner(page)).to_contain_text("Your answer has been recorded.")
    expect(page.locator("main")).to_contain_text("The count is right: twenty groups were mapped.")

    # Its own force's draft is there, with the embargo banner; nothing of another force is.
    response = page.goto(FORCE)
    assert response is not None and response.status == 200
    expect(page.locator(".peel-draft-banner")).to_be_visible()
    for path, status in ((f"/queries/{other}", 404), (f"/publications/{PUBLICATION}/forces/kent", 404),
                         (f"/publications/{PUBLICATION}/forces/kent/report", 404),
                         (f"/publications/{PUBLICATION}/forces/kent.json", 404),
                         (f"/ledger/{PUBLICATION}/forces/kent", 403),
                         (f"/ledger/{PUBLICATION}/forces/warwickshire", 403)):
        response = page.goto(path)
        assert response is not None and response.status == status, (path, response and response.status)
        expect(page.locator("body")).not_to_contain_text("Kent: confirm")
    page.goto(f"/publications/{PUBLICATION}/compare?indicator=asb_powers_per_million")
    forces_listed = page.locator("tbody tr th").all_inner_texts()
    assert forces_listed == ["Warwickshire"], forces_listed
    tab.assert_clean()


def test_an_analyst_embargoes_and_the_release_time_opens_it(tabs: Tabs, clock: Clock, shot: Shot) -> None:
    public = tabs()
    response = public.page.goto(FORCE)
    assert response is not None and response.status == 404
    tab = tabs()
    page = tab.page
    sign_in(page, "ana")
    page.get_by_role("link", name="Publications", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publication control")
    shot(page, "publication-control")
    page.locator("#release_at").fill("2018-03-22T09:30")
    page.get_by_role("button", name="Set embargo").click()
    # The gate: no force has signed off, so the release needs a reason.
    expect(page.locator(".govuk-error-summary")).to_contain_text("cannot be released")
    page.locator("#release_at").fill("2018-03-22T09:30")
    page.locator("#override-embargo").fill("every force confirmed its figures by email")
    page.get_by_role("button", name="Set embargo").click()
    expect(success_banner(page)).to_contain_text("under embargo")
    response = public.page.goto(FORCE)
    assert response is not None and response.status == 404, "visible before its release time"
    clock.set(datetime(2018, 3, 22, 9, 31, tzinfo=UTC))
    response = public.page.goto(FORCE)
    assert response is not None and response.status == 200, "not visible after its release time"
    expect(public.page.locator(".peel-draft-banner")).to_have_count(0)
    tab.assert_clean()
    public.problems.clear()  # the 404s above were asked for


# ------------------------------------------------------------------------------------------------ keyboard


def test_keyboard_only_public_flow(tabs: Tabs, set_state: Callable[..., Any]) -> None:
    set_state("published")
    tab = tabs()
    page = tab.page
    page.goto("/")
    page.keyboard.press("Tab")
    assert active(page)["text"] == "Skip to main content", active(page)
    page.keyboard.press("Enter")
    assert active(page)["id"] == "main-content", f"the skip link did not move focus: {active(page)}"
    tab_to(page, text="Warwickshire", href=FORCE)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Warwickshire")
    tab_to(page, text=ASB_POWERS)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Compare forces: {ASB_POWERS}")
    focused = tab_to(page, name="view")
    assert focused["type"] == "radio"
    page.keyboard.press("ArrowDown")  # from "Ranked bar chart" to "Funnel plot"
    assert page.get_by_label("Funnel plot").is_checked()
    tab_to(page, text="Show")
    follow(page)
    expect(page).to_have_url(re.compile(r"view=funnel"))
    tab.assert_clean()


def sign_in_by_keyboard(page: Page, name: str) -> None:
    page.goto("/")
    tab_to(page, text="Sign in", href="/login")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    tab_to(page, element_id="name")
    page.keyboard.type(name)
    tab_to(page, element_id="password")
    page.keyboard.type(PASSWORD)
    follow(page)
    expect(page.locator(".peel-account-bar")).to_contain_text(f"Signed in as {name}")


def test_keyboard_only_inspector_records_a_judgment(tabs: Tabs) -> None:
    tab = tabs()
    page = tab.page
    sign_in_by_keyboard(page, "ian")
    tab_to(page, text="Ledger", href="/ledger")
    follow(page)
    tab_to(page, href=LEDGER)
    follow(page)
    tab_to(page, text=re.compile(f"the judgment: {re.escape(Q4_TITLE)}"))
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(Q4_TITLE)
    tab_to(page, name="grade")
    page.keyboard.press("Space")
    chosen = page.locator("input[name=grade]:checked").get_attribute("value")
    assert chosen, "Space did not choose a grade"
    tab_to(page, name="inspected")
    page.keyboard.press("Space")
    tab_to(page, text="Save judgment")
    follow(page)
    expect(success_banner(page)).to_contain_text("The judgment has been saved.")
    tab.assert_clean()


def test_keyboard_only_force_user_answers_a_query(tabs: Tabs, web_settings: WebSettings) -> None:
    own = make_query(web_settings, WARKS, message="Please confirm the organised crime group count")
    tab = tabs()
    page = tab.page
    sign_in_by_keyboard(page, "warks")
    tab_to(page, text="Data queries", href="/queries")
    follow(page)
    tab_to(page, href=f"/queries/{own}")
    follow(page)
    tab_to(page, element_id="answer")
    page.keyboard.type("Confirmed by keyboard.")
    tab_to(page, text="Send answer")
    follow(page)
    expect(success_banner(page)).to_contain_text("Your answer has been recorded.")
    expect(page.locator("main")).to_contain_text("Confirmed by keyboard.")
    tab.assert_clean()


# ------------------------------------------------------------------------------------------------ no JavaScript


def test_without_javascript_the_main_pages_work(tabs: Tabs, set_state: Callable[..., Any],
                                                web_settings: WebSettings) -> None:
    own = make_query(web_settings, WARKS, message="Please confirm the organised crime group count")
    set_state("embargoed", release_at=datetime(2018, 3, 22, 9, 30, tzinfo=UTC))
    tab = tabs(javascript=False)
    page = tab.page
    page.goto("/")
    expect(page.locator("main")).to_contain_text("is not yet published")

    sign_in(page, "warks")
    page.get_by_role("link", name="Data queries", exact=True).click()
    page.get_by_role("link", name=re.compile(f"^Query {own}\\b")).click()
    page.get_by_label("Your answer").fill("Answered without scripts.")
    page.get_by_role("button", name="Send answer").click()
    expect(success_banner(page)).to_contain_text("Your answer has been recorded.")

    inspector = tabs(javascript=False)
    page = inspector.page
    sign_in(page, "ian")
    page.goto(f"{LEDGER}/judgments/Q4_serious_and_organised_crime")
    page.get_by_label("Outstanding").check()
    page.locator("input[name=inspected][value=yes]").check()
    page.get_by_role("button", name="Save judgment").click()
    expect(success_banner(page)).to_contain_text("The judgment has been saved.")
    page.goto(FORCE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Warwickshire")
    expect(page.locator("main")).to_contain_text("Outstanding")
    page.get_by_role("link", name=ASB_POWERS).click()
    page.get_by_label("Funnel plot").check()
    page.get_by_label("Highlight a force").select_option("kent")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"view=funnel.*force=kent|force=kent.*view=funnel"))
    expect(page.locator("tr.peel-highlight")).to_contain_text("Kent")
    expect(page.locator("figure.peel-chart svg").first).to_be_visible()  # drawn on the server
    page.goto(f"{FORCE}/report")
    expect(page.locator(".draft-banner")).to_contain_text("embargoed until")
    tab.assert_clean()
    inspector.assert_clean()
