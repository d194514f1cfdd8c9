"""The public pages: home (publications, the force areas map, grades), a publication's overview, a force's page,
its report (HTML live or as published, PDF) and data, and the comparison of forces on one indicator. Every
page has a `.json` twin. What a viewer sees of an unreleased publication is decided by peelkit.web.policy:
nothing for the public, its own force for a force user, everything for inspectorate staff."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from peelkit import forces
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.publication import Publication
from peelkit.ledger.publication_state import PublicationStatus
from peelkit.publish.model import PublicationData
from peelkit.web import data as store
from peelkit.web import downloads, pages
from peelkit.web.auth import get_viewer, session_id
from peelkit.web.caching import Bounded, lru
from peelkit.web.policy import Viewer, can_view_force, can_view_publication
from peelkit.web.templating import plain, render

router = APIRouter(include_in_schema=False)
ViewerDep = Annotated[Viewer, Depends(get_viewer)]
NOT_FOUND = "There is no such page, or it is not published yet."
ASSETS = ("vega.js", "charts.js")


# ------------------------------------------------------------------------------------------- helpers


def _cache(request: Request) -> store.PublicationCache:
    return store.cache_for(request.app.state)


def _now(request: Request) -> Any:
    return request.app.state.settings.clock()


def _publication(request: Request, publication_id: str) -> tuple[Publication, PublicationStatus]:
    cache = _cache(request)
    pub = cache.publication(publication_id)
    if pub is None:
        raise HTTPException(404, NOT_FOUND)
    return pub, cache.status(publication_id)


def _force(slug: str) -> forces.Area:
    area = store.force_by_slug(slug)
    if area is None:
        raise HTTPException(404, NOT_FOUND)
    return area


def _viewable(request: Request, publication_id: str, slug: str, viewer: Viewer
              ) -> tuple[Publication, PublicationStatus, forces.Area, frozenset[str]]:
    """The publication, its status, the force and the forces the viewer may see: 404 (never 403, which would
    say the page exists) when this force is not visible to the viewer."""
    pub, status = _publication(request, publication_id)
    area = _force(slug)
    now = _now(request)
    if not can_view_force(viewer, status, area.code, now):
        raise HTTPException(404, NOT_FOUND)
    return pub, status, area, store.visible_codes(viewer, status, now)


def _view_data(request: Request, publication_id: str, codes: frozenset[str]) -> PublicationData:
    return store.restricted(_cache(request).data(publication_id), codes)


def _overview(request: Request, pub: Publication, status: PublicationStatus, viewer: Viewer,
              indicator: str | None, form_publication: bool) -> dict[str, Any]:
    cache = _cache(request)
    now = _now(request)
    codes = store.visible_codes(viewer, status, now)
    indicator_id = indicator if indicator in pub.periods else pages.default_indicator(pub)

    def build() -> dict[str, Any]:
        data = cache.data(pub.id)
        return {
            "indicators": pages.indicator_choices(pub), "questions": pages.graded_questions(pub),
            "grades": pages.grade_rows(data, codes), "year": str(pub.year), "synthetic": data.synthetic,
            "map": pages.map_data(data, codes, indicator_id, cache.geometry()),
        }

    built = cache.memo(("overview", pub.id, indicator_id, codes), build)
    return {**built, "publication": pages.publication_entry(pub, status, viewer, now),
            "form_publication": form_publication,
            "compare_url": f"/publications/{pub.id}/compare?{urlencode({'indicator': indicator_id})}",
            "data_csv": f"/publications/{pub.id}/data.csv"}


def _full_key(key: Hashable, viewer: Viewer) -> Hashable:
    return (key, viewer.role, viewer.force_code)


def _kept(request: Request, viewer: Viewer, key: Hashable) -> Response | None:
    """The response `_respond` kept for this key, if it has (no building, no blocking: for the event loop)."""
    cache = _cache(request)
    full = _full_key(key, viewer)
    if request.url.path.endswith(".json"):
        body = cache.peek(("json", full))
        return None if body is None else Response(body, media_type="application/json")
    if viewer.role == "public":
        html = cache.peek(("html", full, request.url.path))
    else:
        html = cache.peek(("signed-in-html", full, request.url.path, session_id(request)))
    return None if html is None else HTMLResponse(html)


def _respond(request: Request, viewer: Viewer, template: str, key: Hashable,
             data: Callable[[], Mapping[str, Any]]) -> Response:
    """The page (or its `.json` twin) as `page()` makes it, kept whole where it is the same for everyone with the
    same key: every JSON twin, and the HTML the public sees (no session, no form token in it). `key` must name
    everything the page depends on besides the ledger and warehouse versions (the memo adds those); the viewer's
    role and force are added here. Signed-in viewers' HTML names them and carries their form token: it is kept
    per session (only while get_viewer still admits that session, which it checks on every request), rendered
    from page data kept per role and force."""
    cache = _cache(request)
    full = _full_key(key, viewer)
    if request.url.path.endswith(".json"):
        body = cache.memo(("json", full), lambda: bytes(JSONResponse(plain(dict(data()))).body))
        return Response(body, media_type="application/json")
    if viewer.role == "public":
        html = cache.memo(("html", full, request.url.path), lambda: render(request, template, data()))
        return HTMLResponse(html)
    html = cache.memo(("signed-in-html", full, request.url.path, session_id(request)),
                      lambda: render(request, template, cache.memo(("page-data", full), lambda: dict(data()))))
    return HTMLResponse(html)


def _csv(text: str, filename: str) -> Response:
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# ---------------------------------------------------------------------------------------------- pages


@router.get("/")
@router.get("/index.json")
def home(request: Request, viewer: ViewerDep, publication: str | None = None,
         indicator: str | None = None) -> Response:
    """Publications, and for the chosen (else the first) one the viewer may open: map and grade overview."""
    cache = _cache(request)
    now = _now(request)
    ids = [pub_id for pub_id in cache.publication_ids() if cache.publication(pub_id) is not None]
    chosen = publication if publication in ids else (ids[0] if ids else None)
    statuses = {pub_id: cache.status(pub_id) for pub_id in ids}
    public = tuple(statuses[pub_id].is_public(now) for pub_id in ids)

    def build() -> dict[str, Any]:
        listed, selected, overview = [], None, None
        for pub_id in ids:
            pub = cache.publication(pub_id)
            assert pub is not None
            entry = {**pages.publication_entry(pub, statuses[pub_id], viewer, now),
                     "viewable": can_view_publication(viewer, statuses[pub_id], now)}
            listed.append(entry)
            if pub_id == chosen:
                selected = entry
                if entry["viewable"]:
                    overview = _overview(request, pub, statuses[pub_id], viewer, indicator, form_publication=True)
        draft = pages.draft_status(statuses[chosen], now) if overview and chosen else None
        return {"publications": listed, "selected": selected, "overview": overview, "draft_status": draft}

    indicator_key = indicator if indicator in BY_ID else None
    return _respond(request, viewer, "public/home.html", ("home", chosen, indicator_key, public), build)


@router.get("/publications/{publication_id}")
def publication_page(request: Request, publication_id: str, viewer: ViewerDep,
                     indicator: str | None = None) -> Response:
    pub, status = _publication(request, publication_id.removesuffix(".json"))
    now = _now(request)
    if not can_view_publication(viewer, status, now):
        raise HTTPException(404, NOT_FOUND)
    indicator_key = indicator if indicator in pub.periods else None
    site: Path = request.app.state.settings.site_dir
    public = status.is_public(now)

    def build() -> dict[str, Any]:
        return {"overview": _overview(request, pub, status, viewer, indicator_key, form_publication=False),
                "draft_status": pages.draft_status(status, now),
                # The published tables and manifest: never before the publication is public.
                "downloads": downloads.listing(site, pub.id) if public else [], "public": public}

    # Kept per site build too: a new `peel publish` changes the files listed.
    return _respond(request, viewer, "public/publication.html",
                    ("publication", pub.id, indicator_key, public, downloads.site_publication(site)), build)


@router.get("/publications/{publication_id}/data.csv")
def publication_csv(request: Request, publication_id: str, viewer: ViewerDep) -> Response:
    pub, status = _publication(request, publication_id)
    codes = store.visible_codes(viewer, status, _now(request))
    if not codes:
        raise HTTPException(404, NOT_FOUND)
    data = _view_data(request, pub.id, codes)
    text = _cache(request).memo(("csv", pub.id, codes), lambda: pages.force_csv(data, codes))
    return _csv(text, f"{pub.id}.csv")


@router.get("/publications/{publication_id}/forces/{slug}")
async def force_page(request: Request, publication_id: str, slug: str) -> Response:
    """Force in numbers, judgments and areas for improvement. The busiest page, so it is async: a response
    already kept (JSON twins, the public's HTML) is answered on the event loop with no thread hop; anything to
    build goes to the thread pool."""
    viewer = get_viewer(request)  # cheap for the public; a signed-in user is re-read at most every few seconds
    key, build = _force_page_parts(request, viewer, publication_id, slug)
    kept = _kept(request, viewer, key)
    if kept is not None:
        return kept
    return await run_in_threadpool(_respond, request, viewer, "public/force.html", key, build)


def _force_page_parts(request: Request, viewer: Viewer, publication_id: str, slug: str
                      ) -> tuple[Hashable, Callable[[], dict[str, Any]]]:
    pub, status, area, codes = _viewable(request, publication_id, slug.removesuffix(".json"), viewer)
    now = _now(request)

    def build() -> dict[str, Any]:
        return {**pages.force_page(_view_data(request, pub.id, codes), area.code),
                "publication": pages.publication_entry(pub, status, viewer, now),
                "draft_status": pages.draft_status(status, now)}

    return ("force", pub.id, area.code, status.is_public(now)), build


@router.get("/publications/{publication_id}/forces/{slug}/data.csv")
def force_csv(request: Request, publication_id: str, slug: str, viewer: ViewerDep) -> Response:
    pub, _status, area, codes = _viewable(request, publication_id, slug, viewer)
    text = _cache(request).memo(("force-csv", pub.id, area.code),
                                lambda: pages.force_csv(_view_data(request, pub.id, codes), frozenset({area.code})))
    return _csv(text, f"{pub.id}-{area.slug}.csv")


# --------------------------------------------------------------------------------------------- reports


def _published_file(request: Request, pub: Publication, status: PublicationStatus, slug: str,
                    suffix: str) -> Path | None:
    """The file `peel publish` wrote for this force, when the publication is public and the site on disk is this
    publication's (its manifest says so): what the public downloads is then exactly what was published."""
    if not status.is_public(_now(request)):
        return None
    site: Path = request.app.state.settings.site_dir
    try:
        manifest = json.loads((site / "manifest.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    path = site / "forces" / f"{slug}{suffix}"
    if manifest.get("publication") != pub.id or not path.is_file():
        return None
    return path


def _report_html(request: Request, pub: Publication, status: PublicationStatus, area: forces.Area,
                 codes: frozenset[str]) -> str:
    """The report rendered live from the templates `peel publish` uses, with the viewer's forces only in its
    charts and annex (a force user's draft cannot show another force's figures), and a draft banner."""
    from peelkit.publish.charts import force_figures
    from peelkit.publish.report import render_force_html

    data = _view_data(request, pub.id, codes)
    html = render_force_html(data, area.code, force_figures(data.results, pub, area.code))
    if not status.is_public(_now(request)):
        html = _with_banner(html, status)
    return html


BANNER_CSS = (".draft-banner{margin:0;padding:0.75rem 1rem;background:#d4351c;color:#fff;font-weight:bold;"
              "font-size:1.1rem;border-bottom:0.25rem solid #0b0c0c}")


def _banner_text(status: PublicationStatus) -> str:
    if status.state == "embargoed" and status.release_at is not None:
        when = f"{status.release_at.day} {status.release_at:%B %Y, %H:%M} UTC"
        return f"Draft — embargoed until {when}. Not published: do not share."
    return "Draft — embargoed: not published. Do not share."


def _with_banner(html: str, status: PublicationStatus) -> str:
    """The report with a red "Draft — embargoed" line first in its body (screen and print). Its rule goes into
    the report's own <style>, so the page's policy (which allows that stylesheet by hash) covers it."""
    from markupsafe import escape

    marker = f'<p class="draft-banner" role="note">{escape(_banner_text(status))}</p>'
    html = html.replace("</style>", BANNER_CSS + "</style>", 1)
    head, found, rest = html.partition("<body")
    if not found:
        return marker + html
    tag_end = rest.index(">") + 1
    return head + found + rest[:tag_end] + marker + rest[tag_end:]


def _inline_styles(html: str) -> list[str]:
    import re

    return re.findall(r"<style[^>]*>(.*?)</style>", html, re.S)


@router.get("/publications/{publication_id}/forces/{slug}/report")
def report(request: Request, publication_id: str, slug: str, viewer: ViewerDep) -> Response:
    from peelkit.web.security_headers import content_security_policy

    pub, status, area, codes = _viewable(request, publication_id, slug, viewer)
    published = _published_file(request, pub, status, area.slug, ".html")
    cache = _cache(request)

    def with_policy(html: str) -> tuple[str, str]:
        # The report is one self-contained document with its stylesheet inline: allow exactly that stylesheet.
        return html, content_security_policy(inline_styles=_inline_styles(html))

    if published is not None:
        html, policy = cache.memo(("report-file", str(published), published.stat().st_mtime_ns),
                                  lambda: with_policy(published.read_text("utf-8")))
    else:
        html, policy = cache.memo(
            ("report", pub.id, area.code, codes, status.state, status.is_public(_now(request))),
            lambda: with_policy(_report_html(request, pub, status, area, codes)))
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


_PDF_LOCK = threading.Lock()


@router.get("/publications/{publication_id}/forces/{slug}/report.pdf")
def report_pdf(request: Request, publication_id: str, slug: str, viewer: ViewerDep) -> Response:
    from peelkit.publish.charts import force_figures
    from peelkit.publish.pdf import render_force_pdf

    pub, status, area, codes = _viewable(request, publication_id, slug, viewer)
    filename = f"{pub.id}-{area.slug}.pdf"
    published = _published_file(request, pub, status, area.slug, ".pdf")
    if published is not None:
        return FileResponse(published, media_type="application/pdf", filename=filename)

    def build() -> bytes:
        # The same view data as the HTML (the viewer's forces only), with the draft line on every page.
        data = _view_data(request, pub.id, codes)
        banner = "" if status.is_public(_now(request)) else _banner_text(status)
        # One at a time: a burst of first requests cannot occupy every server thread typesetting.
        with _PDF_LOCK:
            return render_force_pdf(data, area.code, force_figures(data.results, pub, area.code), banner=banner)

    pdf = _cache(request).memo(("pdf", pub.id, area.code, codes, status.state, status.is_public(_now(request))),
                               build)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}"'})


# ---------------------------------------------------------------------------------------------- compare


@router.get("/publications/{publication_id}/compare")
@router.get("/publications/{publication_id}/compare.json")
def compare(request: Request, publication_id: str, viewer: ViewerDep,
            indicator: str | None = None, view: str = "ranked", force: str | None = None,
            sort: Annotated[str, Query()] = "value", order: Annotated[str, Query()] = "desc",
            limits: str | None = None) -> Response:
    """One indicator across the forces the viewer may see, as a ranked chart or a funnel plot, with a table
    sorted server-side by the column links (unknown parameters fall back to the defaults, never an error)."""
    pub, status = _publication(request, publication_id)
    now = _now(request)
    codes = store.visible_codes(viewer, status, now)
    if not codes:
        raise HTTPException(404, NOT_FOUND)
    indicator_id = indicator if indicator in pub.periods else pages.default_indicator(pub)
    view = view if view in pages.VIEWS else "ranked"
    sort = sort if sort in pages.SORT_KEYS else "value"
    order = order if order in ("asc", "desc") else "desc"
    # The funnel's limits: the publication's over-dispersion setting unless the reader chooses another.
    limits = limits if limits in pages.LIMITS else pub.overdispersion
    highlight = next((a for a in forces.forces() if a.slug == force and a.code in codes), None)
    if highlight is None and viewer.role == "force" and viewer.force_code in codes:
        highlight = forces.match_force(str(viewer.force_code))
    cache = _cache(request)

    def build() -> dict[str, Any]:
        from peelkit.web.peer_pages import peer_summary

        data = _view_data(request, pub.id, codes)
        indicator_def = BY_ID[indicator_id]
        rows = pages.compare_rows(data, codes, indicator_id, sort, order)
        ew = pages.england_and_wales(data, indicator_id)
        # Numbered in the order the table shows them, England and Wales (the last row) last.
        footnotes = pages.footnote_rows(rows)
        if ew is not None:
            pages.footnote_rows([ew], footnotes)
        return {
            "indicator": {"id": indicator_id, "title": indicator_def.title, "unit": indicator_def.unit,
                          "period": pub.periods[indicator_id].main.label()},
            "indicators": pages.indicator_choices(pub),
            "force_choices": [{"slug": a.slug, "name": a.name} for a in sorted(forces.forces(), key=lambda a: a.name)
                              if a.code in codes],
            "chart": pages.chart_data(data, indicator_id, view, highlight.code if highlight else "", limits),
            "rows": rows, "england_and_wales": ew, "footnotes": footnotes,
            "peers": peer_summary(data, indicator_id, highlight.code) if highlight else None,
        }

    chart_key = (pub.id, indicator_id, view, sort, order, highlight.code if highlight else "", codes, limits)

    def page_data() -> dict[str, Any]:
        return {**cache.memo(("compare", *chart_key), build),
                "publication": pages.publication_entry(pub, status, viewer, now), "view": view, "sort": sort,
                "order": order, "highlight": highlight.slug if highlight else "", "limits": limits,
                "base_query": urlencode({"indicator": indicator_id, "view": view,
                                         **({"limits": limits} if view == "funnel" else {}),
                                         **({"force": highlight.slug} if highlight else {})}),
                "draft_status": pages.draft_status(status, now)}

    return _respond(request, viewer, "public/compare.html", ("compare-page", *chart_key, status.is_public(now)),
                    page_data)


# ----------------------------------------------------------------------------------------------- assets

_ASSET_LOCK = threading.Lock()
_ASSET_CACHE: Bounded[tuple[str, str], bytes] = lru(16)  # a few scripts per site folder; they do not change


def _asset(request: Request, name: str) -> bytes:
    """The scripts `peel publish` writes to assets/: vega-embed bundled offline by vl-convert (the published
    site's copy when there is one, else the bundle peel keeps per vl-convert release) and the script that
    makes the charts interactive."""
    site: Path = request.app.state.settings.site_dir
    key = (str(site), name)
    kept = _ASSET_CACHE.get(key)
    if kept is not None:
        return kept
    with _ASSET_LOCK:
        kept = _ASSET_CACHE.get(key)
        if kept is not None:
            return kept
        if name == "charts.js":
            from importlib import resources

            body = resources.files("peelkit.publish").joinpath("static/charts.js").read_bytes()
        elif (site / "assets" / name).is_file():
            body = (site / "assets" / name).read_bytes()
        else:
            from peelkit.publish.publisher import vega_bundle

            body = vega_bundle().encode("utf-8")
        _ASSET_CACHE.put(key, body)
        return body


@router.get("/assets/{name}")
@router.get("/publications/{publication_id}/forces/assets/{name}")  # the reports' relative ../assets/ address
def asset(request: Request, name: str, publication_id: str | None = None) -> Response:
    if name not in ASSETS:
        raise HTTPException(404, NOT_FOUND)
    return Response(_asset(request, name), media_type="text/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=86400"})
