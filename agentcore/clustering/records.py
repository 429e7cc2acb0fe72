"""Error records as clustering sees them, and how they are read from a log store.

A record carries every piece of grouping evidence the telemetry offers, strongest first: an explicit
fingerprint (`Properties.fingerprint`), an exception type with its parsed stack, the logging
statement that wrote it (OpenTelemetry's `code.filepath`/`code.function`, or .NET ILogger's
`CategoryName` with `{OriginalFormat}`), and always the message text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import NamedTuple

from pydantic import JsonValue

from agentcore.connectors.logs import LogStore, QueryResult
from agentcore.redaction import Redactor


class StackFrame(NamedTuple):
    """One parsed frame: the method (`Class.method` or `function`), its file and line. A tuple: a million
    records carry millions of frames, and a frozen dataclass costs four times as much to build."""

    method: str
    file: str = ""
    line: int | None = None


@dataclass(frozen=True)
class ErrorRecord:
    """One error: an exception row, or a trace row at warning severity or above."""

    time: datetime
    service: str
    message: str
    operation: str = ""
    exception_type: str = ""
    frames: tuple[StackFrame, ...] = ()
    """Innermost first, as Application Insights' parsedStack orders them (level 0 is where it was thrown)."""
    logging_location: str = ""
    """The statement that logged it: `file:function` or `category|format`; empty when unknown."""
    fingerprint: str = ""
    error_type: str = ""
    """OpenTelemetry's `error.type` from Properties (`http_429`, `timeout`): the class of failure, when told."""
    source: str = ""
    """`AppExceptions` or `AppTraces`, for the report."""
    extra: Mapping[str, str] = field(default_factory=dict)


ERROR_SEVERITY = 3
"""AppTraces severity levels 3 (error) and 4 (critical) are errors."""

_EXCEPTIONS_KQL = (
    "AppExceptions | where TimeGenerated >= datetime({since}) and TimeGenerated < datetime({until}){service} "
    "| project TimeGenerated, AppRoleName, ExceptionType, OuterMessage, Details, OperationId, Properties"
)
_TRACES_KQL = (
    "AppTraces | where TimeGenerated >= datetime({since}) and TimeGenerated < datetime({until}) "
    "and SeverityLevel >= {severity}{service} | project TimeGenerated, AppRoleName, Message, OperationId, Properties"
)


def read_error_records(
    store: LogStore, since: datetime, until: datetime, *, service: str | None = None, max_rows: int = 1_000_000
) -> list[ErrorRecord]:
    """Exceptions and error traces with `since <= time < until`, from whichever of the two tables exist."""
    names = {table.name for table in store.tables()}
    where_service = f" and AppRoleName == {json.dumps(service)}" if service else ""
    window = {"since": since.isoformat(), "until": until.isoformat(), "service": where_service}
    records: list[ErrorRecord] = []
    if "AppExceptions" in names:
        records.extend(map(exception_record, _rows(store.query(_EXCEPTIONS_KQL.format(**window), max_rows=max_rows))))
    if "AppTraces" in names:
        kql = _TRACES_KQL.format(severity=ERROR_SEVERITY, **window)
        records.extend(map(trace_record, _rows(store.query(kql, max_rows=max_rows))))
    return sorted(_redacted(records), key=lambda record: record.time)


def _rows(result: QueryResult) -> Iterator[dict[str, JsonValue]]:
    """Each row keyed by column name, one at a time (a million rows are not held twice)."""
    names = [column.name for column in result.columns]
    for row in result.rows:
        yield dict(zip(names, row, strict=True))


def _redacted(records: list[ErrorRecord]) -> Iterator[ErrorRecord]:
    """Messages with their secrets redacted before anything is mined from them: a template splits `key=value`
    apart, after which no rule would recognise the value any more. One numbering for the batch."""
    redactor = Redactor()
    for record in records:
        message = redactor.redact(record.message)
        yield record if message == record.message else replace(record, message=message)


def exception_record(row: Mapping[str, JsonValue]) -> ErrorRecord:
    properties = _mapping(row.get("Properties"))
    return ErrorRecord(
        time=_time(row.get("TimeGenerated")),
        service=str(row.get("AppRoleName") or ""),
        message=str(row.get("OuterMessage") or ""),
        operation=str(row.get("OperationId") or ""),
        exception_type=str(row.get("ExceptionType") or ""),
        frames=tuple(_frames(row.get("Details"))),
        fingerprint=str(properties.get("fingerprint") or ""),
        error_type=str(properties.get("error.type") or ""),
        source="AppExceptions",
    )


def trace_record(row: Mapping[str, JsonValue]) -> ErrorRecord:
    properties = _mapping(row.get("Properties"))
    return ErrorRecord(
        time=_time(row.get("TimeGenerated")),
        service=str(row.get("AppRoleName") or ""),
        message=str(row.get("Message") or ""),
        operation=str(row.get("OperationId") or ""),
        logging_location=logging_location(properties),
        fingerprint=str(properties.get("fingerprint") or ""),
        source="AppTraces",
    )


def logging_location(properties: Mapping[str, JsonValue]) -> str:
    """The logging statement: OpenTelemetry code attributes, or ILogger's category and message format."""
    path, function = properties.get("code.filepath"), properties.get("code.function")
    if path and function:
        return f"{path}:{function}"
    category, template = properties.get("CategoryName"), properties.get("{OriginalFormat}")
    if category and template:
        return f"{category}|{template}"
    return ""


def _frames(details: JsonValue) -> Iterator[StackFrame]:
    parsed = json.loads(details) if isinstance(details, str) and details.startswith("[") else details
    if not isinstance(parsed, list) or not parsed or not isinstance(parsed[0], dict):
        return
    stack = parsed[0].get("parsedStack")  # the outermost exception's stack
    for frame in stack if isinstance(stack, list) else []:
        if isinstance(frame, dict) and frame.get("method"):
            line = frame.get("line")
            yield StackFrame(
                str(frame["method"]), str(frame.get("fileName") or ""), line if isinstance(line, int) else None
            )


def _mapping(value: JsonValue) -> Mapping[str, JsonValue]:
    if isinstance(value, str) and value.startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def _time(value: JsonValue) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


__all__ = [
    "ERROR_SEVERITY",
    "ErrorRecord",
    "StackFrame",
    "exception_record",
    "logging_location",
    "read_error_records",
    "trace_record",
]
