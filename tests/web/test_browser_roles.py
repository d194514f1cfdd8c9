"""Analysts' and inspectors' work in a real browser, keyboard only and with JavaScript switched off, against a
running `peel serve` whose warehouse and ledger were made by separate `peel` processes (data import, demo
returns, users, a judgment drafted from the command line): an analyst runs the checks, reads the findings and
who has not signed off, follows the data status page to the import history, and rebuilds the site while a
second analyst's start is refused; two inspectors moderate the same judgment at once (one decision is kept, the
other is shown the conflict); the drafter cannot moderate; the gate and `peel` see the decision."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import peel_serve, run_peel
from tests.web.browser_helpers import CHROMIUM, Tab, follow, tab_to
from tests.web.conftest import PASSWORD, PUBLICATION, SECRET

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)

from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.slow  # a real browser, a real server and a full data import

CONTROL = f"/publications/{PUBLICATION}/control"
JUDGMENT = f"/ledger/{PUBLICATION}/forces/warwickshire/judgments/overall"
USERS = (("ana", "analyst"), ("abe", "analyst"), ("ian", "inspector"), ("ivy", "inspector"), ("ida", "inspector"))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A warehouse and ledger made as people make them: one `peel` process per step."""
    home = tmp_path_factory.mktemp("roles-home")
    found = {"PEEL_HOME": str(home), "PEEL_DATABASE_URL": f"sqlite:///{home / 'ledger.sqlite3'}",
             "PEEL_SECRET_KEY": SECRET, "PEEL_SITE_DIR": str(home / "site")}
    run_peel("data", "import", os.environ.get("PEEL_DATA_DIR", "../shared/data"), env=found)
    run_peel("returns", "demo", "--publication", PUBLICATION, "--seed", "1", env=found)
    for name, role in USERS:
        run_peel("users", "add", name, "--role", role, "--password-stdin", "--by", "setup", stdin=PASSWORD + "\n",
                 env=found)
    run_peel("ledger", "record-judgment", "--force", "Warwickshire", "--year", "2017", "--question", "overall",
             "--grade", "Good", "--by", "ian", "--expected-version", "0", env=found)
    return found


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[str]:
    with peel_serve(env) as base:
        yield base


@pytest.fixture
def tabs(browser: Browser, server: str) -> Iterator[Callable[[], Tab]]:
    """A fresh browser profile (own cookies), JavaScript off: every form here must work without it."""
    contexts: list[Any] = []

    def open_tab() -> Tab:
        context = browser.new_context(base_url=server, java_script_enabled=False, locale="en-GB",
                                      timezone_id="Europe/London", viewport={"width": 1100, "height": 900})
        context.set_default_timeout(20_000)
        contexts.append(context)
        return Tab(context.new_page()).watch()

    yield open_tab
    for context in contexts:
        context.close()


def sign_in(page: Page, name: str) -> None:
    page.goto("/")
    tab_to(page, text="Sign in", href="/login")
    follow(page)
    tab_to(page, element_id="name")
    page.keyboard.type(name)
    tab_to(page, element_id="password")
    page.keyboard.type(PASSWORD)
    follow(page)
    expect(page.locator(".peel-account-bar")).to_contain_text(f"Signed in as {name}")


def choose(page: Page, name: str, value: str) -> None:
    """Tab into a radio group and move to `value` with the arrow keys (Space selects the first)."""
    tab_to(page, name=name)
    page.keyboard.press("Space")
    for _ in range(6):
        if page.locator(f"input[name={name}]:checked").get_attribute("value") == value:
            return
        page.keyboard.press("ArrowDown")
    pytest.fail(f"could not choose {value} in {name} by keyboard")


def _wait_for_rebuild(page: Page, seconds: float = 300) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        page.goto(CONTROL)  # what a reload shows (the page also reloads itself while the job runs)
        text = page.locator("#site-job").inner_text()
        if "Running" not in text:
            return text
        time.sleep(2)
    pytest.fail("the site rebuild did not finish")


def test_analyst_checks_imports_and_rebuilds_the_site(tabs: Callable[[], Tab], env: dict[str, str]) -> None:
    tab, other = tabs(), tabs()
    page = tab.page
    sign_in(page, "ana")
    sign_in(other.page, "abe")
    other.page.goto(CONTROL)  # the second analyst has the control page open before the rebuild starts
    tab_to(page, text="Checks", href="/checks")
    follow(page)
    tab_to(page, text="Run the checks")
    follow(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The checks have been run.")
    expect(page.locator("#last-run")).to_contain_text("finding")
    expect(page.locator("#findings-table tbody tr").first).to_contain_text("Query")
    expect(page.locator("#not-signed-off-table")).to_contain_text("not signed off")
    # The command line, in its own process, sees the queries the web run raised.
    listed = json.loads(run_peel("queries", "list", "--publication", PUBLICATION, "--format", "json",
                                 env=env).stdout)
    assert listed, "the web run raised no data query"
    tab_to(page, text="Data status", href=f"/status?publication={PUBLICATION}")
    follow(page)
    tab_to(page, text="Import history", href="/imports")
    follow(page)
    expect(page.locator("#imports")).to_contain_text("synthetic")  # the demo returns' import, marked
    expect(page.locator("#imports")).to_contain_text("rec-crime-pfa.csv")
    tab_to(page, text="Publications")
    follow(page)
    expect(page.locator("#gate-problems")).to_contain_text("has not signed off")
    expect(page.locator("#gate-problems")).to_contain_text("not moderated")
    choose(page, "formats", "html")
    tab_to(page, text="Rebuild the site")
    follow(page)
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("The site is being rebuilt.")
    assert page.locator('meta[http-equiv="refresh"]').count() == 1
    # The second analyst's form was loaded before: starting another is refused with the reason.
    choose(other.page, "formats", "html")
    tab_to(other.page, text="Rebuild the site")
    follow(other.page)
    expect(other.page.locator(".govuk-error-summary")).to_contain_text("already running")
    done = _wait_for_rebuild(page)
    assert "Finished" in done and "43 of 43" in done, done
    assert (Path(env["PEEL_SITE_DIR"]) / "index.html").is_file()
    tab.assert_clean()
    other.assert_clean()


def test_two_inspectors_moderate_at_once_by_keyboard(tabs: Callable[[], Tab], env: dict[str, str]) -> None:
    drafter, first, second = tabs(), tabs(), tabs()
    sign_in(drafter.page, "ian")
    drafter.page.goto(JUDGMENT)
    expect(drafter.page.locator("#moderation-not-yours")).to_contain_text("You drafted this version")
    assert drafter.page.get_by_text("Record moderation").count() == 0
    for tab, name in ((first, "ivy"), (second, "ida")):
        sign_in(tab.page, name)
        tab_to(tab.page, text="Ledger", href="/ledger")
        follow(tab.page)
        tab_to(tab.page, href=f"/ledger/{PUBLICATION}/forces/warwickshire")
        follow(tab.page)
        tab_to(tab.page, text="judgments to moderate")
        follow(tab.page)
        tab_to(tab.page, text=re.compile(r"^overall \(Warwickshire"))
        follow(tab.page)
        expect(tab.page.locator("#moderation-state")).to_contain_text("awaiting moderation")
    # Both have the form open; Ivy returns it with a comment first, then Ida accepts what she read.
    choose(first.page, "decision", "returned")
    tab_to(first.page, element_id="comment")
    first.page.keyboard.type("The evidence supports Requires improvement")
    tab_to(first.page, text="Record moderation")
    follow(first.page)
    expect(first.page.locator(".govuk-notification-banner--success")).to_contain_text("moderation decision")
    choose(second.page, "decision", "accepted")
    tab_to(second.page, text="Record moderation")
    follow(second.page)
    expect(second.page.locator("#moderation-conflict")).to_be_visible()
    expect(second.page.locator("#moderation-state")).to_contain_text("returned")
    expect(second.page.locator("#moderation-state")).to_contain_text("ivy")
    reviews = json.loads(run_peel("ledger", "judgment", "reviews", "--year", "2017", "--force", "Warwickshire",
                                  "--format", "json", env=env).stdout)
    assert [(r["state"], r["moderated_by"], r["comment"]) for r in reviews] == [
        ("returned", "ivy", "The evidence supports Requires improvement")]
    assert [h["moderated_by"] for h in reviews[0]["history"]] == ["ivy"]  # Ida's decision was not kept
    for tab in (drafter, first):
        tab.assert_clean()
