"""The BlobStore port: named blobs with ETags and conditional writes.

Adapters: `LocalBlobStore` (a folder; the embedded default) and `AzureBlobStore` (azure-storage-blob).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class Blob:
    """A blob's bytes and the ETag they were read at."""

    data: bytes
    etag: str


@runtime_checkable
class BlobStore(Protocol):
    """Blob names are `/`-separated paths, e.g. `investigations/<id>/state.json`."""

    def get(self, name: str) -> Blob:
        """Raise BlobNotFoundError when missing."""
        ...

    def put(
        self,
        name: str,
        data: bytes,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str | None = None,
    ) -> str:
        """Write and return the new ETag. A lost condition raises PreconditionFailedError."""
        ...

    def list(self, prefix: str) -> Iterator[str]:
        """Names starting with `prefix`, sorted."""
        ...

    def delete(self, name: str) -> None:
        """Remove a blob; missing is not an error."""
        ...


__all__ = ["Blob", "BlobStore"]
