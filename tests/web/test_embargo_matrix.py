"""The embargo, exhaustively: every role against every page, `.json` twin, download and API endpoint of the app,
in every state of the publication, asserting who gets what and that nothing leaks.

The rule (issue 7): until a publication is published (or its embargo's release time has passed), nothing of it
(figures, grades, narrative, areas for improvement, reports, JSON, CSV) is visible to the public or to another
force; a force user sees only its own force's drafts and data queries; staff (analysts, inspectors) see
everything. The expectations below are written from that rule, not from peelkit.web.policy, so a wrong policy
fails here too.

How a leak is caught: unique marker strings are planted in the fixture world (narrative, an area for
improvement, a distinctive grade, a data query, case-file references, and figures made distinctive by
planting each force's ASB powers count), and no response to a viewer who may not see a marker may contain it.
Positive controls check the markers are found where they are allowed (else a renamed field would make every
check pass vacuously).

The routes are walked from the app itself: a route that is neither in the matrix nor listed as public-always
fails `test_every_route_is_in_the_matrix`, so a new page cannot escape it.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import duckdb
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from peelkit.ledger import db
from peelkit.ledger import file_review as fr
from peelkit.ledger.accuracy import add_comment, set_window
from peelkit.ledger.base import AuditLog
from peelkit.ledger.improvements import ImprovementArea, raise_area
from peelkit.ledger.judgments import record_judgment
from peelkit.ledger.narrative import set_narrative
from peelkit.ledger.recommendations import add_recommendation
from peelkit.web.app import WebSettings
from tests.web.conftest import KENT, PUBLICATION, SUFFOLK, WARKS, WMERCIA, Clock, form_token
from tests.web.test_work_pages import make_query

Login = Callable[..., TestClient]
NewClient = Callable[[], TestClient]
State = Literal["draft", "embargoed-before-release", "embargoed-after-release", "published"]
STATES: tuple[State, ...] = ("draft", "embargoed-before-release", "embargoed-after-release", "published")
# Staff first: their requests fill the app's caches with everything before the others ask, so a cache keyed
# too loosely would hand a restricted viewer a privileged page.
ROLES = ("ana", "ian", "warks", "kent", "public")
STAFF = frozenset({"ana", "ian"})
FORCE_OF = {"warks": WARKS, "kent": KENT}
SLUGS = {"warwickshire": WARKS, "kent": KENT, "west-mercia": WMERCIA, "suffolk": SUFFOLK,
         "dorset": "E23000039"}  # Dorset: a force with no data in the fixture
LOGIN = 303  # an anonymous HTML request to a signed-in page: sent to /login?next=...
INDICATOR = "asb_powers_per_million"  # the planted figures are in this indicator
Q1, Q4 = "Q1_preventing_crime_and_ASB", "Q4_serious_and_organised_crime"
QUESTIONS = (Q1, "Q2_investigating_crime", "Q3_protecting_vulnerable_people", Q4, "Q5_specialist_capabilities",
             "overall")
SECTIONS = ("overview", Q1, "Q2_investigating_crime", "Q3_protecting_vulnerable_people", Q4,
            "specialist_capabilities")

# ------------------------------------------------------------------------------------------------ markers

# Each force's ASB powers count (numerator of asb_powers_per_million), made large and distinctive: the
# numerator, and the rate per million (raw in JSON/CSV, with a thousands comma on the pages), are markers.
POPULATION = {WARKS: 560_000, WMERCIA: 1_270_000, KENT: 1_830_000, SUFFOLK: 750_000}
POWERS = {WARKS: 482_719, WMERCIA: 639_521, KENT: 371_953, SUFFOLK: 527_306}
NAMES = {WARKS: "Warwickshire", WMERCIA: "West Mercia", KENT: "Kent", SUFFOLK: "Suffolk"}
Kind = Literal["publication", "query", "staff"]


@dataclass(frozen=True)
class Marker:
    text: str
    force: str  # GSS code of the force it belongs to
    kind: Kind  # publication content, a data query, or inspectorate-only working data
    what: str

    @property
    def pattern(self) -> re.Pattern[str]:
        # Whole numbers only: a chart's funnel limits carry 16-digit floats, which contain any six digits
        # somewhere (1147199.8163952173 holds 639521); a comma with three digits after it is a thousands
        # separator, with more it is a CSV cell boundary.
        return re.compile(rf"(?<![\w.])(?<!\d,){re.escape(self.text)}(?!\w)(?!,\d{3}(?!\d))")

    def found_in(self, text: str) -> bool:
        return self.text in text and self.pattern.search(text) is not None


def _figure_markers(code: str) -> list[Marker]:
    rate = POWERS[code] / POPULATION[code] * 1_000_000
    whole = int(rate)  # the raw value's digits before the point (JSON, CSV, chart data)
    shown = f"{round(rate):,}"  # as the pages print it
    return [Marker(str(POWERS[code]), code, "publication", "figure (numerator)"),
            Marker(str(whole), code, "publication", "figure (raw value)"),
            Marker(shown, code, "publication", "figure (display)")]


MARKERS: tuple[Marker, ...] = (
    Marker("Kestrelwarksnarrative4417", WARKS, "publication", "narrative"),
    Marker("Kestrelwarksimprovement5128", WARKS, "publication", "area for improvement"),
    Marker("Outstanding", WARKS, "publication", "grade (only Warwickshire has an Outstanding)"),
    Marker("Kestrelwarksquery6239", WARKS, "query", "data query"),
    Marker("KWREF7741", WARKS, "staff", "case-file reference"),
    Marker("Heronkentnarrative3306", KENT, "publication", "narrative"),
    Marker("Heronkentimprovement2275", KENT, "publication", "area for improvement"),
    Marker("Inadequate", KENT, "publication", "grade (only Kent has an Inadequate)"),
    Marker("Heronkentquery9184", KENT, "query", "data query"),
    Marker("Kestrelwarksaccuracy8812", WARKS, "query", "factual-accuracy comment"),
    Marker("Heronkentaccuracy4471", KENT, "query", "factual-accuracy comment"),
    Marker("HKREF5530", KENT, "staff", "case-file reference"),
    *(m for code in POWERS for m in _figure_markers(code)),
)


@dataclass(frozen=True)
class Planted:
    """Ids of what was planted, to fill path parameters with real values."""

    queries: dict[str, int]  # force code -> query id
    areas: dict[str, list[int]]  # force code -> area for improvement ids
    samples: dict[str, int]  # force code -> one sampled case file id
    comments: dict[str, int] = field(default_factory=dict)  # force code -> a factual-accuracy comment id


DOWNLOADS = ("national-tables.xlsx", "national-tables.ods", "indicators.csv", "notes.csv", "manifest.json")


def plant_site(settings: WebSettings) -> None:
    """A published site for the publication, its tables carrying every force's planted figure: the downloads
    route serves them, so they must stay hidden until the publication is public, whoever asks."""
    import json

    data = settings.site_dir / "data"
    data.mkdir(parents=True, exist_ok=True)
    figures = "".join(f"{code},{NAMES[code]},{INDICATOR},{powers}\n" for code, powers in POWERS.items())
    for name in DOWNLOADS[:-1]:
        (data / name).write_text("force_code,force_name,indicator,numerator\n" + figures, encoding="utf-8")
    (settings.site_dir / "manifest.json").write_text(json.dumps({"publication": PUBLICATION, "figures": figures}),
                                                     encoding="utf-8")


def plant(settings: WebSettings, tmp_path: Path) -> Planted:
    plant_site(settings)
    con = duckdb.connect(str(settings.warehouse_path))
    try:
        for code, powers in POWERS.items():
            con.execute("UPDATE facts SET value = ? WHERE measure = 'asb_powers' AND area_code = ?", [powers, code])
    finally:
        con.close()
    with db.session_scope(settings.ledger_url, actor="test-setup") as session:
        record_judgment(session, "Warwickshire", "2017", Q4, "Outstanding")
        record_judgment(session, "Kent", "2017", Q1, "Inadequate")
        record_judgment(session, "Kent", "2017", "overall", "Inadequate")
        set_narrative(session, "Warwickshire", "2017", Q1, "Prevention is strong. Kestrelwarksnarrative4417.")
        set_narrative(session, "Kent", "2017", "overview", "Kent overall. Heronkentnarrative3306.")
        raise_area(session, "Warwickshire", "2017", Q1, "Kestrelwarksimprovement5128 should be better.",
                   on=date(2017, 11, 2))
        raise_area(session, "Kent", "2017", Q1, "Heronkentimprovement2275 should be better.", on=date(2017, 11, 2))
        # A cause of concern with a recommendation, so the recommendations pages have one to show.
        cause = raise_area(session, "Kent", "2017", Q1, "Kent's prevention is failing.", kind="cause_of_concern",
                           on=date(2017, 11, 2))
        add_recommendation(session, cause.id, "Heronkentimprovement2275 by March.", "Chief constable",
                           date(2018, 3, 31))
        areas: dict[str, list[int]] = {}
        for area in session.scalars(select(ImprovementArea)):
            areas.setdefault(area.force_code, []).append(area.id)
        frame = tmp_path / "frame.csv"
        lines = ["reference,crime_type,date_recorded,force"]
        lines += [f"KWREF7741/{n},Common assault,2017-02-{n + 1:02d},Warwickshire" for n in range(3)]
        lines += [f"HKREF5530/{n},Harassment,2017-02-{n + 1:02d},Kent" for n in range(3)]
        frame.write_text("\n".join(lines) + "\n", encoding="utf-8")
        made, _ = fr.import_frame(session, frame)
        drawn, _ = fr.draw_sample(session, made.id, seed=2017)
        samples = {code: fr.draw_files(session, drawn.id, code)[0].sample_id for code in (WARKS, KENT)}
        at = datetime(2018, 2, 1, tzinfo=UTC)
        set_window(session, PUBLICATION, at, at + timedelta(days=60), "ana")
        comments = {code: add_comment(session, PUBLICATION, code, "overview", f"Wrong. {text}", "f", at).id
                    for code, text in ((WARKS, "Kestrelwarksaccuracy8812"), (KENT, "Heronkentaccuracy4471"))}
    queries = {WARKS: make_query(settings, WARKS, message="Check this. Kestrelwarksquery6239"),
               KENT: make_query(settings, KENT, item="asb_powers", message="Check this. Heronkentquery9184")}
    return Planted(queries, areas, samples, comments)


# ------------------------------------------------------------------------------------------------ the rule


def is_public(state: State) -> bool:
    return state in ("embargoed-after-release", "published")


def sees_force(role: str, code: str, state: State) -> bool:
    return is_public(state) or role in STAFF or FORCE_OF.get(role) == code


def may_see(role: str, state: State, marker: Marker) -> bool:
    if marker.kind == "publication":
        return sees_force(role, marker.force, state)
    if marker.kind == "query":
        return role in STAFF or FORCE_OF.get(role) == marker.force
    return role in STAFF


def forbidden(role: str, state: State) -> list[Marker]:
    return [m for m in MARKERS if not may_see(role, state, m)]


@dataclass(frozen=True)
class Ask:
    role: str
    state: State
    params: dict[str, str]


Expect = Callable[[Ask], int]


def always(_: Ask) -> int:
    return 200


def signed_in(ask: Ask) -> int:
    return LOGIN if ask.role == "public" else 200


def only(*roles: str) -> Expect:
    def expect(ask: Ask) -> int:
        if ask.role == "public":
            return LOGIN
        return 200 if ask.role in roles else 403

    return expect


def some_force_visible(ask: Ask) -> int:
    """The publication's index, compare and CSV: 404 (never 403) when the viewer may see no force of it."""
    return 200 if is_public(ask.state) or ask.role != "public" else 404


def this_force_visible(ask: Ask) -> int:
    return 200 if sees_force(ask.role, ask.params["_force"], ask.state) else 404


def api(ask: Ask) -> int:
    """The API shows published data only, whoever asks (it never looks at the session)."""
    return 200 if is_public(ask.state) else 404


def query_visible(ask: Ask) -> int:
    if ask.role == "public":
        return LOGIN
    return 200 if ask.role in STAFF or FORCE_OF.get(ask.role) == ask.params["_force"] else 404


# ------------------------------------------------------------------------------------------------ the routes

Params = Callable[[Planted], list[dict[str, str]]]


def _one(_: Planted) -> list[dict[str, str]]:
    return [{}]


def _publication(_: Planted) -> list[dict[str, str]]:
    return [{"publication_id": PUBLICATION, "publication": PUBLICATION}]


def _forces(_: Planted) -> list[dict[str, str]]:
    return [{"publication_id": PUBLICATION, "publication": PUBLICATION, "slug": slug, "_force": code}
            for slug, code in SLUGS.items()]


def _api_forces(_: Planted) -> list[dict[str, str]]:
    return [{"publication_id": PUBLICATION, "force": force} for force in
            ("warwickshire", WARKS, "kent", KENT, "west-mercia", "dorset")]


def _api_indicators(_: Planted) -> list[dict[str, str]]:
    return [{"publication_id": PUBLICATION, "indicator_id": i} for i in (INDICATOR, "crimes_per_1000")]


def _queries(planted: Planted) -> list[dict[str, str]]:
    return [{"query_id": str(query_id), "_force": code} for code, query_id in planted.queries.items()]


def _comments(planted: Planted) -> list[dict[str, str]]:
    return [{**base, "comment_id": str(planted.comments[base["_force"]])} for base in _forces(planted)
            if base["_force"] in planted.comments]


def _two_forces(planted: Planted) -> list[dict[str, str]]:
    """Warwickshire and Kent: the forces with ledger content (enough for the ledger's sub-pages, which no
    force user may open whatever the force)."""
    return [base for base in _forces(planted) if base["slug"] in ("warwickshire", "kent")]


def _with(key: str, values: Iterable[str]) -> Params:
    def params(planted: Planted) -> list[dict[str, str]]:
        return [{**base, key: value} for base in _two_forces(planted) for value in values]

    return params


def _areas(planted: Planted) -> list[dict[str, str]]:
    return [{**base, "area_id": str(area_id)} for base in _forces(planted)
            for area_id in planted.areas.get(base["_force"], [])]


def _samples(planted: Planted) -> list[dict[str, str]]:
    return [{**base, "sample_id": str(planted.samples[base["_force"]])} for base in _forces(planted)
            if base["_force"] in planted.samples]


def _downloads(_: Planted) -> list[dict[str, str]]:
    return [{"publication_id": PUBLICATION, "name": name} for name in (*DOWNLOADS, "report.html", "..%2Fsecret")]


def downloads_visible(ask: Ask) -> int:
    """The published tables: for everyone once the publication is public, for no one before (staff read the
    analysts' files); a name that is not one of the tables is never served."""
    return 200 if is_public(ask.state) and ask.params["name"] in DOWNLOADS else 404


def _assets(_: Planted) -> list[dict[str, str]]:
    # charts.js only: vega.js is a 1 MB bundle built by vl-convert, the same static code for everyone.
    return [{"publication_id": PUBLICATION, "name": "charts.js"}]


@dataclass(frozen=True)
class Page:
    expect: Expect
    params: Params = _one
    twin: bool = False  # the last path parameter + ".json" is the page's JSON twin
    queries: tuple[str, ...] = ("",)
    pdf: bool = False
    draft_queries: tuple[str, ...] = ()  # asked only in a draft by viewers not on the staff (slow to build)


HOME_QUERIES = ("", f"?indicator={INDICATOR}", f"?publication={PUBLICATION}&indicator={INDICATOR}")
COMPARE_QUERIES = (f"?indicator={INDICATOR}",
                   f"?indicator={INDICATOR}&view=ranked&force=warwickshire&sort=name&order=asc")
# A funnel plot takes ~2 s to draw for each set of forces a viewer may see: asked only where it can leak (a
# draft, by the viewers who see part of it); the ranked chart is asked everywhere.
FUNNEL = (f"?indicator={INDICATOR}&view=funnel&force=kent",)
LEDGER_FORCE = "/ledger/{publication}/forces/{slug}"
INSPECTOR = only("ian")
STAFF_ONLY = only("ana", "ian")

GET: dict[str, Page] = {
    # public pages
    "/": Page(always, queries=HOME_QUERIES),
    "/index.json": Page(always, queries=HOME_QUERIES),
    "/publications/{publication_id}": Page(some_force_visible, _publication, twin=True,
                                           queries=("", f"?indicator={INDICATOR}")),
    "/publications/{publication_id}/data.csv": Page(some_force_visible, _publication),
    "/publications/{publication_id}/forces/{slug}": Page(this_force_visible, _forces, twin=True),
    "/publications/{publication_id}/forces/{slug}/data.csv": Page(this_force_visible, _forces),
    "/publications/{publication_id}/forces/{slug}/report": Page(this_force_visible, _forces),
    "/publications/{publication_id}/forces/{slug}/report.pdf": Page(this_force_visible, _forces, pdf=True),
    "/publications/{publication_id}/compare": Page(some_force_visible, _publication, queries=COMPARE_QUERIES,
                                                   draft_queries=FUNNEL),
    "/publications/{publication_id}/compare.json": Page(some_force_visible, _publication, queries=COMPARE_QUERIES,
                                                        draft_queries=FUNNEL),
    "/publications/{publication_id}/forces/assets/{name}": Page(always, _assets),
    "/publications/{publication_id}/downloads/{name}": Page(downloads_visible, _downloads),
    # Find your force: names and regions only; links to a force's page only where the viewer may see it.
    "/forces": Page(always, queries=("", "?q=Kent", "?q=war", "?q=E23000017")),
    "/forces.json": Page(always, queries=("", "?q=Kent", "?q=war")),
    "/api/v1/docs": Page(always),
    "/assets/{name}": Page(always, _assets),
    # the API
    "/api/v1/publications": Page(always),
    "/api/v1/publications/{publication_id}": Page(api, _publication),
    "/api/v1/publications/{publication_id}/forces": Page(api, _publication),
    "/api/v1/publications/{publication_id}/forces/{force}": Page(api, _api_forces),
    "/api/v1/publications/{publication_id}/indicators": Page(api, _publication),
    "/api/v1/publications/{publication_id}/indicators/{indicator_id}": Page(api, _api_indicators),
    "/api/v1/openapi.json": Page(always),
    # account
    "/login": Page(always),
    "/login.json": Page(always),
    "/account": Page(signed_in),
    "/account.json": Page(signed_in),
    # the work side
    "/status": Page(signed_in),
    "/status.json": Page(signed_in),
    "/queries": Page(signed_in, queries=("", "?force=kent", "?force=warwickshire", "?status=open")),
    "/queries.json": Page(signed_in, queries=("", "?force=kent", "?force=warwickshire")),
    "/queries/new": Page(only("ana")),
    "/queries/new.json": Page(only("ana")),
    "/queries/{query_id}": Page(query_visible, _queries, twin=True),
    "/ledger": Page(STAFF_ONLY),
    "/ledger.json": Page(STAFF_ONLY),
    LEDGER_FORCE: Page(STAFF_ONLY, _forces, twin=True),
    LEDGER_FORCE + "/judgments/{question_id}": Page(INSPECTOR, _with("question_id", QUESTIONS), twin=True),
    LEDGER_FORCE + "/areas": Page(INSPECTOR, _two_forces),
    LEDGER_FORCE + "/areas.json": Page(INSPECTOR, _two_forces),
    LEDGER_FORCE + "/areas/{area_id}/status": Page(INSPECTOR, _areas),
    LEDGER_FORCE + "/areas/{area_id}/status.json": Page(INSPECTOR, _areas),
    LEDGER_FORCE + "/areas/{area_id}/recommendations": Page(INSPECTOR, _areas),
    LEDGER_FORCE + "/areas/{area_id}/recommendations.json": Page(INSPECTOR, _areas),
    LEDGER_FORCE + "/narrative/{section}": Page(INSPECTOR, _with("section", SECTIONS), twin=True),
    LEDGER_FORCE + "/file-review": Page(INSPECTOR, _two_forces),
    LEDGER_FORCE + "/file-review.json": Page(INSPECTOR, _two_forces),
    LEDGER_FORCE + "/file-review/{sample_id}": Page(INSPECTOR, _samples, twin=True),
    "/returns": Page(signed_in, queries=("", "?force=kent", "?force=warwickshire")),
    "/returns.json": Page(signed_in, queries=("", "?force=kent", "?force=warwickshire")),
    "/returns/template.xlsx": Page(signed_in, queries=("", "?force=kent")),
    "/accuracy/{publication}": Page(signed_in, _publication, twin=True),
    "/accuracy/{publication}/forces/{slug}": Page(query_visible, _forces, twin=True),
    "/publications/{publication}/control": Page(only("ana"), _publication),
    "/publications/{publication}/control.json": Page(only("ana"), _publication),
    "/checks": Page(STAFF_ONLY, queries=("", f"?publication={PUBLICATION}")),
    "/checks.json": Page(STAFF_ONLY, queries=("", f"?publication={PUBLICATION}")),
    "/imports": Page(STAFF_ONLY),
    "/imports.json": Page(STAFF_ONLY),
    "/ledger/{publication}/moderation": Page(STAFF_ONLY, _publication),
    "/ledger/{publication}/moderation.json": Page(STAFF_ONLY, _publication),
}


@dataclass(frozen=True)
class Post:
    """A state-changing route: only the refusals are exercised here (the allowed saves have their own tests in
    test_work_*.py and would change the world under the matrix)."""

    allowed: Callable[[str, dict[str, str]], bool]
    refusal: Callable[[str, dict[str, str]], int]
    params: Params = _one


def _role_in(*roles: str) -> Callable[[str, dict[str, str]], bool]:
    return lambda role, _params: role in roles


def _forbidden(role: str, _params: dict[str, str]) -> int:
    return 401 if role == "public" else 403


def _answer_refusal(role: str, params: dict[str, str]) -> int:
    if role == "public":
        return 401
    return 404 if role in FORCE_OF else 403  # another force's query does not exist for a force user


def _one_question(planted: Planted) -> list[dict[str, str]]:
    return [{**base, "question_id": Q1, "section": "overview"} for base in _two_forces(planted)]


POST: dict[str, Post] = {
    "/status/signoff": Post(_role_in("warks", "kent"), _forbidden),
    "/queries/new": Post(_role_in("ana"), _forbidden),
    "/queries/{query_id}/answer": Post(lambda role, p: FORCE_OF.get(role) == p["_force"], _answer_refusal, _queries),
    "/queries/{query_id}/close": Post(_role_in("ana"), _forbidden, _queries),
    "/queries/{query_id}/reopen": Post(_role_in("ana"), _forbidden, _queries),
    LEDGER_FORCE + "/judgments/{question_id}": Post(_role_in("ian"), _forbidden, _one_question),
    LEDGER_FORCE + "/areas": Post(_role_in("ian"), _forbidden, _two_forces),
    LEDGER_FORCE + "/areas/{area_id}/status": Post(_role_in("ian"), _forbidden, _areas),
    LEDGER_FORCE + "/areas/{area_id}/recommendations": Post(_role_in("ian"), _forbidden, _areas),
    LEDGER_FORCE + "/narrative/{section}": Post(_role_in("ian"), _forbidden, _one_question),
    LEDGER_FORCE + "/file-review/{sample_id}": Post(_role_in("ian"), _forbidden, _samples),
    "/returns/upload": Post(_role_in("ana", "warks", "kent"), _forbidden),
    "/accuracy/{publication}/window": Post(_role_in("ana"), _forbidden, _publication),
    "/accuracy/{publication}/forces/{slug}/comments": Post(lambda role, p: FORCE_OF.get(role) == p["_force"],
                                                           _answer_refusal, _two_forces),
    "/accuracy/{publication}/forces/{slug}/comments/{comment_id}/answer": Post(_role_in("ian"), _forbidden,
                                                                               _comments),
    "/publications/{publication}/control/embargo": Post(_role_in("ana"), _forbidden, _publication),
    "/publications/{publication}/control/publish": Post(_role_in("ana"), _forbidden, _publication),
    "/publications/{publication}/control/draft": Post(_role_in("ana"), _forbidden, _publication),
    "/publications/{publication}/control/site": Post(_role_in("ana"), _forbidden, _publication),
    "/checks/run": Post(_role_in("ana"), _forbidden),
    LEDGER_FORCE + "/judgments/{question_id}/moderate": Post(_role_in("ian"), _forbidden, _one_question),
}

# Routes that hold nothing of any publication: asked by everyone in every state (no marker may appear), but
# not governed by the embargo. Anything else must be in GET or POST above.
PUBLIC_ALWAYS: dict[tuple[str, str], str] = {
    ("MOUNT", "/static"): "/static/app.css",
    ("POST", "/login"): "",  # signing in: test_auth.py
    ("POST", "/logout"): "",
}


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    # FastAPI 0.165 keeps included routers as branches: iter_route_contexts walks them all.
    found: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        methods = set(getattr(route, "methods", None) or ()) - {"HEAD"}
        for method in methods or {"MOUNT"}:
            found.add((method, str(route.path)))
    return found


def test_every_route_is_in_the_matrix(app: FastAPI) -> None:
    routes = app_routes(app)
    covered = {("GET", path) for path in GET} | {("POST", path) for path in POST} | set(PUBLIC_ALWAYS)
    escaped = sorted(routes - covered)
    assert not escaped, ("routes not in the embargo matrix (add each to GET/POST in test_embargo_matrix.py with "
                         f"who may see it, or to PUBLIC_ALWAYS if it holds nothing of a publication): {escaped}")
    stale = sorted((covered - routes) - set(PUBLIC_ALWAYS))
    assert not stale, f"the matrix lists routes the app no longer has: {stale}"


# ------------------------------------------------------------------------------------------------ running it


@dataclass
class Run:
    """Everything one state's matrix asked and found."""

    state: State
    problems: list[str] = field(default_factory=list)
    seen: dict[str, set[str]] = field(default_factory=dict)  # marker text -> roles it was shown to
    requests: int = 0
    cells: set[tuple[str, str]] = field(default_factory=set)  # (route, role)
    skipped_pdfs: int = 0

    def check(self, role: str, label: str, response: Response, expected: int, body: str | None = None,
              private: bool = True) -> None:
        self.requests += 1
        where = f"[{self.state}] {role} GET {label}"
        if response.status_code != expected:
            self.problems.append(f"{where}: {response.status_code}, expected {expected}")
        if expected == LOGIN and not response.headers.get("location", "").startswith("/login?next="):
            self.problems.append(f"{where}: redirected to {response.headers.get('location')!r}, not to sign in")
        if private and response.status_code == 200 and role != "public" and not is_public(self.state) \
                and "no-store" not in response.headers.get("cache-control", ""):
            self.problems.append(f"{where}: an embargoed page without Cache-Control: no-store")
        text = response.content.decode("utf-8", "replace") if body is None else body
        for marker in MARKERS:
            if marker.found_in(text):
                if may_see(role, self.state, marker):
                    self.seen.setdefault(marker.text, set()).add(role)
                else:
                    self.problems.append(f"{where}: LEAK of {NAMES.get(marker.force)}'s {marker.what} "
                                         f"({marker.text!r}), status {response.status_code}")


def pdf_text(content: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True,
                          text=True).stdout


# PDFs take seconds each: the refusals are all checked (they are cheap), the renders only for these.
PDF_RENDERS = {("draft", "warks", "warwickshire"), ("published", "public", "kent")}


def run_gets(run: Run, browsers: dict[str, TestClient], planted: Planted, tmp_path: Path) -> None:
    for role in ROLES:
        browser = browsers[role]
        for template, spec in GET.items():
            run.cells.add((template, role))
            for params in spec.params(planted):
                path = template.format(**params)
                queries = spec.queries
                if run.state == "draft" and role not in STAFF:
                    queries += spec.draft_queries
                variants = [path + q for q in queries]
                if spec.twin:
                    variants += [path + ".json" + q for q in queries]
                for url in variants:
                    expected = spec.expect(Ask(role, run.state, params))
                    if expected == LOGIN and url.split("?")[0].endswith(".json"):
                        expected = 401
                    if spec.pdf and expected == 200:
                        if (run.state, role, params["slug"]) not in PDF_RENDERS:
                            run.skipped_pdfs += 1
                            continue
                        response = browser.get(url)
                        body = pdf_text(response.content, tmp_path) if response.status_code == 200 else None
                        run.check(role, url, response, expected, body)
                        continue
                    run.check(role, url, browser.get(url), expected, private=spec.expect is not always)
        for _key, url in PUBLIC_ALWAYS.items():
            if url:
                response = browser.get(url)
                # Markers only: no rule for these.
                run.check(role, url, response, response.status_code, private=False)
                if response.status_code >= 500:
                    run.problems.append(f"[{run.state}] {role} GET {url}: {response.status_code}")


def audit_rows(settings: WebSettings) -> int:
    with db.session_scope(settings.ledger_url, actor="test") as session:
        return int(session.scalar(select(func.count()).select_from(AuditLog)) or 0)


def run_posts(run: Run, browsers: dict[str, TestClient], planted: Planted, settings: WebSettings) -> None:
    form = {"version": "1", "grade": "Outstanding", "inspected": "yes", "text": "Kestrel posted", "answer": "x",
            "outcome": "resolved", "status": "closed", "evidence": "x", "release_at": "2018-03-22T09:30",
            "question_id": Q1, "kind": "area_for_improvement", "note": "x", "allow_open": "yes",
            "publication": PUBLICATION, "force": "kent", "item": "ocgs", "message": "x"}
    before = audit_rows(settings)
    for role in ROLES:
        browser = browsers[role]
        token = form_token(browser)
        for template, spec in POST.items():
            run.cells.add((f"POST {template}", role))
            for params in spec.params(planted):
                if spec.allowed(role, params):
                    continue
                url = template.format(**params)
                response = browser.post(url, data={**form, "csrf_token": token})
                run.requests += 1
                expected = spec.refusal(role, params)
                where = f"[{run.state}] {role} POST {url}"
                if response.status_code != expected:
                    run.problems.append(f"{where}: {response.status_code}, expected {expected}")
                for marker in forbidden(role, run.state):
                    if marker.found_in(response.text):
                        run.problems.append(f"{where}: LEAK of {marker.what} ({marker.text!r})")
    if audit_rows(settings) != before:
        run.problems.append(f"[{run.state}] refused POSTs wrote {audit_rows(settings) - before} audit rows")


def enter(state: State, set_state: Callable[..., Any], clock: Clock) -> None:
    if state == "draft":
        set_state("draft")
    elif state == "published":
        set_state("published")
    else:
        set_state("embargoed", release_at=clock.now + timedelta(hours=2))


def positive_controls(run: Run) -> None:
    """Each marker must be found where the rule lets it be seen, or the leak checks prove nothing."""
    for marker in MARKERS:
        seen = run.seen.get(marker.text, set())
        if marker.kind == "publication":
            owner = next((role for role, code in FORCE_OF.items() if code == marker.force), None)
            needed = {"public"} if is_public(run.state) else ({"ana", owner} if owner else {"ana"})
        elif marker.kind == "query":
            needed = {"ana", next(role for role, code in FORCE_OF.items() if code == marker.force)}
        else:
            needed = {"ian"}
        if not needed <= seen:
            run.problems.append(f"[{run.state}] positive control: {NAMES[marker.force]}'s {marker.what} "
                                f"({marker.text!r}) was never shown to {sorted(needed - seen)} (shown to "
                                f"{sorted(seen)}): is the marker still rendered?")


@pytest.mark.parametrize("state", STATES)
def test_no_role_sees_what_the_embargo_hides(state: State, app: FastAPI, web_settings: WebSettings,
                                             new_client: NewClient, login: Login, set_state: Callable[..., Any],
                                             clock: Clock, tmp_path: Path) -> None:
    planted = plant(web_settings, tmp_path)
    enter(state, set_state, clock)
    browsers = {name: login(new_client(), name) for name in ROLES if name != "public"}
    browsers["public"] = new_client()
    if state == "embargoed-after-release":
        # Ask while the embargo holds, so the caches hold embargoed answers; then let the release time pass
        # with no save and no invalidation: the clock alone must open the publication to everyone.
        for role in ROLES:
            browsers[role].get(f"/publications/{PUBLICATION}/forces/warwickshire.json")
            browsers[role].get("/")
        assert browsers["public"].get(f"/publications/{PUBLICATION}/forces/kent").status_code == 404
        clock.advance(hours=3)
    run = Run(state)
    run_gets(run, browsers, planted, tmp_path)
    run_posts(run, browsers, planted, web_settings)
    positive_controls(run)
    print(f"\n[{state}] {len(GET)} GET + {len(POST)} POST routes x {len(ROLES)} roles ({len(run.cells)} cells): "
          f"{run.requests} requests, {run.skipped_pdfs} PDF renders left to the HTML report check")
    assert not run.problems, f"{len(run.problems)} problems:\n" + "\n".join(run.problems[:80])


def test_the_api_lists_nothing_unpublished(client: TestClient, set_state: Callable[..., Any], clock: Clock) -> None:
    for state in ("draft", "embargoed-before-release"):
        enter(state, set_state, clock)
        assert client.get("/api/v1/publications").json() == [], state
    enter("published", set_state, clock)
    assert [p["id"] for p in client.get("/api/v1/publications").json()] == [PUBLICATION]

