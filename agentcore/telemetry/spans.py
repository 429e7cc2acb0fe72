"""sre-agent's model and tool calls as OpenTelemetry spans, following the GenAI semantic conventions.

Model calls: each attempt in the ledger becomes a `chat <model>` CLIENT span, timed as the attempt
ran, with `gen_ai.*` usage attributes and, for a failure, `error.type` (the behaviour class:
`http_429`, `timeout`, `stream_broken`, ...) and an ERROR status. Tool calls: `TracedToolbox` runs
each in an `execute_tool <name>` INTERNAL span. Both carry the investigation id and step
(`agentcore.telemetry.scope`). Only the OpenTelemetry API is used here; which provider receives the
spans (Azure Monitor, or none) is decided at the edge (`agentcore.telemetry.otel`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode, Tracer

from agentcore.models import ToolCall
from agentcore.redaction import redact_text
from agentcore.settings import Settings
from agentcore.telemetry.ledger import ModelCallRecord
from agentcore.telemetry.local import ToolCallRecord, genai_call_attributes
from agentcore.telemetry.scope import INVESTIGATION_ID, current_scope
from agentcore.tools import Tool, Toolbox, ToolResult

TRACER_NAME = "sre-agent"


def model_call_attributes(entry: ModelCallRecord) -> dict[str, str | int]:
    attributes = genai_call_attributes(entry)
    attributes["gen_ai.system"] = entry.provider  # the older name, still read by exporters
    if entry.outcome == "ok":
        attributes["gen_ai.response.model"] = entry.model
    if entry.error_class:
        attributes["error.type"] = entry.error_class
    if entry.status_code is not None:
        attributes["http.response.status_code"] = entry.status_code
    attributes = current_scope().attributes() | attributes
    if entry.investigation_id:  # the request's own id wins over the thread's
        attributes[INVESTIGATION_ID] = entry.investigation_id
    return attributes


class SpanLedger:
    """A ModelCallLedger that turns each record into a finished `chat <model>` span."""

    def __init__(self, tracer: Tracer | None = None) -> None:
        self._tracer = tracer or trace.get_tracer(TRACER_NAME)

    def record(self, entry: ModelCallRecord) -> None:
        start_ns = _ns(entry.time.timestamp())
        span = self._tracer.start_span(
            f"chat {entry.model}", kind=SpanKind.CLIENT, attributes=model_call_attributes(entry), start_time=start_ns
        )
        if entry.outcome == "error":
            description = entry.failure.message if entry.failure else entry.error_class
            span.set_status(Status(StatusCode.ERROR, redact_text(description or "")))
            if entry.failure is not None:
                span.add_event(
                    "exception",
                    {"exception.type": entry.failure.exception_type, "exception.message": entry.failure.message},
                    timestamp=start_ns + _ns(entry.duration_s),
                )
        span.end(end_time=start_ns + _ns(entry.duration_s))


def _ns(seconds: float) -> int:
    return int(timedelta(seconds=seconds) / timedelta(microseconds=1)) * 1000


class ToolCallRows(Protocol):
    def record_tool(self, entry: ToolCallRecord) -> None: ...


class TracedToolbox(Toolbox):
    """A Toolbox whose every dispatch runs in an `execute_tool <name>` span and, on the embedded default,
    also becomes a row of the local log tables (`rows`)."""

    def __init__(
        self, tools: Iterable[Tool], *, tracer: Tracer | None = None, rows: ToolCallRows | None = None
    ) -> None:
        super().__init__(tools)
        self._tracer = tracer or trace.get_tracer(TRACER_NAME)
        self._rows = rows

    def dispatch(self, call: ToolCall) -> ToolResult:
        attributes: dict[str, str | int] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": call.name,
            "gen_ai.tool.call.id": call.id,
            **current_scope().attributes(),
        }
        started, started_clock = datetime.now(UTC), time.perf_counter()
        with self._tracer.start_as_current_span(
            f"execute_tool {call.name}", kind=SpanKind.INTERNAL, attributes=attributes
        ) as span:
            result = super().dispatch(call)
            if result.is_error:
                span.set_attribute("error.type", "tool_error")
                span.set_status(Status(StatusCode.ERROR))
        if self._rows is not None:
            duration_s = time.perf_counter() - started_clock
            self._rows.record_tool(ToolCallRecord(started, call.name, call.id, duration_s, result.is_error))
        return result


def local_tool_rows(settings: Settings) -> ToolCallRows | None:
    """Where tool calls go besides their spans: the local log tables on the embedded default, else nowhere."""
    if settings.applicationinsights_connection_string is not None:
        return None
    from agentcore.telemetry.local import LocalTelemetryTables

    return LocalTelemetryTables(settings.data_dir / "telemetry")


__all__ = ["TRACER_NAME", "SpanLedger", "ToolCallRows", "TracedToolbox", "local_tool_rows", "model_call_attributes"]
