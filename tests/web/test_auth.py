"""Signing in and out, sessions, roles, CSRF, throttling, security headers and the error pages."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from peelkit.ledger import db
from peelkit.ledger.users import set_active
from peelkit.web.app import WebSettings, create_app
from peelkit.web.auth import SESSION_COOKIE, require, safe_next
from peelkit.web.policy import Viewer
from peelkit.web.templating import page
from tests.web.conftest import PASSWORD, Clock, form_token

Login = Callable[..., TestClient]


def _post_login(client: TestClient, name: str, password: str = PASSWORD, next_path: str = "/account",
                token: str | None = None) -> object:
    return client.post("/login", data={"name": name, "password": password, "next": next_path,
                                       "csrf_token": form_token(client) if token is None else token})


def _me(client: TestClient) -> str | None:
    response = client.get("/account.json")
    return response.json()["user"]["name"] if response.status_code == 200 else None


def test_sign_in_sets_a_protected_session_cookie(client: TestClient) -> None:
    response = _post_login(client, "ana")
    assert response.status_code == 303 and response.headers["location"] == "/account"  # type: ignore[attr-defined]
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))  # type: ignore[attr-defined]
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert "httponly" in flags and "samesite=lax" in flags and "path=/" in flags
    assert "secure" not in flags
    assert "max-age=28800" in flags
    assert _me(client) == "ana"
    assert client.get("/account").status_code == 200


def test_cookies_are_secure_over_https(web_settings: WebSettings) -> None:
    app = create_app(replace(web_settings, https=True))
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        page = browser.get("/login")
        assert "secure" in page.headers["set-cookie"].lower()
        response = _post_login(browser, "ana")
        cookies = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
        assert cookies and all("secure" in c.lower() for c in cookies)
        assert response.headers["strict-transport-security"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(("name", "password"), [("ana", "wrong password!"), ("nobody", PASSWORD), ("", PASSWORD),
                                                ("ana", "")])
def test_wrong_name_or_password(client: TestClient, name: str, password: str) -> None:
    response = _post_login(client, name, password)
    assert response.status_code in (400, 401)  # type: ignore[attr-defined]
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")  # type: ignore[attr-defined]
    assert "There is a problem" in response.text  # type: ignore[attr-defined]
    assert _me(client) is None


def test_the_same_message_for_unknown_user_and_wrong_password(client: TestClient) -> None:
    one = _post_login(client, "ana", "wrong password!").text  # type: ignore[attr-defined]
    two = _post_login(client, "nobody", "wrong password!").text  # type: ignore[attr-defined]
    assert "not right" in one and "not right" in two


def test_a_disabled_user_cannot_sign_in_and_loses_an_open_session(client: TestClient, new_client: Callable[[],
                                                                   TestClient], login: Login,
                                                                   web_settings: WebSettings) -> None:
    login(client, "kent")
    assert _me(client) == "kent"
    with db.session_scope(web_settings.ledger_url, actor="admin") as session:
        set_active(session, "kent", False)
    assert _me(client) is None
    assert client.get("/account").status_code == 303
    assert _post_login(new_client(), "kent").status_code == 401  # type: ignore[attr-defined]


def test_throttling_by_user_name(client: TestClient, new_client: Callable[[], TestClient], clock: Clock) -> None:
    for _ in range(5):
        assert _post_login(client, "ana", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    blocked = _post_login(client, "ana")  # even the right password, from here
    assert blocked.status_code == 429  # type: ignore[attr-defined]
    assert "15 minutes" in blocked.text  # type: ignore[attr-defined]
    assert _me(client) is None
    clock.advance(minutes=15)
    assert _post_login(client, "ana").status_code == 303  # type: ignore[attr-defined]


def test_throttling_by_address_across_names(client: TestClient) -> None:
    for n in range(5):
        assert _post_login(client, f"guess{n}", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    assert _post_login(client, "ian").status_code == 429  # type: ignore[attr-defined]


def test_a_success_clears_the_name_failures(client: TestClient) -> None:
    for _ in range(2):
        _post_login(client, "ian", "wrong password!")
    assert _post_login(client, "ian").status_code == 303  # type: ignore[attr-defined]


def test_a_tampered_or_foreign_cookie_is_anonymous(client: TestClient, login: Login,
                                                   web_settings: WebSettings) -> None:
    login(client, "ana")
    value = client.cookies[SESSION_COOKIE]
    payload, signature = value.rsplit(".", 1)
    forged = base64.urlsafe_b64encode(base64.urlsafe_b64decode(payload + "==").replace(b'"u":1', b'"u":2')
                                      ).decode().rstrip("=")
    for bad in (f"{forged}.{signature}", value[:-2] + ("AA" if not value.endswith("AA") else "BB"), "garbage", ""):
        client.cookies.set(SESSION_COOKIE, bad)
        assert _me(client) is None, bad
    other = create_app(replace(web_settings, secret_key="another-secret-key-another-secret-key"))
    with TestClient(other) as elsewhere:
        elsewhere.cookies.set(SESSION_COOKIE, value)
        assert elsewhere.get("/account.json").status_code == 401


def test_sessions_expire_after_8_hours(client: TestClient, login: Login, clock: Clock) -> None:
    login(client, "ian")
    clock.advance(hours=7, minutes=59)
    assert _me(client) == "ian"
    clock.advance(minutes=2)
    assert _me(client) is None


def test_each_sign_in_is_a_new_session(client: TestClient, login: Login) -> None:
    login(client, "ana")
    first = client.cookies[SESSION_COOKIE]
    login(client, "ana")
    assert client.cookies[SESSION_COOKIE] != first


def test_sign_out_needs_the_csrf_token(client: TestClient, login: Login) -> None:
    login(client, "ana")
    stolen = client.cookies[SESSION_COOKIE]
    assert client.post("/logout").status_code == 403
    assert client.post("/logout", data={"csrf_token": "nope"}).status_code == 403
    assert _me(client) == "ana"
    token = form_token(client)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert _me(client) is None
    client.cookies.set(SESSION_COOKIE, stolen)  # a copy of the signed-out session is dead too
    assert _me(client) is None


def test_sign_in_needs_the_csrf_token(client: TestClient) -> None:
    client.get("/login")
    assert _post_login(client, "ana", token="").status_code == 403  # type: ignore[attr-defined]
    assert _post_login(client, "ana", token="0" * 64).status_code == 403  # type: ignore[attr-defined]
    fresh = TestClient(client.app, follow_redirects=False)  # no CSRF cookie at all
    assert fresh.post("/login", data={"name": "ana", "password": PASSWORD, "csrf_token": "x"}).status_code == 403
    assert _me(client) is None


def test_the_csrf_token_belongs_to_the_session(client: TestClient, new_client: Callable[[], TestClient],
                                               login: Login) -> None:
    anonymous_token = form_token(client)
    login(client, "ana")
    assert form_token(client) != anonymous_token
    assert client.post("/logout", data={"csrf_token": anonymous_token}).status_code == 403
    other = login(new_client(), "ian")
    assert client.post("/logout", data={"csrf_token": form_token(other)}).status_code == 403
    assert client.post("/logout", headers={"X-CSRF-Token": form_token(client)}).status_code == 303


def test_a_post_from_another_origin_is_refused(client: TestClient, login: Login) -> None:
    login(client, "ana")
    response = client.post("/logout", data={"csrf_token": form_token(client)},
                           headers={"Origin": "https://evil.example"})
    assert response.status_code == 403
    assert _me(client) == "ana"


@pytest.mark.parametrize(("asked", "went"), [
    ("/queries?state=open", "/queries?state=open"),
    ("/publications/peel-effectiveness-2017/forces/kent", "/publications/peel-effectiveness-2017/forces/kent"),
    ("https://evil.example/", "/status"),
    ("//evil.example/x", "/status"),
    ("/\\evil.example", "/status"),
    ("\\\\evil.example", "/status"),
    ("javascript:alert(1)", "/status"),
    ("/ok\r\nSet-Cookie: x=1", "/status"),
    ("", "/status"),
    ("evil.example", "/status"),
])
def test_next_goes_only_to_local_paths(client: TestClient, asked: str, went: str) -> None:
    assert safe_next(asked) == went
    response = _post_login(client, "ana", next_path=asked)
    assert response.headers["location"] == went  # type: ignore[attr-defined]


def test_the_sign_in_form_keeps_only_a_safe_next(client: TestClient) -> None:
    page = client.get("/login", params={"next": "https://evil.example/"}).text
    assert 'name="next" value="/status"' in page
    page = client.get("/login", params={"next": '/queries?x="><script>'}).text
    assert "<script>" not in page.split("<main", 1)[1]


def _role_app(app: FastAPI) -> FastAPI:
    @app.get("/_only-analysts", include_in_schema=False)
    @app.get("/_only-analysts.json", include_in_schema=False)
    def only(viewer: Annotated[Viewer, Depends(require("analyst"))]) -> dict[str, str | None]:
        return {"name": viewer.name}

    return app


def test_require_redirects_anonymous_pages_and_refuses_other_roles(app: FastAPI, client: TestClient,
                                                                    login: Login) -> None:
    _role_app(app)
    response = client.get("/_only-analysts", params={"a": "1"})
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/_only-analysts%3Fa%3D1"
    response = client.get("/_only-analysts.json")
    assert response.status_code == 401 and response.json()["status"] == 401
    login(client, "warks")
    assert client.get("/_only-analysts").status_code == 403
    assert "cannot see" in client.get("/_only-analysts").text
    login(client, "ana")
    assert client.get("/_only-analysts.json").json() == {"name": "ana"}


def test_security_headers_and_the_one_inline_script(client: TestClient) -> None:
    response = client.get("/login")
    headers = response.headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", response.text, re.S)
    inline = [s for s in scripts if s.strip()]
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in policy
    assert 'src="/static/init.js"' in response.text
    assert 'href="/static/govuk/govuk-frontend.min.css"' in response.text
    assert client.get("/static/app.css").headers["x-content-type-options"] == "nosniff"


def test_error_pages_in_html_and_json(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404 and "Page not found" in page.text and "govuk-template" in page.text
    data = client.get("/no-such-page.json")
    assert data.status_code == 404 and data.json()["error"] == "Page not found"
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_only_api_routes_are_in_the_openapi_description(app: FastAPI, client: TestClient) -> None:
    for route in app.routes:
        if isinstance(route, APIRoute) and not route.path.startswith("/api/"):
            assert route.include_in_schema is False, route.path
    described = client.get("/api/v1/openapi.json").json()
    assert all(path.startswith("/api/") for path in described.get("paths", {}))


def test_pages_have_a_json_twin_without_secrets(client: TestClient, login: Login) -> None:
    login(client, "warks")
    body = client.get("/account.json").json()
    assert body == {"user": {"name": "warks", "role": "force", "force_code": "E23000017"}}
    assert "csrf" not in client.get("/login.json").text


def test_the_header_shows_who_is_signed_in(client: TestClient, login: Login) -> None:
    assert "Sign in" in client.get("/login").text
    login(client, "ian")
    page = client.get("/account").text
    assert "Signed in as" in page and "ian" in page and "Sign out" in page
    assert 'href="/ledger"' in page and "/control" not in page


def test_only_pages_with_a_form_give_an_anonymous_browser_a_cookie(client: TestClient) -> None:
    assert "set-cookie" not in client.get("/no-such-page").headers
    assert "set-cookie" not in client.get("/login.json").headers
    page = client.get("/login")
    assert page.headers["set-cookie"].startswith("peel_csrf=") and "httponly" in page.headers["set-cookie"].lower()
    assert "set-cookie" not in client.get("/login").headers  # the same browser keeps its cookie
    assert page.headers["cache-control"] == "no-store"


def test_signed_in_pages_are_never_cached(client: TestClient, login: Login) -> None:
    login(client, "warks")
    for path in ("/account", "/account.json", "/no-such-page"):
        response = client.get(path)
        assert response.headers["cache-control"] == "no-store", path
        assert "Cookie" in response.headers["vary"]


def test_the_app_starts_without_the_gov_uk_assets(web_settings: WebSettings, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    from peelkit.web import app as web_app

    bare = tmp_path / "static"
    bare.mkdir()
    (bare / "app.css").write_text("/* */")
    monkeypatch.setattr(web_app, "STATIC_DIR", bare)
    with caplog.at_level("WARNING", logger="peelkit.web"):
        app = create_app(web_settings)
    assert "GOV.UK Frontend assets are missing" in caplog.text
    with TestClient(app) as browser:
        assert browser.get("/login").status_code == 200
        assert browser.get("/static/govuk/govuk-frontend.min.css").status_code == 404


def test_no_page_loads_anything_from_another_site(client: TestClient) -> None:
    # FastAPI's own Swagger UI and ReDoc pages load from a CDN: not served. Ours (/api/v1/docs) loads Swagger UI
    # from this app's static files only.
    assert client.get("/redoc").status_code == 404 and client.get("/docs").status_code == 404
    docs = client.get("/api/v1/docs").text
    assert not re.search(r'src="(https?:)?//|<link[^>]+href="(https?:)?//', docs), "loads something from elsewhere"
    assert 'src="/static/swagger-ui/swagger-ui-bundle.js"' in docs or "make web-assets" in docs
    assert client.get("/api/v1/openapi.json").json()["openapi"].startswith("3.")
    for path in ("/login", "/api/v1/openapi.json", "/api/v1/docs"):
        policy = client.get(path).headers["content-security-policy"]
        assert "http" not in policy and "'unsafe-inline'" not in policy


def test_the_draft_banner_is_drawn_when_a_page_passes_draft_status(app: FastAPI, client: TestClient) -> None:
    @app.get("/_draft", include_in_schema=False)
    def draft(request: Request) -> Response:
        return page(request, "errors/error.html", {"status_code": 200, "title": "t", "detail": "d",
                                                   "draft_status": {"state": "embargoed",
                                                                    "release_at": "2018-03-22T00:01:00+00:00"}})

    html = client.get("/_draft").text
    assert "Draft — embargoed" in html and "22 March 2018, 00:01 UTC" in html
    assert "Draft — embargoed" not in client.get("/login").text


def test_a_force_user_sees_their_force_by_name(client: TestClient, login: Login) -> None:
    login(client, "warks")
    page = client.get("/account").text
    assert "Warwickshire" in page and 'href="/ledger"' not in page


def test_json_twins_carry_plain_data_only() -> None:
    from datetime import date, datetime

    from markupsafe import Markup

    from peelkit.web.templating import plain, when

    assert plain({"a": (1, 2.5, float("nan")), "b": date(2018, 3, 22), "c": None, "d": True}) == {
        "a": [1, 2.5, None], "b": "2018-03-22", "c": None, "d": True}
    with pytest.raises(TypeError, match=r"data\.x\[0\] is a Markup"):
        plain({"x": [Markup("<b>html</b>")]})
    with pytest.raises(TypeError):
        plain({"viewer": Viewer.public()})
    assert when("2018-03-22T00:01:00+00:00") == "22 March 2018, 00:01 UTC"
    assert when(datetime(2018, 3, 2, 9, 30)) == "2 March 2018, 09:30 UTC"
    assert when(None) == "–"


def test_a_wrong_method_is_answered_in_kind(client: TestClient) -> None:
    assert client.put("/login").status_code == 405
    assert client.delete("/login.json").json()["status"] == 405


def test_the_secret_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from peelkit.errors import PeelError
    from peelkit.web.app import secret_key_from

    monkeypatch.delenv("PEEL_SECRET_KEY", raising=False)
    first = secret_key_from(tmp_path / "home")
    assert len(first) >= 32 and secret_key_from(tmp_path / "home") == first
    assert (tmp_path / "home" / "web-secret").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in (tmp_path / "home").iterdir()] == ["web-secret"]
    monkeypatch.setenv("PEEL_SECRET_KEY", "x" * 40)
    assert secret_key_from(tmp_path / "home") == "x" * 40
    monkeypatch.setenv("PEEL_SECRET_KEY", "short")
    with pytest.raises(PeelError, match="too short"):
        secret_key_from(tmp_path / "home")


def test_throttling_is_shared_by_every_worker(web_settings: WebSettings) -> None:
    # Two apps on one ledger stand for two worker processes: the count of failures is the database's.
    first, second = TestClient(create_app(web_settings)), TestClient(create_app(web_settings))
    for n in range(5):
        browser = first if n % 2 else second
        assert _post_login(browser, "ana", "wrong password!").status_code == 401  # type: ignore[attr-defined]
    assert _post_login(first, "ana").status_code == 429  # type: ignore[attr-defined]
    assert _post_login(second, "ana").status_code == 429  # type: ignore[attr-defined]


def test_a_signed_out_session_is_refused_by_every_worker(web_settings: WebSettings) -> None:
    # Two apps on one ledger stand for two worker processes.
    first, second = (TestClient(create_app(web_settings), follow_redirects=False) for _ in range(2))
    assert _post_login(first, "ana").status_code == 303  # type: ignore[attr-defined]
    cookie = first.cookies.get(SESSION_COOKIE)
    assert cookie
    second.cookies.set(SESSION_COOKIE, cookie)
    assert _me(second) == "ana"
    assert first.post("/logout", data={"csrf_token": form_token(first)}).status_code == 303
    second.cookies.set(SESSION_COOKIE, cookie)  # the copied cookie, replayed in the other worker
    assert _me(second) is None
