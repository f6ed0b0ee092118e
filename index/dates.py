"""Dates in one form, ISO YYYY-MM-DD, whatever form the corpus used."""

from __future__ import annotations

import re
from datetime import date, datetime

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def normalise_date(value: str) -> str:
    """Return `value` as YYYY-MM-DD, or "" when it is empty or not a date."""
    value = value.strip()
    if not value:
        return ""
    if _ISO.match(value):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:  # 2024-13-45 has the form of a date, not the meaning
            return ""
    from dateutil import parser

    try:
        return parser.parse(value, default=datetime(2000, 1, 1)).date().isoformat()
    except (ValueError, OverflowError):
        return ""


def parse_date_arg(value: str) -> date:
    """Parse a --since/--until value; raise ValueError with a readable message."""
    normalised = normalise_date(value)
    if not normalised:
        raise ValueError(f"not a date: {value!r} (use YYYY-MM-DD)")
    return date.fromisoformat(normalised)
