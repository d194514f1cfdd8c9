"""Imports every model module so that Base.metadata describes the whole ledger (for Alembic and tests)."""

from peelkit.ledger import audit, base  # noqa: F401
from peelkit.ledger import file_review, judgments, surveys  # noqa: F401

metadata = base.Base.metadata
