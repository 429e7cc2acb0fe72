"""AzureBlobStore beyond the shared contract, on Azurite: containers, content types, errors, lease expiry."""

from __future__ import annotations

import hashlib
import time

import pytest
from azure.storage.blob import BlobServiceClient

from agentcore.errors import BlobNotFoundError, StorageError
from agentcore.storage import LeaseLostError
from agentcore.storage.azure import AzureBlobStore
from tests.azurite_fixture import Azurite

pytestmark = pytest.mark.azurite


def test_the_container_is_created_when_missing(azurite: Azurite) -> None:
    container = azurite.new_container_name()

    with AzureBlobStore.from_connection_string(azurite.connection_string, container=container):
        pass

    with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
        assert service.get_container_client(container).exists()


def test_two_stores_on_one_container_share_its_blobs(azurite: Azurite) -> None:
    container = azurite.new_container_name()
    with (
        AzureBlobStore.from_connection_string(azurite.connection_string, container=container) as first,
        AzureBlobStore.from_connection_string(azurite.connection_string, container=container) as second,
    ):
        etag = first.put("state.json", b"v1")

        assert second.get("state.json").etag == etag


def test_the_content_type_is_stored_on_the_blob(azurite: Azurite, azure_store: AzureBlobStore) -> None:
    azure_store.put("reports/inv-1.html", b"<html></html>", content_type="text/html")

    with BlobServiceClient.from_connection_string(azurite.connection_string) as service:
        blob = service.get_blob_client(azure_store.container, "reports/inv-1.html")
        assert blob.get_blob_properties().content_settings.content_type == "text/html"


def test_a_listing_gives_the_md5_azure_keeps_of_every_blob_put_whole(azure_store: AzureBlobStore) -> None:
    azure_store.put("memory/a.md", b"first")

    (version,) = azure_store.list_versions("memory/")

    assert version.content_md5 == hashlib.md5(b"first").digest()


def test_a_missing_container_is_a_storage_error_not_a_missing_blob(azurite: Azurite) -> None:
    with (
        AzureBlobStore.from_connection_string(
            azurite.connection_string, container=azurite.new_container_name(), create_container=False
        ) as store,
        pytest.raises(StorageError) as raised,
    ):
        store.get("state.json")

    assert not isinstance(raised.value, BlobNotFoundError)
    assert "ContainerNotFound" in str(raised.value)


def test_an_invalid_container_name_is_a_storage_error_with_azures_reason(azurite: Azurite) -> None:
    with pytest.raises(StorageError) as raised:
        AzureBlobStore.from_connection_string(azurite.connection_string, container="Not_A_Valid_Name")

    assert "400" in str(raised.value)
    assert raised.value.__cause__ is not None


def test_a_lease_not_renewed_expires_and_its_holder_then_loses_it_to_the_next(azure_store: AzureBlobStore) -> None:
    name = "investigations/inv-20260314-093000-abcdef/lease"
    first = azure_store.acquire_lease(name, duration_s=15)
    assert first is not None
    assert azure_store.acquire_lease(name, duration_s=15) is None
    time.sleep(16)  # Azure's shortest lease; the service times it, so the test must wait it out

    second = azure_store.acquire_lease(name, duration_s=15)

    assert second is not None
    with pytest.raises(LeaseLostError):
        first.renew()
