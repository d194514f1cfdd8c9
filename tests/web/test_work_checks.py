"""Analysts' data work on the web: running the checks raises the same queries as `peel checks run` in another
process; the findings, the forces not signed off and why, and the import history are shown; roles are kept."""

from __future__ import annotations

import json
from collections.abc import Callable

from fastapi.testclient import TestClient

from peelkit import forces
from peelkit.web.app import WebSettings
from tests.helpers import run_peel
from tests.web.conftest import PUBLICATION
from tests.web.test_work_pages import audit_count, post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]


def test_analyst_runs_the_checks_as_the_cli_does(new_client: NewClient, login: Login,
                                                 web_settings: WebSettings) -> None:
    ana = login(new_client(), "ana")
    page = ana.get(f"/checks?publication={PUBLICATION}")
    assert page.status_code == 200 and "Run the checks" in page.text
    before = audit_count(web_settings, "data_query", actor="ana")
    ran = post(ana, "/checks/run", {"publication": PUBLICATION})
    assert ran.status_code == 303 and "saved=checks-run" in ran.headers["location"]
    shown = ana.get(ran.headers["location"])
    assert "The checks have been run." in shown.text and 'id="last-run"' in shown.text
    created = audit_count(web_settings, "data_query", actor="ana") - before
    # The same function from the command line, in its own process, finds exactly what the web run raised.
    cli = json.loads(run_peel("checks", "run", "--publication", PUBLICATION, "--format", "json",
                              "--by", "cli").stdout)
    assert cli["findings"], "the test world's returns no longer give any finding"
    assert not any(f["new"] for f in cli["findings"]), "the web run missed findings the CLI raised"
    assert created == len({f["query_id"] for f in cli["findings"]})
    counts = {k: int(v) for k, v in (p.split("=") for p in ran.headers["location"].split("?")[1].split("&"))
              if k in ("error", "warning", "info")}
    assert counts == cli["counts"]
    listed = ana.get(f"/checks.json?publication={PUBLICATION}").json()
    open_ids = {f["query_id"] for f in listed["findings"]}
    assert {f["query_id"] for f in cli["findings"] if f["query_status"] in ("open", "answered")} <= open_ids
    assert len(listed["not_signed_off"]) == len(forces.forces())  # nobody has signed off in the test world
    assert all("not signed off" in r["reason"] or "no return" in r["reason"] for r in listed["not_signed_off"])


def test_roles_on_the_checks_and_imports_pages(new_client: NewClient, login: Login,
                                               web_settings: WebSettings) -> None:
    ian, warks = login(new_client(), "ian"), login(new_client(), "warks")
    assert ian.get("/checks").status_code == 200 and "Run the checks" not in ian.get("/checks").text
    before = audit_count(web_settings)
    assert post(ian, "/checks/run", {"publication": PUBLICATION}).status_code == 403
    assert post(warks, "/checks/run", {"publication": PUBLICATION}).status_code == 403
    assert audit_count(web_settings) == before
    assert warks.get("/checks").status_code == 403 and warks.get("/imports").status_code == 403
    assert new_client().get("/imports.json").status_code == 401


def test_import_history_and_the_status_page_link(new_client: NewClient, login: Login) -> None:
    ana = login(new_client(), "ana")
    assert 'href="/imports"' in ana.get("/status").text
    imports = ana.get("/imports.json").json()["imports"]
    assert imports and all(i["vintage"] and i["file_name"] for i in imports)
    html = ana.get("/imports").text
    assert imports[0]["file_name"] in html and imports[0]["vintage"] in html
