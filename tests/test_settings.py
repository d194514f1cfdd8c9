"""Settings from one declaration: `config.SETTINGS` is the only place the environment is read, every PEEL_*
variable the code names is declared there, the README's table lists exactly them, and `peel publish` writes
by default where `peel serve` reads."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from peelkit import config
from tests.conftest import REPO
from tests.helpers import run_peel

SRC = REPO / "src" / "peelkit"
DECLARED = {s.env for s in config.SETTINGS}


def _reads_environment(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" and \
                node.attr in ("environ", "environb", "getenv", "getenvb", "putenv"):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os" and \
                {a.name for a in node.names} & {"environ", "environb", "getenv", "getenvb"}:
            lines.append(node.lineno)
    return lines


def test_only_config_reads_the_environment() -> None:
    offenders = [f"{path.relative_to(REPO)}:{line}" for path in SRC.rglob("*.py") if path != SRC / "config.py"
                 for line in _reads_environment(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == [], "read settings with peelkit.config.value(name), declared in config.SETTINGS"


def test_every_peel_variable_the_code_names_is_declared() -> None:
    named = {m.group(0): path.relative_to(REPO) for path in SRC.rglob("*") if path.suffix in (".py", ".html")
             for m in re.finditer(r"\bPEEL_[A-Z][A-Z0-9_]*\b", path.read_text(encoding="utf-8"))}
    assert {name: str(where) for name, where in named.items() if name not in DECLARED} == {}


def test_a_name_that_is_not_declared_cannot_be_read() -> None:
    with pytest.raises(KeyError):
        config.value("not_a_setting")


def test_the_readme_settings_table_lists_exactly_the_declared_settings() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(PEEL_[A-Z_]+)` \|", section, re.M)
    assert rows == [s.env for s in config.SETTINGS]


def test_values_are_read_each_time_and_blank_is_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PEEL_HOME", str(tmp_path))
    monkeypatch.setenv("PEEL_SITE_DIR", "  ")
    assert config.site_dir() == tmp_path / "site"
    monkeypatch.setenv("PEEL_SITE_DIR", str(tmp_path / "public"))
    assert config.site_dir() == tmp_path / "public"
    monkeypatch.setenv("PEEL_HTTPS", "Yes")
    assert config.flag("https") is True
    monkeypatch.setenv("PEEL_USER", "A Inspector")
    from peelkit.clitools import current_user

    assert current_user() == "A Inspector"


def test_the_web_app_serves_the_folder_publish_writes_by_default(monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path) -> None:
    from peelkit.web.app import settings_from_env

    monkeypatch.setenv("PEEL_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PEEL_SITE_DIR", raising=False)
    monkeypatch.delenv("PEEL_SECRET_KEY", raising=False)
    assert settings_from_env().site_dir == config.site_dir() == tmp_path / "home" / "site"


def test_a_command_run_where_nothing_was_imported_warns_naming_the_folder(tmp_path: Path) -> None:
    # A relative PEEL_HOME is taken from the current folder: from any other folder the warehouse is empty.
    result = run_peel("indicators", "--force", "Kent", "--format", "csv", env={"PEEL_HOME": "relative-home"},
                      cwd=tmp_path)
    assert "warning: nothing has been imported into the warehouse" in result.stderr
    assert str(tmp_path / "relative-home" / "warehouse.duckdb") in result.stderr
    assert "peel data import" in result.stderr and "PEEL_HOME" in result.stderr
    assert "warning" not in result.stdout  # machine output stays clean


def test_a_warehouse_counts_as_empty_until_an_import_is_loaded(tmp_path: Path) -> None:
    from peelkit import warehouse
    from peelkit.status import warehouse_is_empty
    from tests.helpers import load, write

    db = tmp_path / "w.duckdb"
    assert warehouse_is_empty(db)  # no file
    warehouse.connect(db).close()
    assert warehouse_is_empty(db)  # the schema, but nothing imported
    rolling = write(tmp_path / "r.csv", "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"
                    "30-06-2017,Kent,South East,Robbery,5\n")
    load(db, rolling)
    assert not warehouse_is_empty(db)


@pytest.mark.slow
def test_publish_writes_where_serve_reads_and_warns_when_empty(tmp_path: Path) -> None:
    home = tmp_path / "home"
    result = run_peel("publish", "--force", "Kent", "--format", "html", "--jobs", "1",
                      env={"PEEL_HOME": str(home), "PEEL_SITE_DIR": "", "PEEL_DATABASE_URL": ""})
    assert (home / "site" / "index.html").exists(), result.stdout
    assert "nothing has been imported" in result.stderr
