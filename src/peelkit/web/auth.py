"""Sign-in, sessions, roles and CSRF protection.

The session is a signed cookie (``peel_session``: user id, a random per-login nonce, the time it was issued),
valid for 8 hours. The user is re-read from the ledger (cached for a few seconds), so disabling a user ends
their access. Every POST carries a CSRF token: an HMAC of the session's nonce, or, before sign-in, of a random
value in a second cookie (``peel_csrf``).

Signing out refuses that session's cookie in every worker (the ledger keeps the list; other workers see it
within the user cache's few seconds). Sign-in throttling counts failures per user name and per client address
in the ledger database, so every worker and server shares the count: 5 failures within 15 minutes refuse
further tries from that name or address until the oldest is 15 minutes old.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, urlsplit

from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape

from peelkit.web.caching import Bounded, ttl
from peelkit.web.policy import Viewer, ViewerRole

if TYPE_CHECKING:
    from starlette.responses import Response

    from peelkit.web.app import WebSettings

SESSION_COOKIE = "peel_session"
CSRF_COOKIE = "peel_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE = timedelta(hours=8)
THROTTLE_LIMIT = 5
THROTTLE_WINDOW = timedelta(minutes=15)
_VIEWER = "peel.viewer"
_SESSION = "peel.session"
_NEW_ANON = "peel.new_csrf"


class LoginRequired(Exception):
    """An anonymous request for a signed-in page; answered with a redirect to /login?next=..."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def _settings(request: Request) -> WebSettings:
    return cast("WebSettings", request.app.state.settings)


def _serializer(settings: WebSettings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt="peel-session")


def _mac(settings: WebSettings, purpose: str, value: str) -> str:
    return hmac.new(settings.secret_key.encode(), f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SessionData:
    user_id: int
    nonce: str
    issued: datetime
    credentials: str = ""  # the user's credentials stamp when the session began


def _read_session(request: Request) -> SessionData | None:
    if _SESSION in request.scope:
        return cast("SessionData | None", request.scope[_SESSION])
    found: SessionData | None = None
    raw = request.cookies.get(SESSION_COOKIE)
    if raw:
        settings = _settings(request)
        try:
            payload = _serializer(settings).loads(raw)
            found = SessionData(int(payload["u"]), str(payload["n"]), datetime.fromisoformat(payload["t"]),
                                str(payload.get("c", "")))
        except (BadSignature, KeyError, TypeError, ValueError):
            found = None
        if found is not None and not _live(found, settings.clock(), _revoked(request)):
            found = None
    request.scope[_SESSION] = found
    return found


def _live(session: SessionData, now: datetime, revoked: dict[str, datetime]) -> bool:
    # A minute of grace for clocks of several workers; never a session from the future.
    fresh = session.issued <= now + timedelta(minutes=1) and now - session.issued < SESSION_MAX_AGE
    return fresh and session.nonce not in revoked


# --- users, re-read from the ledger with a short cache ---------------------------------------------------------

USER_CACHE_LIMIT = 10_000  # sessions whose user is kept (least recently used go first)
_NOBODY = Viewer.public()  # kept for a session that no longer admits anyone (the cache cannot hold None)


def _user_cache(request: Request) -> Bounded[tuple[int, str], Viewer]:
    settings = _settings(request)
    return cast("Bounded[tuple[int, str], Viewer]",
                _state(request, "user_cache", lambda: ttl(USER_CACHE_LIMIT, settings.user_cache_seconds)))


def _load_viewer(settings: WebSettings, user_id: int, nonce: str, credentials: str) -> Viewer | None:
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.sign_in import is_signed_out
    from peelkit.ledger.users import credentials_stamp, get_user

    with session_scope(settings.ledger_url, actor="web") as session:
        user = get_user(session, user_id)
        # A password changed since the session began ends it, as disabling the user does.
        if user is None or not user.active or is_signed_out(session, nonce) \
                or credentials_stamp(user) != credentials:
            return None
        return Viewer(user.id, user.name, cast(ViewerRole, user.role), user.force_code)


def _cached_viewer(request: Request, session: SessionData) -> Viewer | None:
    # The user and the session's standing are re-read at most every user_cache_seconds: a user disabled, or a
    # session signed out, in another worker is refused within that time (at once in this one).
    settings = _settings(request)
    viewer = _user_cache(request).get_or_build(
        (session.user_id, session.nonce),
        lambda: _load_viewer(settings, session.user_id, session.nonce, session.credentials) or _NOBODY)
    return None if viewer is _NOBODY else viewer


def session_id(request: Request) -> tuple[int, str] | None:
    """(user id, nonce) of the request's live session, None without one: what a page rendered for a signed-in
    viewer (their name, their form token) may be kept under."""
    session = _read_session(request)
    return None if session is None else (session.user_id, session.nonce)


def forget_user(request: Request, user_id: int) -> None:
    """Drop a user's cached sessions (after disabling or changing one in this process)."""
    _user_cache(request).drop(lambda key: key[0] != user_id)


def _state(request: Request, name: str, factory: Callable[[], Any]) -> Any:
    state = request.app.state
    value = getattr(state, f"auth_{name}", None)
    if value is None:
        value = factory()
        setattr(state, f"auth_{name}", value)
    return value


def _revoked(request: Request) -> dict[str, datetime]:
    # Nonces (-> issue time) of sessions signed out in this process, refused at once here; the ledger's list
    # (peelkit.ledger.sign_in) tells the other workers. Kept until the session would have expired anyway.
    return cast("dict[str, datetime]", _state(request, "revoked", dict))


def get_viewer(request: Request) -> Viewer:
    """Who is asking (a FastAPI dependency): the signed-in user, or the public."""
    if _VIEWER in request.scope:
        return cast(Viewer, request.scope[_VIEWER])
    session = _read_session(request)
    viewer = _cached_viewer(request, session) if session else None
    result = viewer or Viewer.public()
    request.scope[_VIEWER] = result
    return result


def require(*roles: str) -> Callable[[Request], Viewer]:
    """A dependency admitting signed-in users of these roles (any role when none given): anonymous HTML requests
    are sent to sign in, anonymous JSON requests get 401, other roles 403."""

    def dependency(request: Request) -> Viewer:
        from peelkit.web.templating import wants_json

        viewer = get_viewer(request)
        if viewer.role == "public":
            if wants_json(request) or request.method != "GET":
                raise HTTPException(401, "Sign in to see this page.")
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise LoginRequired(target)
        if roles and viewer.role not in roles:
            raise HTTPException(403, "Your account cannot see or do this.")
        return viewer

    return dependency


def login_redirect_url(next_path: str) -> str:
    return "/login?next=" + quote(next_path, safe="/")


def safe_next(value: str | None, default: str = "/status") -> str:
    """A local path to go to after sign-in; anything that could leave this site becomes `default`."""
    if not value:
        return default
    if any(ord(c) < 0x20 or c == "\\" for c in value):
        return default
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
        return default
    return value


# --- CSRF --------------------------------------------------------------------------------------------------------

def csrf_token(request: Request) -> str:
    """The token forms must send back in the `csrf_token` field: an HMAC of the session's nonce, or before
    sign-in of this browser's CSRF cookie (made now if it has none; the middleware then sets it)."""
    settings = _settings(request)
    session = _read_session(request)
    if session is not None:
        return _mac(settings, "session", session.nonce)
    anon = request.scope.get(_NEW_ANON) or request.cookies.get(CSRF_COOKIE)
    if not anon:
        anon = secrets.token_urlsafe(32)
        request.scope[_NEW_ANON] = anon
    return _mac(settings, "anon", anon)


class LazyCsrfToken:
    """`csrf_token` in templates: computed only when a page draws a form, so pages without forms set no cookie."""

    def __init__(self, request: Request) -> None:
        self._request = request
        self._value: str | None = None

    def __str__(self) -> str:
        if self._value is None:
            self._value = csrf_token(self._request)
        return self._value

    def __html__(self) -> str:
        return str(escape(str(self)))

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other)

    def __hash__(self) -> int:
        return hash(str(self))


def check_csrf(request: Request, form_token: str | None) -> None:
    """403 unless `form_token` is this session's (or this browser's) CSRF token and the origin is ours."""
    had_cookie = _read_session(request) is not None or bool(request.cookies.get(CSRF_COOKIE))
    expected = csrf_token(request) if had_cookie else ""
    if not expected or not form_token or not hmac.compare_digest(expected, form_token):
        raise HTTPException(403, "This form has expired or did not come from this site: go back, reload the page "
                                 "and try again.")
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise HTTPException(403, "This form was sent from another site.")


async def csrf_protect(request: Request) -> None:
    """A dependency for every POST: checks the form's `csrf_token` field (or the X-CSRF-Token header)."""
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    check_csrf(request, token)


def new_csrf_cookie(request: Request) -> str | None:
    """The CSRF cookie value this request minted (for the middleware to set on the response), if any."""
    return new_csrf_cookie_value(request.scope, request.cookies.get(CSRF_COOKIE))


def new_csrf_cookie_value(scope: Any, existing: str | None) -> str | None:
    value = scope.get(_NEW_ANON)
    return value if isinstance(value, str) and not existing else None


# --- sign in and out ---------------------------------------------------------------------------------------------

def _throttle_keys(request: Request, name: str) -> list[str]:
    client = request.client.host if request.client else "unknown"
    return [f"name:{name.strip().lower()}", f"ip:{client}"]


class TooManyAttempts(HTTPException):
    def __init__(self) -> None:
        super().__init__(429, "Too many failed sign-in attempts: wait 15 minutes and try again.")


def login(request: Request, name: str, password: str) -> Viewer | None:
    """Check the name and password (throttled): the viewer to start a session for, or None.
    Raises TooManyAttempts (429) after 5 failures for this name or this address within 15 minutes."""
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.sign_in import clear_failures, failures_since, record_failure, take_back
    from peelkit.ledger.users import authenticate

    settings = _settings(request)
    keys = _throttle_keys(request, name)
    now = settings.clock()
    actor = f"web:{name.strip().lower()[:64]}"
    # Count the attempt as a failure first, in its own committed transaction, and only then decide: of any
    # number of attempts racing each other, only the first THROTTLE_LIMIT to commit see a count within the
    # limit, so no more than that many passwords are ever checked (counting after the check let 19 of 24
    # concurrent attempts through).
    with session_scope(settings.ledger_url, actor=actor) as session:
        pending = record_failure(session, keys, now, forget_before=now - THROTTLE_WINDOW)
    user = None
    with session_scope(settings.ledger_url, actor=actor) as session:
        if failures_since(session, keys, now - THROTTLE_WINDOW) > THROTTLE_LIMIT:
            take_back(session, pending)  # a refused attempt is not a failure: it checked no password
            refused = True
        else:
            refused = False
            user = authenticate(session, name, password)
            if user is not None:
                take_back(session, pending)
                clear_failures(session, keys[0])
    if refused:
        raise TooManyAttempts()
    return None if user is None else Viewer(user.id, user.name, cast(ViewerRole, user.role), user.force_code)


def _credentials(settings: WebSettings, user_id: int) -> str:
    from peelkit.ledger.db import session_scope
    from peelkit.ledger.users import credentials_stamp, get_user

    with session_scope(settings.ledger_url, actor="web") as session:
        user = get_user(session, user_id)
        return credentials_stamp(user) if user is not None else ""


def start_session(request: Request, response: Response, viewer: Viewer) -> None:
    """Set a fresh session cookie (a new nonce: a session fixed before sign-in is never reused)."""
    settings = _settings(request)
    assert viewer.user_id is not None
    payload = {"u": viewer.user_id, "n": secrets.token_urlsafe(24), "t": settings.clock().isoformat(),
               "c": _credentials(settings, viewer.user_id)}
    response.set_cookie(SESSION_COOKIE, _serializer(settings).dumps(payload),
                        max_age=int(SESSION_MAX_AGE.total_seconds()), path="/", secure=settings.https,
                        httponly=True, samesite="lax")
    forget_user(request, viewer.user_id)


def end_session(request: Request, response: Response) -> None:
    session = _read_session(request)
    settings = _settings(request)
    if session is not None:
        from peelkit.ledger.db import session_scope
        from peelkit.ledger.sign_in import sign_out

        revoked = _revoked(request)
        now = settings.clock()
        for nonce, issued in list(revoked.items()):
            if now - issued >= SESSION_MAX_AGE:
                revoked.pop(nonce, None)
        revoked[session.nonce] = session.issued
        with session_scope(settings.ledger_url, actor="web") as ledger:
            sign_out(ledger, session.nonce, session.issued + SESSION_MAX_AGE, now)
        forget_user(request, session.user_id)
    response.delete_cookie(SESSION_COOKIE, path="/", secure=settings.https, httponly=True, samesite="lax")


def set_csrf_cookie(response: Response, value: str, https: bool) -> None:
    response.set_cookie(CSRF_COOKIE, value, max_age=int(SESSION_MAX_AGE.total_seconds()), path="/", secure=https,
                        httponly=True, samesite="lax")
