"""The web's peer views: a force beside its similar forces on the compare page (a ranked ski-slope with the
force and its peers highlighted, and the group's pooled figure), from the same results the reports use."""

from __future__ import annotations

from typing import Any

from peelkit import forces
from peelkit.forces import ENGLAND_AND_WALES
from peelkit.indicators.catalogue import BY_ID
from peelkit.indicators.display import DASH
from peelkit.publish.model import Chart, PublicationData
from peelkit.publish.ski_slope import ski_slope


def _main(data: PublicationData, indicator_id: str) -> dict[str, Any]:
    period = data.publication.periods[indicator_id].main
    return {r.force_code: r for r in data.results if r.indicator == indicator_id and r.period == period}


def peer_chart(data: PublicationData, indicator_id: str, highlight: str) -> Chart:
    """The ranked chart of the forces in `data` (already the viewer's), `highlight` and its peers marked."""
    main = _main(data, indicator_id)
    own = main.get(highlight)
    extra = own.extra if own is not None else {}
    peers = [c for c in extra.get("peer_members", []) if c != highlight and c in main]
    return ski_slope(list(main.values()), indicator_id, highlight, peers, extra.get("peer_value"),
                     str(extra.get("peer_display", DASH)))


def peer_summary(data: PublicationData, indicator_id: str, highlight: str) -> dict[str, Any] | None:
    """The highlighted force's similar forces and their pooled figure, or None with no force chosen."""
    own = _main(data, indicator_id).get(highlight)
    if own is None or highlight == ENGLAND_AND_WALES:
        return None
    extra = own.extra
    group = data.peer_groups.get(highlight)
    return {
        "force": own.force_name, "version": extra.get("peer_group", ""), "label": extra.get("peer_group_source", ""),
        "members": [forces.match(c).name for c in group.members] if group else [],
        "include_self": bool(group and group.include_self),
        "value": extra.get("peer_display", DASH), "comparison": extra.get("peer_comparison", "not compared")
        if own.value is not None else "not compared",
        "note": extra.get("peer_note") or None, "unit": BY_ID[indicator_id].unit,
        "pooled": [forces.match(c).name for c in extra.get("peer_members", [])],
    }


__all__ = ["peer_chart", "peer_summary"]
