"""Option parsing shared by the `peel ledger` command modules."""

from __future__ import annotations

from datetime import date

from peelkit.errors import PeelError


def date_option(value: str | None, what: str) -> date | None:
    """An ISO date given on the command line (None when not given); `what` names the option in the error."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise PeelError(f"{what} must be a date like 2018-03-22, not {value!r}") from None
