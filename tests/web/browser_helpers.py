"""Helpers for the Playwright browser tests: Debian's Chromium (never a downloaded one), a tab that records
what went wrong in the page (script errors, Content Security Policy refusals, failed sub-resources), keyboard
navigation without the mouse, and screenshots kept as test artifacts."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page, Response

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS_ENV = "PEEL_TEST_ARTIFACTS"


@dataclass
class Tab:
    """A page and what went wrong in it. A test that expects an error page calls `expect_error_pages()`."""

    page: Page
    problems: list[str] = field(default_factory=list)

    def watch(self) -> Tab:
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", self._console)
        self.page.on("response", self._response)
        return self

    def _console(self, message: object) -> None:
        kind = getattr(message, "type", "")
        text = str(getattr(message, "text", ""))
        # A failed load is reported by _response, which knows whether it was the page or a part of it.
        if kind == "error" and not text.startswith("Failed to load resource"):
            self.problems.append(f"console error: {text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400 and response.request.resource_type != "document":
            self.problems.append(f"{response.status} for {response.request.resource_type} {response.url}")

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def active(page: Page) -> dict[str, str]:
    """What has the keyboard focus: tag, id, name, type, text (trimmed) and href."""
    found: dict[str, str] = page.evaluate(
        """() => { const e = document.activeElement; if (!e) return {};
                   return {tag: e.tagName.toLowerCase(), id: e.id || "", name: e.getAttribute("name") || "",
                           type: e.getAttribute("type") || "", href: e.getAttribute("href") || "",
                           text: (e.innerText || e.value || "").replace(/\\s+/g, " ").trim()}; }""")
    return found


def tab_to(page: Page, *, text: str | re.Pattern[str] | None = None, element_id: str | None = None,
           name: str | None = None, href: str | None = None, limit: int = 250) -> dict[str, str]:
    """Press Tab until the focused element matches; fails if focus stops moving (a trap) or never gets there."""
    previous: dict[str, str] | None = None
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = active(page)
        if _matches(now, text, element_id, name, href):
            return now
        # Arrow-key groups (radios) and a date-time input's own fields (day, month, ... each a Tab stop) keep
        # the focus on one element for a few presses.
        assert now != previous or now.get("type") in ("radio", "datetime-local"), f"focus stopped moving at {now}"
        previous = now
        seen.append(now.get("text") or now.get("id") or now.get("name") or now.get("tag", ""))
    raise AssertionError(f"Tab never reached text={text!r} id={element_id!r} name={name!r} href={href!r}; "
                         f"went through: {seen[:60]}")


def _matches(now: dict[str, str], text: str | re.Pattern[str] | None, element_id: str | None,
             name: str | None, href: str | None) -> bool:
    if element_id is not None and now.get("id") != element_id:
        return False
    if name is not None and now.get("name") != name:
        return False
    if href is not None and now.get("href") != href:
        return False
    if text is not None:
        shown = now.get("text", "")
        if isinstance(text, re.Pattern):
            return text.search(shown) is not None
        return shown == text
    return True


def artifacts_dir(default: Path) -> Path:
    """PEEL_TEST_ARTIFACTS when set, else the given folder (pytest's tmp path)."""
    folder = Path(os.environ.get(ARTIFACTS_ENV) or default)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def govuk_styled(page: Page) -> bool:
    """GOV.UK Frontend's stylesheet is loaded and applied (its font on the page's main heading)."""
    font: str = page.evaluate("() => getComputedStyle(document.querySelector('h1')).fontFamily")
    loaded: bool = page.evaluate(
        """() => [...document.styleSheets].some(s => (s.href || "").endsWith("/govuk-frontend.min.css")
                                                   && s.cssRules.length > 100)""")
    return loaded and "GDS Transport" in font


def follow(page: Page) -> None:
    """Press Enter on the focused link or button and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
