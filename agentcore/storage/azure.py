"""AzureBlobStore: the BlobStore port on Azure Blob Storage (or Azurite), with the sync SDK."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from azure.core import MatchConditions
from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError, HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import (
    BlobClient,
    BlobLeaseClient,
    BlobProperties,
    BlobServiceClient,
    ContainerClient,
    ContentSettings,
)

from agentcore.errors import BlobNotFoundError, PreconditionFailedError, StorageError
from agentcore.storage import (
    Blob,
    BlobVersion,
    Lease,
    LeaseLostError,
    check_blob_name,
    check_conditions,
    check_lease_duration,
)

_CONDITION_LOST = {409, 412}


class AzureBlobStore:
    """One blob container. Endpoint and credential as azure-storage-blob takes them.

    With `create_container` the container is created when missing, at construction. Vendor errors
    become ours: a missing blob is BlobNotFoundError, a lost write condition (412, or 409 for an
    existing blob) is PreconditionFailedError, anything else StorageError.
    """

    remote = True

    def __init__(
        self,
        account_url: str,
        credential: TokenCredential | None = None,
        *,
        container: str = "sre-agent",
        create_container: bool = True,
    ) -> None:
        self._attach(BlobServiceClient(account_url, credential=credential), container, create_container)

    @classmethod
    def with_default_credential(
        cls, account_url: str, *, managed_identity_client_id: str | None = None, container: str = "sre-agent"
    ) -> AzureBlobStore:
        """Identity-based: the app's managed identity (a user-assigned one by client id) or a developer login."""
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)
        return cls(account_url, credential, container=container)

    @classmethod
    def from_connection_string(
        cls, conn_str: str, *, container: str = "sre-agent", create_container: bool = True
    ) -> AzureBlobStore:
        """For Azurite or an account key; production uses `account_url` and a managed identity."""
        store = cls.__new__(cls)
        store._attach(BlobServiceClient.from_connection_string(conn_str), container, create_container)
        return store

    def _attach(self, service: BlobServiceClient, container: str, create_container: bool) -> None:
        self._service = service
        self._container: ContainerClient = service.get_container_client(container)
        self.container = container
        if create_container:
            try:
                self._container.create_container()
            except ResourceExistsError:
                pass
            except AzureError as e:
                raise StorageError(f"cannot create blob container {container}: {_describe(e)}") from e

    def get(self, name: str) -> Blob:
        with _translated(check_blob_name(name), writing=False):
            downloader = self._container.get_blob_client(name).download_blob()
            data = downloader.readall()
            etag = str(downloader.properties.etag)
        return Blob(data=data, etag=etag)

    def put(
        self,
        name: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str | None = None,
    ) -> str:
        return self._upload(name, data, len(data), if_match, if_none_match, content_type)

    def upload_file(
        self,
        name: str,
        path: Path,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str | None = None,
    ) -> str:
        try:
            with path.open("rb") as stream:
                size = path.stat().st_size
                return self._upload(name, stream, size, if_match, if_none_match, content_type)
        except OSError as e:
            raise StorageError(f"cannot upload {path} to blob {name}: {e}") from e

    def download_file(self, name: str, path: Path) -> str:
        check_blob_name(name)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with _translated(name, writing=False):
                downloader = self._container.get_blob_client(name).download_blob()
                with tmp.open("wb") as stream:
                    downloader.readinto(stream)
                etag = str(downloader.properties.etag)
            tmp.replace(path)
        except OSError as e:
            raise StorageError(f"cannot download blob {name} to {path}: {e}") from e
        finally:
            tmp.unlink(missing_ok=True)
        return etag

    def list(self, prefix: str) -> Iterator[str]:
        with _translated(prefix, writing=False):
            names = list(self._container.list_blob_names(name_starts_with=prefix or None))
        return iter(sorted(names))

    def list_versions(self, prefix: str) -> Iterator[BlobVersion]:
        with _translated(prefix, writing=False):
            listed = list(self._container.list_blobs(name_starts_with=prefix or None))
        for blob in sorted(listed, key=_name_of):
            md5 = blob.content_settings.content_md5
            yield BlobVersion(name=blob.name, etag=_quoted(str(blob.etag)), content_md5=bytes(md5) if md5 else None)

    def delete(self, name: str) -> None:
        try:
            with _translated(check_blob_name(name), writing=False):
                self._container.get_blob_client(name).delete_blob(delete_snapshots="include")
        except BlobNotFoundError:
            pass

    def acquire_lease(self, name: str, *, duration_s: float) -> Lease | None:
        """A blob lease (`BlobLeaseClient`), whole seconds; Azure times it and ends it if not renewed."""
        seconds = int(check_lease_duration(duration_s))
        blob = self._container.get_blob_client(check_blob_name(name))
        with contextlib.suppress(PreconditionFailedError), _translated(name, writing=True):
            blob.upload_blob(b"", overwrite=False)  # unless it exists (and may be leased): the lease is what matters
        client = BlobLeaseClient(blob)
        try:
            client.acquire(lease_duration=seconds)
        except HttpResponseError as e:
            if e.status_code == 409:
                return None
            raise StorageError(f"cannot lease blob {name}: {_describe(e)}") from e
        except AzureError as e:
            raise StorageError(f"cannot lease blob {name}: {_describe(e)}") from e
        return AzureLease(name, blob, str(client.id))

    def close(self) -> None:
        """Release the HTTP connections."""
        self._container.close()
        self._service.close()

    def __enter__(self) -> AzureBlobStore:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _upload(
        self,
        name: str,
        data: Any,
        length: int,
        if_match: str | None,
        if_none_match: bool,
        content_type: str | None,
    ) -> str:
        check_blob_name(name)
        check_conditions(if_match, if_none_match)
        options: dict[str, Any] = {"overwrite": not if_none_match}
        if if_match is not None:
            options.update(etag=if_match, match_condition=MatchConditions.IfNotModified)
        if content_type is not None:
            options["content_settings"] = ContentSettings(content_type=content_type)
        with _translated(name, writing=True):
            result = self._container.get_blob_client(name).upload_blob(data, length=length, **options)
        return str(result["etag"])


class AzureLease:
    """A held blob lease; Azure ends it when it is not renewed within its duration."""

    def __init__(self, name: str, blob: BlobClient, lease_id: str) -> None:
        self._name = name
        self._blob = blob
        self._lease_id = lease_id

    @property
    def _client(self) -> BlobLeaseClient:
        """A client for this lease id (the SDK's forgets the id on release)."""
        return BlobLeaseClient(self._blob, lease_id=self._lease_id)

    @property
    def name(self) -> str:
        return self._name

    def renew(self) -> None:
        try:
            self._client.renew()
        except HttpResponseError as e:
            if e.status_code in _CONDITION_LOST:
                raise LeaseLostError(f"the lease on {self._name} is gone: {_describe(e)}") from e
            raise StorageError(f"cannot renew the lease on {self._name}: {_describe(e)}") from e
        except AzureError as e:
            raise StorageError(f"cannot renew the lease on {self._name}: {_describe(e)}") from e

    def release(self) -> None:
        try:
            self._client.release()
        except HttpResponseError as e:
            if e.status_code not in _CONDITION_LOST:
                raise StorageError(f"cannot release the lease on {self._name}: {_describe(e)}") from e
        except AzureError as e:
            raise StorageError(f"cannot release the lease on {self._name}: {_describe(e)}") from e

    def __repr__(self) -> str:
        return f"AzureLease({self._name!r})"


@contextmanager
def _translated(name: str, *, writing: bool) -> Iterator[None]:
    """Turn azure-core errors into ours. 409/412 on a write is a lost condition."""
    try:
        yield
    except ResourceNotFoundError as e:
        if _error_code(e) == "ContainerNotFound":
            raise StorageError(f"blob container not found (for {name}): {_describe(e)}") from e
        raise BlobNotFoundError(f"blob not found: {name}") from e
    except HttpResponseError as e:
        if writing and e.status_code in _CONDITION_LOST:
            raise PreconditionFailedError(f"conditional write of {name} lost: {_describe(e)}") from e
        raise StorageError(f"blob operation on {name} failed: {_describe(e)}") from e
    except AzureError as e:
        raise StorageError(f"blob operation on {name} failed: {_describe(e)}") from e


def _error_code(error: HttpResponseError) -> str | None:
    code = getattr(error, "error_code", None)
    return str(code.value if hasattr(code, "value") else code) if code is not None else None


def _describe(error: AzureError) -> str:
    """A short summary: type, status, Azure's error code and the message's first line."""
    parts = [type(error).__name__]
    if isinstance(error, HttpResponseError):
        parts += [str(part) for part in (error.status_code, _error_code(error)) if part]
    first_line = next(iter(str(error.message or "").splitlines()), "")
    if first_line:
        parts.append(f"({first_line[:200]})")
    return " ".join(parts)


def _name_of(blob: BlobProperties) -> str:
    return str(blob.name)


def _quoted(etag: str) -> str:
    """An ETag as a blob's headers carry it (quoted); a listing gives it bare."""
    return etag if etag.startswith('"') else f'"{etag}"'
