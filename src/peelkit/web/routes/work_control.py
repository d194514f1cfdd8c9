"""Publication control for analysts: draft -> embargoed (with a release time, entered as UK time and stored in
UTC) -> published, or back to draft before the release. Through peelkit.ledger.publication_state (audited,
versioned: a change made meanwhile by someone else is shown, not overwritten)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from peelkit.errors import PeelError, RecordRuleError
from peelkit.indicators.publication import Publication
from peelkit.ledger import publication_state as ps
from peelkit.ledger.base import ConflictError
from peelkit.web.policy import Viewer
from peelkit.web.routes import work_common as common
from peelkit.web.routes.work_audit import record_audit
from peelkit.web.routes.work_site import site_data
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)
STATE_LABELS = {"draft": "Draft", "embargoed": "Embargoed", "published": "Published"}


def control_data(session: Session, request: Request, pub: Publication,
                 release_value: str | None = None) -> dict[str, Any]:
    status = ps.get_status(session, pub.id)
    clock = common.now(request)
    released = status.is_public(clock)
    open_embargo = status.state == "embargoed" and not released
    gate = ps.gate_problems(session, pub.id, _current_returns(request)) if status.state != "published" else []
    return {
        "publication": {"id": pub.id, "title": pub.title},
        "gate": gate,
        "override": {"reason": status.override_reason, "detail": list(status.override_detail)},
        "status": {"state": status.state, "label": STATE_LABELS[status.state],
                   "release_at": common.iso(status.release_at),
                   "release": common.uk_time(status.release_at) if status.release_at else None,
                   "version": status.version,
                   "public": released, "released_at": common.iso(status.released_at),
                   "released": common.uk_time(status.released_at) if status.released_at else None},
        "now": common.uk_time(clock),
        "can_embargo": status.state == "draft" or open_embargo,
        "can_publish": status.state != "published",
        "can_return_to_draft": open_embargo,
        "release_value": release_value if release_value is not None else common.uk_local_input(status.release_at),
        "audit": record_audit(session, "publication_state", pub.id),
        "errors": common.FormErrors().to_dict(),
        "conflict": False,
        "notice": common.notice(request),
        "base": f"/publications/{pub.id}/control",
        "site": site_data(request, pub.id),
    }


@router.get("/publications/{publication}/control")
@router.get("/publications/{publication}/control.json")
def control_page(request: Request, viewer: common.Analyst, publication: str) -> Response:
    pub = common.publication_or_404(common.strip_json(publication))
    with common.ledger(request, viewer) as session:
        data = control_data(session, request, pub)
    return page(request, "work/control.html", data)


def _current_returns(request: Request) -> dict[str, int] | None:
    from peelkit import warehouse

    return warehouse.current_returns(common.settings(request).warehouse_path)


def _change(request: Request, viewer: Viewer, pub: Publication, state: str, release_value: str,
            version: str, override: str = "") -> Response:
    errors = common.FormErrors()
    release = None
    if state == "embargoed":
        if not release_value.strip():
            errors.add("release_at", "Enter the release date and time")
        else:
            try:
                release = common.parse_uk_local(release_value)
            except ValueError as error:
                reason = str(error) if "does not exist" in str(error) else "enter it as a date and a time"
                errors.add("release_at", f"Enter a real release time: {reason}")
            else:
                if release <= common.now(request):
                    errors.add("release_at", "The release time must be in the future; to release now, publish")
    conflict = False
    if not errors:
        try:
            with common.ledger(request, viewer) as session:
                ps.set_status(session, pub.id, state, release, common.parse_version(version), now=common.now(request),
                              override=override or None, current_returns=_current_returns(request))
        except ConflictError:
            conflict = True
        except RecordRuleError as error:
            errors.add("override", str(error).split("\n", 1)[0] + " Give a reason to release anyway, or resolve them.")
        except PeelError as error:
            errors.add("release_at" if state == "embargoed" else "state", str(error))
    if errors or conflict:
        with common.ledger(request, viewer) as session:
            data = control_data(session, request, pub, release_value if state == "embargoed" else None)
        data["errors"], data["conflict"], data["attempted"] = errors.to_dict(), conflict, STATE_LABELS[state]
        data["override_value"] = override
        return page(request, "work/control.html", data, status_code=409 if conflict else 400)
    return common.saved(request, f"/publications/{pub.id}/control", state)


@router.post("/publications/{publication}/control/embargo", dependencies=common.CSRF)
def embargo(request: Request, viewer: common.Analyst, publication: str, release_at: common.FormText = "",
            version: common.FormText = "", override: common.FormText = "") -> Response:
    return _change(request, viewer, common.publication_or_404(publication), "embargoed", release_at, version, override)


@router.post("/publications/{publication}/control/publish", dependencies=common.CSRF)
def publish(request: Request, viewer: common.Analyst, publication: str, version: common.FormText = "",
            override: common.FormText = "") -> Response:
    return _change(request, viewer, common.publication_or_404(publication), "published", "", version, override)


@router.post("/publications/{publication}/control/draft", dependencies=common.CSRF)
def return_to_draft(request: Request, viewer: common.Analyst, publication: str,
                    version: common.FormText = "") -> Response:
    return _change(request, viewer, common.publication_or_404(publication), "draft", "", version)
