"""HTTP details (issue 13): HEAD is answered like GET without a body on every page and API route (9), and a
redirect never echoes the Host header (10)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from peelkit.web.app import WebSettings, relative_location
from tests.web.conftest import PUBLICATION
from tests.web.test_embargo_matrix import GET, plant

Login = Callable[..., TestClient]


@pytest.mark.parametrize("state", ["draft", "published"])
def test_head_answers_like_get_on_every_route(state: str, web_settings: WebSettings, new_client: Callable[[],
                                              TestClient], login: Login, set_state: Callable[..., Any],
                                              tmp_path: Path) -> None:
    planted = plant(web_settings, tmp_path)
    set_state(state)
    browsers = {"public": new_client(), "kent": login(new_client(), "kent"), "ana": login(new_client(), "ana")}
    asked, problems = 0, []
    for template, spec in GET.items():
        if spec.pdf:
            continue  # the same route code as the HTML report; rendering PDFs here would only cost time
        for params in spec.params(planted):
            path = template.format(**params) + spec.queries[0]
            for role, browser in browsers.items():
                got, head = browser.get(path), browser.head(path)
                asked += 1
                if head.status_code == 405 or head.status_code != got.status_code:
                    problems.append(f"{role} HEAD {path}: {head.status_code}, GET {got.status_code}")
                elif head.content:
                    problems.append(f"{role} HEAD {path}: {len(head.content)} bytes of body")
                elif head.headers.get("content-type") != got.headers.get("content-type"):
                    problems.append(f"{role} HEAD {path}: content-type {head.headers.get('content-type')}")
    assert asked > 60 and problems == [], "\n".join(problems)


def test_a_head_request_cannot_see_past_the_embargo(client: TestClient, set_state: Callable[..., Any]) -> None:
    set_state("draft")
    assert client.head(f"/publications/{PUBLICATION}/forces/kent").status_code == 404
    assert client.head(f"/api/v1/publications/{PUBLICATION}/forces").status_code == 404


def test_the_trailing_slash_redirect_is_relative_whatever_the_host(client: TestClient) -> None:
    response = client.get(f"/publications/{PUBLICATION}/", headers={"Host": "evil.example"})
    assert response.status_code in (301, 307, 308)
    assert response.headers["location"] == f"/publications/{PUBLICATION}"


@pytest.mark.parametrize(("given", "relative"), [
    ("http://evil.example/a/b?x=1#f", "/a/b?x=1#f"), ("/already", "/already"), ("https://h//evil.example/x",
                                                                                 "/evil.example/x"),
    ("http://h", "/")])
def test_relative_location(given: str, relative: str) -> None:
    assert relative_location(given) == relative
