"""The read-only JSON API (/api/v1): PUBLISHED data only. A publication that is a draft, or under an embargo
not yet released, does not exist here (404, the same answer as for an unknown id), whoever asks: the API never
looks at the session. Response models are declared so that the OpenAPI description says exactly what comes
back (schemathesis checks the two agree)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from starlette.concurrency import run_in_threadpool

from peelkit import forces
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.engine import Result
from peelkit.indicators.publication import Publication
from peelkit.publish.model import PublicationData
from peelkit.publish.wording import grade_text
from peelkit.web import data as store
from peelkit.web import pages

PREFIX = "/api/v1"
NOT_PUBLISHED = "No published publication has this id."

# Path parameters with examples: the OpenAPI description shows them, and schemathesis tries them first.
PublicationId = Annotated[str, Path(description="A publication's id", examples=["peel-effectiveness-2017"])]
ForceId = Annotated[str, Path(description="A force's slug or GSS code", examples=["warwickshire", "E23000032"])]
IndicatorId = Annotated[str, Path(description="An indicator's id", examples=["crimes_per_1000"])]


class ErrorBody(BaseModel):
    """Every error the API returns (the app's one error handler writes it)."""

    error: str
    status: int
    detail: str


NOT_FOUND_RESPONSE: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "Unknown, or not published (drafts and embargoed publications are "
                                             "never shown)."}}
router = APIRouter(prefix=PREFIX, tags=["published data"], responses=NOT_FOUND_RESPONSE)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ForceRef(_Model):
    code: str = Field(description="ONS GSS code, e.g. E23000017", examples=["E23000017"])
    name: str = Field(examples=["Warwickshire"])
    slug: str = Field(description="The force in web addresses", examples=["warwickshire"])
    region: str


class IndicatorInfo(_Model):
    id: str = Field(examples=["crimes_per_1000"])
    title: str
    kind: Literal["rate", "proportion", "change"]
    unit: str
    polarity: Literal["neither", "higher_is_better", "lower_is_better"]
    period_start: date
    period_end: date
    period: str = Field(description="The period in words", examples=["12 months to 30 June 2017"])


class PublicationSummary(_Model):
    id: str = Field(examples=["peel-effectiveness-2017"])
    title: str
    year: int
    published: str = Field(description="Month of publication (YYYY-MM)", examples=["2018-03"])
    released_at: datetime | None = Field(description="When the embargo was lifted (UTC), if it was embargoed")
    url: str = Field(description="This publication in the API")
    web_url: str


class PublicationDetail(PublicationSummary):
    indicators: list[IndicatorInfo]
    forces: list[ForceRef]
    synthetic: bool = Field(description="Some figures come from synthetic demonstration data")


class QuestionGrade(_Model):
    question_id: str
    title: str
    grade: str | None = Field(description="The grade that stands; null when none is recorded")
    grade_text: str = Field(description="As the report words it, e.g. 'No judgment recorded'")
    last_inspected: str | None
    carried_forward: bool
    basis: str


class ForceGrades(_Model):
    force: ForceRef
    year: str
    overall_grade: str | None
    overall_text: str
    questions: list[QuestionGrade]
    url: str


Comparison = Literal["higher", "similar", "lower", "better", "worse", "not compared"]


class Figure(_Model):
    indicator: str
    period_start: date
    period_end: date
    value: float | None = Field(description="Null when missing: see status and note (never a zero)")
    display: str = Field(description="As published: whole numbers; a dash when missing")
    numerator: float | None
    denominator: float | None
    lower_95: float | None
    upper_95: float | None
    lower_99_8: float | None
    upper_99_8: float | None
    comparison: Comparison | None = Field(description="Against England and Wales by the 95% interval; null for "
                                                      "England and Wales itself (the comparator)")
    status: Literal["ok", "missing", "excluded", "partial"]
    note: str
    synthetic: bool


class ForceFigure(Figure):
    force: ForceRef


class ForceIndicators(_Model):
    publication: str
    force: ForceRef
    figures: list[Figure] = Field(description="Each indicator's main period, in the publication's order")
    england_and_wales: list[Figure]
    earlier: list[Figure] = Field(description="Earlier periods the publication compares with, where it has any")


class IndicatorAcrossForces(_Model):
    publication: str
    indicator: IndicatorInfo
    england_and_wales: Figure | None
    forces: list[ForceFigure] = Field(description="Every force, alphabetically")


# ------------------------------------------------------------------------------------------- helpers


def _published(request: Request, publication_id: str) -> tuple[Publication, datetime | None]:
    """The publication and its release time, or 404 unless it is public now (checked on every request)."""
    cache = store.cache_for(request.app.state)
    pub = cache.publication(publication_id)
    if pub is None:
        raise HTTPException(404, NOT_PUBLISHED)
    status = cache.status(publication_id)
    if not status.is_public(request.app.state.settings.clock()):
        raise HTTPException(404, NOT_PUBLISHED)
    return pub, status.release_at


def _data(request: Request, publication_id: str) -> PublicationData:
    return store.cache_for(request.app.state).data(publication_id)


def _force_ref(area: forces.Area) -> ForceRef:
    return ForceRef(code=area.code, name=area.name, slug=area.slug, region=area.region)


def _force(force: str) -> forces.Area:
    """A force by its slug or its GSS code (nothing else: one spelling per force in addresses)."""
    for area in forces.forces():
        if force in (area.slug, area.code):
            return area
    raise HTTPException(404, "No force has this slug or code.")


def _indicator(pub: Publication, indicator_id: str) -> IndicatorInfo:
    if indicator_id not in pub.periods:
        raise HTTPException(404, "This publication has no indicator with this id.")
    indicator = BY_ID[indicator_id]
    period = pub.periods[indicator_id].main
    return IndicatorInfo(id=indicator.id, title=indicator.title, kind=indicator.kind, unit=indicator.unit,
                         polarity=indicator.polarity, period_start=period.start, period_end=period.end,
                         period=period.label())


def _figure_fields(result: Result) -> dict[str, Any]:
    from peelkit.indicators.engine import SYNTHETIC_NOTE

    if result.force_code == ENGLAND_AND_WALES:
        comparison = None
    else:
        comparison = result.comparison if result.value is not None else "not compared"
    return {"indicator": result.indicator, "period_start": result.period.start, "period_end": result.period.end,
            "value": result.value, "display": result.display, "numerator": result.numerator,
            "denominator": result.denominator, "lower_95": result.lower_95, "upper_95": result.upper_95,
            "lower_99_8": result.lower_99_8, "upper_99_8": result.upper_99_8,
            "comparison": comparison, "status": result.status, "note": result.note,
            "synthetic": bool(result.extra.get("synthetic")) or SYNTHETIC_NOTE in result.note}


def _summary(pub: Publication, released_at: datetime | None) -> dict[str, Any]:
    return {"id": pub.id, "title": pub.title, "year": pub.year, "published": pub.published,
            "released_at": released_at, "url": f"{PREFIX}/publications/{pub.id}", "web_url": f"/publications/{pub.id}"}


_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


async def _answer(request: Request, key: tuple[Hashable, ...], shape: Any, build: Callable[[], Any]) -> Response:
    """Published data, serialised once per cache version and kept in the same versioned memo the pages use (the
    caller has already checked the publication is public, on every request). A kept body is answered on the event
    loop with no thread hop; building (validating the models, then serialising them) goes to the thread pool.
    Rebuilding every answer on every request made the API 10 to 20 times slower than the pages under load."""
    cache = store.cache_for(request.app.state)
    full = ("api", *key)
    body = cache.peek(full)
    if body is None:
        adapter = _ADAPTERS.get(shape) or _ADAPTERS.setdefault(shape, TypeAdapter(shape))
        body = await run_in_threadpool(cache.memo, full, lambda: adapter.dump_json(build()))
    return Response(body, media_type="application/json")


# ---------------------------------------------------------------------------------------------- routes


@router.get("/publications", response_model=list[PublicationSummary], summary="Published publications")
async def publications(request: Request) -> Response:
    cache = store.cache_for(request.app.state)
    now = request.app.state.settings.clock()
    public = []
    for pub_id in cache.publication_ids():
        status = cache.status(pub_id)
        pub = cache.publication(pub_id)
        if pub is not None and status.is_public(now):
            public.append((pub, status.release_at))

    def build() -> list[PublicationSummary]:
        return [PublicationSummary(**_summary(pub, released_at)) for pub, released_at in public]

    key = ("publications", tuple((pub.id, released_at) for pub, released_at in public))
    return await _answer(request, key, list[PublicationSummary], build)


@router.get("/publications/{publication_id}", response_model=PublicationDetail, summary="One publication")
async def publication(request: Request, publication_id: PublicationId) -> Response:
    pub, released_at = _published(request, publication_id)

    def build() -> PublicationDetail:
        return PublicationDetail(**_summary(pub, released_at),
                                 indicators=[_indicator(pub, i) for i in pub.indicator_ids],
                                 forces=[_force_ref(a) for a in sorted(forces.forces(), key=lambda a: a.name)],
                                 synthetic=_data(request, pub.id).synthetic)

    return await _answer(request, ("publication", pub.id, released_at), PublicationDetail, build)


def _grades(pub: Publication, data: PublicationData, area: forces.Area) -> ForceGrades:
    titles = {q["id"]: q["title"] for q in pages.graded_questions(pub)}
    judgments = (data.ledger.get(area.code) or {}).get("judgments") or {}
    standing = {q["question_id"]: q for q in judgments.get("questions", [])}
    questions = []
    for question_id, title in titles.items():
        s = standing.get(question_id)
        questions.append(QuestionGrade(
            question_id=question_id, title=title, grade=(s or {}).get("grade"), grade_text=grade_text(s),
            last_inspected=(s or {}).get("last_inspected"), carried_forward=bool(s and s.get("carried_forward")),
            basis=(s or {}).get("basis") or "no judgment"))
    overall = judgments.get("overall")
    return ForceGrades(force=_force_ref(area), year=str(judgments.get("year") or pub.year),
                       overall_grade=(overall or {}).get("grade"), overall_text=grade_text(overall),
                       questions=questions, url=f"{PREFIX}/publications/{pub.id}/forces/{area.slug}")


@router.get("/publications/{publication_id}/forces", response_model=list[ForceGrades],
            summary="Every force's grades in a publication")
async def force_grades(request: Request, publication_id: PublicationId) -> Response:
    pub, _released = _published(request, publication_id)

    def build() -> list[ForceGrades]:
        data = _data(request, pub.id)
        return [_grades(pub, data, a) for a in sorted(forces.forces(), key=lambda a: a.name)]

    return await _answer(request, ("forces", pub.id), list[ForceGrades], build)


@router.get("/publications/{publication_id}/forces/{force}", response_model=ForceIndicators,
            summary="One force's indicators with intervals and comparisons")
async def force_indicators(request: Request, publication_id: PublicationId, force: ForceId) -> Response:
    pub, _released = _published(request, publication_id)
    area = _force(force)
    return await _answer(request, ("force", pub.id, area.code), ForceIndicators,
                         lambda: _force_indicators(pub, _data(request, pub.id), area))


def _force_indicators(pub: Publication, data: PublicationData, area: forces.Area) -> ForceIndicators:
    order = {indicator_id: n for n, indicator_id in enumerate(pub.indicator_ids)}
    mains = {indicator_id: periods.main for indicator_id, periods in pub.periods.items()}
    own, ew, earlier = [], [], []
    for result in sorted(data.results, key=lambda r: (order.get(r.indicator, len(order)), r.period.end)):
        if result.force_code not in (area.code, ENGLAND_AND_WALES):
            continue
        figure = Figure(**_figure_fields(result))
        if result.period != mains.get(result.indicator):
            earlier.append(figure)
        elif result.force_code == area.code:
            own.append(figure)
        else:
            ew.append(figure)
    return ForceIndicators(publication=pub.id, force=_force_ref(area), figures=own, england_and_wales=ew,
                           earlier=earlier)


@router.get("/publications/{publication_id}/indicators", response_model=list[IndicatorInfo],
            summary="A publication's indicators")
async def indicators(request: Request, publication_id: PublicationId) -> Response:
    pub, _released = _published(request, publication_id)
    return await _answer(request, ("indicators", pub.id), list[IndicatorInfo],
                         lambda: [_indicator(pub, i) for i in pub.indicator_ids])


@router.get("/publications/{publication_id}/indicators/{indicator_id}", response_model=IndicatorAcrossForces,
            summary="One indicator across every force")
async def indicator_across_forces(request: Request, publication_id: PublicationId,
                                  indicator_id: IndicatorId) -> Response:
    pub, _released = _published(request, publication_id)
    info = _indicator(pub, indicator_id)
    return await _answer(request, ("indicator", pub.id, indicator_id), IndicatorAcrossForces,
                         lambda: _across_forces(pub, _data(request, pub.id), info))


def _across_forces(pub: Publication, data: PublicationData, info: IndicatorInfo) -> IndicatorAcrossForces:
    indicator_id = info.id
    period = pub.periods[indicator_id].main
    found = {r.force_code: r for r in data.results if r.indicator == indicator_id and r.period == period}
    rows = [ForceFigure(force=_force_ref(area), **_figure_fields(found[area.code]))
            for area in sorted(forces.forces(), key=lambda a: a.name) if area.code in found]
    ew = found.get(ENGLAND_AND_WALES)
    return IndicatorAcrossForces(publication=pub.id, indicator=info,
                                 england_and_wales=Figure(**_figure_fields(ew)) if ew else None, forces=rows)


__all__ = ["router"]
