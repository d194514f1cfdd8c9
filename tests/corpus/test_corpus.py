"""The malformed-input corpus: every file in tests/corpus/files is imported by `peel data import` into a
warehouse that already holds data; each must fail with exit code 4, report its expected problem code located
in the file (and row, sheet or column as expected.toml says), and leave the warehouse exactly as it was."""

from __future__ import annotations

import json
import shutil
import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peelkit.cli import app
from peelkit.findings import CODES
from tests.corpus.make_corpus import entries
from tests.helpers import load, snapshot, write

HERE = Path(__file__).parent
FILES = HERE / "files"
EXPECTED: dict[str, dict[str, object]] = tomllib.loads((HERE / "expected.toml").read_text(encoding="utf-8"))
runner = CliRunner()


def test_the_corpus_is_complete_and_current() -> None:
    on_disk = sorted(p.name for p in FILES.iterdir())
    assert on_disk == sorted(EXPECTED) and len(on_disk) >= 60
    assert {str(e["code"]) for e in EXPECTED.values()} <= set(CODES)
    # The committed files are what the generator writes (so a reviewer can read each quirk in make_corpus.py).
    stale = [name for name, data, _code, _where in entries() if (FILES / name).read_bytes() != data]
    assert stale == []


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse holding one good file, so that 'unchanged' compares something."""
    folder = tmp_path_factory.mktemp("corpus-template")
    good = write(folder / "good.csv", "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"
                                      "31-03-2017,Kent,South East,Robbery,1200\n")
    load(folder / "warehouse.duckdb", good)
    return folder / "warehouse.duckdb"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_malformed_file_is_refused_located_and_changes_nothing(name: str, template: Path, peel_home: Path
                                                                   ) -> None:
    peel_home.mkdir(parents=True)
    shutil.copy(template, peel_home / "warehouse.duckdb")
    before = snapshot(peel_home / "warehouse.duckdb")
    expected = EXPECTED[name]
    result = runner.invoke(app, ["data", "import", str(FILES / name), "--format", "json"])
    assert result.exit_code == 4, result.output
    body = json.loads(result.stdout)
    found = [p for p in body["problems"] if p["code"] == expected["code"]]
    assert found, f"expected {expected['code']}, got {[(p['code'], p['message']) for p in body['problems']]}"
    problem = found[0]
    assert problem["file"] == str(FILES / name)
    missing = [key for key in expected["located"] if problem.get(str(key)) in (None, "")]  # type: ignore[attr-defined]
    assert missing == [], f"{problem} is not located by {missing}"
    assert "row row" not in problem["message"]
    assert snapshot(peel_home / "warehouse.duckdb") == before
