"""One error model: exit code and HTTP status on the exception class, one handler in the CLI and one in the web
app, every exit code documented, and bad input exiting 2 wherever it is found."""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import peelkit
from peelkit.cli import app
from peelkit.errors import ConfigError, InputError, NotFoundError, PeelError, RecordRuleError
from peelkit.ledger.base import ConflictError
from peelkit.locks import Busy
from tests.conftest import REPO
from tests.helpers import run_peel

SRC = REPO / "src" / "peelkit"
README = (REPO / "README.md").read_text(encoding="utf-8")
# Kinds that are not (yet) subclasses of their code's one root: each with the reason it may share the code.
SHARED_CODES: dict[str, str] = {}


def _all_error_kinds() -> list[type[PeelError]]:
    for info in pkgutil.walk_packages(peelkit.__path__, "peelkit."):
        if ".migrations." not in info.name:
            importlib.import_module(info.name)
    seen: list[type[PeelError]] = []
    todo: list[type[PeelError]] = [PeelError]
    while todo:
        kind = todo.pop()
        seen.append(kind)
        todo.extend(kind.__subclasses__())
    return seen


def _documented_codes() -> dict[int, str]:
    section = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"^\| (\d+) \| (.+) \|$", section, re.M)}


def test_every_exit_code_is_documented_and_has_one_root_kind() -> None:
    documented = _documented_codes()
    assert {0, 1, 2}.issubset(documented)
    roots: dict[int, list[str]] = {}
    for kind in _all_error_kinds():
        assert kind.exit_code in documented, f"{kind.__name__} exits {kind.exit_code}, not in the README table"
        assert 400 <= kind.http_status <= 599, kind
        parents = [b for b in kind.__bases__ if isinstance(b, type) and issubclass(b, PeelError)]
        if kind is PeelError or all(p.exit_code != kind.exit_code for p in parents):
            roots.setdefault(kind.exit_code, []).append(kind.__name__)
    shared = {code: names for code, names in roots.items()
              if len([n for n in names if n not in SHARED_CODES]) > 1}
    assert shared == {}, "two error kinds share an exit code: make one a subclass of the other"


def _cli_modules() -> list[Path]:
    return [SRC / "cli.py", *SRC.glob("*/cli.py"), *SRC.glob("*/*_cli.py")]


def test_no_command_catches_peel_error_to_print_it() -> None:
    offenders = []
    for path in _cli_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Name) and \
                    node.type.id == "PeelError":
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("fail", "_fail"):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "Typer" \
                    and not any(k.arg == "cls" and isinstance(k.value, ast.Name) and k.value.id == "PeelGroup"
                                for k in node.keywords):
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno} (a Typer app without cls=PeelGroup)")
    assert offenders == [], "raise the error; clitools.PeelGroup prints it and exits with its code"


runner = CliRunner()


def test_the_one_handler_answers_json_for_format_json(peel_home: Path) -> None:
    as_json = runner.invoke(app, ["forces", "Atlantis", "--format", "json"])
    assert as_json.exit_code == 2
    body = json.loads(as_json.stdout)
    assert body["error"] == "UnknownAreaError" and body["exit_code"] == 2 and "Atlantis" in body["message"]
    as_table = runner.invoke(app, ["forces", "Atlantis"])
    assert as_table.exit_code == 2 and as_table.stdout == "" and "error: " in as_table.stderr


@pytest.mark.parametrize("args", [
    # a grade that is not on the framework's scale
    ["ledger", "record-judgment", "--force", "Kent", "--year", "2017", "--question", "overall",
     "--grade", "Brilliant", "--by", "Ann", "--expected-version", "0"],
    # a --release-at that is not a time
    ["publication", "set", "peel-effectiveness-2017", "--state", "embargoed", "--release-at", "next Tuesday",
     "--by", "Ann"],
    # a date that is not a date
    ["ledger", "raise-area", "--force", "Kent", "--year", "2016", "--question", "Q2_investigating_crime",
     "--text", "Supervise investigations.", "--by", "Ann", "--on", "2017-13-45"],
    # an option the command does not have (Click's own usage error)
    ["ledger", "judgments", "--force", "Kent", "--colour", "red"],
    # a force no source knows
    ["indicators", "--force", "Atlantis"],
], ids=["grade", "release-at", "date", "usage", "force"])
def test_bad_input_exits_2_in_its_own_process(args: list[str], tmp_path: Path) -> None:
    result = run_peel(*args, check=False, env={"PEEL_HOME": str(tmp_path / "home"), "PEEL_DATABASE_URL": ""})
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and result.stderr.strip()


def test_bad_area_status_exits_2_in_its_own_process(tmp_path: Path) -> None:
    env = {"PEEL_HOME": str(tmp_path / "home"), "PEEL_DATABASE_URL": ""}
    raised = run_peel("ledger", "raise-area", "--force", "Kent", "--year", "2016", "--question",
                      "Q2_investigating_crime", "--text", "Supervise investigations.", "--by", "Ann", env=env)
    area_id = re.search(r"\b(\d+)\b", raised.stdout)
    assert area_id, raised.stdout
    bad = run_peel("ledger", "set-area-status", area_id.group(1), "--status", "sorted", "--by", "Ann",
                   "--expected-version", "1", check=False, env=env)
    assert bad.returncode == 2 and "status must be one of" in bad.stderr, bad.stderr


def test_refused_in_the_current_state_exits_1(tmp_path: Path) -> None:
    env = {"PEEL_HOME": str(tmp_path / "home"), "PEEL_DATABASE_URL": ""}
    raised = run_peel("ledger", "raise-area", "--force", "Kent", "--year", "2016", "--question",
                      "Q2_investigating_crime", "--text", "Observed practice.", "--kind", "promising_practice",
                      "--by", "Ann", env=env)
    area_id = re.search(r"\b(\d+)\b", raised.stdout)
    assert area_id
    refused = run_peel("ledger", "set-area-status", area_id.group(1), "--status", "closed", "--by", "Ann",
                       "--expected-version", "1", check=False, env=env)
    assert refused.returncode == 1 and "no status to change" in refused.stderr, refused.stderr


WEB_ERRORS: dict[str, tuple[PeelError, int]] = {
    "missing": (NotFoundError("no data query with id 99"), 404),
    "bad": (InputError("status must be one of open, closed"), 400),
    "conflict": (ConflictError("judgment 3"), 409),
    "rule": (RecordRuleError("the record is published: give --correction"), 409),
    "busy": (Busy("the warehouse is in use"), 503),
    "setting": (ConfigError("PEEL_DATA_DIR is not set"), 500),
}


def _web_app() -> FastAPI:
    from peelkit.web.app import _install_error_handlers

    web = FastAPI()
    _install_error_handlers(web)
    for prefix in ("", "/api/v1"):
        @web.get(prefix + "/{name}")
        def raising(name: str) -> None:
            raise WEB_ERRORS[name][0]
    return web


@pytest.mark.parametrize("name", list(WEB_ERRORS))
def test_web_answers_with_the_error_kinds_status(name: str) -> None:
    error, status = WEB_ERRORS[name]
    assert error.http_status == status
    client = TestClient(_web_app(), raise_server_exceptions=False)
    api = client.get(f"/api/v1/{name}")
    assert api.status_code == status and api.json()["status"] == status
    page = client.get(f"/{name}")
    assert page.status_code == status and page.headers["content-type"].startswith("text/html")
    if status >= 500:  # the visitor is not shown the server's settings or paths
        assert "PEEL_DATA_DIR" not in api.text and "PEEL_DATA_DIR" not in page.text
    else:
        assert api.json()["detail"] == str(error)
