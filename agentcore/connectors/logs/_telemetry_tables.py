"""Column types of the Application Insights tables a scenario may rely on, and of columns nobody documented.

DuckDB types are chosen so that duckdb-kql answers as Log Analytics would: `TimeGenerated` is a
`TIMESTAMP` holding UTC, flags are `BOOLEAN`, durations `DOUBLE`, and `dynamic` columns are `JSON`
(so `parse_json`, `Properties.key` and `mv-expand` work on them).
"""

from __future__ import annotations

from typing import Literal

DuckType = Literal["TIMESTAMP", "VARCHAR", "BOOLEAN", "DOUBLE", "BIGINT", "INTEGER", "JSON"]

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


def inferred_type(kinds: set[str]) -> DuckType:
    """The DuckDB type for a column whose non-null values had these kinds (bool, int, float, str, json)."""
    if kinds == {"bool"}:
        return "BOOLEAN"
    if kinds == {"int"}:
        return "BIGINT"
    if kinds and kinds <= {"int", "float"}:
        return "DOUBLE"
    if kinds == {"str"} or not kinds:
        return "VARCHAR"
    return "JSON"
