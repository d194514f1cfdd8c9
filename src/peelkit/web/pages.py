"""Page data for the public pages and their `.json` twins: plain data (str, numbers, bools, lists, dicts) built
from a publication's data as a viewer may see it (peelkit.web.data restricts it first)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from peelkit import forces
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.publication import Publication
from peelkit.ledger.publication_state import PublicationStatus
from peelkit.publish.model import PublicationData
from peelkit.publish.wording import grade_text
from peelkit.web.maps import MapGeometry
from peelkit.web.policy import Viewer
from peelkit.web.templating import when


def publication_entry(pub: Publication, status: PublicationStatus, viewer: Viewer, now: datetime) -> dict[str, Any]:
    """How a publication is listed for this viewer. Before release the public learns only that it exists."""
    from peelkit.publish.context import month_year

    public = status.is_public(now)
    staff = viewer.role in ("analyst", "inspector")
    if public:
        state = f"Published {month_year(pub.published)}"
    elif staff and status.state == "embargoed" and status.release_at is not None:
        state = f"Embargoed until {when(status.release_at)}"
    elif staff:
        state = "Draft (not yet published)"
    elif viewer.role == "force":
        state = "Not yet published (you see your own force's draft only)"
    else:
        state = "Not yet published"
    return {"id": pub.id, "title": pub.title, "year": pub.year, "public": public, "state": state,
            "url": f"/publications/{pub.id}"}


def draft_status(status: PublicationStatus, now: datetime) -> dict[str, object] | None:
    """What base.html's embargo banner needs (None once the publication is public: no banner)."""
    return None if status.is_public(now) else status.to_dict()


def short_question(question_id: str) -> str:
    """'Q2_investigating_crime' -> 'Investigating crime' (a column heading; the full question is beside it)."""
    words = question_id.split("_", 1)[-1].replace("_", " ")
    return words[:1].upper() + words[1:]


def graded_questions(pub: Publication) -> list[dict[str, str]]:
    from peelkit.ledger import frameworks as fw

    try:
        framework = fw.for_publication(pub)
    except fw.FrameworkError:
        return []
    return [{"id": q.id, "title": q.core_question or q.title, "short": short_question(q.id)}
            for q in framework.questions if q.graded]


def grade_rows(data: PublicationData, codes: frozenset[str]) -> list[dict[str, Any]]:
    """Overall and per-question grade of each visible force, from the ledger part of the publication data."""
    questions = graded_questions(data.publication)
    rows = []
    for area in sorted((a for a in forces.forces() if a.code in codes), key=lambda a: a.name):
        judgments = (data.ledger.get(area.code) or {}).get("judgments") or {}
        standing = {q["question_id"]: q for q in judgments.get("questions", [])}
        grades = []
        for question in questions:
            s = standing.get(question["id"])
            grades.append({"question_id": question["id"], "grade": grade_text(s),
                           "last_inspected": (s or {}).get("last_inspected"),
                           "carried_forward": bool(s and s.get("carried_forward"))})
        rows.append({"code": area.code, "name": area.name, "slug": area.slug,
                     "url": f"/publications/{data.publication.id}/forces/{area.slug}",
                     "overall": grade_text(judgments.get("overall")), "grades": grades})
    return rows


def indicator_choices(pub: Publication) -> list[dict[str, str]]:
    from peelkit.indicators.catalogue import BY_ID

    return [{"id": i, "title": BY_ID[i].title} for i in pub.indicator_ids]


def default_indicator(pub: Publication) -> str:
    return "crimes_per_1000" if "crimes_per_1000" in pub.periods else pub.indicator_ids[0]


def _main(data: PublicationData, indicator_id: str) -> dict[str, Any]:
    """Force code -> the indicator's main-period result (England and Wales included)."""
    period = data.publication.periods[indicator_id].main
    return {r.force_code: r for r in data.results if r.indicator == indicator_id and r.period == period}


def _interval(lower: float | None, upper: float | None, kind: str) -> str | None:
    """As `peel indicators` prints it ('61.2 to 64.0'), with % for proportions and changes."""
    if lower is None or upper is None:
        return None
    suffix = "%" if kind in ("proportion", "change") else ""
    return f"{lower:,.1f}{suffix} to {upper:,.1f}{suffix}"


def map_data(data: PublicationData, codes: frozenset[str], indicator_id: str,
             geometry: MapGeometry | None) -> dict[str, Any]:
    """Each force's comparison of one indicator with England and Wales, with its shape when boundaries are
    loaded. Forces the viewer may not see are grey and carry no figure and no link."""
    from peelkit.indicators.catalogue import BY_ID
    from peelkit.web import maps

    indicator = BY_ID[indicator_id]
    main = _main(data, indicator_id)
    ew = main.get(ENGLAND_AND_WALES)
    shapes = {s.code: s for s in geometry.shapes} if geometry else {}
    rows = []
    for area in sorted(forces.forces(), key=lambda a: a.name):
        visible = area.code in codes
        result = main.get(area.code) if visible else None
        comparison = (result.comparison if result.value is not None else "not compared") if result else None
        category = maps.category(comparison, visible)
        shape = shapes.get(area.code)
        rows.append({
            "code": area.code, "name": area.name, "slug": area.slug, "visible": visible,
            "url": f"/publications/{data.publication.id}/forces/{area.slug}" if visible else None,
            "value": result.display if result else None, "missing": result is None or result.value is None,
            "comparison": comparison, "category": category,
            "fill": maps.CATEGORIES[category][0], "note": result.note if result else None,
            "path": shape.path if shape else None, "small": bool(shape and shape.small),
            "marker_x": shape.label_x if shape else None, "marker_y": shape.label_y if shape else None,
        })
    footnotes = footnote_rows(rows)  # one numbered note per reason, not the same sentence on every row
    return {
        "indicator": {"id": indicator.id, "title": indicator.title, "unit": indicator.unit,
                      "period": data.publication.periods[indicator_id].main.label()},
        "footnotes": footnotes,
        "england_and_wales": ew.display if ew and codes else None,
        "england_and_wales_note": (ew.note or None) if ew and codes and ew.value is None else None,
        "width": geometry.width if geometry else None, "height": geometry.height if geometry else None,
        "has_shapes": geometry is not None and bool(geometry.shapes),
        "marker_radius": maps.MARKER_RADIUS,
        "legend": maps.legend(str(r["category"]) for r in rows), "forces": rows,
    }


def similar_forces(data: PublicationData, force_code: str) -> list[dict[str, str | None]]:
    """The force's similar forces (its peer group's members), each with the address of its page when the
    viewer may see it (the data is already restricted to what the viewer may see), else none."""
    group = data.peer_groups.get(force_code) if data.peer_groups else None
    if group is None:
        return []
    shown = {r.force_code for r in data.results}
    members = []
    for code in group.members:
        area = forces.match(code)
        url = f"/publications/{data.publication.id}/forces/{area.slug}" if code in shown else None
        members.append({"code": area.code, "name": area.name, "url": url})
    return members


def force_page(data: PublicationData, force_code: str) -> dict[str, Any]:
    """A force's page: Force in numbers, judgments, areas for improvement, from the report's own context (so
    every display value is the one the report and `peel indicators` show)."""
    from peelkit.indicators.catalogue import BY_ID
    from peelkit.publish.context import force_context

    context = force_context(data, force_code)
    pub, slug = data.publication, context["slug"]
    base = f"/publications/{pub.id}/forces/{slug}"
    figures = []
    for figure in context["figures"]:
        kind = BY_ID[figure["id"]].kind
        own = next(r for r in data.results if r.force_code == context["force_code"] and r.indicator == figure["id"]
                   and r.period == pub.periods[figure["id"]].main)
        figures.append({**{k: figure[k] for k in ("id", "title", "unit", "period", "value", "missing", "status",
                                                  "ew_value", "ew_missing", "comparison", "synthetic", "note",
                                                  "ew_note", "peer_value", "peer_missing", "peer_comparison",
                                                  "peer_lower", "peer_upper", "peer_has_interval",
                                                  "peer_numerator", "peer_denominator", "peer_members",
                                                  "peer_note", "comparison_overdispersed", "overdispersion_method",
                                                  "worse_and_getting_worse", "trend")},
                        "peers_url": f"/publications/{pub.id}/compare?indicator={figure['id']}&force={slug}"
                                     "&view=peers",
                        "interval": _interval(own.lower_95, own.upper_95, kind),
                        "numerator": own.numerator, "denominator": own.denominator,
                        "compare_url": f"/publications/{pub.id}/compare?indicator={figure['id']}&force={slug}"})
    questions = [{k: q[k] for k in ("id", "title", "grade", "has_grade", "inspected", "last_inspected", "basis",
                                    "carried_forward")} for q in context["questions"]]
    areas = []
    for question in [*context["questions"], {"title": context["specialist"]["title"],
                                             "areas": context["specialist"]["areas"]}]:
        for area in question["areas"]:
            areas.append({"question": question["title"], "kind": area.get("kind"), "text": area.get("text"),
                          "kind_label": area.get("kind_label"), "recommendations": area.get("recommendations", []),
                          "status": area.get("status"), "raised": area.get("raised"),
                          "year_raised": area.get("year_raised")})
    return {
        "force": {"code": context["force_code"], "name": context["force"], "slug": slug,
                  "region": forces.match(force_code).region},
        "year": context["year"], "synthetic": context["synthetic"],
        "figures": figures, "footnotes": context["footnotes"], "peer_group": context["peer_group"],
        "similar_forces": similar_forces(data, force_code),
        "overall": context["overall"], "movement": context["movement"],
        "judgments": questions, "areas": areas, "corrections": context["corrections"],
        "links": {"report_html": f"{base}/report", "report_pdf": f"{base}/report.pdf", "data_csv": f"{base}/data.csv",
                  "compare": f"/publications/{pub.id}/compare"},
    }


SORT_KEYS = ("force", "value", "comparison")
VIEWS = ("ranked", "funnel", "peers")


def compare_rows(data: PublicationData, codes: frozenset[str], indicator_id: str, sort: str,
                 order: str) -> list[dict[str, Any]]:
    """One row per visible force: the main period's figure, interval and comparison, sorted server-side
    (missing values last whichever the order, as a reader scanning for the top or bottom expects)."""
    from peelkit.indicators.catalogue import BY_ID

    kind = BY_ID[indicator_id].kind
    main = _main(data, indicator_id)
    rows = []
    for area in forces.forces():
        result = main.get(area.code)
        if area.code not in codes or result is None:
            continue
        rows.append({"code": area.code, "name": area.name, "slug": area.slug,
                     "url": f"/publications/{data.publication.id}/forces/{area.slug}",
                     "value": result.value, "display": result.display,
                     "numerator": result.numerator, "denominator": result.denominator,
                     "interval": _interval(result.lower_95, result.upper_95, kind),
                     "comparison": result.comparison if result.value is not None else "not compared",
                     "status": result.status, "note": result.note or None})
    reverse = order == "desc"
    rows.sort(key=lambda r: r["name"], reverse=reverse and sort == "force")
    if sort == "value":
        present = sorted((r for r in rows if r["value"] is not None), key=lambda r: r["value"], reverse=reverse)
        rows = present + [r for r in rows if r["value"] is None]
    elif sort == "comparison":
        rows.sort(key=lambda r: r["comparison"], reverse=reverse)
    return rows


def footnote_rows(rows: list[dict[str, Any]], notes: list[str] | None = None) -> list[str]:
    """Number each row's note (the same text, the same number) as `note_ref`; returns the notes in order."""
    found = notes if notes is not None else []
    for row in rows:
        note = row.get("note")
        if note:
            text = note[0].upper() + note[1:]
            text = text if text.endswith(".") else text + "."
            if text not in found:
                found.append(text)
            row["note_ref"] = found.index(text) + 1
        else:
            row["note_ref"] = None
    return found


def england_and_wales(data: PublicationData, indicator_id: str) -> dict[str, Any] | None:
    """The comparator's main-period figure and interval."""
    from peelkit.indicators.catalogue import BY_ID

    result = _main(data, indicator_id).get(ENGLAND_AND_WALES)
    if result is None:
        return None
    return {"value": result.value, "display": result.display, "note": result.note or None,
            "interval": _interval(result.lower_95, result.upper_95, BY_ID[indicator_id].kind)}


LIMITS = ("none", "multiplicative", "additive")


def chart_data(data: PublicationData, indicator_id: str, view: str, highlight: str,
               limits: str = "none") -> dict[str, Any]:
    """The ranked bar chart or funnel plot of `data` (already restricted to the viewer's forces): the SVG for
    readers without scripts, the Vega-Lite spec for vega-embed, the text alternative and notes."""
    from peelkit.overdispersion import Method
    from peelkit.publish.charts import force_figure
    from peelkit.publish.funnel import funnel_chart

    if view == "funnel":
        chart = funnel_chart(data.results, indicator_id, highlight,
                             cast(Method, limits if limits in LIMITS else "none"))
    elif view == "peers":
        from peelkit.web.peer_pages import peer_chart

        chart = peer_chart(data, indicator_id, highlight)
    else:
        chart = force_figure(data.results, data.publication, indicator_id, highlight)
    return {"id": chart.id, "title": chart.title, "svg": chart.svg, "spec": chart.spec or None,
            "alt_text": chart.alt_text, "notes": list(chart.notes),
            "table": {"columns": list(chart.table_columns), "rows": [list(r) for r in chart.table_rows]}}


def force_csv(data: PublicationData, codes: frozenset[str]) -> str:
    """The forces' figures and England and Wales for every period the publication uses, in the columns of
    `peel indicators --format csv` plus the period; text cells that a spreadsheet could run as a formula are
    neutralised as in the published CSV."""
    import csv
    import io

    from peelkit.indicators.engine import CSV_COLUMNS
    from peelkit.publish.tables import neutralise

    order = {indicator_id: n for n, indicator_id in enumerate(data.publication.indicator_ids)}
    names = {area.code: area.name for area in forces.forces()}
    rows = sorted((r for r in data.results if r.force_code in codes or r.force_code == ENGLAND_AND_WALES),
                  key=lambda r: (order.get(r.indicator, len(order)), r.period.end,
                                 r.force_code == ENGLAND_AND_WALES, names.get(r.force_code, "")))
    out = io.StringIO()
    columns = [*CSV_COLUMNS, "period_start", "period_end"]
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for result in rows:
        row = {**result.csv_row(), "period_start": result.period.start.isoformat(),
               "period_end": result.period.end.isoformat()}
        writer.writerow({k: neutralise(v) if isinstance(v, str) else v for k, v in row.items()})
    return out.getvalue()


__all__ = ["chart_data", "compare_rows", "draft_status", "england_and_wales", "footnote_rows", "force_csv",
           "force_page", "grade_rows", "grade_text", "map_data", "publication_entry", "similar_forces"]
