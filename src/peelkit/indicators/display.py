"""The publication's display rule: whole numbers; a change that rounds to 0% shows two decimals; a dash
when missing."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from peelkit.indicators.catalogue import Kind

DASH = "–"


def _round(value: float, places: int) -> Decimal:
    quantum = Decimal(1).scaleb(-places)
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def display(value: float | None, kind: Kind) -> str:
    if value is None:
        return DASH
    if kind == "change":
        whole = _round(value, 0)
        shown = _round(value, 2) if whole == 0 else whole
        return f"{shown if shown != 0 else Decimal('0.00')}%"
    text = f"{_round(value, 0):,}"
    return f"{text}%" if kind == "proportion" else text
