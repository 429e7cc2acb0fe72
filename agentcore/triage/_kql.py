"""KQL literals for values that come from logs or the incident: times and any text, safely quoted."""

from __future__ import annotations

from datetime import datetime


def kql_time(moment: datetime) -> str:
    return f"datetime({moment.strftime('%Y-%m-%dT%H:%M:%SZ')})"


_KQL_ESCAPES = str.maketrans({"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def kql_string(value: str) -> str:
    """A KQL string literal for any text, log-supplied text included (quotes, backslashes, newlines)."""
    return "'" + value.translate(_KQL_ESCAPES) + "'"
