"""Run every registered rule for a publication against a warehouse connection."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import duckdb

from peelkit.checks.registry import SEVERITIES, CheckContext, CheckFinding, CheckSettings, Rule, rules
from peelkit.errors import NotFoundError
from peelkit.indicators.publication import Publication

_ORDER = {severity: index for index, severity in enumerate(SEVERITIES)}


def run_checks(
    con: duckdb.DuckDBPyConnection,
    publication: Publication | str,
    settings: CheckSettings | None = None,
    only: Iterable[str] | None = None,
) -> list[CheckFinding]:
    """Every finding of every registered rule (or of the rule ids in `only`), most severe first, then by force,
    rule and item. `publication` is a Publication or a built-in id / .toml path."""
    if isinstance(publication, str):
        from peelkit.indicators.publication import load

        publication = load(publication)
    chosen: list[Rule] = rules()
    if only is not None:
        wanted = list(only)
        known = {r.id for r in chosen}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise NotFoundError(f"no check rule {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        chosen = [r for r in chosen if r.id in wanted]
    ctx = CheckContext(con, publication, settings or CheckSettings())
    findings: list[CheckFinding] = []
    for each in chosen:
        findings.extend(each.run(ctx))
    return sorted(findings, key=lambda f: (_ORDER[f.severity], f.force_code, f.rule_id, f.item,
                                           f.period_end.isoformat() if f.period_end else ""))


def counts_by_severity(findings: Iterable[CheckFinding]) -> dict[str, int]:
    counted = Counter(f.severity for f in findings)
    return {severity: counted.get(severity, 0) for severity in SEVERITIES}
