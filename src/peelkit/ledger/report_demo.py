"""Synthetic narrative and areas for improvement for the demo, so a reader of the demo sees a whole report
(overview, a narrative under every question, areas for improvement) rather than "none was recorded" in every
section. Every text says it is synthetic demonstration text, in its first words; nothing here is an inspection
finding. Written through the ledger functions (audited like any inspector's save) and repeatable: a section
that already has narrative, or an area already raised with the same text, is left as it is."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from peelkit.forces import match_force
from peelkit.ledger import frameworks as fw
from peelkit.ledger.improvements import ImprovementArea, raise_area
from peelkit.ledger.narrative import OVERVIEW, narratives, set_narrative

LABEL = "Synthetic demonstration text"
_MARK = f"**{LABEL}**, written by peelkit for the demo: not an inspection finding."

# What the demo narrative says of each section, by the question's theme (first words of its id after Qn_).
_THEMES = {
    "preventing": ("works with partner organisations to prevent crime and anti-social behaviour, and uses "
                   "neighbourhood teams to understand its communities' concerns"),
    "investigating": ("investigates crime to a consistent standard, supervises its investigations and keeps "
                      "victims informed of progress"),
    "protecting": ("identifies vulnerable people when they first contact the police, assesses the risk to "
                   "them and works with partners to keep them safe"),
    "serious": ("understands the threat from serious and organised crime, maps its organised crime groups and "
                "disrupts them with regional partners"),
    "specialist": "keeps its specialist capabilities (armed policing among them) ready to respond to a threat",
}
_AREAS = (
    ("Q1_preventing_crime_and_ASB", "The force should evaluate its problem-solving work with partners, so that "
                                    "it knows which approaches reduce anti-social behaviour."),
    ("Q3_protecting_vulnerable_people", "The force should make sure that its risk assessments of domestic abuse "
                                        "victims are completed and reviewed promptly."),
)


@dataclass
class DemoReport:
    force: str
    year: str
    narratives_added: list[str] = field(default_factory=list)
    narratives_kept: list[str] = field(default_factory=list)
    areas_added: list[int] = field(default_factory=list)
    areas_kept: list[int] = field(default_factory=list)


def _theme(question_id: str) -> str:
    words = question_id.split("_")
    key = words[1].lower() if len(words) > 1 else ""
    return _THEMES.get(key, "carries out this part of its work")


def section_text(force_name: str, title: str, question_id: str | None) -> str:
    """The synthetic narrative of one section, labelled as such in its first words."""
    if question_id is None:
        body = (f"This overview shows where an inspector's summary of {force_name}'s effectiveness would go: how "
                "effective the force is at keeping people safe and reducing crime, how its grade moved since the "
                "last inspection, and what it should improve.")
    else:
        body = (f"This section shows where the inspectors' findings on {title.rstrip('?').lower()} would go: "
                f"for example, how well {force_name} {_theme(question_id)}.")
    return f"{_MARK}\n\n{body}"


def area_text(text: str) -> str:
    return f"{LABEL}: {text}"


def load_demo_report(session: Session, force: str, year: str, on: date | None = None) -> DemoReport:
    """Give one force's report of one programme year synthetic narrative (overview and every question) and
    two areas for improvement, where it has none. The session's actor is recorded as the author."""
    area = match_force(force)
    framework = fw.get(year)
    report = DemoReport(area.name, framework.year)
    present = narratives(session, area.code, framework.year)
    sections: list[tuple[str, str, str | None]] = [(OVERVIEW, "Effectiveness overview", None)]
    sections += [(q.id, q.title, q.id) for q in framework.questions]
    for section, title, question_id in sections:
        if section in present:
            report.narratives_kept.append(section)
            continue
        set_narrative(session, area.code, framework.year, section, section_text(area.name, title, question_id))
        report.narratives_added.append(section)
    raised = {(a.question_id, a.text): a.id for a in session.scalars(select(ImprovementArea).where(
        ImprovementArea.force_code == area.code, ImprovementArea.year_raised == framework.year)).unique()}
    for question_id, text in _AREAS:
        if question_id not in framework.question_ids:
            continue
        wording = area_text(text)
        if (question_id, wording) in raised:
            report.areas_kept.append(raised[(question_id, wording)])
            continue
        report.areas_added.append(raise_area(session, area.code, framework.year, question_id, wording, on=on).id)
    return report


__all__ = ["LABEL", "DemoReport", "area_text", "load_demo_report", "section_text"]
