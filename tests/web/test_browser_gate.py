"""The browser tests' gate: without Chromium they skip loudly on a developer's machine and fail in CI
(PEEL_REQUIRE_BROWSER=1, set by .ci/run). Run as pytest runs them: a separate pytest process on a module that
asks for a browser that is not there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.web.browser_gate import REQUIRE_ENV, SKIPPED

REPO = Path(__file__).resolve().parents[2]
MODULE = '''
from tests.web.browser_gate import require_browser

require_browser("/nonexistent/chromium")


def test_in_a_browser() -> None:
    pass
'''


def _pytest(tmp_path: Path, require: str | None) -> subprocess.CompletedProcess[str]:
    module = tmp_path / "test_needs_a_browser.py"
    module.write_text(MODULE)
    (tmp_path / "test_other.py").write_text("def test_other() -> None:\n    pass\n")  # the rest of a suite
    env = {k: v for k, v in os.environ.items() if k != REQUIRE_ENV}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "src"), env.get("PYTHONPATH", "")])
    if require is not None:
        env[REQUIRE_ENV] = require
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.web.browser_gate", "-p", "no:cacheprovider",
                           "-q", "--rootdir", str(tmp_path), str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("require", [None, "0"])
def test_without_chromium_the_browser_tests_skip_loudly(tmp_path: Path, require: str | None) -> None:
    run = _pytest(tmp_path, require)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed, 1 skipped" in run.stdout
    loud = [line for line in run.stdout.splitlines() if line.startswith("!") and SKIPPED in line]
    assert len(loud) == 1 and REQUIRE_ENV in loud[0], run.stdout


def test_in_ci_a_missing_browser_fails_the_run(tmp_path: Path) -> None:
    run = _pytest(tmp_path, "1")
    assert run.returncode != 0, run.stdout + run.stderr
    assert "skipped" not in run.stdout and f"{REQUIRE_ENV} is set" in run.stdout, run.stdout


def test_ci_sets_the_switch() -> None:
    assert f"export {REQUIRE_ENV}=1" in (REPO / ".ci" / "run").read_text("utf-8")
