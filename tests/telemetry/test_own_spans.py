"""sre-agent's model and tool calls as OpenTelemetry spans (GenAI semantic conventions), with the
investigation id and step on each."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from agentcore.errors import ToolError
from agentcore.models import ToolCall, ToolSpec
from agentcore.telemetry.ledger import ModelCallRecord
from agentcore.telemetry.otel import entra_authentication
from agentcore.telemetry.scope import bind_step
from agentcore.telemetry.scope_spans import ScopeSpanProcessor
from agentcore.telemetry.spans import SpanLedger, TracedToolbox
from agentcore.telemetry.stack import FailureDetails
from agentcore.tools import ToolResult

STARTED = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)


class Echo:
    spec = ToolSpec(name="echo", description="Echo.", input_schema={"type": "object"})

    def run(self, arguments: dict[str, Any]) -> ToolResult:
        if "fail" in arguments:
            raise ToolError("no such file")
        return ToolResult("echoed", is_error=False)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def provider(exporter: InMemorySpanExporter) -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(ScopeSpanProcessor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider


def call(**changes: Any) -> ModelCallRecord:
    record = ModelCallRecord(
        time=STARTED, investigation_id="inv-5", provider="anthropic", model="claude-sonnet-4-6",
        input_tokens=900, cached_input_tokens=700, cache_write_tokens=50, output_tokens=40,
        duration_s=1.5, outcome="ok",
    )  # fmt: skip
    return record.model_copy(update=changes)


def only(exporter: InMemorySpanExporter) -> ReadableSpan:
    [span] = exporter.get_finished_spans()
    return span


def test_a_model_call_is_a_chat_span_with_genai_usage(provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    SpanLedger(provider.get_tracer("t")).record(call())
    span = only(exporter)
    assert (span.name, span.kind) == ("chat claude-sonnet-4-6", SpanKind.CLIENT)
    attributes = dict(span.attributes or {})
    assert attributes["gen_ai.operation.name"] == "chat"
    assert attributes["gen_ai.provider.name"] == "anthropic"
    assert attributes["gen_ai.request.model"] == "claude-sonnet-4-6"
    assert attributes["gen_ai.response.model"] == "claude-sonnet-4-6"
    assert (attributes["gen_ai.usage.input_tokens"], attributes["gen_ai.usage.output_tokens"]) == (900, 40)
    assert attributes["gen_ai.usage.cache_read.input_tokens"] == 700
    assert attributes["sre_agent.investigation.id"] == "inv-5"


def test_the_chat_span_lasts_as_long_as_the_attempt(provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    SpanLedger(provider.get_tracer("t")).record(call())
    span = only(exporter)
    assert span.start_time == int(STARTED.timestamp()) * 1_000_000_000
    assert span.end_time is not None
    assert span.end_time - span.start_time == 1_500_000_000


def test_a_failed_attempt_is_an_error_span_with_its_error_type(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    failure = FailureDetails(exception_type="anthropic.RateLimitError", message="rate limited", frames=())
    SpanLedger(provider.get_tracer("t")).record(
        call(outcome="error", error_class="http_429", status_code=429, failure=failure)
    )
    span = only(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "http_429"
    assert [event.name for event in span.events] == ["exception"]
    assert (span.events[0].attributes or {})["exception.type"] == "anthropic.RateLimitError"


def test_a_tool_call_is_an_execute_tool_span_with_the_step(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    bind_step("inv-6", 4)
    result = TracedToolbox([Echo()], tracer=provider.get_tracer("t")).dispatch(ToolCall(id="c1", name="echo"))
    assert result.content == "echoed"
    span = only(exporter)
    assert (span.name, span.kind) == ("execute_tool echo", SpanKind.INTERNAL)
    attributes = dict(span.attributes or {})
    assert (attributes["gen_ai.tool.name"], attributes["gen_ai.tool.call.id"]) == ("echo", "c1")
    assert (attributes["sre_agent.investigation.id"], attributes["sre_agent.investigation.step"]) == ("inv-6", 4)


def test_a_failed_tool_call_is_an_error_span(provider: TracerProvider, exporter: InMemorySpanExporter) -> None:
    toolbox = TracedToolbox([Echo()], tracer=provider.get_tracer("t"))
    assert toolbox.dispatch(ToolCall(id="c2", name="echo", arguments={"fail": True})).is_error
    span = only(exporter)
    assert span.status.status_code is StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "tool_error"


def test_every_span_started_in_a_step_carries_the_investigation_and_step(
    provider: TracerProvider, exporter: InMemorySpanExporter
) -> None:
    bind_step("inv-8", 2)
    with provider.get_tracer("t").start_as_current_span("anything"):
        pass
    attributes = dict(only(exporter).attributes or {})
    assert (attributes["sre_agent.investigation.id"], attributes["sre_agent.investigation.step"]) == ("inv-8", 2)


def test_log_records_carry_the_investigation_and_step(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from agentcore.telemetry.scope import install_log_scope

    install_log_scope()
    bind_step("inv-3", 7)
    with caplog.at_level(logging.INFO, logger="agentcore.test"):
        logging.getLogger("agentcore.test").info("hello")
    [record] = caplog.records
    assert (getattr(record, "investigation_id", None), getattr(record, "step", None)) == ("inv-3", 7)


@pytest.mark.parametrize(
    ("authentication", "expected"),
    [
        ("Authorization=AAD", (True, None)),
        ("ClientId=1d6a-client;Authorization=AAD", (True, "1d6a-client")),
        (None, (False, None)),
    ],
)
def test_the_authentication_string_selects_entra_id_and_the_identity(
    authentication: str | None, expected: tuple[bool, str | None]
) -> None:
    assert entra_authentication(authentication) == expected
