"""Data-quality checks: named rules in a registry, run against the warehouse for a publication, whose findings
become data queries in the ledger (see `peelkit.checks.runner.run_checks`; the ledger's `queries` and
`queries_cli` turn findings into queries: checks know nothing of the ledger)."""

from __future__ import annotations

from typing import Any

__all__ = ["CheckContext", "CheckFinding", "CheckSettings", "Rule", "rule", "rules"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: the registry pulls in DuckDB and SciPy, and `peel --help` must stay fast.
    if name in __all__:
        from peelkit.checks import registry

        return getattr(registry, name)
    raise AttributeError(name)
