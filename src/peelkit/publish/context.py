"""Loading everything a publication's reports need, once (figures, sources, and each force's ledger content as
plain picklable data), and building the template context of one force's report from it."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from peelkit import forces, warehouse
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID, DATASET_TITLES, POPULATION, Indicator, Input
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import RETURN_DATASET, SYNTHETIC_NOTE, Engine, Result
from peelkit.indicators.publication import Publication
from peelkit.indicators.publication import load as load_publication
from peelkit.ledger import frameworks as fw
from peelkit.publish import wording
from peelkit.publish.markdown import render_markdown
from peelkit.publish.model import Chart, PublicationData, SourceFile
from peelkit.publish.peer_context import peer_figure, peer_group_context
from peelkit.publish.ski_slope import LEGEND as SKI_SLOPE_LEGEND
from peelkit.publish.ski_slope import force_ski_slopes
from peelkit.warehouse import CURRENT_RETURNS_SQL

if TYPE_CHECKING:  # the ORM is needed to load the ledger, not by a worker building a force's context
    from sqlalchemy.orm import Session

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NO_NARRATIVE = "No narrative has been recorded for this question."
NO_NARRATIVE_SECTION = "No narrative has been recorded for this section."

# Which question each figure illustrates (by chart id prefix: an indicator id).
CHART_QUESTIONS: dict[str, str] = {
    "asb_powers_per_million": "Q1_preventing_crime_and_ASB",
    "action_taken_pct": "Q2_investigating_crime",
    "da_arrests_per_100": "Q3_protecting_vulnerable_people",
    "ocgs_per_million": "Q4_serious_and_organised_crime",
}
SPECIALIST = "Q5_specialist_capabilities"

# Force in numbers, grouped under the headings of the published 2017 reports; an indicator of a publication
# that no group names is shown under "Other figures".
FIGURE_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Calls for assistance", ("incidents_per_1000",)),
    ("Anti-social behaviour", ("asb_per_1000", "asb_change_pct", "asb_powers_per_million")),
    ("Crime (excluding fraud)", ("crimes_per_1000", "crime_change_pct")),
    ("Outcomes", ("outcome_charged_pct", "outcome_victim_not_support_pct", "outcome_no_suspect_pct",
                  "action_taken_pct")),
    ("Domestic abuse", ("da_incidents_per_1000", "da_share_of_crime_pct", "da_arrests_per_100")),
    ("Organised crime groups", ("ocgs_per_million",)),
)
OTHER_FIGURES = "Other figures"


# ------------------------------------------------------------------------------------------------ loading


def load_publication_data(warehouse_path: Path | None, ledger_url: str | None,
                          publication: Publication | str) -> PublicationData:
    """Evaluate the publication's indicators once (main and earlier periods), read its input files from the
    warehouse's `imports`, and every force's ledger content (plain dicts and lists: picklable)."""
    from concurrent.futures import ThreadPoolExecutor

    pub = load_publication(publication) if isinstance(publication, str) else publication
    # The ledger is read on a thread of its own while DuckDB (which runs outside the GIL) evaluates the figures.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="peel-ledger-read") as reader:
        ledger = reader.submit(load_ledger, ledger_url, pub)
        con = warehouse.connect(warehouse_path, read_only=True)
        try:
            engine = Engine(con, pub)
            results = engine.evaluate_all(include_earlier=True)
            peer_groups, _why = engine.peer_groups()
            sources = _sources(con, pub)
        finally:
            con.close()
        synthetic = any(s.synthetic for s in sources) or any(_is_synthetic(r) for r in results)
        return PublicationData(publication=pub, results=results, sources=sources, synthetic=synthetic,
                               ledger=ledger.result(), peer_groups=peer_groups)


def _is_synthetic(result: Result) -> bool:
    return bool(result.extra.get("synthetic")) or result.note.startswith(SYNTHETIC_NOTE)


def _inputs(pub: Publication) -> list[Input]:
    found: dict[Input, None] = {POPULATION: None}
    for indicator_id in pub.indicator_ids:
        indicator = BY_ID[indicator_id]
        found[indicator.numerator] = None
        found[indicator.denominator] = None
    return list(found)


# A source with more files than this (one data return per force, one street-level file per force and month)
# is listed in Annex A as one line; the manifest lists every file.
ANNEX_FILES_PER_SOURCE = 3


def annex_sources(sources: list[SourceFile]) -> list[SourceFile]:
    by_source: dict[str, list[SourceFile]] = {}
    for source in sources:
        by_source.setdefault(source.source, []).append(source)
    listed: list[SourceFile] = []
    for group in by_source.values():
        if len(group) <= ANNEX_FILES_PER_SOURCE:
            listed.extend(group)
            continue
        vintages = sorted({s.vintage for s in group})
        vintage = vintages[0] if len(vintages) == 1 else f"{vintages[0]} to {vintages[-1]}"
        listed.append(SourceFile(file_name=f"{len(group)} files (each listed in the manifest)", source=group[0].source,
                                 publisher=group[0].publisher, vintage=vintage, sha256="see manifest",
                                 synthetic=any(s.synthetic for s in group)))
    return listed


def _sources(con: Any, pub: Publication) -> list[SourceFile]:
    """The files whose facts the publication's indicators read (the same vintage rules as the engine)."""
    import_ids: set[int] = set()
    latest: list[tuple[str, str]] = []
    for spec in _inputs(pub):
        if spec.dataset == RETURN_DATASET:
            current = f"SELECT import_id FROM ({CURRENT_RETURNS_SQL})"
            rows = con.execute(f"SELECT DISTINCT import_id FROM facts WHERE import_id IN ({current}) AND dataset = ?"
                               " AND measure = ?", [spec.dataset, spec.measure]).fetchall()
        elif spec.dataset in pub.vintages:
            rows = con.execute("SELECT DISTINCT import_id FROM facts WHERE vintage = ? AND dataset = ? AND measure = ?",
                               [pub.vintages[spec.dataset], spec.dataset, spec.measure]).fetchall()
        else:
            latest.append((spec.dataset, spec.measure))
            continue
        import_ids.update(int(r[0]) for r in rows)
    if latest:
        # One pass of the latest-vintage window for every such input, not one pass each.
        pairs = " OR ".join("(dataset = ? AND measure = ?)" for _ in latest)
        rows = con.execute(f"SELECT DISTINCT import_id FROM latest_facts WHERE {pairs}",
                           [v for pair in latest for v in pair]).fetchall()
        import_ids.update(int(r[0]) for r in rows)
    if not import_ids:
        return []
    rows = con.execute(
        """SELECT file_name, source, publisher, vintage, sha256, synthetic FROM imports
           WHERE import_id IN (SELECT unnest(?::INTEGER[])) ORDER BY source, vintage, file_name""",
        [sorted(import_ids)]).fetchall()
    return [SourceFile(str(a), str(b), str(c), str(d), str(e), bool(f)) for a, b, c, d, e, f in rows]


def load_ledger(ledger_url: str | None, pub: Publication) -> dict[str, Any]:
    """Per force code: standing judgments, areas for improvement, narratives, file review and surveys for the
    publication's programme year, as plain data. An empty (fresh) ledger gives empty entries."""
    from peelkit.ledger import db
    from peelkit.publish import evidence

    year = _framework(pub)
    with db.session_scope(ledger_url, actor="publish") as session:
        if year is None:
            return {area.code: _empty() for area in forces.forces()}
        file_review = evidence.file_reviews(session, pub.year)
        survey = evidence.public_surveys(session, pub.year)
        staff = evidence.staff_surveys(session, pub.year)
        corrections = _corrections(session, pub.id)
        release = _release_override(session, pub.id)
        out: dict[str, Any] = {}
        for area in forces.forces():
            out[area.code] = {
                "judgments": _judgments(session, area.code, year),
                "areas": _areas(session, area.code),
                "narratives": _narratives(session, area.code, year),
                "file_review": file_review.get(area.code),
                "survey": survey.get(area.code),
                "staff_survey": staff.get(area.code),
                "corrections": corrections.get(area.code, []),
                "release_override": release,  # publication-wide; kept with each force so a restricted view has it
            }
        return out


def _corrections(session: Session, publication_id: str) -> dict[str, list[dict[str, str]]]:
    from peelkit.ledger.corrections import corrections_for

    return {code: [{"on": _long_date(c.on), "reason": c.reason, "record": c.record, "sentence": c.sentence}
                   for c in views] for code, views in corrections_for(session, publication_id).items()}


def _release_override(session: Session, publication_id: str) -> dict[str, Any] | None:
    """The reason a publication was released despite open error queries or missing sign-offs, and what it let by."""
    from peelkit.ledger.publication_state import get_status

    status = get_status(session, publication_id)
    if not status.override_reason:
        return None
    return {"reason": status.override_reason, "detail": list(status.override_detail)}


def _empty() -> dict[str, Any]:
    return {"judgments": None, "areas": [], "narratives": {}, "file_review": None, "survey": None,
            "staff_survey": None, "corrections": [], "release_override": None}


def _framework(pub: Publication) -> fw.Framework | None:
    try:
        return fw.for_publication(pub)
    except fw.FrameworkError:
        return None


def _judgments(session: Session, code: str, framework: fw.Framework) -> dict[str, Any]:
    from peelkit.ledger.judgments import standing_judgments
    from peelkit.ledger.rollup import advise_standing

    report = standing_judgments(session, code, framework.year)
    return {"year": report.year, "questions": [q.to_dict() for q in report.questions],
            "overall": report.overall.to_dict() if report.overall is not None else None,
            "previous_year": report.previous_year, "previous_overall": report.previous_overall,
            "movement": report.movement, "rollup": advise_standing(report).to_dict()}


def _areas(session: Session, code: str) -> list[dict[str, Any]]:
    from peelkit.ledger.improvements import AreaView, areas_for

    return [AreaView(a).to_dict() for a in areas_for(session, code)]


def _narratives(session: Session, code: str, framework: fw.Framework) -> dict[str, str]:
    from peelkit.ledger.narrative import narratives

    return narratives(session, code, framework.year)


# ------------------------------------------------------------------------------------------------ context


def month_year(published: str) -> str:
    """'2018-03' -> 'March 2018' (the text as given when it is not YYYY-MM)."""
    try:
        year, month = published.split("-")[:2]
        return f"{MONTHS[int(month) - 1]} {int(year)}"
    except (ValueError, IndexError):
        return published


def _number(value: float | None, indicator: Indicator) -> str:
    if value is None or math.isnan(value):
        return DASH
    suffix = "%" if indicator.kind in ("proportion", "change") else ""
    return f"{value:,.1f}{suffix}"


class _Footnotes:
    def __init__(self) -> None:
        self.notes: list[str] = []

    def ref(self, text: str) -> int | None:
        text = text.strip()
        if not text:
            return None
        if text not in self.notes:
            self.notes.append(text)
        return self.notes.index(text) + 1


def _period_label(result: Result) -> str:
    period = result.period
    if period.start == period.end:
        return f"as at {period.end.day} {MONTHS[period.end.month - 1]} {period.end.year}"
    return f"12 months to {period.end.day} {MONTHS[period.end.month - 1]} {period.end.year}"


def _figures(data: PublicationData, code: str, notes: _Footnotes) -> list[dict[str, Any]]:
    pub = data.publication
    index = {(r.force_code, r.indicator, r.period): r for r in data.results}
    rows = []
    # In the order the grouped table shows them, so the notes are numbered as a reader meets them.
    grouped = [i for _title, ids in FIGURE_GROUPS for i in ids]
    ordered = sorted(pub.periods.items(), key=lambda item: grouped.index(item[0]) if item[0] in grouped
                     else len(grouped))
    for indicator_id, periods in ordered:
        indicator = BY_ID[indicator_id]
        own = index.get((code, indicator_id, periods.main))
        ew = index.get((ENGLAND_AND_WALES, indicator_id, periods.main))
        if own is None or ew is None:
            continue
        rows.append({
            "id": indicator_id, "title": indicator.title, "unit": indicator.unit, "period": _period_label(own),
            "value": own.display, "missing": own.value is None, "status": own.status,
            "lower": _number(own.lower_95, indicator), "upper": _number(own.upper_95, indicator),
            "has_interval": own.lower_95 is not None and own.upper_95 is not None,
            "ew_value": ew.display, "ew_missing": ew.value is None,
            "comparison": own.comparison if own.value is not None else "not compared",
            "synthetic": _is_synthetic(own), "ew_synthetic": _is_synthetic(ew),
            "note": notes.ref(_capital(own.note)), "ew_note": notes.ref(_capital(ew.note)),
            **peer_figure(own, indicator, notes.ref, _capital, _number),
        })
    return rows


def _grouped(figures: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The figures under their headed groups, in the groups' order (empty groups left out)."""
    by_id = {f["id"]: f for f in figures}
    named = {i for _title, ids in FIGURE_GROUPS for i in ids}
    groups = [{"title": title, "figures": [by_id[i] for i in ids if i in by_id]} for title, ids in FIGURE_GROUPS]
    groups.append({"title": OTHER_FIGURES, "figures": [f for f in figures if f["id"] not in named]})
    return [g for g in groups if g["figures"]]


def _capital(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def movement_sentence(force_name: str, judgments: Mapping[str, Any] | None, year: str) -> str:
    """How the overall grade moved since the previous year, from the ledger (never invented)."""
    overall = (judgments or {}).get("overall")
    if not judgments or overall is None or overall.get("grade") is None:
        return f"No overall grade for {year} is recorded for {force_name} in the ledger."
    grade = overall["grade"]
    previous, before = judgments.get("previous_overall"), judgments.get("previous_year")
    movement = judgments.get("movement")
    if movement == "unchanged":
        return f"{force_name}'s overall grade is {grade}, unchanged from {before}."
    if movement in ("improved", "declined"):
        verb = "an improvement on" if movement == "improved" else "a decline from"
        return f"{force_name}'s overall grade is {grade}, {verb} {previous} in {before}."
    if movement == fw.NOT_COMPARABLE:
        return (f"{force_name}'s overall grade is {grade}. The {before} grade ({previous}) was given under a "
                "different framework, on a different scale, and is not comparable.")
    if before:
        return f"{force_name}'s overall grade is {grade}. No overall grade for {before} is recorded."
    return f"{force_name}'s overall grade is {grade}."


def _table_rows(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> dict[str, Any]:
    return {"columns": list(columns), "rows": [list(r) for r in rows]}


def _chart(chart: Chart) -> dict[str, Any]:
    return {"id": chart.id, "title": chart.title, "svg": chart.svg, "alt_text": chart.alt_text,
            "table": _table_rows(chart.table_columns, chart.table_rows), "notes": list(chart.notes),
            "spec": chart.spec, "missing": chart.missing}


def _place_charts(charts: Iterable[Chart] | Mapping[str, Chart]) -> tuple[dict[str, list[dict[str, Any]]],
                                                                          list[dict[str, Any]]]:
    items = charts.values() if isinstance(charts, Mapping) else charts
    by_question: dict[str, list[dict[str, Any]]] = defaultdict(list)
    other: list[dict[str, Any]] = []
    for chart in items:
        question = next((q for prefix, q in CHART_QUESTIONS.items() if chart.id.startswith(prefix)), None)
        (by_question[question] if question else other).append(_chart(chart))
    return by_question, other


def force_context(data: PublicationData, force_code: str,
                  charts: Iterable[Chart] | Mapping[str, Chart] = ()) -> dict[str, Any]:
    """Everything the report templates need for one force (plain data plus sanitised Markup)."""
    pub = data.publication
    area = forces.match(force_code)
    framework = _framework(pub)
    year = framework.year if framework else str(pub.year)
    ledger = data.ledger.get(area.code) or _empty()
    judgments = ledger.get("judgments")
    narratives: dict[str, str] = ledger.get("narratives") or {}
    notes = _Footnotes()
    figures = _figures(data, area.code, notes)
    by_question, other_charts = _place_charts(charts)
    standing = {q["question_id"]: q for q in (judgments or {}).get("questions", [])}
    areas_this_year = [a for a in ledger.get("areas", []) if a.get("year_raised") == year]

    questions = _questions(framework, standing, narratives, by_question, areas_this_year)
    specialist_q = framework.question(SPECIALIST) if framework and SPECIALIST in framework.question_ids else None
    specialist = {
        "title": (specialist_q.core_question or specialist_q.title) if specialist_q else "Specialist capabilities",
        "narrative": render_markdown(narratives.get("specialist_capabilities") or narratives.get(SPECIALIST)),
        "areas": [a for a in areas_this_year if a.get("question_id") == SPECIALIST],
        "standing": standing.get(SPECIALIST),
    }
    overall = (judgments or {}).get("overall")
    assessed = [q for q in questions if q["inspected"]]
    standing_earlier = [q for q in questions if not q["inspected"]]
    population_vintage = pub.vintages.get("population", "latest loaded")
    file_review = ledger.get("file_review")
    survey = ledger.get("survey")
    return {
        "publication": pub, "title": pub.title, "force": area.name, "force_code": area.code, "slug": area.slug,
        "force_title": area.title, "words": wording.words(area.title, year),
        "rollup_sentence": wording.rollup_sentence((judgments or {}).get("rollup")),
        "figure_groups": _grouped(figures),
        "population_sentence": wording.population_sentence(_long_date(pub.population_as_at), population_vintage),
        "file_review_sentence": wording.file_review_sentence(area.title, file_review) if file_review else "",
        "small_sample_sentence": wording.small_sample_sentence(file_review["small_base"]) if file_review else "",
        "survey_sentence": wording.survey_sentence(area.title, survey) if survey else "",
        "year": year, "published": month_year(pub.published), "synthetic": data.synthetic,
        "synthetic_ledger": bool((ledger.get("file_review") or {}).get("synthetic")
                                 or (ledger.get("survey") or {}).get("synthetic")
                                 or (ledger.get("staff_survey") or {}).get("synthetic")),
        "figures": figures, "footnotes": notes.notes, "other_charts": other_charts,
        "peer_group": peer_group_context(data, area.code),
        "ski_slope_legend": SKI_SLOPE_LEGEND,
        "ski_slopes": [_chart(c) for c in force_ski_slopes(data.results, {i: p.main for i, p in pub.periods.items()},
                                                           area.code)],
        "overall": {"grade": wording.grade_text(overall), "has_grade": bool(overall and overall.get("grade"))},
        "movement": movement_sentence(area.title, judgments, year),
        "rollup": (judgments or {}).get("rollup"),
        "overview": render_markdown(narratives.get("overview")),
        "questions": questions, "assessed": assessed, "standing_earlier": standing_earlier,
        "has_judgments": bool(judgments) and any(q["has_grade"] for q in questions),
        "specialist": specialist,
        "sources": annex_sources(data.sources), "dataset_titles": DATASET_TITLES,
        "population": {"as_at": _long_date(pub.population_as_at), "vintage": population_vintage,
                       "overrides": [o for o in pub.population_overrides]},
        **_annex_rows(data, area),
        "file_review": ledger.get("file_review"), "survey": ledger.get("survey"),
        "staff_survey": ledger.get("staff_survey"),
        "no_narrative": NO_NARRATIVE, "no_narrative_section": NO_NARRATIVE_SECTION,
        "corrections": ledger.get("corrections") or [], "release_override": ledger.get("release_override"),
    }


def _questions(framework: fw.Framework | None, standing: Mapping[str, Any], narratives: Mapping[str, str],
               by_question: Mapping[str, list[Any]], areas_this_year: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The graded questions' sections (specialist capabilities has its own)."""
    questions: list[dict[str, Any]] = []
    for question in (framework.questions if framework else ()):
        if question.id == SPECIALIST:
            continue
        s = standing.get(question.id)
        questions.append({
            "id": question.id, "anchor": _anchor(question.id), "title": question.title,
            "core_question": question.core_question, "graded": question.graded,
            "grade": wording.grade_text(s) if question.graded else "Not graded",
            "has_grade": bool(question.graded and s and s.get("grade")),
            "inspected": bool(s and s.get("basis") == "inspected"),
            "last_inspected": (s or {}).get("last_inspected"), "basis": (s or {}).get("basis", "no judgment"),
            "carried_forward": bool(s and s.get("carried_forward")),
            "narrative": render_markdown(narratives.get(question.id)),
            "charts": by_question.get(question.id, []),
            "areas": [a for a in areas_this_year if a.get("question_id") == question.id],
        })
    return questions


def _annex_rows(data: PublicationData, area: forces.Area) -> dict[str, Any]:
    """Annex A's exclusions, partial figures and combined groups, this force's rows marked."""
    pub = data.publication
    exclusions = [{"force": forces.match(e.force_code).name, "indicator": BY_ID[e.indicator].title,
                   "status": e.status, "reason": e.reason, "this_force": e.force_code == area.code}
                  for e in pub.exclusions]
    partial = sorted({(r.force_name, BY_ID[r.indicator].title, r.note) for r in data.results
                      if r.status == "partial" and r.force_code != ENGLAND_AND_WALES
                      and not pub.exclusion(r.force_code, r.indicator)})
    partial_rows = [{"force": f, "indicator": i, "reason": n, "this_force": f == area.name} for f, i, n in partial]
    return {"exclusions": exclusions, "partial": partial_rows,
            "groups": [{"name": g.name, "forces": ", ".join(forces.match(c).name for c in g.force_codes),
                        "indicators": ", ".join(BY_ID[i].title for i in g.indicators),
                        "periods": ", ".join(_long_date(p) for p in g.periods)} for g in pub.groups]}


def _anchor(question_id: str) -> str:
    return question_id.lower().replace("_", "-")


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


__all__ = ["NO_NARRATIVE", "force_context", "load_ledger", "load_publication_data", "month_year",
           "movement_sentence"]
