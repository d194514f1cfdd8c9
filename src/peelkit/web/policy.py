"""Who may see and do what: pure functions of the viewer, the publication's state and the force, so the
embargo rules can be tested exhaustively without a web server. Routes never decide access themselves.

Before publication nothing about a force is visible to the public or to another force (a hard rule): every
force-level read goes through :func:`can_view_force`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from peelkit.ledger.publication_state import PublicationStatus

ViewerRole = Literal["public", "analyst", "inspector", "force"]
STAFF: frozenset[str] = frozenset({"analyst", "inspector"})


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    name: str | None
    role: ViewerRole
    force_code: str | None

    @classmethod
    def public(cls) -> Viewer:
        return cls(None, None, "public", None)

    @property
    def signed_in(self) -> bool:
        return self.role != "public"

    def to_dict(self) -> dict[str, object]:
        return {"name": self.name, "role": self.role, "force_code": self.force_code}


def can_view_force(viewer: Viewer, status: PublicationStatus, force_code: str, now: datetime) -> bool:
    """A force's figures, grades and report in this publication."""
    if status.is_public(now):
        return True
    if viewer.role in STAFF:
        return True
    if viewer.role == "force":
        return viewer.force_code is not None and force_code == viewer.force_code
    return False


def can_view_publication(viewer: Viewer, status: PublicationStatus, now: datetime) -> bool:
    """The publication as a whole (its index). Force users may open a draft to reach their own force; what they
    then see of each force is decided by :func:`can_view_force`."""
    if status.is_public(now):
        return True
    return viewer.role in STAFF or (viewer.role == "force" and viewer.force_code is not None)


def can_edit_ledger(viewer: Viewer) -> bool:
    return viewer.role == "inspector"


def can_control_publication(viewer: Viewer) -> bool:
    return viewer.role == "analyst"


def can_see_query(viewer: Viewer, force_code: str) -> bool:
    if viewer.role in STAFF:
        return True
    return viewer.role == "force" and viewer.force_code is not None and viewer.force_code == force_code


def can_answer_query(viewer: Viewer, force_code: str) -> bool:
    return viewer.role == "force" and viewer.force_code is not None and viewer.force_code == force_code


def can_raise_query(viewer: Viewer) -> bool:
    return viewer.role == "analyst"


def can_close_query(viewer: Viewer) -> bool:
    return viewer.role == "analyst"


def can_see_data_status(viewer: Viewer) -> bool:
    """The work side's data status page (force users see their own force's part of it)."""
    return viewer.role != "public"


def can_submit_return(viewer: Viewer, force_code: str) -> bool:
    """Upload a force's filled data return: its own force's users, and analysts for any force."""
    return viewer.role == "analyst" or can_answer_query(viewer, force_code)


def can_see_accuracy(viewer: Viewer, force_code: str) -> bool:
    """A force's factual-accuracy comments: staff, and that force's users (never another force's)."""
    return can_see_query(viewer, force_code)


def can_comment_accuracy(viewer: Viewer, force_code: str) -> bool:
    """Comment on a draft report (while the window is open): that force's users only."""
    return can_answer_query(viewer, force_code)


def can_answer_accuracy(viewer: Viewer) -> bool:
    return viewer.role == "inspector"


def can_set_accuracy_window(viewer: Viewer) -> bool:
    return viewer.role == "analyst"
