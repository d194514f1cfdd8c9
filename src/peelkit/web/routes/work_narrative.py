"""Inspector narrative: Markdown per report section, with a Preview button (a POST that re-renders the form with
the sanitised HTML and saves nothing) and Save (peelkit.ledger.narrative.set_narrative, audited)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.errors import PeelError, RecordRuleError
from peelkit.ledger.base import ConflictError
from peelkit.ledger.narrative import MAX_LENGTH, Narrative, set_narrative
from peelkit.publish.markdown import render_markdown
from peelkit.web.routes import work_common as common

router = APIRouter(include_in_schema=False)


def _section_or_404(target: common.Target, section: str) -> str:
    if section not in common.narrative_sections(target.framework):
        raise HTTPException(status_code=404)
    return section


def _saved_row(session: Session, target: common.Target, section: str) -> Narrative | None:
    return session.scalars(select(Narrative).where(
        Narrative.force_code == target.area.code, Narrative.year == target.framework.year,
        Narrative.section == section)).one_or_none()


def narrative_data(session: Session, target: common.Target, section: str, text: str | None = None) -> dict[str, Any]:
    row = _saved_row(session, target, section)
    recorded = None if row is None else {"text": row.text, "author": row.author,
                                         "updated": common.uk_time(row.updated_at), "version": row.version}
    return {**target.to_dict(), "section": {"id": section, "title": common.section_title(target.framework, section)},
            "recorded": recorded, "version": row.version if row else 0,
            "text": row.text if (text is None and row is not None) else (text or ""),
            "max_length": MAX_LENGTH, "errors": common.FormErrors().to_dict(), "conflict": False,
            "action": f"{target.base}/narrative/{section}"}


@router.get("/ledger/{publication}/forces/{slug}/narrative/{section}")
def narrative_page(request: Request, viewer: common.Inspector, publication: str, slug: str, section: str) -> Response:
    target = common.target_or_404(publication, slug)
    chosen = _section_or_404(target, common.strip_json(section))
    with common.ledger(request, viewer) as session:
        data = narrative_data(session, target, chosen)
    return common.render_ledger(request, viewer, target, "work/narrative.html", data)


@router.post("/ledger/{publication}/forces/{slug}/narrative/{section}", dependencies=common.CSRF)
def save_narrative(request: Request, viewer: common.Inspector, publication: str, slug: str, section: str,
                   text: common.FormText = "", version: common.FormText = "",
                   action: common.FormText = "save", correction: common.FormText = "") -> Response:
    target = common.target_or_404(publication, slug)
    chosen = _section_or_404(target, section)
    # Browsers send Windows line ends from a textarea; keep the stored Markdown in one form.
    text = text.replace("\r\n", "\n")
    errors = common.FormErrors()
    if len(text) > MAX_LENGTH:
        errors.add("text", f"The narrative is {len(text):,} characters; it must be {MAX_LENGTH:,} or fewer")
    if action == "preview" or errors:
        with common.ledger(request, viewer) as session:
            data = narrative_data(session, target, chosen, text)
        # The preview is sanitised HTML (markdown-it without raw HTML, then nh3): never the raw text.
        data["preview"] = render_markdown(text) if action == "preview" and not errors else None
        data["previewed"] = action == "preview"
        # Keep the version the editor first read, so a save after previewing still detects a change made
        # meanwhile.
        data["version"] = int(version) if version.strip().isdigit() else 0
        data["errors"] = errors.to_dict()
        return common.render_ledger(request, viewer, target, "work/narrative.html", data,
                                    status_code=400 if errors else 200)
    conflict = False
    expected = common.parse_version(version)
    try:
        with common.ledger(request, viewer, correction) as session:
            existing = _saved_row(session, target, chosen)
            if expected is None and existing is not None:
                raise ConflictError(existing.describe())
            set_narrative(session, target.area.code, target.framework.id, chosen, text, expected)
    except ConflictError:
        conflict = True
    except RecordRuleError as error:
        errors.add("correction", str(error))
    except PeelError as error:
        errors.add("text", str(error))
    if conflict or errors:
        with common.ledger(request, viewer) as session:
            data = narrative_data(session, target, chosen, text)
        data["correction_value"] = correction
        return common.ledger_form_again(request, viewer, target, "work/narrative.html", data, errors, conflict)
    return common.saved(request, target.base, "narrative")
