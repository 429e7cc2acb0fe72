"""Memory runs on each BlobStore adapter: the local folder and Azure Blob Storage (Azurite), real ETags both."""

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
def azure_blobs(azurite: Azurite) -> Iterator[AzureBlobStore]:
    with AzureBlobStore.from_connection_string(
        azurite.connection_string, container=azurite.new_container_name()
    ) as store:
        yield store


@pytest.fixture(params=["local", pytest.param("azure", marks=pytest.mark.azurite)])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> BlobStore:
    if request.param == "local":
        return LocalBlobStore(tmp_path / "blobs")
    azure: AzureBlobStore = request.getfixturevalue("azure_blobs")
    return azure
