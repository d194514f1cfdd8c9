"""Rebuilding the site from the control page: a background `peel publish` with progress, one at a time (a second
start is refused with the reason), its status kept across page loads, a failure shown with its message, and a
job whose process died reported as failed, never as running for ever."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit.publish import job
from peelkit.web.app import WebSettings
from tests.web.conftest import PUBLICATION
from tests.web.test_work_pages import post

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
CONTROL = f"/publications/{PUBLICATION}/control"


def _wait_done(client: TestClient, seconds: float = 240) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status: dict[str, Any] = client.get(f"{CONTROL}.json").json()["site"]["job"]
        if status["state"] != "running":
            return status
        time.sleep(1)
    pytest.fail("the rebuild did not finish")


@pytest.mark.slow
def test_rebuild_runs_once_at_a_time_and_reports_progress(new_client: NewClient, login: Login,
                                                          web_settings: WebSettings) -> None:
    ana, other = login(new_client(), "ana"), login(new_client(), "ana")
    assert ana.get(f"{CONTROL}.json").json()["site"]["job"] is None
    started = post(ana, f"{CONTROL}/site", {"formats": "html"})
    assert started.status_code == 303 and started.headers["location"].endswith("saved=publish-started")
    page = ana.get(started.headers["location"])
    assert 'http-equiv="refresh"' in page.text and "Running" in page.text
    refused = post(other, f"{CONTROL}/site", {"formats": "html"})
    assert refused.status_code == 409 and "already running" in refused.text
    done = _wait_done(other)  # another session (a reload, another analyst) sees the same job
    assert done["state"] == "finished", done
    assert done["done"] == done["total"] == 43 and done["by"] == "ana"
    assert (web_settings.site_dir / "index.html").is_file() and (web_settings.site_dir / "manifest.json").is_file()
    after = ana.get(CONTROL).text
    assert 'http-equiv="refresh"' not in after and "Finished" in after and "Rebuild the site" in after


@pytest.mark.slow
def test_a_failed_rebuild_is_shown_and_the_old_folder_kept(new_client: NewClient, login: Login,
                                                           web_settings: WebSettings) -> None:
    web_settings.site_dir.mkdir(parents=True)
    (web_settings.site_dir / "mine.txt").write_text("not peelkit's", encoding="utf-8")
    ana = login(new_client(), "ana")
    assert post(ana, f"{CONTROL}/site", {"formats": "html"}).status_code == 303
    done = _wait_done(ana)
    assert done["state"] == "failed" and "did not create" in done["message"], done
    assert (web_settings.site_dir / "mine.txt").read_text(encoding="utf-8") == "not peelkit's"
    assert "Failed" in ana.get(CONTROL).text


def test_a_job_whose_process_died_is_failed_not_running(web_settings: WebSettings) -> None:
    out = web_settings.site_dir
    out.parent.mkdir(parents=True, exist_ok=True)
    job.write_status(out, state="running", publication=PUBLICATION, done=3, total=43)
    status = job.read_status(out)
    assert status is not None and status["state"] == "failed" and "stopped before it finished" in status["message"]


def test_bad_choice_and_roles(new_client: NewClient, login: Login) -> None:
    ana = login(new_client(), "ana")
    bad = post(ana, f"{CONTROL}/site", {"formats": "exe"})
    assert bad.status_code == 400 and "Choose what to build" in bad.text
    assert post(login(new_client(), "ian"), f"{CONTROL}/site", {"formats": "html"}).status_code == 403
