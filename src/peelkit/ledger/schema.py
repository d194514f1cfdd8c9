"""Imports every model module so that Base.metadata describes the whole ledger (for Alembic and tests)."""

from peelkit.ledger import audit, base, file_review, improvements, judgments, narrative, queries, surveys  # noqa: F401

metadata = base.Base.metadata
