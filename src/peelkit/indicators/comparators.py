"""Comparator figures (England and Wales, peer groups) pooled from their members' own figures.

One rule for every comparator: the pooled numerator and denominator are the sums over exactly the members
whose own figure is usable (status `ok` or `partial`). A member that is excluded, has no figure, or has a
figure that cannot be computed (say a share whose numerator exceeds its denominator) is left out, and the
comparator's note names it, so no comparator ever counts a figure its own force does not show.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from peelkit import forces

if TYPE_CHECKING:
    from peelkit.indicators.engine import Result

USABLE_STATUSES = frozenset({"ok", "partial"})


@dataclass(frozen=True)
class Member:
    """One member's contribution: its counts as pooled (not as shown) and its own result's status."""

    code: str
    numerator: float | None
    denominator: float | None
    status: str
    left_out_reason: str = ""  # why, when the status is not usable
    synthetic: bool = False


@dataclass(frozen=True)
class Pooled:
    numerator: float | None
    denominator: float | None
    included: tuple[str, ...]
    left_out: dict[str, tuple[str, ...]] = field(default_factory=dict)  # reason -> member codes
    synthetic: bool = False

    @property
    def usable(self) -> bool:
        return bool(self.included) and self.numerator is not None and self.denominator is not None


def is_usable(status: str) -> bool:
    return status in USABLE_STATUSES


def pool(members: Iterable[Member]) -> Pooled:
    """Sum the usable members; group the others by the reason they are left out."""
    included: list[Member] = []
    left_out: dict[str, list[str]] = {}
    for member in members:
        if is_usable(member.status) and member.numerator is not None and member.denominator is not None:
            included.append(member)
        else:
            reason = member.left_out_reason or ("no figure" if member.status != "excluded" else "excluded")
            left_out.setdefault(reason, []).append(member.code)
    if not included:
        return Pooled(None, None, (), {k: tuple(v) for k, v in left_out.items()})
    return Pooled(
        numerator=sum(m.numerator or 0.0 for m in included),
        denominator=sum(m.denominator or 0.0 for m in included),
        included=tuple(m.code for m in included),
        left_out={k: tuple(v) for k, v in left_out.items()},
        synthetic=any(m.synthetic for m in included),
    )


def excludes_note(codes: Sequence[str], reason: str, hidden: int = 0) -> str:
    """'excludes A, B (reason)': every force left out is named, however many (a count alone hides which),
    except `hidden` ones a viewer may not see, which are counted."""
    names = [forces.match(code).name for code in codes]
    if hidden:
        names.append(f"{hidden} other force{'s' if hidden != 1 else ''}")
    return f"excludes {', '.join(names)} ({reason})"


def note_for_viewer(result: Result, visible: frozenset[str]) -> Result:
    """A comparator's result as a viewer who may see only `visible` forces may see it: the forces it leaves out
    are named only where visible, the rest counted (before publication, that a force has no usable figure is
    itself something about that force)."""
    left_out: dict[str, list[str]] = result.extra.get("left_out") or {}
    if not left_out or all(code in visible for codes in left_out.values() for code in codes):
        return result
    parts = [part for part in result.note.split("; ") if part and not part.startswith("excludes ")]
    for reason, codes in left_out.items():
        shown = [code for code in codes if code in visible]
        parts.append(excludes_note(shown, reason, len(codes) - len(shown)))
    extra = {**result.extra, "left_out": {k: [c for c in v if c in visible] for k, v in left_out.items()}}
    return replace(result, note="; ".join(parts), extra=extra)


__all__ = ["USABLE_STATUSES", "Member", "Pooled", "excludes_note", "is_usable", "note_for_viewer", "pool"]
