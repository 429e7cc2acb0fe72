"""The pipeline with its state in Azure Blob Storage (Azurite): the same stages, the same report."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.memory.content_cache import memory_content_cache
from agentcore.sandbox.factory import bubblewrap_available
from agentcore.storage import BlobStore
from agentcore.storage.azure import AzureBlobStore
from tests.azurite_fixture import Azurite
from tests.pipeline.pipeline_harness import ConversationModel, Driver, example_request, new_broker, pipeline_settings

pytestmark = [
    pytest.mark.azurite,
    pytest.mark.skipif(not bubblewrap_available(), reason="bubblewrap is not installed (make bwrap)"),
]


@pytest.fixture
def azure_store(azurite: Azurite) -> Iterator[AzureBlobStore]:
    with AzureBlobStore.from_connection_string(
        azurite.connection_string, container=azurite.new_container_name()
    ) as store:
        yield store


def test_an_agent_investigation_with_a_crash_mid_slice_finishes_on_azure_blob_storage(
    tmp_path: Path, azure_store: AzureBlobStore
) -> None:
    crashed: list[str] = []

    def crash_on(key: str) -> bool:
        if key == "parent:5" and not crashed:
            crashed.append(key)
            return True
        return False

    settings = pipeline_settings(tmp_path)
    driver = Driver(
        settings=settings,
        model=ConversationModel(crash_on=crash_on),
        queue=new_broker(settings),
        store_wrapper=lambda _local: azure_store,
    )
    investigation_id = driver.start(example_request())
    driver.run()
    state = driver.state(investigation_id)
    assert state.stage.value == "done", state.failure
    assert crashed == ["parent:5"]
    assert driver.restarts == 1, "the workspace was restored from Azurite after the crash"
    report = driver.report(investigation_id)
    assert report.status == "completed"
    assert report.usage.model_calls == 8
    names = list(azure_store.list(f"investigations/{investigation_id}/"))
    assert any(n.endswith(".tar.zst") for n in names)
    assert any("/children/" in n for n in names)
    assert not list(Path(settings.data_dir / "blobs").rglob("state.json")), "nothing went to the local store"
    kept = list(memory_content_cache(settings.cache_dir).folder.iterdir())
    assert kept, "intake kept what it read of memory, for the next intake on this machine"
    assert all(hashlib.md5(entry.read_bytes()).hexdigest() == entry.name for entry in kept)


def test_the_wiring_chooses_azure_blob_storage_from_a_connection_string(tmp_path: Path, azurite: Azurite) -> None:
    from agentcore.pipeline.wiring import build_dependencies

    settings = pipeline_settings(tmp_path, azure_storage_connection_string=azurite.connection_string)
    store: BlobStore = build_dependencies(settings).blob_store
    assert isinstance(store, AzureBlobStore)
