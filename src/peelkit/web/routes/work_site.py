"""Rebuilding the published site from the publication control page: `peel publish` as a background job
(peelkit.publish.job), one at a time, its progress shown on the page (which reloads itself while the job runs,
without JavaScript), a second start refused with the reason, a failure shown with its message."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from peelkit.locks import Busy
from peelkit.publish import job
from peelkit.web.auth import csrf_protect
from peelkit.web.routes import work_common as common
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)
FORMAT_CHOICES = {"html,pdf": ("html", "pdf"), "html": ("html",)}


def site_data(request: Request, publication_id: str) -> dict[str, Any]:
    """The control page's site part: the last job's status (any publication's: the site folder is one)."""
    status = job.read_status(common.settings(request).site_dir)
    running = bool(status and status.get("state") == "running")
    return {"job": status, "running": running, "this_publication": bool(status and status.get("publication") ==
                                                                         publication_id),
            "action": f"/publications/{publication_id}/control/site", "errors": common.FormErrors().to_dict()}


@router.post("/publications/{publication}/control/site", dependencies=[Depends(csrf_protect)])
def rebuild_site(request: Request, viewer: common.Analyst, publication: str,
                 formats: common.FormText = "html,pdf") -> Response:
    from peelkit.web.routes.work_control import control_data

    pub = common.publication_or_404(publication)
    errors = common.FormErrors()
    chosen = FORMAT_CHOICES.get(formats)
    if chosen is None:
        errors.add("formats", "Choose what to build: the HTML and PDF reports, or the HTML reports only")
    else:
        web = common.settings(request)
        try:
            job.start(job.JobRequest(web.site_dir, pub.id, web.warehouse_path, viewer.name or viewer.role, chosen,
                                     jobs=min(2, os.cpu_count() or 1)), web.ledger_url)
        except Busy as error:
            errors.add("formats", str(error)[0].upper() + str(error)[1:])
    if errors:
        with common.ledger(request, viewer) as session:
            data = control_data(session, request, pub)
        data["site"]["errors"] = errors.to_dict()
        return page(request, "work/control.html", data, status_code=409 if chosen else 400)
    return common.saved(request, f"/publications/{pub.id}/control", "publish-started")
