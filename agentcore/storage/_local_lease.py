"""Leases of LocalBlobStore: a record beside the blob saying who holds it, and until when.

The record (`.<blob>.lease`, a dot-file like the ETag's) names its holder by a random token, the
holder's process id and this process's incarnation. It is read and written under the store's lock,
which every thread and process on the machine shares. A lease is free when it was released, when it
expired (not renewed within its duration), or when its holder's process is gone: a holder killed
with `kill -9` frees it at once for the next process, instead of after its duration.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from agentcore.errors import StorageError

INCARNATION = uuid.uuid4().hex
"""This process's own id: tells it from an earlier process that had the same pid (a restarted container)."""


@dataclass(frozen=True)
class LeaseRecord:
    """Who holds a lease, and until when (seconds since the epoch, from the store's clock)."""

    token: str
    pid: int
    incarnation: str
    expires_at: float

    @classmethod
    def new(cls, expires_at: float) -> LeaseRecord:
        return cls(token=uuid.uuid4().hex, pid=os.getpid(), incarnation=INCARNATION, expires_at=expires_at)

    def with_token(self, token: str) -> LeaseRecord:
        return LeaseRecord(token=token, pid=self.pid, incarnation=self.incarnation, expires_at=self.expires_at)

    def is_free(self, now: float) -> bool:
        return self.expires_at <= now or not _process_alive(self.pid, self.incarnation)


def lease_path(blob_path: Path) -> Path:
    return blob_path.with_name(f".{blob_path.name}.lease")


def read_record(path: Path) -> LeaseRecord | None:
    """The lease record at `path`, or None when there is none (a damaged one counts as none)."""
    try:
        return LeaseRecord(**json.loads(path.read_text()))
    except FileNotFoundError:
        return None
    except (ValueError, TypeError):
        return None
    except OSError as e:
        raise StorageError(f"cannot read the lease record {path.name}: {e}") from e


def write_record(path: Path, record: LeaseRecord) -> None:
    tmp = path.with_name(f"{path.name}.{record.token}.tmp")
    try:
        tmp.write_text(json.dumps(asdict(record)))
        tmp.replace(path)
    except OSError as e:
        raise StorageError(f"cannot write the lease record {path.name}: {e}") from e
    finally:
        tmp.unlink(missing_ok=True)


def _process_alive(pid: int, incarnation: str) -> bool:
    """False only when the holder's process is surely gone; on Windows the lease just expires."""
    if pid == os.getpid():
        return incarnation == INCARNATION
    if sys.platform == "win32":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet still answers signal 0; Linux says it is a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


class LocalLease:
    """A lease held through a LocalBlobStore; `renew` and `release` act on its record under the store's lock."""

    def __init__(
        self,
        name: str,
        record: LeaseRecord,
        duration_s: float,
        *,
        renew: Callable[[str, str, float], None],
        release: Callable[[str, str], None],
    ) -> None:
        self._name = name
        self._token = record.token
        self._duration_s = duration_s
        self._renew = renew
        self._release = release

    @property
    def name(self) -> str:
        return self._name

    def renew(self) -> None:
        self._renew(self._name, self._token, self._duration_s)

    def release(self) -> None:
        self._release(self._name, self._token)

    def __repr__(self) -> str:
        return f"LocalLease({self._name!r})"
