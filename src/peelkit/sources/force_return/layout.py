"""Where things are in a force data return: the sheet names, cover fields and columns.

The template writer (``peelkit.returns.template``) lays a return out by these, and the reader (this package)
finds its cells by them, so both sit below the `peel returns` commands that use them.
"""

from __future__ import annotations

FORMAT_VERSION = "1"
COVER_SHEET = "Cover"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
COVER_TITLE = "PEEL force data return"
# Cover fields: key -> the label in column A (the value goes in column B).
COVER_FIELDS: dict[str, str] = {
    "publication": "Publication",
    "force_name": "Force name",
    "force_code": "Force code (GSS)",
    "submitted_on": "Submission date (YYYY-MM-DD)",
    "contact_name": "Contact name",
    "contact_email": "Contact email",
    "synthetic": "Synthetic demonstration data",
    "format_version": "Template version",
}
COVER_FIRST_ROW = 4  # 0-based row of the first cover field

# Item sheets: the header row's column labels (key -> label); the table starts at ITEM_HEADER_ROW (0-based).
ITEM_COLUMNS: dict[str, str] = {
    "power_type": "Power type",
    "period": "Period",
    "period_end": "Period end",
    "as_at": "As at",
    "value": "Value",
    "status": "Status",
    "reason": "Reason",
}
ITEM_HEADER_ROW = 4

# The CSV form: one row per item, breakdown part and period. `synthetic` (yes/no) is optional.
CSV_COLUMNS = ("publication", "force_code", "force_name", "submitted_on", "item", "power_type", "period_end",
               "as_at", "value", "status", "reason")
CSV_OPTIONAL = ("synthetic",)
