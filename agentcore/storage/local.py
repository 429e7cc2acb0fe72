"""LocalBlobStore: blobs as files under a folder, with ETags and atomic conditional writes."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from agentcore.errors import BlobNotFoundError, PreconditionFailedError, StorageError, UserInputError
from agentcore.storage import (
    Blob,
    BlobVersion,
    Lease,
    LeaseLostError,
    check_blob_name,
    check_conditions,
    check_lease_duration,
)
from agentcore.storage._local_lease import LeaseRecord, LocalLease, lease_path, read_record, write_record

if sys.platform != "win32":
    import fcntl

_LOCK_FILE = ".lock"


class LocalBlobStore:
    """A directory that behaves like a blob container.

    A blob `a/b.json` is the file `<root>/a/b.json`; its ETag lives beside it in `.b.json.etag` (dot
    names are not valid blob names, so they never collide). Every write gets a fresh random ETag,
    so rewriting identical bytes still moves it on, as Azure's does. Each write lands whole: bytes
    and ETag go to temporary files that are renamed into place, ETag first, so a crash between the
    two renames can only cause a spurious conflict, never a lost update. Reads and writes hold a
    lock shared by every thread of this process and, through `flock`, every process on this
    machine (threads only on Windows).

    Unlike Azure, a name cannot be both a blob and a folder: with `a` stored, `a/b` cannot be
    written (and the reverse); that raises StorageError.

    Leases are records beside their blob (`agentcore.storage._local_lease`), timed by `clock`
    (seconds since the epoch); a lease whose holder's process is gone is free at once.
    """

    _thread_lock = threading.Lock()
    remote = False

    def __init__(self, root: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)
        self._clock = clock

    def get(self, name: str) -> Blob:
        path = self._path(name)
        with self._locked(name):
            etag = self._etag_of(path)
            if etag is None:
                raise BlobNotFoundError(f"blob not found: {name}")
            data = path.read_bytes()
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
        return self._write(name, lambda tmp: tmp.write_bytes(data), if_match, if_none_match)

    def upload_file(
        self,
        name: str,
        path: Path,
        *,
        if_match: str | None = None,
        if_none_match: bool = False,
        content_type: str | None = None,
    ) -> str:
        return self._write(name, lambda tmp: shutil.copyfile(path, tmp), if_match, if_none_match)

    def download_file(self, name: str, path: Path) -> str:
        source = self._path(name)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with self._locked(name):
                etag = self._etag_of(source)
                if etag is None:
                    raise BlobNotFoundError(f"blob not found: {name}")
                shutil.copyfile(source, tmp)
                tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
        return etag

    def list(self, prefix: str) -> Iterator[str]:
        start = self._walk_start(prefix)
        names: list[str] = []
        try:
            for dirpath, dirs, files in os.walk(start):
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                for file in files:
                    if file.startswith("."):
                        continue
                    name = (Path(dirpath) / file).relative_to(self.root).as_posix()
                    if name.startswith(prefix):
                        names.append(name)
        except OSError as e:
            raise StorageError(f"cannot list blobs under {prefix!r}: {e}") from e
        return iter(sorted(names))

    def list_versions(self, prefix: str) -> Iterator[BlobVersion]:
        """No MD5: a copy kept elsewhere on this disk would be read no faster than the blob itself."""
        for name in self.list(prefix):
            etag = self._etag_of(self._path(name))
            if etag is not None:  # deleted since the listing
                yield BlobVersion(name=name, etag=etag, content_md5=None)

    def delete(self, name: str) -> None:
        path = self._path(name)
        with self._locked(name):
            if path.is_file():
                path.unlink()
            self._etag_path(path).unlink(missing_ok=True)
            self._remove_empty_folders(path.parent)

    def acquire_lease(self, name: str, *, duration_s: float) -> Lease | None:
        check_lease_duration(duration_s)
        path = self._path(name)
        if self._etag_of(path) is None:
            with contextlib.suppress(PreconditionFailedError):  # created meanwhile: the lease is what matters
                self.put(name, b"", if_none_match=True)
        with self._locked(name):
            current = read_record(lease_path(path))
            if current is not None and not current.is_free(self._clock()):
                return None
            record = LeaseRecord.new(self._clock() + duration_s)
            write_record(lease_path(path), record)
        return LocalLease(name, record, duration_s, renew=self._renew_lease, release=self._release_lease)

    def _renew_lease(self, name: str, token: str, duration_s: float) -> None:
        path = self._path(name)
        with self._locked(name):
            current = read_record(lease_path(path))
            if current is None or current.token != token:
                raise LeaseLostError(f"the lease on {name} is gone: it ran out and was taken, or was released")
            write_record(lease_path(path), LeaseRecord.new(self._clock() + duration_s).with_token(token))

    def _release_lease(self, name: str, token: str) -> None:
        path = self._path(name)
        with self._locked(name):
            current = read_record(lease_path(path))
            if current is not None and current.token == token:
                lease_path(path).unlink(missing_ok=True)

    def _write(self, name: str, fill: Callable[[Path], object], if_match: str | None, if_none_match: bool) -> str:
        check_conditions(if_match, if_none_match)
        path = self._path(name)
        etag_path = self._etag_path(path)
        token = uuid.uuid4().hex
        etag = f'"{token}"'
        tmp_data = path.with_name(f".{path.name}.{token}.tmp")
        tmp_etag = path.with_name(f".{path.name}.{token}.etag-tmp")
        with self._locked(name):
            current = self._etag_of(path)
            if if_none_match and current is not None:
                raise PreconditionFailedError(f"blob already exists: {name}")
            if if_match is not None and current != if_match:
                raise PreconditionFailedError(f"ETag of {name} moved on ({current} != {if_match})")
            if path.is_dir():
                raise StorageError(f"cannot write blob {name}: a folder of blobs has that name here")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                fill(tmp_data)
                tmp_etag.write_text(etag)
                tmp_etag.replace(etag_path)
                tmp_data.replace(path)
            finally:
                tmp_data.unlink(missing_ok=True)
                tmp_etag.unlink(missing_ok=True)
        return etag

    def _path(self, name: str) -> Path:
        return self.root / check_blob_name(name)

    @staticmethod
    def _etag_path(path: Path) -> Path:
        return path.with_name(f".{path.name}.etag")

    def _etag_of(self, path: Path) -> str | None:
        """The blob's ETag, or None when there is no blob. A file put here by hand gets a content hash."""
        if not path.is_file():
            return None
        etag_path = self._etag_path(path)
        if etag_path.is_file():
            return etag_path.read_text()
        return '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'

    def _walk_start(self, prefix: str) -> Path:
        """The deepest folder that can hold every name with this prefix (the root when in doubt)."""
        folder = prefix.rpartition("/")[0]
        if folder:
            try:
                return self.root / check_blob_name(folder)
            except UserInputError:
                return self.root
        return self.root

    def _remove_empty_folders(self, folder: Path) -> None:
        while folder != self.root and folder.is_dir():
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    @contextmanager
    def _locked(self, name: str) -> Iterator[None]:
        with self._thread_lock:
            try:
                handle = os.open(self.root / _LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError as e:
                raise StorageError(f"cannot lock the blob folder {self.root}: {e}") from e
            try:
                if sys.platform != "win32":
                    fcntl.flock(handle, fcntl.LOCK_EX)
                yield
            except OSError as e:
                raise StorageError(f"blob {name}: {e}") from e
            finally:
                os.close(handle)
