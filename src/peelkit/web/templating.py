"""Rendering pages: one Jinja environment (autoescaped) that also finds the GOV.UK Frontend macros, and
:func:`page`, which answers a path ending in ``.json`` with the page's data as JSON and any other path with the
rendered template. Every page thereby has a ``.json`` twin with exactly the data the HTML shows."""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader, select_autoescape
from markupsafe import Markup

from peelkit.plural import counted, word_for

SERVICE_NAME = "PEEL: police effectiveness"


def _markdown(text: str | None) -> Markup:
    from peelkit.publish.markdown import render_markdown

    return render_markdown(text)


def when(value: datetime | date | str | None) -> str:
    """A date or time for people: 22 March 2018, 00:01 UTC (ISO strings accepted; None is a dash)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return f"{value.day} {value:%B %Y, %H:%M} UTC"
    return f"{value.day} {value:%B %Y}"


def force_name(code: str | None) -> str:
    """A force's name from its code (the code itself if unknown; a dash for none)."""
    if not code:
        return "–"
    from peelkit.forces import find

    area = find(code)
    return area.name if area is not None else code


# The GOV.UK Frontend components the pages use, by folder: each becomes a global under its macro's name
# (govukButton, govukSummaryList, ...), so a template calls it without importing it from its macro file.
GOVUK_COMPONENTS = ("button", "checkboxes", "details", "error-summary", "file-upload", "footer", "header", "input",
                    "inset-text", "notification-banner", "password-input", "radios", "select", "service-navigation",
                    "summary-list", "table", "tag", "textarea", "warning-text")


def _govuk_components(env: Environment) -> dict[str, Any]:
    macros: dict[str, Any] = {}
    for folder in GOVUK_COMPONENTS:
        name = "govuk" + folder.title().replace("-", "")
        macros[name] = getattr(env.get_template(f"govuk_frontend_jinja/components/{folder}/macro.html").module, name)
    return macros


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([
            PackageLoader("peelkit.web", "templates"),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja", "templates")}),
        ]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the package: no stat of every template on every render
    )
    env.filters["markdown"] = _markdown  # sanitised Markdown (narrative, query text)
    env.filters["when"] = when
    env.filters["force_name"] = force_name
    env.filters["counted"] = counted  # "1 force", "2 forces"
    env.filters["word_for"] = word_for  # the word that agrees with a count: "has"/"have"
    env.globals.update(_govuk_components(env))
    return env


templates: Environment = _environment()


@dataclass(frozen=True)
class NavItem:
    text: str
    href: str


def navigation(role: str) -> list[NavItem]:
    """The header's links for this kind of viewer (sign in and out are drawn separately)."""
    latest = latest_publication()
    items = [NavItem("Home", "/"), NavItem("Find your force", "/forces"),
             NavItem("Compare", f"/publications/{latest}/compare")]
    if role != "public":
        items += [NavItem("Data status", "/status"), NavItem("Data queries", "/queries"),
                  NavItem("Returns", "/returns"), NavItem("Accuracy check", f"/accuracy/{latest}")]
    if role in ("analyst", "inspector"):
        items += [NavItem("Checks", "/checks"), NavItem("Ledger", "/ledger")]
    if role == "analyst":
        items.append(NavItem("Publications", f"/publications/{latest}/control"))
    return items


@functools.cache
def latest_publication() -> str:
    """The built-in publication with the latest year (ids sort by name, not by year)."""
    from peelkit.indicators.publication import available, load

    return max(available(), key=lambda pub_id: (load(pub_id).year, pub_id))


def wants_json(request: Request) -> bool:
    """A `.json` twin or an API path: errors and redirects answer in JSON too."""
    path = request.url.path
    return path.endswith(".json") or path == "/api" or path.startswith("/api/")


def plain(value: Any, where: str = "data") -> Any:
    """`value` as JSON-ready plain data; refuses anything else (e.g. Markup, which is HTML, not data)."""
    if value is None or (isinstance(value, bool | int | str) and not isinstance(value, Markup)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): plain(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    raise TypeError(f"{where} is a {type(value).__name__}, not plain data: convert it before passing it to page()")


def render(request: Request, template: str, data: Mapping[str, Any]) -> str:
    """The template rendered with `data` and what every page has: request, viewer, csrf_token, now, nav."""
    from peelkit.web.auth import LazyCsrfToken, get_viewer

    viewer = get_viewer(request)
    settings = request.app.state.settings
    context: dict[str, Any] = {
        "serviceName": SERVICE_NAME,
        "service_name": SERVICE_NAME,
        "assetPath": "/static/govuk/assets",
        "request": request,
        "viewer": viewer,
        "csrf_token": LazyCsrfToken(request),
        "now": settings.clock(),
        "nav": navigation(viewer.role),
        "current_path": request.url.path,
        **data,
    }
    return templates.get_template(template).render(context)


def page(request: Request, template: str, data: Mapping[str, Any], *, status_code: int = 200) -> Response:
    """The page at this URL: JSON of `data` for a path ending in `.json`, else the HTML of `template`."""
    if request.url.path.endswith(".json"):
        return JSONResponse(plain(dict(data)), status_code=status_code)
    return HTMLResponse(render(request, template, data), status_code=status_code)
