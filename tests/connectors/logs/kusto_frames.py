"""Kusto REST answers for pinned-HTTP tests, in the shapes ADX sends (modelled on the recorded responses in
azure-kusto-python's tests: `query_partial_results_defer_is_false.json`, `querypartialresults.json`).

A v2 query answer is a list of frames: DataSetHeader, QueryProperties, PrimaryResult, QueryCompletionInformation,
DataSetCompletion. A partial failure is reported "in data" (an object after the rows of the PrimaryResult
table), and/or as an Error-level row of QueryCompletionInformation, and in DataSetCompletion.
"""

from __future__ import annotations

import json
from typing import Any

CLIENT_REQUEST_ID = "sre-agent;00000000-0000-0000-0000-000000000000"

RESULT_SET_TOO_LARGE = {
    "code": "LimitsExceeded",
    "message": "Request is invalid and cannot be executed.",
    "@type": "Kusto.Data.Exceptions.KustoServicePartialQueryFailureLimitsExceededException",
    "@message": "Query execution has exceeded the allowed limits (80DA0003): .",
    "@context": {"clientRequestId": CLIENT_REQUEST_ID, "activityId": "a57ec272-8846-49e6-b458-460b841ed47d"},
    "@permanent": False,
}
LOW_MEMORY = {
    "code": "LimitsExceeded",
    "message": "Request is invalid and cannot be executed.",
    "@type": "Kusto.Data.Exceptions.KustoServicePartialQueryFailureLowMemoryConditionException",
    "@message": "Query execution lacks memory resources to complete (80DA0007): Partial query failure: "
    "Low memory condition (E_LOW_MEMORY_CONDITION).",
    "@context": {"clientRequestId": CLIENT_REQUEST_ID},
    "@permanent": False,
}


def error_object(error: dict[str, Any]) -> dict[str, Any]:
    return {"OneApiErrors": [{"error": error}]}


def completion_row(level: int, status_code_name: str, text: str) -> list[Any]:
    level_name = {2: "Error", 3: "Warning", 4: "Info"}[level]
    payload = json.dumps({"Count": 1, "Text": text})
    ids = ["aae3aa70-2735-4af9-beb4-bd9a24a830b4"] * 3
    return [
        "2026-03-02T14:05:01.1234567Z",
        CLIENT_REQUEST_ID,
        *ids,
        level,
        level_name,
        0,
        status_code_name,
        1,
        "",
        payload,
    ]


OK_COMPLETION = completion_row(4, "S_OK (0)", "Query completed successfully")
TOO_LARGE_COMPLETION = completion_row(
    2,
    "Query result set too large (E_QUERY_RESULT_SET_TOO_LARGE). (-2133196797)",
    "Query result set has exceeded the internal record count limit 3 (E_QUERY_RESULT_SET_TOO_LARGE; "
    "see https://aka.ms/kustoquerylimits)",
)
SHARD_FAILURE_COMPLETION = completion_row(
    2, "Partial query failure (E_EXTENT_LOAD_FAILED). (-2133196800)", "Failed to load extent 17 of table AppRequests"
)

_COMPLETION_COLUMNS = [
    ("Timestamp", "datetime"),
    ("ClientRequestId", "string"),
    ("ActivityId", "guid"),
    ("SubActivityId", "guid"),
    ("ParentActivityId", "guid"),
    ("Level", "int"),
    ("LevelName", "string"),
    ("StatusCode", "int"),
    ("StatusCodeName", "string"),
    ("EventType", "int"),
    ("EventTypeName", "string"),
    ("Payload", "string"),
]


def _table(table_id: int, kind: str, columns: list[tuple[str, str]], rows: list[Any]) -> dict[str, Any]:
    return {
        "FrameType": "DataTable",
        "TableId": table_id,
        "TableKind": kind,
        "TableName": kind if kind != "QueryProperties" else "@ExtendedProperties",
        "Columns": [{"ColumnName": name, "ColumnType": kind_} for name, kind_ in columns],
        "Rows": rows,
    }


def v2_answer(
    columns: list[tuple[str, str]],
    rows: list[Any],
    *,
    error_in_data: dict[str, Any] | None = None,
    completion: list[list[Any]] | None = None,
    extra_primary: bool = False,
) -> list[dict[str, Any]]:
    """A v2 query answer; `error_in_data` goes after the rows, as ADX places partial failures by default."""
    primary_rows = [*rows, error_object(error_in_data)] if error_in_data else rows
    completion = completion if completion is not None else [OK_COMPLETION]
    failed = error_in_data is not None or any(row[5] <= 2 for row in completion)
    frames: list[dict[str, Any]] = [
        {"FrameType": "DataSetHeader", "IsProgressive": False, "Version": "v2.0"},
        _table(0, "QueryProperties", [("TableId", "int"), ("Key", "string"), ("Value", "dynamic")], []),
        _table(1, "PrimaryResult", columns, primary_rows),
    ]
    if extra_primary:
        frames.append(_table(2, "PrimaryResult", columns, rows))
    frames.append(_table(3, "QueryCompletionInformation", _COMPLETION_COLUMNS, completion))
    completion_frame: dict[str, Any] = {"FrameType": "DataSetCompletion", "HasErrors": failed, "Cancelled": False}
    if error_in_data:
        completion_frame["OneApiErrors"] = [{"error": error_in_data}]
    frames.append(completion_frame)
    return frames


def v1_answer(columns: list[tuple[str, str, str]], rows: list[list[Any]]) -> dict[str, Any]:
    """A v1 (management command) answer: one table; columns as (name, DataType, ColumnType)."""
    described = [{"ColumnName": n, "DataType": d, "ColumnType": c} for n, d, c in columns]
    return {"Tables": [{"TableName": "Table_0", "Columns": described, "Rows": rows}]}


def api_error(code: str, message: str, error_type: str) -> dict[str, Any]:
    """Kusto's error envelope for a failed request (HTTP 4xx/5xx)."""
    return {
        "error": {
            "code": code,
            "message": "Request is invalid and cannot be processed.",
            "@type": error_type,
            "@message": message,
            "@context": {"clientRequestId": CLIENT_REQUEST_ID},
            "@permanent": True,
        }
    }
