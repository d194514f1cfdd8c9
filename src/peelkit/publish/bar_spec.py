"""The Vega-Lite spec of a ranked bar chart (peelkit.publish.charts), written as the plain dict it is.

Written by hand rather than with Altair, on purpose: the spec is the same few layers for every indicator, and
building it through Altair cost about 0.2 s of CPU a chart (Altair wraps and validates every channel against the
whole Vega-Lite schema), on the publisher's critical path before any report can start. The tests validate these
specs against the Vega-Lite schema Altair ships (tests/publish/test_charts.py), and check that VEGA_LITE_SCHEMA
is the version Altair and the funnel plots use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from peelkit.indicators.catalogue import Indicator
from peelkit.publish.chart_parts import (
    ARROW,
    BAR_WIDTH,
    EARLIER_RULE,
    FONT,
    FORCE_ROW,
    FORCE_ROW_TWO,
    HIGHLIGHT,
    OTHER_FILLS,
    OUTLINE,
    Series,
    lower_first,
    value_title,
)

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v6.4.1.json"
FORCES = {"name": "forces"}  # the named dataset of the forces' rows (top-level `datasets`)


def _field(name: str, kind: str = "nominal", **more: Any) -> dict[str, Any]:
    return {"field": name, "type": kind, **more}


def _when(test: str, then: Any, otherwise: Any) -> dict[str, Any]:
    return {"condition": {"test": test, "value": then}, "value": otherwise}


def _shared_data(layers: list[dict[str, Any]]) -> dict[str, Any]:
    """Data every layer reads, moved to the top level as Altair writes it (the same chart either way; kept so the
    spec, and so the SVG, are exactly what the Altair-built chart was)."""
    first = layers[0]["data"]
    if any(layer["data"] != first for layer in layers):
        return {}
    for layer in layers:
        del layer["data"]
    return {"data": first}


def _england_and_wales_layers(ew_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """England and Wales's reference line for each period (the latest solid, earlier dashed) and its label."""
    latest_black = _when("datum.latest", "#000000", EARLIER_RULE)
    return [
        {
            "data": {"values": ew_rows},
            "mark": {"type": "rule", "strokeWidth": 1.5},
            "encoding": {"x": _field("value", "quantitative"), "color": latest_black,
                         "strokeDash": _when("datum.latest", [1, 0], [5, 3]), "description": _field("text")},
        },
        {
            "data": {"values": ew_rows},
            "mark": {"type": "text", "align": "left", "baseline": "bottom", "dx": 3, "fontSize": 11},
            "encoding": {"x": _field("value", "quantitative"), "y": {"value": 0}, "text": _field("text"),
                         "yOffset": _field("dy", "quantitative", scale=None), "color": latest_black},
        },
    ]


def bar_spec(indicator: Indicator, series: Sequence[Series], ew_rows: list[dict[str, Any]], order: Sequence[str],
             synthetic: bool) -> dict[str, Any]:
    """The chart's spec without its forces' rows (to_spec adds them as the dataset `forces`)."""
    is_highlight = f"datum.force === {HIGHLIGHT}"
    two = len(series) > 1
    labels = [s.label for s in series]
    extent = max(110, math.ceil(max(len(name) for name in order) * 7.2 + 30))
    y_axis = {"labelExpr": f"datum.value === {HIGHLIGHT} ? '{ARROW}' + datum.value : datum.value",
              "labelFontWeight": {"expr": f"datum.value === {HIGHLIGHT} ? 'bold' : 'normal'"},
              "labelFontSize": 11, "labelLimit": extent, "minExtent": extent, "maxExtent": extent, "ticks": False,
              "labelPadding": 6}
    offset = {"yOffset": _field("period", sort=labels, scale={"paddingInner": 0.05})} if two else {}
    bars = {
        "data": FORCES,
        "mark": {"type": "bar", **({} if two else {"height": {"band": 0.9}})},
        "encoding": {
            "y": _field("force", sort=list(order), title="Force (ranked, highest first)", axis=y_axis),
            **offset,
            "x": _field("value", "quantitative", title=value_title(indicator),
                        axis={"grid": True, "labelFontSize": 11, "titleFontSize": 12}),
            "fill": _field("fill_now", scale=None),
            "stroke": _when(is_highlight, OUTLINE, None),
            "description": _field("description"),
        },
        "transform": [{"calculate": f"{is_highlight} ? datum.highlight_fill : datum.fill", "as": "fill_now"}],
    }
    value_labels = {
        "data": FORCES,
        "mark": {"type": "text", "align": "left", "baseline": "middle", "dx": 4, "fontSize": 11,
                 "fontWeight": "bold"},
        "encoding": {
            "y": _field("force", sort=list(order)),
            **offset,
            "x": _field("value", "quantitative"),
            "text": _field("display"),
            "opacity": _when(is_highlight, 1, 0),
            "description": _field("label_description"),
        },
    }
    layers: list[dict[str, Any]] = [bars, value_labels]
    if two:
        # The periods' legend, from an invisible layer (the bars' own fill carries the highlight, not a scale);
        # below the chart, as England and Wales's reference labels take the top.
        layers.append({
            "data": {"values": [{"period": label} for label in labels]},
            "mark": {"type": "square", "size": 0},
            "encoding": {"color": _field("period", sort=labels, scale={"domain": labels, "range": list(OTHER_FILLS)},
                                         legend={"title": None, "orient": "bottom", "labelFontSize": 11,
                                                 "symbolType": "square", "columnPadding": 24, "symbolSize": 120,
                                                 "symbolOpacity": 1, "symbolStrokeWidth": 0})},
        })
    if ew_rows:
        layers += _england_and_wales_layers(ew_rows)
    subtitle = [" and ".join([labels[0], *(lower_first(label) for label in labels[1:])])]
    if synthetic:
        subtitle.append("Synthetic demonstration data, not official statistics")
    shared = _shared_data(layers)
    return {
        "$schema": VEGA_LITE_SCHEMA,
        **shared,
        "config": {"font": FONT, "view": {"continuousHeight": 300, "continuousWidth": 300, "stroke": None}},
        "description": f"{indicator.title}, by force",
        "height": len(order) * (FORCE_ROW_TWO if two else FORCE_ROW),
        "width": BAR_WIDTH,
        "layer": layers,
        "params": [{"name": HIGHLIGHT, "value": ""}],
        "title": {"text": indicator.title, "subtitle": subtitle, "anchor": "start", "fontSize": 14,
                  "subtitleFontSize": 11, "offset": 10 + 14 * len(ew_rows)},
    }


__all__ = ["VEGA_LITE_SCHEMA", "bar_spec"]
