"""`ScopeSpanProcessor`: the current investigation id and step on every span, whoever starts it.

Its own module because it subclasses the OpenTelemetry SDK's processor: only a process that exports spans
(`agentcore.telemetry.otel.configure_exporters` with a connection string) imports the SDK.
"""

from __future__ import annotations

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from agentcore.telemetry.scope import current_scope


class ScopeSpanProcessor(SpanProcessor):
    """Puts the current investigation id and step on every span that starts, whoever starts it."""

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        for key, value in current_scope().attributes().items():
            if span.attributes is None or key not in span.attributes:
                span.set_attribute(key, value)

    def on_end(self, span: ReadableSpan) -> None:
        return

    def shutdown(self) -> None:
        return

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


__all__ = ["ScopeSpanProcessor"]
