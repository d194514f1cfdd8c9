"""Public pages beside the publications: "Find your force" (a search form that works without scripts), the
national data tables and manifest of a published publication, and the interactive API documentation (Swagger
UI served from this app, never a CDN). What a viewer may reach is decided by peelkit.web.policy as everywhere:
a force is linked only in a publication the viewer may see it in, and the downloads exist for the public only
once the publication is public."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import FileResponse, Response

from peelkit import forces
from peelkit.web import data as store
from peelkit.web import downloads
from peelkit.web.app import API_PREFIX, STATIC_DIR
from peelkit.web.auth import get_viewer
from peelkit.web.force_search import MAX_QUERY, search
from peelkit.web.policy import Viewer, can_view_force
from peelkit.web.templating import page

router = APIRouter(include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
NOT_FOUND = "There is no such page, or it is not published yet."
SWAGGER_FILES = ("swagger-ui-bundle.js", "swagger-ui.css")


def _force_url(request: Request, viewer: Viewer, area: forces.Area, chosen: str | None) -> tuple[str | None, str]:
    """The force's page in the chosen publication (else the first listed) that the viewer may see it in."""
    cache = store.cache_for(request.app.state)
    now = request.app.state.settings.clock()
    ids = [p for p in cache.publication_ids() if cache.publication(p) is not None]
    for publication_id in ([chosen] if chosen in ids else []) + [p for p in ids if p != chosen]:
        if can_view_force(viewer, cache.status(publication_id), area.code, now):
            pub = cache.publication(publication_id)
            title = pub.title if pub is not None else publication_id
            return f"/publications/{publication_id}/forces/{area.slug}", title
    return None, ""


@router.get("/forces")
@router.get("/forces.json")
def find_force(request: Request, viewer: ViewerDep, q: str = "", publication: str | None = None) -> Response:
    """Find your force: a GET form (works without JavaScript); names, short names ("Met", "Avon", "GMP") and
    codes. Each result links to the force's page where the viewer may see it."""
    query = q.strip()[:MAX_QUERY]
    results = []
    for area in search(query):
        url, title = _force_url(request, viewer, area, publication)
        results.append({"code": area.code, "name": area.name, "region": area.region, "url": url,
                        "publication": title})
    return page(request, "public/find.html", {"query": query, "searched": bool(query), "results": results,
                                              "publication": publication or ""})


@router.get("/publications/{publication_id}/downloads/{name}")
def download(request: Request, publication_id: str, name: str, viewer: ViewerDep) -> Response:
    """A national data table or the manifest, as `peel publish` wrote it: only once the publication is public
    (staff included: before that the tables are the analysts' files, not the web app's)."""
    cache = store.cache_for(request.app.state)
    if cache.publication(publication_id) is None:
        raise HTTPException(404, NOT_FOUND)
    if not cache.status(publication_id).is_public(request.app.state.settings.clock()):
        raise HTTPException(404, NOT_FOUND)
    found = downloads.published_file(request.app.state.settings.site_dir, publication_id, name)
    if found is None:
        raise HTTPException(404, NOT_FOUND)
    item, path = found
    disposition = "inline" if item.name == downloads.MANIFEST else "attachment"
    return FileResponse(path, media_type=item.media_type, filename=f"{publication_id}-{item.name}",
                        content_disposition_type=disposition)


@router.get(f"{API_PREFIX}/docs")
def api_docs(request: Request, viewer: ViewerDep) -> Response:
    """The API's interactive documentation: Swagger UI from the package `make web-assets` fetched, started by
    our own script (the Content-Security-Policy allows no inline script); without scripts, the description."""
    present = all((STATIC_DIR / "swagger-ui" / name).is_file() for name in SWAGGER_FILES)
    data: dict[str, Any] = {"openapi_url": f"{API_PREFIX}/openapi.json", "swagger_ui": present}
    return page(request, "public/api_docs.html", data)
