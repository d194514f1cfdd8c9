"""Imports every model module so that Base.metadata describes the whole ledger (for Alembic and tests)."""

from peelkit.ledger import (  # noqa: F401
    accuracy,
    audit,
    base,
    changes,
    corrections,
    file_review,
    improvements,
    judgments,
    moderation,
    narrative,
    publication_state,
    queries,
    recommendations,
    sign_in,
    surveys,
    users,
)

metadata = base.Base.metadata
