"""Shared fixtures: a fresh PEEL_HOME per test, the real data folder, a staging helper."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.browser_gate import pytest_terminal_summary  # noqa: F401  (a hook: the loud browser skip)

REPO = Path(__file__).resolve().parent.parent


def real_data_dir() -> Path | None:
    value = os.environ.get("PEEL_DATA_DIR")
    candidates = [Path(value)] if value else []
    candidates.append(REPO.parent / "shared" / "data")
    for candidate in candidates:
        if (candidate / "home_office").is_dir():
            return candidate.resolve()
    return None


@pytest.fixture
def peel_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "peel-home"
    monkeypatch.setenv("PEEL_HOME", str(home))
    return home


@pytest.fixture
def data_dir() -> Path:
    found = real_data_dir()
    if found is None:
        pytest.fail("the real data folder is missing: set PEEL_DATA_DIR=../shared/data")
    return found


@pytest.fixture
def warehouse_db(peel_home: Path) -> Iterator[Path]:
    yield peel_home / "warehouse.duckdb"


# Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: `ci` (default, thorough and deterministic) or `dev` (quick).
from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=200, derandomize=True, deadline=None)
settings.register_profile("dev", max_examples=25, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
