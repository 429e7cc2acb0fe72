"""The one place that turns settings into adapters. Tests replace parts with `override(...)`.

This is the edge of the core: adapters (Azure, Anthropic, OpenAI) are chosen here by configuration.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import agentcore
from agentcore.connectors.code import PullRequestHost
from agentcore.connectors.incidents import IncidentSink
from agentcore.connectors.logs import LogStore
from agentcore.connectors.topology import Topology
from agentcore.errors import ConfigError
from agentcore.models import ModelClient
from agentcore.queues import Queue
from agentcore.queues.local import LocalQueue
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.settings import Settings, load_settings
from agentcore.storage import BlobStore
from agentcore.telemetry import FanoutLedger, JsonlLedger, ModelCallLedger
from agentcore.workspace import checkouts_dir, linked_checkouts, shared_object_dirs

SandboxFactory = Callable[[Path], Sandbox]


@dataclass(frozen=True)
class Dependencies:
    """Everything a stage needs from the outside world."""

    settings: Settings
    blob_store: BlobStore
    ledger: ModelCallLedger
    model: ModelClient | None
    sandbox_factory: SandboxFactory
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    queue: Queue | None = None
    """Where stages send their next message. The local runner brings its own LocalQueue."""
    log_store: LogStore | None = None
    """The deployment's own logs (Kusto / Log Analytics). Scenario workspaces bring their own DuckDB file."""
    topology: Topology | None = None
    """The deployment's resources (Azure Resource Graph). Scenario workspaces bring their own topology.json."""
    incident_sink: IncidentSink | None = None
    """Where a finished report's summary and link are posted back, at most once per investigation."""
    pull_request_host: PullRequestHost | None = None
    """Where the `pr` stage opens draft pull requests (GitHub); None keeps a patch in the report."""


_overrides: dict[str, Any] = {}


@contextmanager
def override(**replacements: Any) -> Iterator[None]:
    """Replace parts of the wiring for the duration of a `with` block (tests, benchmarks)."""
    unknown = set(replacements) - set(Dependencies.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown dependencies: {sorted(unknown)}")
    previous = dict(_overrides)
    _overrides.update(replacements)
    try:
        yield
    finally:
        _overrides.clear()
        _overrides.update(previous)


def sandbox_limits(settings: Settings) -> SandboxLimits:
    return SandboxLimits(
        wall_time_s=settings.command_timeout_s,
        cpu_time_s=settings.command_cpu_time_s,
        memory_bytes=settings.command_memory_bytes,
        file_size_bytes=settings.command_file_size_bytes,
        max_processes=settings.command_max_processes,
        output_bytes=settings.command_output_bytes,
        workspace_bytes=settings.workspace_quota_bytes,
    )


def commands_location(deps: Dependencies) -> str:
    """Where the agent's shell commands run, as the report's data-egress section says it."""
    # Only a module that has been imported can have made the factory: a local run never imports the remote one.
    factories = sys.modules.get("agentcore.sandbox.factory")
    if factories is not None and isinstance(deps.sandbox_factory, factories.RemoteSandboxFactory):
        location: str = deps.sandbox_factory.location
        return location
    return f"on the agent's host, in the {deps.settings.sandbox} sandbox"


def build_dependencies(settings: Settings) -> Dependencies:
    """Build adapters from settings, skipping any part that an active `override` replaces."""
    settings = _overrides.get("settings", settings)
    blob_store = _overrides.get("blob_store") or _build_blob_store(settings)
    ledger = _overrides.get("ledger") or _build_ledger(settings)
    if "model" in _overrides:
        model = _overrides["model"]
    else:
        from agentcore.models.factory import build_model_client

        model = build_model_client(settings, ledger=ledger)
    sandbox_factory = _overrides.get("sandbox_factory") or _build_sandbox_factory(settings)
    queue = _overrides.get("queue") or _build_queue(settings)
    log_store = _overrides["log_store"] if "log_store" in _overrides else _build_log_store(settings)
    topology = _overrides["topology"] if "topology" in _overrides else _build_topology(settings)
    if "incident_sink" in _overrides:
        incident_sink = _overrides["incident_sink"]
    else:
        incident_sink = _build_incident_sink(settings, blob_store)
    if "pull_request_host" in _overrides:
        pull_request_host = _overrides["pull_request_host"]
    else:
        pull_request_host = _build_pull_request_host(settings)
    deps = Dependencies(
        settings=settings,
        blob_store=blob_store,
        ledger=ledger,
        model=model,
        sandbox_factory=sandbox_factory,
        queue=queue,
        log_store=log_store,
        topology=topology,
        incident_sink=incident_sink,
        pull_request_host=pull_request_host,
    )
    rest = {k: v for k, v in _overrides.items() if k in {"clock", "now"}}
    return replace(deps, **rest)


def _build_ledger(settings: Settings) -> ModelCallLedger:
    """The model-call ledger file, plus sre-agent's own telemetry: spans exported to Application Insights when
    a connection string is set, else rows of the local log tables under `<data_dir>/telemetry/`."""
    from agentcore.telemetry.otel import configure_exporters

    telemetry_dir = settings.data_dir / "telemetry"
    file = JsonlLedger(telemetry_dir / "model-calls.jsonl")
    if configure_exporters(settings):
        from agentcore.telemetry.spans import SpanLedger

        return FanoutLedger(file, SpanLedger())
    from agentcore.telemetry.local import LocalTelemetryTables

    return FanoutLedger(file, LocalTelemetryTables(telemetry_dir))


_app_dependencies: Dependencies | None = None
_app_lock = threading.Lock()


def app_dependencies() -> Dependencies:
    """The Functions app's dependencies: built once from the environment; rebuilt while an `override` is active.

    The app needs Service Bus to send stage messages on: without it they would go to a queue in this
    process that nothing reads, so that is a ConfigError.
    """
    global _app_dependencies
    if _overrides:
        return build_dependencies(load_settings())
    with _app_lock:
        if _app_dependencies is None:
            settings = load_settings()
            if settings.servicebus_connection_string is None:
                raise ConfigError("the Functions app needs the ServiceBusConnection app setting (a connection string)")
            _app_dependencies = build_dependencies(settings)
        return _app_dependencies


def local_queue(settings: Settings) -> LocalQueue:
    """The in-process queue of the local runner, with the delivery settings Service Bus would have."""
    return LocalQueue(
        lock_duration_s=settings.queue_lock_duration_s, max_delivery_count=settings.stage_max_delivery_count
    )


def _build_queue(settings: Settings) -> Queue:
    if settings.servicebus_connection_string is not None:
        from agentcore.queues.servicebus import ServiceBusQueue

        return ServiceBusQueue.from_connection_string(settings.servicebus_connection_string.get_secret_value())
    if settings.servicebus_namespace is not None:
        from agentcore.queues.servicebus import ServiceBusQueue

        return ServiceBusQueue.with_default_credential(
            settings.servicebus_namespace, managed_identity_client_id=settings.managed_identity_client_id
        )
    return local_queue(settings)


def _build_incident_sink(settings: Settings, blob_store: BlobStore) -> IncidentSink | None:
    if settings.writeback_webhook_url is None:
        return None
    if not settings.public_base_url:
        raise ConfigError("SRE_AGENT_WRITEBACK_WEBHOOK_URL is set; set SRE_AGENT_PUBLIC_BASE_URL for report links")
    from agentcore.connectors.incidents.once import AtMostOnceSink
    from agentcore.connectors.incidents.webhook import WebhookIncidentSink

    inner = WebhookIncidentSink(settings.writeback_webhook_url.get_secret_value(), format=settings.writeback_format)
    return AtMostOnceSink(inner, blob_store)


def _build_pull_request_host(settings: Settings) -> PullRequestHost | None:
    """GitHub when a token or a GitHub App is configured; otherwise None (patches stay in reports)."""
    if settings.github_token is None and settings.github_app_id is None:
        return None
    from agentcore.connectors.code.github import GitHubCodeHost

    key = settings.github_app_private_key
    return GitHubCodeHost(
        settings.github_api_url,
        settings.github_token.get_secret_value() if settings.github_token else None,
        app_id=settings.github_app_id,
        private_key=key.get_secret_value() if key else None,
        installation_id=settings.github_app_installation_id,
    )


def _build_topology(settings: Settings) -> Topology | None:
    if not settings.topology_subscriptions:
        return None
    from agentcore.connectors.topology.azure import AzureResourceGraphTopology

    return AzureResourceGraphTopology.with_default_credential(
        subscriptions=settings.topology_subscriptions, managed_identity_client_id=settings.managed_identity_client_id
    )


def _build_log_store(settings: Settings) -> LogStore | None:
    if not settings.kusto_cluster_url:
        return None
    if not settings.kusto_database:
        raise ConfigError("SRE_AGENT_KUSTO_CLUSTER_URL is set; set SRE_AGENT_KUSTO_DATABASE too")
    from agentcore.connectors.logs.kusto import KustoLogStore

    return KustoLogStore(
        settings.kusto_cluster_url,
        database=settings.kusto_database,
        request_timeout_s=settings.kusto_request_timeout_s,
    )


def _build_blob_store(settings: Settings) -> BlobStore:
    if settings.azure_storage_connection_string:
        from agentcore.storage.azure import AzureBlobStore

        return AzureBlobStore.from_connection_string(settings.azure_storage_connection_string)
    if settings.blob_account_url:
        from agentcore.storage.azure import AzureBlobStore

        return AzureBlobStore.with_default_credential(
            settings.blob_account_url, managed_identity_client_id=settings.managed_identity_client_id
        )
    from agentcore.storage.local import LocalBlobStore

    return LocalBlobStore(settings.data_dir / "blobs")


def _build_sandbox_factory(settings: Settings) -> SandboxFactory:
    limits = sandbox_limits(settings)
    if settings.sandbox_pool_endpoint:
        from agentcore.sandbox.factory import RemoteSandboxFactory
        from agentcore.sandbox.remote import managed_identity_credential

        return RemoteSandboxFactory(
            settings.sandbox_pool_endpoint,
            managed_identity_credential(settings.managed_identity_client_id),
            limits,
            audience=settings.sandbox_session_audience,
            request_timeout_s=settings.sandbox_session_request_timeout_s,
            env_allowlist=settings.sandbox_env_allowlist,
            snapshot_level=settings.snapshot_zstd_level,
            # Repositories may share the clone cache's objects (`git clone --shared`): they go up with them.
            shared_objects_within=(settings.data_dir.resolve() / "clone-cache",),
            linked_within=(checkouts_dir(settings.data_dir.resolve() / "clone-cache"),),
        )
    # Commands inside the sandbox (`logs`, `changes`, `topology`) are this package's modules.
    package_dir = Path(agentcore.__file__).resolve().parent

    clone_cache = (settings.data_dir / "clone-cache").resolve()

    def factory(root: Path) -> Sandbox:
        from agentcore.sandbox.factory import build_sandbox  # when first used: an evidence-only run has no shell

        # Repositories link to shared read-only checkouts, which borrow the clone cache's objects: the sandbox
        # shows the checkouts at repos/<name>, and git inside it must read the objects too.
        return build_sandbox(
            settings.sandbox,
            root,
            limits,
            env_allowlist=settings.sandbox_env_allowlist,
            extra_ro_binds=(package_dir, *shared_object_dirs(root, clone_cache)),
            read_only=linked_checkouts(root, checkouts_dir(clone_cache)),
        )

    return factory
