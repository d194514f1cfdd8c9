"""Whether the browser tests may run, and what happens when they cannot.

Locally, without Debian's Chromium, they are skipped, loudly: a red line in pytest's summary says so. In CI
(`.ci/run` sets PEEL_REQUIRE_BROWSER=1) a missing browser is a failure, so a green CI run has run them.
Also a pytest plugin (tests/conftest.py imports its hook): the loud summary line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REQUIRE_ENV = "PEEL_REQUIRE_BROWSER"
SKIPPED = "BROWSER TESTS SKIPPED"


def require_browser(chromium: str, environ: Mapping[str, str] = os.environ) -> None:
    """At a browser test module's top: return when `chromium` exists, else skip the module (or fail it when
    PEEL_REQUIRE_BROWSER is set)."""
    if Path(chromium).exists():
        return
    reason = f"{SKIPPED}: they need Debian's Chromium at {chromium} (apt-get install chromium)"
    if environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{reason}, and {REQUIRE_ENV} is set (CI must run them)", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """A line no one can miss when the browser tests were skipped."""
    skipped = [report for report in terminalreporter.stats.get("skipped", []) if SKIPPED in str(report.longrepr)]
    if skipped:
        terminalreporter.write_sep("!", f"{SKIPPED} ({len(skipped)} module): install Chromium at /usr/bin/chromium;"
                                   f" CI sets {REQUIRE_ENV}=1 and fails instead", red=True, bold=True)
