"""Column types of the Application Insights tables a scenario may rely on, and how values are coerced.

DuckDB types are chosen so that duckdb-kql answers as Log Analytics would: `TimeGenerated` is a
`TIMESTAMP` holding UTC, flags are `BOOLEAN`, durations `DOUBLE`, and `dynamic` columns are `JSON`
(so `parse_json`, `Properties.key` and `mv-expand` work on them).
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any, Literal

from agentcore.errors import UserInputError

DuckType = Literal["TIMESTAMP", "VARCHAR", "BOOLEAN", "DOUBLE", "BIGINT", "INTEGER", "JSON"]

KQL_TYPE_NAMES: dict[str, str] = {
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
    "DATE": "datetime",
    "VARCHAR": "string",
    "BOOLEAN": "bool",
    "DOUBLE": "real",
    "FLOAT": "real",
    "BIGINT": "long",
    "HUGEINT": "long",
    "INTEGER": "int",
    "JSON": "dynamic",
    "INTERVAL": "timespan",
    "UUID": "guid",
}

_T: DuckType = "TIMESTAMP"
_S: DuckType = "VARCHAR"
_B: DuckType = "BOOLEAN"
_D: DuckType = "DOUBLE"
_J: DuckType = "JSON"

KNOWN_TABLES: dict[str, dict[str, DuckType]] = {
    "AppRequests": {
        "TimeGenerated": _T,
        "AppRoleName": _S,
        "Name": _S,
        "Url": _S,
        "ResultCode": _S,
        "DurationMs": _D,
        "Success": _B,
        "OperationId": _S,
    },
    "AppExceptions": {
        "TimeGenerated": _T,
        "AppRoleName": _S,
        "ExceptionType": _S,
        "OuterMessage": _S,
        "Details": _J,
        "ProblemId": _S,
        "OperationId": _S,
        "Properties": _J,
    },
    "AppTraces": {
        "TimeGenerated": _T,
        "AppRoleName": _S,
        "Message": _S,
        "SeverityLevel": "INTEGER",
        "OperationId": _S,
        "Properties": _J,
    },
    "AppDependencies": {
        "TimeGenerated": _T,
        "AppRoleName": _S,
        "Name": _S,
        "Target": _S,
        "DependencyType": _S,
        "ResultCode": _S,
        "DurationMs": _D,
        "Success": _B,
        "OperationId": _S,
        "Properties": _J,
    },
    "AppMetrics": {
        "TimeGenerated": _T,
        "AppRoleName": _S,
        "Name": _S,
        "Sum": _D,
        "Count": "BIGINT",
        "Min": _D,
        "Max": _D,
        "Properties": _J,
    },
}
"""The documented columns of SCENARIOS.md, in order. They exist even when a file leaves them out."""

COLUMN_HINTS: dict[str, DuckType] = {
    "TimeGenerated": _T,
    "Properties": _J,
    "Measurements": _J,
    "Details": _J,
    "DurationMs": _D,
    "Success": _B,
    "ResultCode": _S,
    "OperationId": _S,
    "ParentId": _S,
    "AppVersion": _S,
    "ItemCount": "INTEGER",
    "SeverityLevel": "INTEGER",
}
"""Types of well-known columns wherever they appear; other columns get a type inferred from values."""

COLUMN_DESCRIPTIONS: dict[str, str] = {
    "TimeGenerated": "when it happened, UTC",
    "AppRoleName": "the service (cloud role) that logged it",
    "OperationId": "correlates requests, dependencies, traces and exceptions of one operation",
    "Success": "false for failed calls",
    "DurationMs": "milliseconds",
    "ResultCode": "HTTP status or dependency result code, as a string",
    "Details": "JSON array of {message, type, parsedStack: [{level, method, fileName, line, assembly}]}",
    "ProblemId": "exception type and the method it was thrown in",
    "Properties": "JSON object of custom dimensions",
    "SeverityLevel": "0 verbose, 1 information, 2 warning, 3 error, 4 critical",
    "DependencyType": "HTTP, SQL, Azure blob, ...",
    "Target": "the called host or resource",
    "AppVersion": "application version that produced the row",
}


class BadValue(UserInputError):
    """A value cannot be coerced to its column's type; the message says why."""


def parse_timestamp(value: object) -> datetime:
    """An ISO 8601 string as a naive datetime holding UTC (naive input is taken to be UTC)."""
    if not isinstance(value, str):
        raise BadValue(f"expected an ISO 8601 date string, got {json.dumps(value)[:60]}")
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise BadValue(f"not an ISO 8601 date: {value[:60]!r}") from None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def coerce(duck_type: DuckType, value: Any) -> Any:
    """`value` in the shape DuckDB's `read_json` reads as `duck_type`; raise BadValue if it cannot be."""
    if value is None:
        return None
    if duck_type == "TIMESTAMP":
        return parse_timestamp(value).isoformat(sep=" ", timespec="microseconds")
    if duck_type == "BOOLEAN":
        return _boolean(value)
    if duck_type == "DOUBLE":
        return _double(value)
    if duck_type in ("BIGINT", "INTEGER"):
        return _integer(value)
    if duck_type == "VARCHAR":
        if isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return _dynamic(value)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise BadValue(f"expected true or false, got {json.dumps(value)[:60]}")


def _double(value: Any) -> float:
    if isinstance(value, bool):
        raise BadValue(f"expected a number, got {json.dumps(value)}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise BadValue(f"expected a number, got {json.dumps(value)[:60]}") from None
    if not math.isfinite(number):
        raise BadValue(f"expected a finite number, got {value!r}")
    return number


def _integer(value: Any) -> int:
    number = _double(value) if not isinstance(value, int) or isinstance(value, bool) else value
    if isinstance(number, float) and not number.is_integer():
        raise BadValue(f"expected a whole number, got {value!r}")
    return int(number)


def _dynamic(value: Any) -> Any:
    """`dynamic` columns often arrive as JSON text (as Log Analytics exports them); store the JSON."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def value_kind(value: Any) -> str:
    """What a JSON value is, for inferring the type of a column nobody documented."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(2**63) <= value < 2**63 else "float"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    return "json"


def inferred_type(kinds: set[str]) -> DuckType:
    """The DuckDB type for a column whose non-null values had these kinds."""
    if kinds == {"bool"}:
        return "BOOLEAN"
    if kinds == {"int"}:
        return "BIGINT"
    if kinds and kinds <= {"int", "float"}:
        return "DOUBLE"
    if kinds == {"str"} or not kinds:
        return "VARCHAR"
    return "JSON"
