"""The BlobStore port: named blobs with ETags, conditional writes and leases.

Adapters: `LocalBlobStore` (a folder; the embedded default, in `agentcore.storage.local`) and
`AzureBlobStore` (azure-storage-blob, in `agentcore.storage.azure`). Import adapters from their
modules so that the port never pulls in a vendor SDK.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from agentcore.errors import StorageError, UserInputError

MAX_BLOB_NAME_CHARS = 1024
"""Azure's limit on a blob name's length."""

MIN_LEASE_S = 15.0
MAX_LEASE_S = 60.0
"""Azure's bounds on a finite blob lease's duration, which every adapter keeps."""


class LeaseLostError(StorageError):
    """The lease ran out and another holder took it, or it was released: its holder must stop."""


@runtime_checkable
class Lease(Protocol):
    """An exclusive claim on one blob, held by one holder at a time until released or expired.

    A lease that is not renewed within its duration expires; a holder that was not succeeded may
    still renew it. A local adapter may also end the lease of a holder whose process is gone.
    """

    @property
    def name(self) -> str:
        """The leased blob's name."""
        ...

    def renew(self) -> None:
        """Extend the lease by its duration, from now. Raise LeaseLostError if another holder has it."""
        ...

    def release(self) -> None:
        """Give the lease up at once; nothing happens if it is gone already."""
        ...


@dataclass(frozen=True)
class Blob:
    """A blob's bytes and the ETag they were read at."""

    data: bytes
    etag: str


@dataclass(frozen=True)
class BlobVersion:
    """A blob as a listing names it: enough to tell whether a copy read earlier is still its content."""

    name: str
    etag: str
    content_md5: bytes | None
    """The MD5 of the blob's bytes where the store keeps one (Azure does for every blob put whole); else None."""


@runtime_checkable
class BlobStore(Protocol):
    """Blob names are `/`-separated paths, e.g. `investigations/<id>/state.json`.

    Names follow `check_blob_name`, the subset of Azure's rules that every adapter can honour.
    ETags are opaque strings that change on every write, even one that rewrites identical bytes.
    One store may be used from several threads at once.
    """

    @property
    def remote(self) -> bool:
        """Whether each call is a network round trip (Azure), not a file operation on this machine: a caller
        reading many blobs reads several at once, and keeps copies, only when it is."""
        ...

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
        """Write and return the new ETag. A lost condition raises PreconditionFailedError.

        `if_match`: write only if the blob's ETag is still this one. `if_none_match`: write only if
        the blob does not exist yet. At most one of the two.
        """
        ...

    def list(self, prefix: str) -> Iterator[str]:
        """Names starting with `prefix`, sorted."""
        ...

    def list_versions(self, prefix: str) -> Iterator[BlobVersion]:
        """`list` with each blob's ETag (as `get` gives it) and, where the store keeps one, the MD5 of its bytes:
        one listing, no blob read."""
        ...

    def delete(self, name: str) -> None:
        """Remove a blob; missing is not an error."""
        ...

    def upload_file(
        self,
        name: str,
        path: Path,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str | None = None,
    ) -> str:
        """`put` streamed from a local file (large workspace snapshots), with the same conditions."""
        ...

    def download_file(self, name: str, path: Path) -> str:
        """Stream a blob into a local file and return its ETag.

        The file appears whole or not at all; on BlobNotFoundError it is left untouched.
        """
        ...

    def acquire_lease(self, name: str, *, duration_s: float) -> Lease | None:
        """Take the lease on blob `name` (created empty when missing) for `duration_s`; None while another has it.

        `duration_s` is within MIN_LEASE_S..MAX_LEASE_S. Lease a blob that holds nothing else (a mutex
        beside the data): on Azure a leased blob cannot be written or deleted without its lease.
        """
        ...


def check_blob_name(name: str) -> str:
    """Return `name` if every adapter can store it under that exact name; raise UserInputError if not.

    Allowed: 1-1024 characters, `/`-separated segments, none empty, none starting or ending with `.`
    (which also rules out `.` and `..`; dot-files are the local store's bookkeeping), no backslash
    (Azure turns it into `/`) and no control characters.
    """
    problem = _name_problem(name)
    if problem:
        raise UserInputError(f"invalid blob name {name!r}: {problem}")
    return name


def _name_problem(name: str) -> str | None:
    if not name:
        return "empty"
    if len(name) > MAX_BLOB_NAME_CHARS:
        return f"longer than {MAX_BLOB_NAME_CHARS} characters"
    if "\\" in name:
        return "contains a backslash"
    if any(ord(char) < 32 or ord(char) == 127 for char in name):
        return "contains a control character"
    for segment in name.split("/"):
        if not segment:
            return "has an empty path segment (leading, trailing or double `/`)"
        if segment.startswith(".") or segment.endswith("."):
            return "has a path segment that starts or ends with `.`"
    return None


def check_lease_duration(duration_s: float) -> float:
    """Return `duration_s` if every adapter can grant a lease that long; raise UserInputError if not."""
    if not MIN_LEASE_S <= duration_s <= MAX_LEASE_S:
        raise UserInputError(f"a lease lasts {MIN_LEASE_S:g} to {MAX_LEASE_S:g} seconds, not {duration_s:g}")
    return duration_s


def check_conditions(if_match: str | None, if_none_match: bool) -> None:
    """Refuse a write that asks for both conditions at once (it could never succeed meaningfully)."""
    if if_match is not None and if_none_match:
        raise UserInputError("put takes if_match or if_none_match, not both")


__all__ = [
    "MAX_BLOB_NAME_CHARS",
    "MAX_LEASE_S",
    "MIN_LEASE_S",
    "Blob",
    "BlobStore",
    "BlobVersion",
    "Lease",
    "LeaseLostError",
    "check_blob_name",
    "check_conditions",
    "check_lease_duration",
]
