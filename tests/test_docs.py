"""Everything a user can rely on is documented in the README."""

from __future__ import annotations

from peelkit.config import SETTINGS
from peelkit.findings import CODES
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_first_two_commands_are_make_demo_and_make_test() -> None:
    commands = [line.split()[0:2] for line in README.splitlines() if line.startswith("make ")]
    assert commands[:2] == [["make", "demo"], ["make", "test"]]


def test_every_setting_is_documented() -> None:
    assert [s.env for s in SETTINGS if f"`{s.env}`" not in README] == []


def test_every_problem_code_is_documented() -> None:
    assert [code for code in CODES if f"`{code}`" not in README] == []


def test_every_ledger_check_code_is_documented() -> None:
    from peelkit.ledger.ledger_check import CODES as LEDGER_CODES

    assert [code for code in LEDGER_CODES if f"`{code}`" not in README] == []
