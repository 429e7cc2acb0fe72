"""sre-agent's own model calls as rows of the log tables (SCENARIOS.md), on the embedded default.

Each attempt at a model call is an `AppDependencies` row, as Application Insights records a GenAI
dependency (Name `chat <model>`, DependencyType `GenAI | <provider>`, token counts in Properties).
Each failed attempt is also an `AppExceptions` row: ExceptionType is `agentcore.errors.ModelError`,
what the retry layer reports every failure as, whose inner exception (second `Details` entry) is
the provider's own; its `parsedStack` is the attempt's real stack, so the daily clustering groups
sre-agent's timeouts, 429s, broken streams and 400s exactly as any service's errors and traces them
into agentcore/. `Properties["error.type"]` carries the behaviour class (`http_429`, `timeout`, ...).

The rows are appended to `<dir>/AppDependencies.jsonl` and `<dir>/AppExceptions.jsonl`, which
`DuckDbLogStore.load` reads (`self_telemetry_files`). Everything written is redacted.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import JsonValue

from agentcore.errors import ModelError
from agentcore.redaction import Redactor, redact_json
from agentcore.telemetry.ledger import ModelCallRecord
from agentcore.telemetry.scope import INVESTIGATION_ID, STEP, current_scope
from agentcore.telemetry.stack import FailureDetails

APP_ROLE_NAME = "sre-agent"
"""The AppRoleName of sre-agent's own rows: `sre-agent cluster --self` clusters this service."""

TABLES = ("AppDependencies", "AppExceptions")

PROVIDER_HOSTS = {"anthropic": "api.anthropic.com", "openai": "api.openai.com"}
"""Target of a model call: the provider's API host where it is fixed; otherwise the provider's name."""

MODEL_ERROR_TYPE = f"{ModelError.__module__}.{ModelError.__qualname__}"


@dataclass(frozen=True)
class ToolCallRecord:
    """One tool call of the agent: an `execute_tool <name>` span, or an InProc dependency row."""

    time: datetime
    name: str
    call_id: str
    duration_s: float
    is_error: bool


class LocalTelemetryTables:
    """A ModelCallLedger that appends AppDependencies and AppExceptions rows under `directory`. Thread-safe."""

    def __init__(self, directory: Path, *, app_role_name: str = APP_ROLE_NAME) -> None:
        self.directory = directory
        self.app_role_name = app_role_name
        self._lock = threading.Lock()

    def record(self, entry: ModelCallRecord) -> None:
        properties = model_call_properties(entry)
        self._append("AppDependencies", dependency_row(entry, self.app_role_name, properties))
        if entry.outcome == "error":
            self._append("AppExceptions", exception_row(entry, self.app_role_name, properties))

    def record_tool(self, entry: ToolCallRecord) -> None:
        """A tool call as an InProc AppDependencies row (Application Insights' kind for in-process spans)."""
        scope = current_scope()
        properties: dict[str, JsonValue] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": entry.name,
            "gen_ai.tool.call.id": entry.call_id,
            **scope.attributes(),
        }
        if entry.is_error:
            properties["error.type"] = "tool_error"
        row: dict[str, JsonValue] = {
            "TimeGenerated": _utc(entry.time),
            "AppRoleName": self.app_role_name,
            "Name": f"execute_tool {entry.name}",
            "Target": entry.name,
            "DependencyType": "InProc",
            "ResultCode": "error" if entry.is_error else "ok",
            "DurationMs": round(entry.duration_s * 1000.0, 3),
            "Success": not entry.is_error,
            "OperationId": _hash_id(scope.investigation_id),
            "Properties": properties,
        }
        self._append("AppDependencies", row)

    def files(self) -> dict[str, Path]:
        """`{table: file}` of the tables written so far, for `DuckDbLogStore.load`."""
        return self_telemetry_files(self.directory)

    def _append(self, table: str, row: dict[str, JsonValue]) -> None:
        line = json.dumps(redact_json(row, Redactor()), separators=(",", ":"), ensure_ascii=False) + "\n"
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            with (self.directory / f"{table}.jsonl").open("a", encoding="utf-8") as handle:
                handle.write(line)


def self_telemetry_files(directory: Path) -> dict[str, Path]:
    """The table files of sre-agent's own telemetry that exist in `directory`."""
    return {table: directory / f"{table}.jsonl" for table in TABLES if (directory / f"{table}.jsonl").is_file()}


def genai_call_attributes(entry: ModelCallRecord) -> dict[str, str | int]:
    """The GenAI semantic-convention attributes every record of a model call carries (row or span)."""
    return {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": entry.provider,
        "gen_ai.request.model": entry.model,
        "gen_ai.usage.input_tokens": entry.input_tokens,
        "gen_ai.usage.output_tokens": entry.output_tokens,
        "gen_ai.usage.cache_read.input_tokens": entry.cached_input_tokens,
        "gen_ai.usage.cache_creation.input_tokens": entry.cache_write_tokens,
        "sre_agent.attempt": entry.attempt,
    }


def model_call_properties(entry: ModelCallRecord) -> dict[str, JsonValue]:
    """GenAI semantic-convention attributes of the call, with the investigation and step it served."""
    scope = current_scope()
    properties: dict[str, JsonValue] = dict(genai_call_attributes(entry))
    investigation_id = entry.investigation_id or scope.investigation_id
    if investigation_id:
        properties[INVESTIGATION_ID] = investigation_id
    if scope.step is not None:
        properties[STEP] = scope.step
    if entry.error_class:
        properties["error.type"] = entry.error_class
    if entry.status_code is not None:
        properties["http.response.status_code"] = entry.status_code
    return properties


def dependency_row(
    entry: ModelCallRecord, app_role_name: str, properties: dict[str, JsonValue]
) -> dict[str, JsonValue]:
    if entry.outcome == "ok":
        result_code = "200"
    else:
        result_code = str(entry.status_code) if entry.status_code is not None else (entry.error_class or "error")
    return {
        "TimeGenerated": _utc(entry.time),
        "AppRoleName": app_role_name,
        "Name": f"chat {entry.model}",
        "Target": PROVIDER_HOSTS.get(entry.provider, entry.provider),
        "DependencyType": f"GenAI | {entry.provider}",
        "ResultCode": result_code,
        "DurationMs": round(entry.duration_s * 1000.0, 3),
        "Success": entry.outcome == "ok",
        "OperationId": _operation_id(entry),
        "Properties": properties,
    }


def exception_row(entry: ModelCallRecord, app_role_name: str, properties: dict[str, JsonValue]) -> dict[str, JsonValue]:
    failure = entry.failure or FailureDetails(
        exception_type=MODEL_ERROR_TYPE, message=entry.error_class or "", frames=()
    )
    where = f"{entry.provider} {entry.model}"
    message = f"{where}: {failure.message}"
    outer_id = _short_hash(f"{entry.time.isoformat()}|{entry.attempt}|{message}")
    stack: list[JsonValue] = [frame.model_dump() for frame in failure.frames]
    details: list[JsonValue] = [
        {"id": outer_id, "outerId": "0", "type": MODEL_ERROR_TYPE, "message": message,
         "hasFullStack": bool(stack), "parsedStack": stack},
        {"id": _short_hash(outer_id), "outerId": outer_id, "type": failure.exception_type,
         "message": failure.message, "hasFullStack": False, "parsedStack": []},
    ]  # fmt: skip
    top = failure.frames[0].method if failure.frames else where
    return {
        "TimeGenerated": _utc(entry.time),
        "AppRoleName": app_role_name,
        "ExceptionType": MODEL_ERROR_TYPE,
        "OuterMessage": message,
        "Details": details,
        "ProblemId": f"{MODEL_ERROR_TYPE} at {top}",
        "OperationId": _operation_id(entry),
        "Properties": properties,
    }


def _operation_id(entry: ModelCallRecord) -> str:
    return _hash_id(entry.investigation_id or current_scope().investigation_id)


def _hash_id(investigation_id: str | None) -> str:
    """Rows of one investigation share an operation id, as one distributed trace's rows do."""
    return hashlib.sha256(investigation_id.encode()).hexdigest()[:32] if investigation_id else ""


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _utc(time: datetime) -> str:
    return time.isoformat().replace("+00:00", "Z")


__all__ = [
    "APP_ROLE_NAME",
    "PROVIDER_HOSTS",
    "LocalTelemetryTables",
    "ToolCallRecord",
    "dependency_row",
    "exception_row",
    "genai_call_attributes",
    "model_call_properties",
    "self_telemetry_files",
]
