"""Loading everything a publication's reports need, once (figures, sources, and each force's ledger content as
plain picklable data), and building the template context of one force's report from it."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit import forces, warehouse
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID, DATASET_TITLES, POPULATION, Indicator, Input
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import RETURN_DATASET, SYNTHETIC_NOTE, Engine, Result
from peelkit.indicators.publication import Publication
from peelkit.indicators.publication import load as load_publication
from peelkit.ledger import frameworks as fw
from peelkit.publish.markdown import render_markdown
from peelkit.publish.model import Chart, PublicationData, SourceFile
from peelkit.publish.peer_context import peer_figure, peer_group_context
from peelkit.publish.ski_slope import LEGEND as SKI_SLOPE_LEGEND
from peelkit.publish.ski_slope import force_ski_slopes
from peelkit.warehouse import CURRENT_RETURNS_SQL

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
NO_NARRATIVE = "No narrative has been recorded for this question."
NO_NARRATIVE_SECTION = "No narrative has been recorded for this section."
NO_JUDGMENT = "No judgment is recorded"

# Which question each figure illustrates (by chart id prefix: an indicator id).
CHART_QUESTIONS: dict[str, str] = {
    "asb_powers_per_million": "Q1_preventing_crime_and_ASB",
    "action_taken_pct": "Q2_investigating_crime",
    "da_arrests_per_100": "Q3_protecting_vulnerable_people",
    "ocgs_per_million": "Q4_serious_and_organised_crime",
}
SPECIALIST = "Q5_specialist_capabilities"


# ------------------------------------------------------------------------------------------------ loading


def load_publication_data(warehouse_path: Path | None, ledger_url: str | None,
                          publication: Publication | str) -> PublicationData:
    """Evaluate the publication's indicators once (main and earlier periods), read its input files from the
    warehouse's `imports`, and every force's ledger content (plain dicts and lists: picklable)."""
    pub = load_publication(publication) if isinstance(publication, str) else publication
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
                           ledger=load_ledger(ledger_url, pub), peer_groups=peer_groups)


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

    year = _framework(pub)
    with db.session_scope(ledger_url, actor="publish") as session:
        if year is None:
            return {area.code: _empty() for area in forces.forces()}
        file_review = _file_review(session, pub.year)
        survey = _survey(session, pub.year)
        staff = _staff(session, pub.year)
        out: dict[str, Any] = {}
        for area in forces.forces():
            out[area.code] = {
                "judgments": _judgments(session, area.code, year),
                "areas": _areas(session, area.code),
                "narratives": _narratives(session, area.code, year),
                "file_review": file_review.get(area.code),
                "survey": survey.get(area.code),
                "staff_survey": staff.get(area.code),
            }
        return out


def _empty() -> dict[str, Any]:
    return {"judgments": None, "areas": [], "narratives": {}, "file_review": None, "survey": None,
            "staff_survey": None}


def _framework(pub: Publication) -> fw.Framework | None:
    try:
        return fw.get(str(pub.year))
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


def _file_review(session: Session, year: int) -> dict[str, dict[str, Any]]:
    from peelkit.ledger import file_review as fr

    draws = session.scalars(select(fr.SampleDraw).order_by(fr.SampleDraw.id.desc())).all()
    draw = next((d for d in draws if d.window_start.year == year), None)
    if draw is None:
        return {}
    frame = fr.get_frame(session, draw.frame_id)
    lines = fr.summarise(session, draw.id, include_pooled=False)
    by_force: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in lines:
        by_force[line.force_code].append(line.as_dict())
    out = {}
    for force in fr.draw_forces(session, draw.id):
        out[force.force_code] = {
            "draw_id": draw.id, "seed": draw.seed, "window_start": draw.window_start.isoformat(),
            "window_end": draw.window_end.isoformat(),
            "crime_types": [fr.crime_type_label(c) for c in draw.crime_types],
            "allocation_rule": draw.allocation_rule, "synthetic": frame.synthetic,
            "target_size": force.target_size, "eligible": force.eligible, "drawn": force.drawn,
            "takes_all": force.takes_all, "note": fr.force_note(force.eligible, force.target_size),
            "lines": by_force.get(force.force_code, []), "small_base": fr.SMALL_BASE,
        }
    return out


def _survey(session: Session, year: int) -> dict[str, dict[str, Any]]:
    from peelkit.ledger import surveys as sv

    wave = session.scalars(select(sv.SurveyWave).where(
        sv.SurveyWave.kind == "public", sv.SurveyWave.year == year, sv.SurveyWave.weighted_at.is_not(None))
        .order_by(sv.SurveyWave.id.desc())).first()
    if wave is None:
        return {}
    rows = session.execute(select(sv.SurveyRespondent.force_code, sv.SurveyRespondent.answers,
                                  sv.SurveyRespondent.weight).where(sv.SurveyRespondent.wave_id == wave.id)).all()
    by_force: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for code, answers, weight in rows:
        if weight is not None:
            by_force[code].append((answers, float(weight)))
    out: dict[str, dict[str, Any]] = {}
    for code, people in by_force.items():
        deff, n_eff = sv.design_effect([w for _a, w in people])
        questions = sorted({q for answers, _w in people for q in answers})
        shares = []
        for question in questions:
            answering = [(a[question], w) for a, w in people if a.get(question)]
            for answer in sorted({given for given, _w in answering}):
                row = sv.share_estimate(code, code, [given == answer for given, _w in answering],
                                        [w for _g, w in answering])
                shares.append({"question": question.replace("_", " "), "answer": answer, "n": row.n,
                               "share": _pct(row.share), "lower": _pct(row.lower), "upper": _pct(row.upper),
                               "effective_n": None if row.effective_n is None else round(row.effective_n)})
        out[code] = {"wave": wave.name, "year": wave.year, "mode": wave.mode, "synthetic": wave.synthetic,
                     "respondents": len(people), "design_effect": round(deff, 2), "effective_n": round(n_eff),
                     "shares": shares, "indication": sv.INDICATION_ONLY, "interval_method": sv.INTERVAL_METHOD}
    return out


def _staff(session: Session, year: int) -> dict[str, dict[str, Any]]:
    from peelkit.ledger import surveys as sv

    wave = session.scalars(select(sv.SurveyWave).where(sv.SurveyWave.kind == "staff", sv.SurveyWave.year == year)
                           .order_by(sv.SurveyWave.id.desc())).first()
    if wave is None:
        return {}
    out: dict[str, dict[str, Any]] = {}
    for count in sv.staff_themes(session, wave.id):
        entry = out.setdefault(count.force_code, {"wave": wave.name, "synthetic": wave.synthetic, "themes": [],
                                                  "caveat": sv.STAFF_CAVEAT})
        entry["themes"].append({"theme": count.theme, "responses": count.responses})
    return out


def _pct(value: float | None) -> str:
    return DASH if value is None else f"{100 * value:.0f}%"


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
    for indicator_id, periods in pub.periods.items():
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


def _capital(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith(".") else text + "."


def _grade_text(standing: Mapping[str, Any] | None) -> str:
    if standing is None or standing.get("grade") is None:
        if standing is not None and standing.get("basis") == "unknown":
            return "Unknown (no grade is recorded)"
        return "No judgment recorded"
    return str(standing["grade"])


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
    if movement == "not comparable":
        return (f"{force_name}'s overall grade is {grade}. The {before} grade ({previous}) was given on a "
                "different scale and is not compared.")
    if before:
        return f"{force_name}'s overall grade is {grade}. No overall grade for {before} is recorded."
    return f"{force_name}'s overall grade is {grade}."


def _table_rows(columns: Sequence[str], rows: Iterable[Sequence[str]]) -> dict[str, Any]:
    return {"columns": list(columns), "rows": [list(r) for r in rows]}


def _chart(chart: Chart) -> dict[str, Any]:
    return {"id": chart.id, "title": chart.title, "svg": chart.svg, "alt_text": chart.alt_text,
            "table": _table_rows(chart.table_columns, chart.table_rows), "notes": list(chart.notes),
            "spec": chart.spec}


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

    questions = []
    for question in (framework.questions if framework else ()):
        if question.id == SPECIALIST or not question.graded:
            continue
        s = standing.get(question.id)
        questions.append({
            "id": question.id, "anchor": _anchor(question.id), "title": question.title,
            "grade": _grade_text(s), "has_grade": bool(s and s.get("grade")),
            "inspected": bool(s and s.get("basis") == "inspected"),
            "last_inspected": (s or {}).get("last_inspected"), "basis": (s or {}).get("basis", "no judgment"),
            "carried_forward": bool(s and s.get("carried_forward")),
            "narrative": render_markdown(narratives.get(question.id)),
            "charts": by_question.get(question.id, []),
            "areas": [a for a in areas_this_year if a.get("question_id") == question.id],
        })
    specialist_q = framework.question(SPECIALIST) if framework and SPECIALIST in framework.question_ids else None
    specialist = {
        "title": specialist_q.title if specialist_q else "Specialist capabilities",
        "narrative": render_markdown(narratives.get("specialist_capabilities") or narratives.get(SPECIALIST)),
        "areas": [a for a in areas_this_year if a.get("question_id") == SPECIALIST],
        "standing": standing.get(SPECIALIST),
    }
    overall = (judgments or {}).get("overall")
    assessed = [q for q in questions if q["inspected"]]
    standing_earlier = [q for q in questions if not q["inspected"]]
    exclusions = [{"force": forces.match(e.force_code).name, "indicator": BY_ID[e.indicator].title,
                   "status": e.status, "reason": e.reason, "this_force": e.force_code == area.code}
                  for e in pub.exclusions]
    partial = sorted({(r.force_name, BY_ID[r.indicator].title, r.note) for r in data.results
                      if r.status == "partial" and r.force_code != ENGLAND_AND_WALES
                      and not pub.exclusion(r.force_code, r.indicator)})
    partial_rows = [{"force": f, "indicator": i, "reason": n, "this_force": f == area.name} for f, i, n in partial]
    population_vintage = pub.vintages.get("population", "latest loaded")
    return {
        "publication": pub, "title": pub.title, "force": area.name, "force_code": area.code, "slug": area.slug,
        "year": year, "published": month_year(pub.published), "synthetic": data.synthetic,
        "synthetic_ledger": bool((ledger.get("file_review") or {}).get("synthetic")
                                 or (ledger.get("survey") or {}).get("synthetic")
                                 or (ledger.get("staff_survey") or {}).get("synthetic")),
        "figures": figures, "footnotes": notes.notes, "other_charts": other_charts,
        "peer_group": peer_group_context(data, area.code),
        "ski_slope_legend": SKI_SLOPE_LEGEND,
        "ski_slopes": [_chart(c) for c in force_ski_slopes(data.results, {i: p.main for i, p in pub.periods.items()},
                                                           area.code)],
        "overall": {"grade": _grade_text(overall), "has_grade": bool(overall and overall.get("grade"))},
        "movement": movement_sentence(area.name, judgments, year),
        "rollup": (judgments or {}).get("rollup"),
        "overview": render_markdown(narratives.get("overview")),
        "questions": questions, "assessed": assessed, "standing_earlier": standing_earlier,
        "has_judgments": bool(judgments) and any(q["has_grade"] for q in questions),
        "specialist": specialist,
        "sources": annex_sources(data.sources), "dataset_titles": DATASET_TITLES,
        "population": {"as_at": _long_date(pub.population_as_at), "vintage": population_vintage,
                       "overrides": [o for o in pub.population_overrides]},
        "exclusions": exclusions, "partial": partial_rows,
        "groups": [{"name": g.name, "forces": ", ".join(forces.match(c).name for c in g.force_codes),
                    "indicators": ", ".join(BY_ID[i].title for i in g.indicators),
                    "periods": ", ".join(_long_date(p) for p in g.periods)} for g in pub.groups],
        "file_review": ledger.get("file_review"), "survey": ledger.get("survey"),
        "staff_survey": ledger.get("staff_survey"),
        "no_narrative": NO_NARRATIVE, "no_narrative_section": NO_NARRATIVE_SECTION,
    }


def _anchor(question_id: str) -> str:
    return question_id.lower().replace("_", "-")


def _long_date(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


__all__ = ["NO_NARRATIVE", "force_context", "load_ledger", "load_publication_data", "month_year",
           "movement_sentence"]
