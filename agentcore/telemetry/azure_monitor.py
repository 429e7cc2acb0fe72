"""The Azure Monitor adapter: sre-agent's spans and logs to Application Insights (azure-monitor-opentelemetry).

The only module that imports the distro. Instrumentations of libraries we do not use are left off;
spans of the anthropic/openai SDKs' HTTP come from our own model-call spans instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from azure.monitor.opentelemetry import configure_azure_monitor
from opentelemetry.sdk.trace import SpanProcessor

SERVICE_NAME = "sre-agent"
"""Becomes the AppRoleName (cloud role name) of the exported rows, as on the embedded default."""


def configure_azure_monitor_exporter(
    connection_string: str,
    *,
    span_processors: Sequence[SpanProcessor],
    entra_id: bool = False,
    managed_identity_client_id: str | None = None,
) -> None:
    """Install the global tracer and logger providers that export to the resource of `connection_string`;
    with `entra_id`, authenticated as the managed identity (a user-assigned one by client id) or a developer."""
    from opentelemetry.sdk.resources import Resource

    options: dict[str, Any] = {}
    if entra_id:
        from azure.identity import DefaultAzureCredential

        options["credential"] = DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)
    configure_azure_monitor(
        **options,
        connection_string=connection_string,
        resource=Resource.create({"service.name": SERVICE_NAME}),
        span_processors=list(span_processors),
        logger_name="agentcore",
        # Every model and tool call: the distro's default rate-limited sampler drops some (even the first
        # ones of a process), and the daily clustering counts these errors, so a sample would skew it.
        sampling_ratio=1.0,
        enable_live_metrics=False,
        instrumentation_options={
            "azure_sdk": {"enabled": False},
            "django": {"enabled": False},
            "fastapi": {"enabled": False},
            "flask": {"enabled": False},
            "psycopg2": {"enabled": False},
            "requests": {"enabled": False},
            "urllib": {"enabled": False},
            "urllib3": {"enabled": False},
        },
    )


__all__ = ["SERVICE_NAME", "configure_azure_monitor_exporter"]
