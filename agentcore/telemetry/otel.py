"""Where sre-agent's own spans go, chosen once per process from settings.

With `applicationinsights_connection_string` set, the Azure Monitor distro is configured
(`agentcore.telemetry.azure_monitor`) with `ScopeSpanProcessor`, so spans and logs reach Application
Insights carrying the investigation id and step. Unset, no tracer provider is installed (spans are
no-ops) and the same events land in the local log tables (`agentcore.telemetry.local`).
"""

from __future__ import annotations

import logging
import threading

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from agentcore.settings import Settings
from agentcore.telemetry.scope import current_scope, install_log_scope

logger = logging.getLogger(__name__)


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


def entra_authentication(authentication_string: str | None) -> tuple[bool, str | None]:
    """`(use Entra ID, client id)` from `ClientId=<id>;Authorization=AAD`, as the Functions host reads it."""
    parts = dict(part.split("=", 1) for part in (authentication_string or "").split(";") if "=" in part)
    fields = {key.strip().lower(): value.strip() for key, value in parts.items()}
    return fields.get("authorization", "").upper() == "AAD", fields.get("clientid") or None


_configured: str | None = None
_lock = threading.Lock()


def configure_exporters(settings: Settings) -> bool:
    """Export spans and logs to Application Insights when a connection string is set; True when exporting.

    Once per process: the OpenTelemetry providers are global. The log record factory that adds the
    investigation id and step is installed either way.
    """
    global _configured
    install_log_scope()
    secret = settings.applicationinsights_connection_string
    if secret is None:
        return False
    with _lock:
        if _configured is None:
            from agentcore.telemetry.azure_monitor import configure_azure_monitor_exporter

            entra_id, client_id = entra_authentication(settings.applicationinsights_authentication_string)
            configure_azure_monitor_exporter(
                secret.get_secret_value(),
                span_processors=[ScopeSpanProcessor()],
                entra_id=entra_id,
                managed_identity_client_id=client_id or settings.managed_identity_client_id,
            )
            _configured = "azure-monitor"
            logger.info("own telemetry: exporting spans and logs to Application Insights")
    return True


__all__ = ["ScopeSpanProcessor", "configure_exporters", "entra_authentication"]
