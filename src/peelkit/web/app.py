"""The FastAPI application: settings, routers, static files, security headers and one error handler that
answers HTML pages with an HTML error page and `.json`/API paths with JSON.

Run it with `peel serve` (uvicorn, factory ``peelkit.web.app:create_app``).
"""

from __future__ import annotations

import importlib
import logging
import os
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from peelkit import config
from peelkit.errors import ConfigError, PeelError

log = logging.getLogger("peelkit.web")
STATIC_DIR = Path(__file__).parent / "static"
ROUTERS = ("account", "public", "find", "api", "work")
API_PREFIX = "/api/v1"
TITLES = {400: "There is a problem with the request", 401: "Sign in to see this page",
          403: "You cannot see this page", 404: "Page not found", 405: "Not allowed", 409: "Someone else changed this",
          422: "There is a problem with the request", 429: "Too many attempts",
          500: "Sorry, there is a problem with the service", 503: "Sorry, the service is busy"}


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class WebSettings:
    warehouse_path: Path
    ledger_url: str
    site_dir: Path
    secret_key: str
    https: bool = False
    clock: Callable[[], datetime] = field(default=utc_now)  # tz-aware UTC now; tests replace it
    user_cache_seconds: float = 5.0  # how long a signed-in user is trusted before re-reading the ledger


def secret_key_from(home: Path) -> str:
    """PEEL_SECRET_KEY, else a random key kept in PEEL_HOME/web-secret (mode 0600), made on first use."""
    value = config.value("secret_key")
    if value:
        if len(value) < 32:
            raise ConfigError("PEEL_SECRET_KEY is too short: use at least 32 random characters, "
                            "e.g. from `python -c 'import secrets; print(secrets.token_urlsafe(48))'`")
        return value
    path = home / "web-secret"
    if not path.exists():
        home.mkdir(parents=True, exist_ok=True)
        # Written aside and linked into place, so a second worker starting at the same moment never reads a
        # half-written key: whoever links first wins and everyone reads that key.
        temporary = home / f".web-secret.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48))
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    key = path.read_text("utf-8").strip()
    if len(key) < 32:
        raise ConfigError(f"{path} holds no usable secret key: delete it and start again (everyone signs in again)")
    return key


def settings_from_env() -> WebSettings:
    """Settings from the environment: PEEL_HOME, PEEL_DATABASE_URL, PEEL_SECRET_KEY, PEEL_SITE_DIR, PEEL_HTTPS."""
    from peelkit.ledger.db import database_url

    return WebSettings(
        warehouse_path=config.warehouse_path(),
        ledger_url=database_url(),
        site_dir=config.site_dir(),
        secret_key=secret_key_from(config.peel_home()),
        https=config.flag("https"),
    )


def _include_routers(app: FastAPI) -> None:
    for name in ROUTERS:
        module_name = f"peelkit.web.routes.{name}"
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
            log.warning("web: %s is not there yet; its pages are left out", module_name)
            continue
        app.include_router(module.router)


def _wants_json(request: Request) -> bool:
    from peelkit.web.templating import wants_json

    return wants_json(request)


def error_response(request: Request, status_code: int, detail: str, headers: dict[str, str] | None = None
                   ) -> Response:
    """The one way errors are answered: JSON for .json and API paths, else the GOV.UK error page."""
    title = TITLES.get(status_code, "There is a problem")
    if _wants_json(request):
        return JSONResponse({"error": title, "status": status_code, "detail": detail}, status_code=status_code,
                            headers=headers)
    from peelkit.web.templating import render

    try:
        html = render(request, "errors/error.html", {"status_code": status_code, "title": title, "detail": detail})
    except Exception:  # the error page must never fail itself
        log.exception("web: rendering the error page failed")
        html = f"<!DOCTYPE html><title>{status_code}</title><h1>{title}</h1>"
    from fastapi.responses import HTMLResponse

    return HTMLResponse(html, status_code=status_code, headers=headers)


def _install_error_handlers(app: FastAPI) -> None:
    from peelkit.web.auth import LoginRequired, login_redirect_url

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else TITLES.get(exc.status_code, "Error")
        if exc.status_code == 404 and detail == "Not Found":
            detail = "If you typed the web address, check it is correct."
        if exc.status_code == 405 and detail == "Method Not Allowed":
            detail = "This address does not accept that kind of request."
        return error_response(request, exc.status_code, detail, dict(exc.headers or {}))

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.url.path.startswith("/api/"):
            return await request_validation_exception_handler(request, exc)  # the documented 422 body
        problems = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg')}"
                             for e in exc.errors())
        return error_response(request, 400 if not _wants_json(request) else 422, problems or "invalid request")

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return RedirectResponse(login_redirect_url(exc.next_path), status_code=303)

    async def peel_error(request: Request, exc: Exception) -> Response:
        # The status is the error kind's own (errors.py): 404 for an unknown id, 409 for a conflict, ...
        assert isinstance(exc, PeelError)
        if exc.http_status >= 500:
            log.error("web: %s on %s: %s", type(exc).__name__, request.url.path, exc)
            return error_response(request, exc.http_status, "Try again later.")
        return error_response(request, exc.http_status, str(exc))

    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("web: unhandled error on %s", request.url.path, exc_info=exc)
        return error_response(request, 500, "Try again later.")

    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(PeelError, peel_error)
    app.add_exception_handler(Exception, server_error)


class CookiesAndCaching:
    """Sets the CSRF cookie a page minted for an anonymous browser, and keeps what a signed-in user sees out of
    every cache (it may be under embargo). Pure ASGI: Starlette's BaseHTTPMiddleware costs a task and a stream
    per request, the largest share of a cached page's time."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.datastructures import MutableHeaders
        from starlette.requests import HTTPConnection

        from peelkit.web.auth import CSRF_COOKIE, SESSION_COOKIE, new_csrf_cookie_value

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                connection = HTTPConnection(scope)
                new = new_csrf_cookie_value(scope, connection.cookies.get(CSRF_COOKIE))
                if new is not None:
                    headers.append("set-cookie", csrf_cookie_header(new, self.https))
                location = headers.get("location")
                if location:
                    headers["location"] = relative_location(location)
                if not scope["path"].startswith("/static/"):
                    headers.append("Vary", "Cookie")
                    if SESSION_COOKIE in connection.cookies or "set-cookie" in headers:
                        headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HeadAsGet:
    """Answers HEAD like GET, without the body (RFC 9110): FastAPI routes declare GET only, so HEAD got 405.
    The request runs as a GET through every check (roles, embargo), so HEAD can tell no more than GET."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def relative_location(location: str) -> str:
    """A redirect to this site as a path only. Starlette's trailing-slash redirect spells out the scheme and the
    request's Host header, so a forged Host (a cache poisoned, a link in a reset mail) would send the browser
    elsewhere; a relative Location always stays on the site the browser asked."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(location)
    if not parts.scheme and not parts.netloc:
        return location
    # One leading slash: "//host/x" would be a protocol-relative address to another site.
    return urlunsplit(("", "", "/" + parts.path.lstrip("/"), parts.query, parts.fragment))


def csrf_cookie_header(value: str, https: bool) -> str:
    from starlette.responses import Response as _Response

    from peelkit.web.auth import set_csrf_cookie

    probe = _Response()
    set_csrf_cookie(probe, value, https)
    return probe.headers["set-cookie"]


@asynccontextmanager
async def _warm_cache(app: FastAPI) -> AsyncIterator[None]:
    """Load every publication's data when the server starts (about a second with the real data), so that the
    first visitor does not wait for it."""
    import anyio

    from peelkit.web.data import cache_for

    cache = cache_for(app.state)

    def warm() -> None:
        for publication_id in cache.publication_ids():
            try:
                cache.data(publication_id)
                cache.geometry()
            except Exception:  # a page will report the problem; starting the server must not fail on it
                log.exception("web: could not load %s at start-up", publication_id)

    await anyio.to_thread.run_sync(warm)
    yield


def create_app(settings: WebSettings | None = None) -> FastAPI:
    """The application (uvicorn calls it with no arguments: settings from the environment)."""
    from peelkit.web.security_headers import SecurityHeadersMiddleware

    settings = settings or settings_from_env()
    app = FastAPI(lifespan=_warm_cache, title="peelkit API", version="1", openapi_url=f"{API_PREFIX}/openapi.json",
                  # FastAPI's Swagger UI and ReDoc pages load their scripts from a CDN: nothing here may need a
                  # download at run time. Our own page (routes/find.py, /api/v1/docs) serves Swagger UI's files.
                  docs_url=None, redoc_url=None,
                  description="Published PEEL effectiveness data: forces, indicators and grades. Only "
                              "published publications appear here.")
    app.state.settings = settings
    app.add_middleware(CookiesAndCaching, https=settings.https)
    app.add_middleware(SecurityHeadersMiddleware, https=settings.https)
    app.add_middleware(HeadAsGet)
    if not (STATIC_DIR / "govuk" / "govuk-frontend.min.css").exists():
        log.warning("web: GOV.UK Frontend assets are missing from %s (run `make web-assets`); pages will look "
                    "plain", STATIC_DIR / "govuk")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _include_routers(app)
    _install_error_handlers(app)
    return app
