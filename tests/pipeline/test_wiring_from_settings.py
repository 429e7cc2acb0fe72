"""Adapters are chosen by configuration at the edge: the Functions' identity settings pick Azure ones."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import ConfigError
from agentcore.pipeline.wiring import build_dependencies
from agentcore.queues.local import LocalQueue
from agentcore.queues.servicebus import ServiceBusQueue
from agentcore.settings import Settings
from agentcore.storage.local import LocalBlobStore


def test_the_embedded_default_uses_a_local_folder_and_an_in_process_queue(tmp_path: Path) -> None:
    deps = build_dependencies(Settings(data_dir=tmp_path, model=None))
    assert isinstance(deps.blob_store, LocalBlobStore)
    assert isinstance(deps.queue, LocalQueue)
    assert deps.log_store is None


def test_the_functions_identity_setting_selects_service_bus_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ServiceBusConnection__fullyQualifiedNamespace", "sre-agent.servicebus.windows.net")
    monkeypatch.setenv("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000001")
    settings = Settings(data_dir=tmp_path, model=None)
    assert settings.servicebus_namespace == "sre-agent.servicebus.windows.net"
    assert settings.managed_identity_client_id == "00000000-0000-0000-0000-000000000001"
    assert isinstance(build_dependencies(settings).queue, ServiceBusQueue)


def test_a_kusto_cluster_without_a_database_is_a_configuration_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, model=None, kusto_cluster_url="https://help.kusto.windows.net")
    with pytest.raises(ConfigError, match="SRE_AGENT_KUSTO_DATABASE"):
        build_dependencies(settings)
