"""Importing a public survey wave's population margins, all or nothing, checked against its respondents."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from peelkit.files import sha256_of
from peelkit.findings import Problems
from peelkit.ledger.surveys.models import SurveyMargin, SurveyRespondent, get_wave
from peelkit.ledger.surveys.reading import check_category, check_force, csv_rows, parse_number
from peelkit.ledger.surveys.rules import (
    COUNT_TOLERANCE,
    MARGIN_COLUMNS,
    MARGIN_OPTIONAL,
    SHARE_TOLERANCE,
    VARIABLES,
    SurveyError,
    force_name,
    variable_of,
)


@dataclass
class _MarginRow:
    row: int
    force_code: str
    variable: str
    category: str
    share: float | None
    count: float | None
    total: float | None


def import_margins(session: Session, wave_id: int, path: Path, *, replace: bool = False) -> list[SurveyMargin]:
    """Import the force areas' population margins for a public survey wave, all or nothing.

    Columns: ``force, variable, category`` and ``share`` (0-1) and/or ``count``, optionally ``total`` (the force
    area's adult population). For each force and variable the shares must sum to 1 within
    :data:`SHARE_TOLERANCE`, or the counts to the force's total (the ``total`` column, else the first variable's
    counts) within :data:`COUNT_TOLERANCE`. Every force with respondents must have margins for every variable and
    every category its respondents fall in.
    """
    wave = get_wave(session, wave_id, "public")
    existing = session.scalar(select(func.count()).select_from(SurveyMargin).where(SurveyMargin.wave_id == wave_id))
    if existing and not replace:
        raise SurveyError(f"wave {wave_id} already has margins (from {wave.margins_file}); use --replace to "
                          "replace them (the wave's weights are then cleared)")
    problems = Problems(path.name)
    margins = _margin_values(problems, _read_margins(path, problems))
    _check_against_respondents(session, problems, wave_id, margins)
    problems.raise_if_any(store="ledger")
    if existing:
        session.execute(delete(SurveyMargin).where(SurveyMargin.wave_id == wave_id))
        session.execute(update(SurveyRespondent).where(SurveyRespondent.wave_id == wave_id).values(weight=None))
        wave.weighted_at = None
    objects = [SurveyMargin(wave_id=wave_id, force_code=code, variable=variable, category=category, share=share,
                            count=count)
               for (code, variable), cats in sorted(margins.items()) for category, (share, count) in cats.items()]
    session.add_all(objects)
    wave.margins_file = path.name
    wave.margins_sha256 = sha256_of(path)
    session.flush()
    return objects


def _read_margins(path: Path, problems: Problems) -> list[_MarginRow]:
    """Every row of a margins file with a known force, variable and category, once each; problems recorded."""
    reader = csv_rows(path, problems, MARGIN_COLUMNS, MARGIN_OPTIONAL)
    parsed: list[_MarginRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    header_ok = False
    for row, values in reader:
        header_ok = True
        code = check_force(problems, values["force"], row, "force")
        variable = variable_of(values["variable"])
        if variable is None:
            problems.problem("unexpected-value", f"{values['variable'].strip()!r} is not a weighting variable",
                             row=row, column="variable", value=values["variable"], expected=", ".join(VARIABLES))
        category = check_category(problems, variable, values["category"], row, "category") if variable else None
        share, count, total = _margin_numbers(problems, row, values)
        if code and variable and category:
            key = (code, variable, category)
            if key in seen:
                problems.problem("duplicate-key", f"{force_name(code)} {variable} {category!r} already appears "
                                 f"in row {seen[key]}", row=row, column="category", value=values["category"])
            else:
                seen[key] = row
                parsed.append(_MarginRow(row, code, variable, category, share, count, total))
    columns = getattr(reader, "columns", {})
    if header_ok and "share" not in columns and "count" not in columns:
        problems.problem("missing-column", "the file needs a 'share' column or a 'count' column", row=1,
                         column="share", expected="force, variable, category, share (or count)")
    return parsed


def _margin_numbers(problems: Problems, row: int,
                    values: Mapping[str, str]) -> tuple[float | None, float | None, float | None]:
    """(share, count, total) of one row, each None when blank or bad (problems recorded)."""
    share = count = total = None
    if values.get("share", "").strip():
        share = parse_number(problems, values["share"], row, "share")
        if share is not None and share > 1:
            problems.problem("unexpected-value", "a share must be between 0 and 1", row=row, column="share",
                             value=values["share"], expected="a share such as 0.25 (not a percentage)")
            share = None
    if values.get("count", "").strip():
        count = parse_number(problems, values["count"], row, "count")
    if values.get("total", "").strip():
        total = parse_number(problems, values["total"], row, "total")
    if not values.get("share", "").strip() and not values.get("count", "").strip():
        problems.problem("blank-value", "the row has neither a share nor a count", row=row,
                         column="share" if "share" in values else "count", expected="a share or a count")
    return share, count, total


def _margin_values(problems: Problems,
                   parsed: list[_MarginRow]) -> dict[tuple[str, str], dict[str, tuple[float, float | None]]]:
    """(force, variable) -> category -> (share normalised to sum exactly 1, count or None); problems recorded."""
    groups: dict[tuple[str, str], list[_MarginRow]] = defaultdict(list)
    for item in parsed:
        groups[(item.force_code, item.variable)].append(item)
    result: dict[tuple[str, str], dict[str, tuple[float, float | None]]] = {}
    for code in sorted({item.force_code for item in parsed}):
        name = force_name(code)
        first_row = min(item.row for item in parsed if item.force_code == code)
        missing = [v for v in VARIABLES if (code, v) not in groups]
        if missing:
            problems.problem("unexpected-value", f"{name} has no margins for {', '.join(missing)}", row=first_row,
                             column="variable", expected=f"margins for each of {', '.join(VARIABLES)}")
        totals = {item.total for item in parsed if item.force_code == code and item.total is not None}
        if len(totals) > 1:
            problems.problem("unexpected-value", f"{name} has different totals: "
                             f"{', '.join(f'{t:g}' for t in sorted(totals))}", row=first_row, column="total",
                             expected="one total per force")
        reference: float | None = totals.pop() if len(totals) == 1 else None
        for variable in VARIABLES:
            items = groups.get((code, variable))
            if not items:
                continue
            rows = ", ".join(str(i.row) for i in items)
            if all(i.share is not None for i in items):
                total_share = sum(cast(float, i.share) for i in items)
                if abs(total_share - 1) > SHARE_TOLERANCE:
                    problems.problem("unexpected-value", f"the shares of {variable} for {name} sum to "
                                     f"{total_share:.6g}, not 1 (rows {rows})", row=items[0].row, column="share",
                                     expected=f"shares summing to 1 within {SHARE_TOLERANCE:g}")
                    continue
                scale = reference / total_share if reference is not None else None
                result[(code, variable)] = {
                    i.category: (cast(float, i.share) / total_share,
                                 i.count if i.count is not None else (cast(float, i.share) * scale if scale else None))
                    for i in items}
            elif all(i.count is not None for i in items):
                total_count = sum(cast(float, i.count) for i in items)
                if total_count <= 0:
                    problems.problem("unexpected-value", f"the counts of {variable} for {name} sum to 0 (rows "
                                     f"{rows})", row=items[0].row, column="count", expected="a positive total")
                    continue
                if reference is None:
                    reference = total_count
                elif abs(total_count - reference) > COUNT_TOLERANCE * reference:
                    problems.problem("unexpected-value", f"the counts of {variable} for {name} sum to "
                                     f"{total_count:,.6g}, not the force total {reference:,.6g} (rows {rows})",
                                     row=items[0].row, column="count",
                                     expected=f"counts summing to the total within {COUNT_TOLERANCE:.1%}")
                    continue
                result[(code, variable)] = {i.category: (cast(float, i.count) / total_count, i.count) for i in items}
            else:
                problems.problem("unexpected-value", f"{variable} for {name} mixes rows with only a count and rows "
                                 f"with only a share (rows {rows})", row=items[0].row, column="share",
                                 expected="a share on every row, or a count on every row")
    return result


def _check_against_respondents(session: Session, problems: Problems, wave_id: int,
                               margins: Mapping[tuple[str, str], Mapping[str, tuple[float, float | None]]]) -> None:
    """Every force with respondents needs margins; every respondent category needs a positive margin."""
    forces_in_file = {code for code, _ in margins}
    for variable in VARIABLES:
        column = getattr(SurveyRespondent, variable)
        counts = session.execute(
            select(SurveyRespondent.force_code, column, func.count())
            .where(SurveyRespondent.wave_id == wave_id)
            .group_by(SurveyRespondent.force_code, column)
        ).all()
        for code, category, n in counts:
            if code not in forces_in_file:
                continue
            cats = margins.get((code, variable))
            if cats is None:
                continue  # already reported as missing
            if cats.get(category, (0.0, None))[0] <= 0:
                problems.problem("unexpected-value", f"{n} respondent(s) in {force_name(code)} are {category!r} "
                                 f"({variable}) but the margins give that category no share", column="category",
                                 value=category, expected=f"a positive margin for every {variable} respondents have")
    respondents = session.execute(
        select(SurveyRespondent.force_code, func.count()).where(SurveyRespondent.wave_id == wave_id)
        .group_by(SurveyRespondent.force_code)
    ).all()
    for code, n in sorted(respondents):
        if code not in forces_in_file:
            problems.problem("missing-force", f"{force_name(code)} has {n} respondent(s) in this wave but no margins "
                             "in this file", column="force", expected="margins for every force in the wave")
