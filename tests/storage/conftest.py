"""Blob store fixtures: every contract test runs against each adapter."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.storage import BlobStore
from agentcore.storage.azure import AzureBlobStore
from agentcore.storage.local import LocalBlobStore
from tests.azurite_fixture import Azurite, azurite

__all__ = ["azurite"]


@pytest.fixture
def azure_store(azurite: Azurite) -> Iterator[AzureBlobStore]:
    """An AzureBlobStore on a fresh Azurite container."""
    with AzureBlobStore.from_connection_string(
        azurite.connection_string, container=azurite.new_container_name()
    ) as store:
        yield store


@pytest.fixture(params=["local", pytest.param("azure", marks=pytest.mark.azurite)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    """Each BlobStore adapter in turn, empty."""
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    azure_store: AzureBlobStore = request.getfixturevalue("azure_store")
    return azure_store
