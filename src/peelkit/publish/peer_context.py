"""The report context's peer figures: each figure's similar forces (value, interval, comparison, note) and the
force's peer group, for the HTML and PDF renderers alike."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from peelkit import forces
from peelkit.indicators.catalogue import Indicator
from peelkit.indicators.display import DASH
from peelkit.indicators.engine import Result
from peelkit.publish.model import PublicationData


def peer_figure(own: Result, indicator: Indicator, note_ref: Callable[[str], int | None],
                capital: Callable[[str], str], number: Callable[[float | None, Indicator], str]) -> dict[str, Any]:
    """The force's peer-group figure, its interval and the force's comparison with it, and the over-dispersed
    comparison and trend flag: for the HTML and PDF renderers alike."""
    extra = own.extra
    value = extra.get("peer_value")
    return {
        "peer_value": extra.get("peer_display", DASH), "peer_missing": value is None,
        "peer_lower": number(extra.get("peer_lower_95"), indicator),
        "peer_upper": number(extra.get("peer_upper_95"), indicator),
        "peer_has_interval": extra.get("peer_lower_95") is not None and extra.get("peer_upper_95") is not None,
        "peer_numerator": extra.get("peer_numerator"), "peer_denominator": extra.get("peer_denominator"),
        "peer_comparison": extra.get("peer_comparison", "not compared") if own.value is not None else "not compared",
        "peer_members": [forces.match(c).name for c in extra.get("peer_members", [])],
        "peer_note": note_ref(capital(str(extra.get("peer_note", "")))),
        "comparison_overdispersed": extra.get("comparison_overdispersed", "not compared"),
        "overdispersion_method": extra.get("overdispersion_method", ""),
        "worse_and_getting_worse": extra.get("worse_and_getting_worse"), "trend": extra.get("trend", ""),
    }


def peer_group_context(data: PublicationData, code: str) -> dict[str, Any] | None:
    """Which peer group the force's figures are compared with: version, source label and members."""
    for result in data.results:
        if result.force_code == code and "peer_group" in result.extra:
            extra = result.extra
            group = data.peer_groups.get(code) if data.peer_groups else None
            members = [forces.match(c).name for c in group.members] if group else []
            found = {"version": extra["peer_group"], "label": extra.get("peer_group_source", ""),
                     "members": members, "include_self": bool(group and group.include_self),
                     "missing": group is None, "note": "" if group else str(extra.get("peer_note", ""))}
            return {**found, "sentence": _group_sentence(found, forces.match(code).title)}
    return None


def _group_sentence(group: dict[str, Any], force: str) -> str:
    """The one sentence both renderers print about the similar forces (so HTML and PDF cannot differ)."""
    named = f"{group['label']} (version {group['version']})" if group["label"] else f"version {group['version']}"
    if group["missing"]:
        return f"Similar forces: {named}. None are shown: {group['note']}."
    members = ", ".join(group["members"]) + (f", with {force} itself" if group["include_self"] else "")
    return (f"Similar forces: {named}. {members}. Their figure is the sum of their counts over the sum of their "
            "denominators, for the forces with a usable figure.")
    return None


__all__ = ["peer_figure", "peer_group_context"]
