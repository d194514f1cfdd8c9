"""The case-file review and survey results of a programme year, per force, as plain (picklable) data for the
reports: loaded once by peelkit.publish.context.load_ledger."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.indicators.display import DASH


def file_reviews(session: Session, year: int) -> dict[str, dict[str, Any]]:
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


def public_surveys(session: Session, year: int) -> dict[str, dict[str, Any]]:
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


def staff_surveys(session: Session, year: int) -> dict[str, dict[str, Any]]:
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


__all__ = ["file_reviews", "public_surveys", "staff_surveys"]
