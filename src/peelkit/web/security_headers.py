"""Security headers on every response: a strict Content Security Policy (only our own scripts, styles, fonts and
images; no framing), nosniff and a same-origin referrer. A route that must relax the policy (the live report
with its inline stylesheet) sets its own Content-Security-Policy header, built with
:func:`content_security_policy`; the middleware leaves such a header alone."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import cache
from importlib import resources

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# The Swagger UI page FastAPI serves loads its script and styles from this CDN.


def sha256_source(text: str) -> str:
    """A CSP source allowing exactly this inline script or style."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


@cache
def govuk_template_script_hashes() -> tuple[str, ...]:
    """The GOV.UK page template has one tiny inline script (it marks the body js-enabled); allow that exact
    script by its hash rather than allowing inline scripts."""
    template = resources.files("govuk_frontend_jinja").joinpath("templates", "template.html").read_text("utf-8")
    return tuple(sha256_source(body) for body in re.findall(r"<script[^>]*>(.*?)</script>", template, re.S))


def content_security_policy(*, inline_styles: Iterable[str] = ()) -> str:
    """The policy; `inline_styles` are exact <style> bodies to allow by hash."""
    scripts = ["'self'", *govuk_template_script_hashes()]
    styles = ["'self'", *(sha256_source(style) for style in inline_styles)]
    return "; ".join([
        "default-src 'self'",
        f"script-src {' '.join(scripts)}",
        f"style-src {' '.join(styles)}",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


class SecurityHeadersMiddleware:
    """Adds the headers to every HTTP response (pure ASGI, so streamed files pass straight through)."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https
        self.policy = content_security_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self.policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "content-security-policy" not in headers:
                    headers["Content-Security-Policy"] = policy
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "same-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if self.https:
                    headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            await send(message)

        await self.app(scope, receive, send_with_headers)
