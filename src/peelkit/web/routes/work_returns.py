"""The force data return on the web: download the blank return (XLSX), upload the filled one, and see "your
submitted figures" with their status and the history of submissions. A force user works on its own force's
return only (a `force` parameter naming another force is ignored, as on /queries); analysts on any force's;
inspectors read. The upload is checked and loaded by peelkit.ledger.submissions exactly like
`peel returns import` (every problem located, nothing partly loaded); the audit log records what it changed.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import duckdb
from fastapi import APIRouter, Depends, HTTPException, Request, UploadFile
from fastapi.responses import Response

from peelkit import forces
from peelkit.errors import PeelError
from peelkit.findings import ImportFailed
from peelkit.forces import Area
from peelkit.ledger.queries import list_queries, return_status
from peelkit.ledger.submissions import submit_return, submitted_figures
from peelkit.locks import Busy
from peelkit.returns import submissions
from peelkit.sources.force_return.items import return_spec
from peelkit.web.auth import csrf_protect, require
from peelkit.web.policy import Viewer, can_submit_return
from peelkit.web.routes import work_common as common
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)
Submitter = Annotated[Viewer, Depends(require("analyst", "force"))]
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a filled return is tens of kilobytes; anything near this is not one
SUFFIXES = (".xlsx", ".csv")
BUSY_TRIES = 8


async def upload_size_limit(request: Request) -> None:
    """Refuse an oversized upload before its body is read (413); a body without a length is counted as copied."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_UPLOAD_BYTES + 64 * 1024:
        raise HTTPException(status_code=413, detail=f"The file is too large: a return is at most "
                                                    f"{MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")


def _area(viewer: Viewer, force: str) -> Area | None:
    """The force whose return is shown: a force user's own, else the one asked for (None: none chosen)."""
    if viewer.role == "force":
        return forces.match(viewer.force_code or "")
    area = forces.find(force) if force else None
    return area if area is not None and area.is_territorial_force else None


def returns_data(request: Request, viewer: Viewer, publication_id: str, area: Area | None) -> dict[str, Any]:
    pub = common.publication_or_404(publication_id)
    path: Path = common.settings(request).warehouse_path
    figures: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    note = None
    status: dict[str, Any] | None = None
    queries: list[dict[str, Any]] = []
    if area is not None:
        try:
            figures = [f.to_dict() for f in submitted_figures(path, pub.id, area.code)] if path.exists() else []
            history = _history(path, area.code)
        except duckdb.Error as error:
            note = f"The warehouse could not be read just now ({type(error).__name__}); try again shortly."
        current = history[-1]["import_id"] if history else None
        with common.ledger(request, viewer) as session:
            row = next(r for r in return_status(session, pub.id, {area.code: current} if current else {})
                       if r.force_code == area.code)
            status = {**row.to_dict(), "signed": common.uk_time(row.signed_at) if row.signed_at else None}
            queries = [{"id": q.id, "item": q.item, "status": q.status, "message": q.message,
                        "close_reason": q.close_reason} for q in list_queries(session, pub.id, area.code)]
    return {
        "publication": {"id": pub.id, "title": pub.title},
        "force": {"code": area.code, "name": area.name, "slug": area.slug} if area else None,
        "forces": [] if viewer.role == "force" else common.force_choices(),
        "figures": figures, "history": history, "status": status, "queries": queries,
        "warehouse_note": note,
        "can_submit": area is not None and can_submit_return(viewer, area.code),
        "max_upload_mb": MAX_UPLOAD_BYTES // (1024 * 1024),
        "notice": common.notice(request),
    }


def _history(path: Path, force_code: str) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    from peelkit import warehouse

    con = warehouse.connect(path, read_only=True)
    try:
        rows = submissions(con, force_code)
    finally:
        con.close()
    return [{**s.to_dict(), "imported": common.uk_time(s.imported_at)} for s in rows]


@router.get("/returns")
@router.get("/returns.json")
def returns_page(request: Request, viewer: common.Signed, publication: str = "", force: str = "") -> Response:
    data = returns_data(request, viewer, publication or common.default_publication(), _area(viewer, force))
    return page(request, "work/returns.html", data)


@router.get("/returns/template.xlsx")
def template_download(request: Request, viewer: common.Signed, publication: str = "", force: str = "") -> Response:
    from peelkit.returns.template import write_return

    pub = common.publication_or_404(publication or common.default_publication())
    area = _area(viewer, force)
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "return.xlsx"
        try:
            write_return(return_spec(pub.id), target, area)
        except PeelError:
            raise HTTPException(status_code=404) from None
        content = target.read_bytes()
    name = f"{area.slug if area else 'force'}-return-{pub.id}.xlsx"
    return Response(content, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/returns/upload", dependencies=[Depends(upload_size_limit), Depends(csrf_protect)])
def upload(request: Request, viewer: Submitter, file: UploadFile | None = None,
           publication: common.FormText = "", force: common.FormText = "") -> Response:
    pub = common.publication_or_404(publication or common.default_publication())
    area = _area(viewer, force)
    errors = common.FormErrors()
    problems: list[str] = []
    if area is None:
        errors.add("force", "Choose the force whose return this is")
    elif not can_submit_return(viewer, area.code):
        raise HTTPException(status_code=403)
    name = Path(file.filename or "").name if file is not None else ""
    if not name:
        errors.add("file", "Choose the filled return to upload")
    elif Path(name).suffix.lower() not in SUFFIXES:
        errors.add("file", "The file must be the return as an .xlsx workbook (or the long-form .csv)")
    if not errors and file is not None and area is not None:
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / name
            if not _copy_limited(file, target):
                errors.add("file", f"The file is too large: a return is at most {MAX_UPLOAD_BYTES // 2**20} MB")
            else:
                problems = _submit(request, viewer, target, pub.id, area, errors)
    if errors:
        data = returns_data(request, viewer, pub.id, area)
        data["form"] = {"errors": errors.to_dict(), "problems": problems, "file_name": name}
        return page(request, "work/returns.html", data, status_code=400)
    return common.saved(request, "/returns", "return-submitted", publication=pub.id,
                        **({} if viewer.role == "force" or area is None else {"force": area.slug}))


def _copy_limited(file: UploadFile, target: Path) -> bool:
    copied = 0
    with target.open("wb") as out:
        while chunk := file.file.read(1024 * 1024):
            copied += len(chunk)
            if copied > MAX_UPLOAD_BYTES:
                return False
            out.write(chunk)
    return True


def _submit(request: Request, viewer: Viewer, path: Path, publication_id: str, area: Area,
            errors: common.FormErrors) -> list[str]:
    """Import the upload; the located problems when it was refused (nothing loaded)."""
    try:
        _submit_when_free(path, publication_id, viewer.name or viewer.role, area.code, request)
    except ImportFailed as failed:
        count = len(failed.findings)
        errors.add("file", f"The return has {count} {'problem' if count == 1 else 'problems'} and was not loaded: "
                           "correct them and upload it again")
        return [f"{f.location().replace(str(path), path.name)}: {f.message}"
                + (f" (found {f.value!r}; expected {f.expected})" if f.value is not None and f.expected else "")
                for f in failed.findings] + failed.suppressed
    except PeelError as error:
        errors.add("file", str(error).replace(str(path), path.name))
    except duckdb.Error:
        errors.add("file", "The warehouse is busy just now (another import or page is reading it): nothing was "
                           "loaded; upload the return again in a moment")
    return []


def _submit_when_free(path: Path, publication_id: str, by: str, force_code: str, request: Request) -> None:
    """DuckDB lets no connection write while another in this process reads (and no process while another
    writes): a clash is brief, so try again a few times before giving up (nothing is loaded by a failed try)."""
    for attempt in range(BUSY_TRIES):
        try:
            submit_return(path, publication_id, by, force_code=force_code,
                          warehouse_path=common.settings(request).warehouse_path,
                          ledger_url=common.settings(request).ledger_url)
            return
        except (duckdb.ConnectionException, Busy):
            if attempt == BUSY_TRIES - 1:
                raise
            time.sleep(0.25 * (attempt + 1))

