"""Helpers shared by the work-side pages (status, queries, ledger editing, publication control): a ledger
session per request acting as the signed-in user, the `.json` twin of a path parameter, publications and
forces from URLs (unknown -> 404), UK times, the redirect after a save, and form errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from peelkit import forces
from peelkit.forces import Area
from peelkit.indicators.publication import Publication
from peelkit.ledger import db
from peelkit.ledger import frameworks as fw
from peelkit.web.auth import csrf_protect, require
from peelkit.web.data import builtin_publication, force_by_slug
from peelkit.web.policy import Viewer
from peelkit.web.templating import latest_publication

LONDON = ZoneInfo("Europe/London")
DASH = "–"

# Who may use a work page (anyone else gets peelkit.web.auth.require's 401 or 403), and the CSRF check every
# form post carries.
Analyst = Annotated[Viewer, Depends(require("analyst"))]
Inspector = Annotated[Viewer, Depends(require("inspector"))]
Staff = Annotated[Viewer, Depends(require("analyst", "inspector"))]
Signed = Annotated[Viewer, Depends(require("analyst", "inspector", "force"))]
CSRF = [Depends(csrf_protect)]
# A posted form field, as text ("" where the parameter gives that default and the form leaves it out).
FormText = Annotated[str, Form()]

# Success messages shown after a save (the redirect carries a code, never text, so nothing user-made is
# echoed from the URL).
NOTICES: dict[str, str] = {
    "judgment": "The judgment has been saved.",
    "moderated": "Your moderation decision has been recorded.",
    "checks-run": "The checks have been run.",
    "publish-started": "The site is being rebuilt.",
    "area-raised": "The area for improvement has been recorded.",
    "area-status": "The status of the area has been updated.",
    "recommendation": "The recommendation has been saved.",
    "narrative": "The narrative has been saved.",
    "file-review": "The file review answers have been saved.",
    "answered": "Your answer has been recorded.",
    "raised": "The data query has been raised.",
    "closed": "The data query has been closed.",
    "reopened": "The data query has been reopened.",
    "signed-off": "Your sign-off has been recorded.",
    "return-submitted": "The return has been checked and loaded: the figures below are the ones submitted.",
    "accuracy-window": "The factual-accuracy window has been set.",
    "accuracy-comment": "Your comment has been sent to the inspectors.",
    "accuracy-answer": "The answer to the comment has been recorded.",
    "embargoed": "The publication is now under embargo until its release time.",
    "published": "The publication is now published.",
    "draft": "The publication is a draft again.",
}


def settings(request: Request) -> Any:
    return request.app.state.settings


def now(request: Request) -> datetime:
    """The app's clock (UTC, aware): tests replace it."""
    value: datetime = settings(request).clock()
    return value


@contextmanager
def ledger(request: Request, viewer: Viewer, correction: str | None = None) -> Iterator[Session]:
    """One transaction on the ledger, every audit row naming the signed-in user; `correction` is the reason
    given when the change corrects a published record (peelkit.ledger.corrections)."""
    from peelkit.ledger.corrections import NOW_KEY, begin_correction

    actor = viewer.name or viewer.role
    with db.session_scope(settings(request).ledger_url, actor=actor) as session:
        session.info[NOW_KEY] = now(request)  # the app's clock decides what is public, here as on every page
        begin_correction(session, correction)
        yield session


def strip_json(value: str) -> str:
    """The last path parameter without its `.json` suffix (`page()` answers JSON for such paths)."""
    return value.removesuffix(".json")


def publication_or_404(publication_id: str) -> Publication:
    pub = builtin_publication(publication_id)
    if pub is None:
        raise HTTPException(status_code=404)
    return pub


def default_publication() -> str:
    return latest_publication()


def force_by_slug_or_404(slug: str) -> Area:
    area = force_by_slug(slug)
    if area is None:
        raise HTTPException(status_code=404)
    return area


def force_choices() -> list[dict[str, str]]:
    return [{"code": a.code, "name": a.name, "slug": a.slug} for a in sorted(forces.forces(), key=lambda a: a.name)]


def uk_time(value: datetime | None) -> str:
    """A stored time (naive UTC, or aware) as UK local time, e.g. '22 March 2018, 09:30 GMT'."""
    if value is None:
        return DASH
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    local = aware.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


def parse_uk_local(text: str) -> datetime:
    """A `datetime-local` value read as Europe/London time, returned in UTC; a time the clocks skip (spring
    forward) raises ValueError."""
    local = datetime.fromisoformat(text.strip()).replace(tzinfo=LONDON)
    back = local.astimezone(UTC).astimezone(LONDON)
    if back.replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("that time does not exist in the UK: the clocks go forward then")
    return local.astimezone(UTC)


def uk_local_input(value: datetime | None) -> str:
    """The value for a `datetime-local` input showing a UTC time in UK local time."""
    if value is None:
        return ""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M")


def parse_day(text: str, errors: FormErrors, field: str, request: Request) -> date:
    """A form's year-month-day field; blank means today in London."""
    today = now(request).astimezone(LONDON).date()
    if not text.strip():
        return today
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors.add(field, "Enter the date as year-month-day, for example 2017-11-30")
        return today


def parse_version(text: str) -> int:
    """The hidden `version` field: the version the editor read, 0 when the record did not exist yet. Required:
    without it an edit could silently overwrite one made meanwhile (optimistic locking needs the version)."""
    text = text.strip()
    if not text:
        raise HTTPException(status_code=400, detail="the form has no version field: reload the page and try again")
    try:
        value = int(text)
    except ValueError:
        raise HTTPException(status_code=400, detail="the form's version field is not a number") from None
    if value < 0:
        raise HTTPException(status_code=400, detail="the form's version field is not a version")
    return value


def invalidate_cache(request: Request) -> None:
    """Drop cached publication data so the live draft report shows the save at once."""
    cache = getattr(request.app.state, "cache", None)
    if cache is not None:
        cache.invalidate()


def saved(request: Request, path: str, notice: str, **params: str) -> RedirectResponse:
    """POST/redirect/GET after a successful save, with a success notice shown by the page."""
    invalidate_cache(request)
    query = urlencode({**params, "saved": notice})
    return RedirectResponse(f"{path}?{query}", status_code=303)


def notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("saved", ""))


@dataclass
class FormErrors:
    """Errors for the GOV.UK error summary (each linking to its field) and the fields' own messages."""

    items: list[dict[str, str]] = field(default_factory=list)

    def add(self, field_id: str, message: str) -> None:
        self.items.append({"field": field_id, "text": message})

    def __bool__(self) -> bool:
        return bool(self.items)

    def summary(self) -> list[dict[str, str]]:
        return [{"text": e["text"], "href": f"#{e['field']}"} for e in self.items]

    def by_field(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for e in self.items:
            found.setdefault(e["field"], e["text"])
        return found

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary(), "fields": self.by_field()}


@dataclass(frozen=True)
class Target:
    """The publication, its programme year's framework and the force a ledger page edits."""

    pub: Publication
    framework: fw.Framework
    area: Area

    @property
    def base(self) -> str:
        return f"/ledger/{self.pub.id}/forces/{self.area.slug}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "publication": {"id": self.pub.id, "title": self.pub.title, "year": self.framework.year},
            "force": {"code": self.area.code, "name": self.area.name, "slug": self.area.slug},
            "framework": {"id": self.framework.id, "year": self.framework.year, "title": self.framework.title,
                          "scale": self.framework.scale, "confidence": self.framework.confidence,
                          "areas_complete": self.framework.areas_complete,
                          "notice": framework_notice(self.framework)},
            "ledger_url": self.base,
            "report_url": f"/publications/{self.pub.id}/forces/{self.area.slug}/report",
        }


def target_or_404(publication_id: str, slug: str) -> Target:
    pub = publication_or_404(publication_id)
    try:
        framework = fw.for_publication(pub)
    except fw.FrameworkError:
        raise HTTPException(status_code=404) from None
    return Target(pub, framework, force_by_slug_or_404(slug))


def area_label(question: fw.Question) -> str:
    """An area as a form lists it: its heading, with its revision where it belongs to an earlier one only."""
    only = f" (only in revision {', '.join(question.revisions)})" if question.revisions else ""
    return f"{question.title}{only}"


def framework_notice(framework: fw.Framework) -> str | None:
    """What an inspector must know about the framework data: an unconfirmed area list, unconfirmed wording."""
    if not framework.areas_complete:
        return (f"The {framework.year} framework's area list is not confirmed: only the areas known are listed. "
                "An administrator loads the definitive list with `peel ledger frameworks load FILE`.")
    if framework.confidence != "confirmed":
        return f"Some wording of the {framework.year} framework is not confirmed (see `peel ledger frameworks`)."
    return None


def section_title(framework: fw.Framework, section: str) -> str:
    if section == "overview":
        return "Overview"
    if section == "specialist_capabilities":
        return "Specialist capabilities"
    return framework.question(section).title


def narrative_sections(framework: fw.Framework) -> list[str]:
    """The report's narrative sections: overview, each area the report has a section for (graded ones, and
    ungraded ones such as 2021/22's victim service, but not the specialist capabilities question, which has
    its own section), specialist capabilities."""
    areas = (q.id for q in framework.questions if q.graded or q.id != "Q5_specialist_capabilities")
    return ["overview", *areas, "specialist_capabilities"]


def draft_status(request: Request, viewer: Viewer, publication_id: str) -> dict[str, object] | None:
    """The publication's status for base.html's embargo banner, or None once it is public."""
    from peelkit.ledger.publication_state import get_status
    from peelkit.web.pages import draft_status as banner

    with ledger(request, viewer) as session:
        status = get_status(session, publication_id)
    return banner(status, now(request))


def render_ledger(request: Request, viewer: Viewer, target: Target, template: str, data: dict[str, Any],
                status_code: int = 200) -> Response:
    """A ledger page: draft content, so it carries the embargo banner until the publication is public."""
    from peelkit.web.templating import page

    return page(request, template, {**data, "draft_status": draft_status(request, viewer, target.pub.id)},
                status_code=status_code)


def ledger_form_again(request: Request, viewer: Viewer, target: Target, template: str, data: dict[str, Any],
                      errors: FormErrors, conflict: bool | list[str]) -> Response:
    """A ledger form shown again when its save did not happen: with its errors (400), or, when someone saved the
    record meanwhile, with that version beside the editor's unsaved values (409)."""
    data["errors"], data["conflict"] = errors.to_dict(), conflict
    return render_ledger(request, viewer, target, template, data, status_code=409 if conflict else 400)
