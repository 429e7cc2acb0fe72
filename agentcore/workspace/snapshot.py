"""A workspace as blobs, so that any stage on any instance can pick an investigation up.

A checkpoint is three parts, each stored the cheapest way:
- the repositories (`repos/<name>`) are not stored at all: each becomes again a symlink to the shared,
  read-only checkout of its recorded commit (`_checkout_cache`; made on first use on this machine),
  which borrows the objects of a bare clone cache under the data directory, filled once from the
  scenario's bundle or the local repository they came from;
- `outputs/` (spilled tool results, big and write-once) go one file per blob, content-addressed,
  uploaded once each;
- everything else (notes, memory, report, schemas, data) is one `tar.zst`, uploaded only when it
  changed since the last checkpoint.
`bin/` is re-created on restore: it holds wrappers that name this machine's Python. Blob names
start with the caller's `blob_prefix` (the pipeline's `investigations/<id>/`).

Writes a shell command made inside `repos/` are not kept across stages (a linked repository is read-only
in the sandbox anyway; the agent writes to notes/, memory/, report/ and outputs/); neither are files
under outputs/ that are symlinks.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import tarfile
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import zstandard

from agentcore.errors import BlobNotFoundError, PreconditionFailedError, StorageError
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.quota import refuse_snapshot_over_quota
from agentcore.storage import BlobStore
from agentcore.workspace._checkout_cache import restore_repository
from agentcore.workspace._models import RepoSource
from agentcore.workspace.setup import install_commands

logger = logging.getLogger(__name__)

OUTPUTS = "outputs"
NOT_SNAPSHOTTED = ("bin", ".connectors", OUTPUTS)
"""Top-level workspace folders the tar.zst leaves out (repos are left out by their recorded paths)."""
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WorkspaceCheckpoint:
    """Where a workspace was saved: the snapshot blob, its digest, and the outputs index."""

    workspace_blob: str | None
    workspace_digest: str | None
    outputs: dict[str, str]


def _excluded_top(repos: Iterable[RepoSource]) -> set[str]:
    return {*NOT_SNAPSHOTTED, *(r.path for r in repos)}


def _snapshot_members(root: Path, excluded: set[str]) -> Iterator[Path]:
    """Every path the snapshot holds, parents before children, in a stable order."""
    for current, directories, files in os.walk(root):
        here = Path(current)
        relative = here.relative_to(root).as_posix()
        keep = []
        for name in sorted(directories):
            path = name if relative == "." else f"{relative}/{name}"
            if path in excluded:
                continue
            yield here / name
            if not (here / name).is_symlink():
                keep.append(name)
        directories[:] = keep
        for name in sorted(files):
            path = name if relative == "." else f"{relative}/{name}"
            if path not in excluded:
                yield here / name


def workspace_digest(root: Path, repos: Iterable[RepoSource]) -> str:
    """A digest of what a snapshot would hold (names, sizes, modes, mtimes): equal digests, same snapshot."""
    digest = hashlib.sha256()
    for path in _snapshot_members(root, _excluded_top(repos)):
        info = path.lstat()
        record = (path.relative_to(root).as_posix(), info.st_size, info.st_mode, info.st_mtime_ns)
        digest.update(json.dumps(record).encode())
    return digest.hexdigest()[:40]


def write_snapshot(root: Path, destination: Path, repos: Iterable[RepoSource], *, level: int = 3) -> None:
    """Write the workspace, minus repos, outputs/ and bin/, as a tar.zst file."""
    excluded = _excluded_top(repos)
    compressor = zstandard.ZstdCompressor(level=level)
    with (
        destination.open("wb") as raw,
        compressor.stream_writer(raw, closefd=False) as packed,
        tarfile.open(fileobj=packed, mode="w|", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in _snapshot_members(root, excluded):
            info = tar.gettarinfo(str(path), arcname=path.relative_to(root).as_posix())
            if info is None:
                continue  # a socket: a sandboxed command may leave one, and it cannot be archived
            if info.isreg():
                with path.open("rb") as handle:
                    tar.addfile(info, handle)
            elif info.isdir() or info.issym():
                tar.addfile(info)


def extract_snapshot(archive: Path, root: Path) -> int:
    """Unpack a snapshot into `root` with tarfile's `data` filter; unsafe members are skipped. Returns skips."""
    skipped = 0
    root.mkdir(parents=True, exist_ok=True)
    with (
        archive.open("rb") as raw,
        zstandard.ZstdDecompressor().stream_reader(raw) as unpacked,
        tarfile.open(fileobj=unpacked, mode="r|") as tar,
    ):
        for member in tar:
            try:
                tar.extract(member, root, filter="data")
            except (tarfile.FilterError, OSError) as e:
                skipped += 1
                logger.warning("snapshot member %s not restored: %s", member.name, e)
    return skipped


def _checked_prefix(blob_prefix: str) -> str:
    parts = blob_prefix.split("/")
    if not blob_prefix.endswith("/") or blob_prefix.startswith("/") or any(p in {".", ".."} for p in parts):
        raise StorageError(f"not a blob prefix: {blob_prefix!r}")
    return blob_prefix


def checkpoint_workspace(
    store: BlobStore,
    blob_prefix: str,
    root: Path,
    *,
    step: int,
    repos: tuple[RepoSource, ...],
    previous: WorkspaceCheckpoint,
    level: int = 3,
    quota_bytes: int = SandboxLimits().workspace_bytes,
) -> WorkspaceCheckpoint:
    """Save what changed since `previous`: new outputs, and a new snapshot only if the rest changed.

    A workspace holding more than `quota_bytes` is refused (WorkspaceQuotaError)."""
    refuse_snapshot_over_quota(root, quota_bytes)
    outputs = sync_outputs(store, blob_prefix, root, previous.outputs)
    digest = workspace_digest(root, repos)
    if digest == previous.workspace_digest and previous.workspace_blob is not None:
        return WorkspaceCheckpoint(previous.workspace_blob, digest, outputs)
    name = f"{_checked_prefix(blob_prefix)}workspace/{step}-{uuid.uuid4().hex[:8]}.tar.zst"
    with tempfile.TemporaryDirectory(prefix="sre-agent-snapshot-") as scratch:
        archive = Path(scratch) / "workspace.tar.zst"
        write_snapshot(root, archive, repos, level=level)
        store.upload_file(name, archive, content_type="application/zstd")
    return WorkspaceCheckpoint(name, digest, outputs)


def sync_outputs(store: BlobStore, blob_prefix: str, root: Path, known: Mapping[str, str]) -> dict[str, str]:
    """Upload each file under outputs/ whose content has no blob yet; return the new index."""
    index: dict[str, str] = {}
    folder = root / OUTPUTS
    if not folder.is_dir():
        return dict(known)
    for path in sorted(folder.rglob("*")):
        if path.is_symlink() or not path.is_file():
            continue
        relative = path.relative_to(root).as_posix()
        blob = f"{_checked_prefix(blob_prefix)}outputs/{_file_sha256(path)[:40]}"
        if known.get(relative) != blob:
            with contextlib.suppress(PreconditionFailedError):  # the same content is stored already
                store.upload_file(blob, path, if_none_match=True)
        index[relative] = blob
    return index


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def restore_workspace(
    store: BlobStore,
    root: Path,
    *,
    workspace_blob: str | None,
    repos: Iterable[RepoSource],
    outputs: Mapping[str, str],
    clone_cache: Path,
) -> None:
    """Build the workspace at `root` from a checkpoint: repos from the clone cache, then blobs."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    for repo in repos:
        restore_repository(repo, root, clone_cache)
    if workspace_blob is not None:
        with tempfile.TemporaryDirectory(prefix="sre-agent-restore-") as scratch:
            archive = Path(scratch) / "workspace.tar.zst"
            store.download_file(workspace_blob, archive)
            extract_snapshot(archive, root)
    restore_outputs(store, root, outputs)
    install_commands(root)


def restore_outputs(store: BlobStore, root: Path, outputs: Mapping[str, str]) -> None:
    """Download every indexed output that the workspace lacks."""
    for relative, blob in outputs.items():
        target = (root / relative).resolve()
        if not target.is_relative_to((root / OUTPUTS).resolve()):
            raise StorageError(f"outputs index names a path outside outputs/: {relative}")
        if target.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            store.download_file(blob, target)
        except BlobNotFoundError as e:
            raise StorageError(f"output {relative} is indexed but its blob {blob} is missing") from e


# -- which local workspace matches which checkpoint --------------------------------------------------


def _marker(root: Path) -> Path:
    return root.with_name(f"{root.name}.restored")


def is_restored(root: Path, workspace_blob: str | None, outputs: Mapping[str, str]) -> bool:
    """Whether `root` is exactly the checkpoint (this instance wrote or restored it and nothing ran since)."""
    marker = _marker(root)
    if not root.is_dir() or not marker.is_file() or not _links_lead_somewhere(root):
        return False
    return marker.read_text(encoding="utf-8") == _marker_text(workspace_blob, outputs)


def _links_lead_somewhere(root: Path) -> bool:
    """Whether every linked repository's shared checkout is still there (housekeeping may remove one)."""
    repos = root / "repos"
    entries = list(repos.iterdir()) if repos.is_dir() and not repos.is_symlink() else []
    return all(entry.exists() for entry in entries if entry.is_symlink())


def mark_restored(root: Path, workspace_blob: str | None, outputs: Mapping[str, str]) -> None:
    _marker(root).write_text(_marker_text(workspace_blob, outputs), encoding="utf-8")


def forget_restored(root: Path) -> None:
    """Say that `root` is about to diverge from every checkpoint (a stage is changing it)."""
    _marker(root).unlink(missing_ok=True)


def _marker_text(workspace_blob: str | None, outputs: Mapping[str, str]) -> str:
    return json.dumps({"workspace": workspace_blob, "outputs": sorted(outputs.items())})


def remove_workspace(root: Path) -> None:
    forget_restored(root)
    if root.exists():
        shutil.rmtree(root)


@contextmanager
def directory_lock(root: Path) -> Iterator[None]:
    """Hold `<root>.lock` exclusively: one stage at a time per workspace, across threads and processes."""
    root.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(root.with_name(f"{root.name}.lock"), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)
