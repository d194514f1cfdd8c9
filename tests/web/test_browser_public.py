"""The public's tasks in a real browser, against a running `peel serve` (a separate process, as in use):
find a force with the search box, keyboard only and with JavaScript off; open the publication's national data
tables and manifest; read the interactive API documentation (Swagger UI from the app itself: no CDN, nothing
refused by the Content-Security-Policy). Playwright drives Debian's Chromium."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from peelkit.web.app import STATIC_DIR
from tests.helpers import peel_serve
from tests.web.browser_helpers import CHROMIUM, Tab, active, follow, tab_to
from tests.web.conftest import PUBLICATION, SECRET, WARKS

if not Path(CHROMIUM).exists():
    pytest.skip(f"browser tests need Debian's Chromium at {CHROMIUM} (apt-get install chromium)",
                allow_module_level=True)

from playwright.sync_api import Browser, expect

pytestmark = pytest.mark.slow  # a real browser and a real server: seconds per test

Tabs = Callable[..., Tab]
PUBLICATION_PAGE = f"/publications/{PUBLICATION}"
FORCE = f"{PUBLICATION_PAGE}/forces/warwickshire"


@dataclass(frozen=True)
class Served:
    base: str
    site: Path


@pytest.fixture(scope="module")
def served(web_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The web world published (its ledger state and the site `peel publish` builds), then `peel serve` on it;
    one server for the module (the public only reads)."""
    from peelkit.ledger import db
    from peelkit.ledger.publication_state import PublicationStateRow
    from peelkit.publish.context import load_publication_data
    from peelkit.publish.publisher import publish

    home = tmp_path_factory.mktemp("public-browser")
    for name in ("warehouse.duckdb", "ledger.sqlite3"):
        shutil.copy(web_template / name, home / name)
    url = f"sqlite:///{home / 'ledger.sqlite3'}"
    db._UPGRADED.add(url)  # copied from a migrated template
    with db.session_scope(url, actor="test") as session:
        session.add(PublicationStateRow(publication_id=PUBLICATION, state="published", updated_by="test"))
    data = load_publication_data(home / "warehouse.duckdb", url, PUBLICATION)
    db.engine_for(url).dispose()
    publish(data, home / "site", formats=["html"], force_codes=[WARKS], jobs=1)
    env = {"PEEL_HOME": str(home), "PEEL_DATABASE_URL": url, "PEEL_SECRET_KEY": SECRET,
           "PEEL_SITE_DIR": str(home / "site")}
    with peel_serve(env) as base:
        yield Served(base, home / "site")


@pytest.fixture
def tabs(browser: Browser, served: Served) -> Iterator[Tabs]:
    contexts: list[Any] = []

    def open_tab(javascript: bool = True) -> Tab:
        context = browser.new_context(base_url=served.base, java_script_enabled=javascript, accept_downloads=True,
                                      viewport={"width": 1100, "height": 900}, locale="en-GB")
        context.set_default_timeout(20_000)
        contexts.append(context)
        return Tab(context.new_page()).watch()

    yield open_tab
    for context in contexts:
        context.close()


def search_by_keyboard(tab: Tab, typed: str) -> None:
    page = tab.page
    page.goto("/")
    tab_to(page, element_id="find-force")
    page.keyboard.type(typed)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # submits the GET form: no script involved
    expect(page).to_have_url(re.compile(r"/forces\?q="))


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_find_your_force_by_keyboard(tabs: Tabs, javascript: bool) -> None:
    tab = tabs(javascript=javascript)
    page = tab.page
    search_by_keyboard(tab, "Warks")
    expect(page.locator("#results")).to_contain_text("1 force matches")
    tab_to(page, text="Warwickshire", href=FORCE)
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Warwickshire")
    # Short names: "Met" and "Avon" find their forces, and a force's page opens from the results.
    search_by_keyboard(tab, "Met")
    expect(page.locator(".peel-find-results")).to_have_text(re.compile(r"^\s*Metropolitan Police"))
    search_by_keyboard(tab, "Avon")
    tab_to(page, text="Avon and Somerset")
    follow(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Avon and Somerset")
    tab.assert_clean()


def test_the_search_form_without_javascript_by_mouse(tabs: Tabs) -> None:
    tab = tabs(javascript=False)
    page = tab.page
    page.goto(PUBLICATION_PAGE)
    page.get_by_role("link", name="Find your force").click()
    page.get_by_label("Find your force").fill("Thames Valley Police")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Thames Valley").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thames Valley")
    tab.assert_clean()


def test_the_data_tables_and_manifest_by_keyboard(tabs: Tabs, served: Served) -> None:
    tab = tabs()
    page = tab.page
    page.goto("/")
    tab_to(page, href=PUBLICATION_PAGE)
    follow(page)
    expect(page.get_by_role("heading", level=2, name="Data tables")).to_be_visible()
    tab_to(page, text="National data tables (XLSX spreadsheet)")
    with page.expect_download() as started:
        page.keyboard.press("Enter")
    download = started.value
    assert download.suggested_filename == f"{PUBLICATION}-national-tables.xlsx"
    saved = Path(download.path())
    assert saved.read_bytes() == (served.site / "data" / "national-tables.xlsx").read_bytes()
    tab_to(page, text="National data tables (ODS spreadsheet)")
    tab_to(page, text=re.compile("^Manifest"))
    follow(page)
    expect(page.locator("body")).to_contain_text(f'"publication": "{PUBLICATION}"')
    tab.assert_clean()


def test_the_api_documentation_by_keyboard(tabs: Tabs) -> None:
    if not (STATIC_DIR / "swagger-ui" / "swagger-ui-bundle.js").is_file():
        pytest.skip("Swagger UI is not installed: run `make web-assets`")
    tab = tabs()
    page = tab.page
    page.goto("/")
    tab_to(page, text="API documentation", href="/api/v1/docs")
    follow(page)
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("peelkit API")
    # An operation opens from the keyboard: Tab to its summary, Enter.
    focused = tab_to(page, text=re.compile(r"^GET\s*/api/v1/publications\s+Published publications$"))
    assert focused["tag"] == "button", focused
    page.keyboard.press("Enter")
    expect(page.locator(".opblock.is-open")).to_have_count(1)
    expect(page.locator(".opblock.is-open")).to_contain_text("Responses")
    assert active(page)["text"].startswith("GET")
    tab.assert_clean()  # no script error, no Content-Security-Policy refusal, nothing failed to load
