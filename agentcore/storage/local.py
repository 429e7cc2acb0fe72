"""LocalBlobStore: blobs as files under a folder, with ETags and atomic conditional writes."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from agentcore.errors import BlobNotFoundError, PreconditionFailedError, UserInputError
from agentcore.storage import Blob


class LocalBlobStore:
    """A directory that behaves like a blob container for one process.

    The ETag is a content hash plus a write counter kept beside the blob, so rewriting identical
    bytes still moves the ETag on, as Azure's does. Conditional writes hold a process-wide lock.
    """

    _lock = threading.Lock()

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, name: str) -> Path:
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or not name or name.endswith("/"):
            raise UserInputError(f"invalid blob name: {name!r}")
        return self.root / pure

    @staticmethod
    def _etag_path(path: Path) -> Path:
        return path.with_name(f".{path.name}.etag")

    def _etag_of(self, path: Path) -> str | None:
        etag_path = self._etag_path(path)
        if not path.exists():
            return None
        if etag_path.exists():
            return etag_path.read_text()
        return '"' + hashlib.sha256(path.read_bytes()).hexdigest()[:32] + '"'

    def get(self, name: str) -> Blob:
        path = self._path(name)
        with self._lock:
            if not path.is_file():
                raise BlobNotFoundError(f"blob not found: {name}")
            etag = self._etag_of(path)
            data = path.read_bytes()
        assert etag is not None
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
        path = self._path(name)
        with self._lock:
            current = self._etag_of(path)
            if if_none_match and current is not None:
                raise PreconditionFailedError(f"blob already exists: {name}")
            if if_match is not None and current != if_match:
                raise PreconditionFailedError(f"ETag of {name} moved on ({current} != {if_match})")
            path.parent.mkdir(parents=True, exist_ok=True)
            counter = int.from_bytes(os.urandom(4), "big")
            etag = '"' + hashlib.sha256(data + counter.to_bytes(4, "big")).hexdigest()[:32] + '"'
            tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")
            tmp.write_bytes(data)
            tmp.replace(path)
            self._etag_path(path).write_text(etag)
        return etag

    def list(self, prefix: str) -> Iterator[str]:
        names: list[str] = []
        for dirpath, _dirs, files in os.walk(self.root):
            for file in files:
                if file.startswith("."):
                    continue
                name = (Path(dirpath) / file).relative_to(self.root).as_posix()
                if name.startswith(prefix):
                    names.append(name)
        return iter(sorted(names))

    def delete(self, name: str) -> None:
        path = self._path(name)
        with self._lock:
            path.unlink(missing_ok=True)
            self._etag_path(path).unlink(missing_ok=True)
