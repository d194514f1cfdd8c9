"""The fixed sentences and headings of a force's report, written once: the HTML (Jinja2) and the PDF (Typst)
templates both print them from the report context (`words`), so the two formats cannot drift apart."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SECTIONS: dict[str, str] = {
    "contents": "Contents",
    "force-in-numbers": "Force in numbers",
    "risk-based-inspection": "Risk-based inspection",
    "overview": "Effectiveness overview",
    "specialist-capabilities": "Specialist capabilities",
    "annex-a": "Annex A: About the data",
    "notes": "Notes",
    "areas": "Areas for improvement",
    "sources": "Sources",
    "population": "Population",
    "exclusions": "Exclusions and caveats",
    "file-review": "Case-file review",
    "surveys": "Surveys",
    "accessibility": "Accessibility",
    "corrections": "Corrections",
    "annex-corrections": "Corrections since publication",
    "release-override": "Released despite open checks",
}

ACCESSIBILITY = (
    "This report is published as HTML and as a tagged PDF that conforms to PDF/UA-1: headings, contents, lists, "
    "tables with their column headers, and every chart with a text alternative and its data table. One known "
    "limit: in the PDF, the first column of a table (the row labels) is tagged as data cells, not as row headers, "
    "because the typesetting library we use (Typst through its Python binding) does not yet expose row-header "
    "tagging. The HTML report marks row headers, and every figure is also in the data tables (CSV, XLSX, ODS).")

# {force} is the force's report name ("Warwickshire Police"), {year} the programme year.
SENTENCES: dict[str, str] = {
    "cover": "An inspection of {force}",
    "publisher": "HMICFRS",
    "fin_intro": "Each figure for {force} is shown beside the figure for England and Wales, with its period, its 95% "
                 "confidence interval and whether it differs significantly from England and Wales. A dash (–) means "
                 "there is no figure; the numbered note says why.",
    "fin_caption": "Force in numbers: {force} and England and Wales",
    "fin_none": "No figures are available for this publication.",
    "fin_method": "The comparison is significant when the force's 95% confidence interval excludes the England and "
                  "Wales figure. Annex A lists the sources, the population basis and every force left out of a figure.",
    "risk_intro": "Each year we re-inspect each force on the questions where we judge the risk to be greatest. For the "
                  "other questions the latest earlier judgment stands, and we show the year in which it was last "
                  "inspected.",
    "risk_assessed": "In {year} we assessed {force} on:",
    "risk_none": "The ledger records no question of {force} as inspected in {year}.",
    "risk_others": "For the other questions the earlier judgment stands:",
    "risk_all": "For every question the earlier judgment stands:",
    "overall": "Overall judgment:",
    "grade": "Grade:",
    "grades_caption": "{force}: grades for {year}",
    "specialist_lede": "This question is not graded.",
    "no_area": "No area for improvement is recorded for {year}.",
    "recommendation": "Recommendation:",
    "ranked_heading": "Every force ranked, with {force}'s similar forces",
    "ranked_key": "Key to the charts below: this force, similar forces, other forces, England and Wales (solid line), "
                  "similar forces pooled (dashed line).",
    "synthetic_banner": "Synthetic demonstration data. Some figures in this report come from synthetic demonstration "
                        "data, not from real police or official sources. Do not use them as facts about any force.",
    "synthetic_inline": "Synthetic demonstration data: some figures in this report are not real.",
    "synthetic_annex": "Synthetic demonstration data: sources marked synthetic are not real.",
    "synthetic_label": "synthetic demonstration data",
    "sources_caption": "Files the figures in this report are built from",
    "sources_none": "No source file is loaded for this publication's figures.",
    "exclusions_caption": "Forces left out of a figure, or shown with a caveat, in this publication",
    "exclusions_none": "No force is left out of any figure in this publication.",
    "file_review_none": "No case-file review sample for {year} is recorded for {force}.",
    "survey_none": "No weighted public attitude survey for {year} is recorded for {force}.",
    "chart_table": "Data table for this chart",
    "chart_table_print": "{force} and England and Wales; every force in the HTML report and the national data tables",
    "chart_table_none": "No force has a figure to tabulate.",
    "footer": "Produced with peelkit.",
    "release_override": "This publication was released although some data-quality checks were not cleared. The "
                        "reason given:",
    "accessibility": ACCESSIBILITY,
}


# The one phrasing for a grade that is not recorded, whether no judgment exists or one records that the grade
# is not known: report, site index, web pages and API alike.
NO_GRADE = "No judgment recorded"


def grade_text(standing: Mapping[str, Any] | None) -> str:
    """The grade as the report words it: never blank."""
    if standing is None or standing.get("grade") is None:
        return NO_GRADE
    return str(standing["grade"])


def words(force: str, year: str) -> dict[str, str]:
    """Every fixed sentence and heading, filled in for one force's report."""
    filled = {key: text.format(force=force, year=year) for key, text in SENTENCES.items()}
    return {**filled, **{f"h_{key.replace('-', '_')}": title for key, title in SECTIONS.items()}}


def rollup_sentence(rollup: Mapping[str, Any] | None) -> str:
    """Said when the inspector's overall grade departs from the advisory roll-up ('' otherwise)."""
    if not rollup or not rollup.get("departs"):
        return ""
    return (f"The inspector's overall grade departs from the advisory roll-up of the question grades "
            f"({rollup.get('advisory')}); the overall grade is the inspector's judgment.")


def population_sentence(as_at: str, vintage: str) -> str:
    return (f"Rates use the ONS mid-year population estimate as at {as_at} (release {vintage}), the most recent "
            "available when the inspection took place.")


def file_review_sentence(force: str, review: Mapping[str, Any]) -> str:
    sentence = (f"We reviewed a random sample of crime files recorded between {review['window_start']} and "
                f"{review['window_end']}, drawn from the crime types {', '.join(review['crime_types'])} (allocated in "
                f"proportion to each type, seed {review['seed']}). For {force} we asked for {review['target_size']} "
                f"files; {review['eligible']} were eligible and {review['drawn']} were drawn.")
    return f"{sentence} {review['note']}" if review.get("note") else sentence


def small_sample_sentence(small_base: int) -> str:
    return f"* Based on fewer than {small_base} files: treat this percentage as an indication only."


def survey_sentence(force: str, survey: Mapping[str, Any]) -> str:
    return (f"Public attitude survey ({survey['wave']}, {survey['mode']}): {survey['respondents']} respondents in "
            f"{force}, weighted by age, gender and work status to the force area's population. Design effect "
            f"{survey['design_effect']}; effective sample size {survey['effective_n']}. {survey['indication']}")


__all__ = ["ACCESSIBILITY", "SECTIONS", "SENTENCES", "file_review_sentence", "population_sentence", "rollup_sentence",
           "small_sample_sentence", "survey_sentence", "words"]
