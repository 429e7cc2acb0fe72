"""Where sre-agent's own spans go, chosen once per process from settings.

With `applicationinsights_connection_string` set, the Azure Monitor distro is configured
(`agentcore.telemetry.azure_monitor`) with `ScopeSpanProcessor` (`agentcore.telemetry.scope_spans`), so spans
and logs reach Application Insights carrying the investigation id and step. Unset, no tracer provider is
installed (spans are no-ops), the OpenTelemetry SDK is never imported, and the same events land in the local
log tables (`agentcore.telemetry.local`).
"""

from __future__ import annotations

import logging
import threading

from agentcore.settings import Settings
from agentcore.telemetry.scope import install_log_scope

logger = logging.getLogger(__name__)


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
            from agentcore.telemetry.scope_spans import ScopeSpanProcessor

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


__all__ = ["configure_exporters", "entra_authentication"]
