"""Memory's daily care and its folder commands: the gardening check, dated snapshots with retention and a
restore, and moving a folder of Markdown in (validated, one line per bad file) and out.

Snapshots are copies of every blob under `memory/` at `memory-snapshots/<yyyy-mm-dd>/...`; a restore first
snapshots what it replaces (`<yyyy-mm-dd>-before-restore-<hhmmss>`), so nothing is lost by restoring.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from agentcore.errors import UserInputError
from agentcore.memory import INDEX_NAME, MemoryFormatError, MemoryStatus, MemoryStore, parse_document
from agentcore.memory.content_cache import ContentCache, memory_content_cache
from agentcore.memory.gardening import FileCheck, World, garden
from agentcore.memory.limits import check_document
from agentcore.memory.store import PREFIX
from agentcore.pipeline.memory_world import DeployedWorld, parse_repo_option
from agentcore.pipeline.wiring import Dependencies
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

SNAPSHOTS = "memory-snapshots/"
_MARKDOWN = "text/markdown; charset=utf-8"


@dataclass(frozen=True)
class CheckSummary:
    """A gardening pass: every active file checked, and which became stale."""

    checks: tuple[FileCheck, ...]

    @property
    def stale(self) -> tuple[FileCheck, ...]:
        return tuple(c for c in self.checks if c.status is MemoryStatus.STALE)

    def as_json(self) -> dict[str, object]:
        return {
            "checked": len(self.checks),
            "stale": [{"name": c.name, "reason": c.reason} for c in self.stale],
            "verified": [c.name for c in self.checks if c.status is not MemoryStatus.STALE and c.checked],
            "unverifiable": [c.name for c in self.checks if c.status is not MemoryStatus.STALE and not c.checked],
        }


def check_memory(
    blobs: BlobStore, world: World, *, now: datetime, content_cache: ContentCache | None = None
) -> CheckSummary:
    """Garden the store against `world` (stale files are marked, never deleted; the index marks them); files
    unchanged since this machine read them come from `content_cache`."""
    store = MemoryStore(blobs, content_cache=content_cache)
    checks = tuple(garden(store, world, now=now))
    # From every file, once a day: heals an index line a write left stale (one that crashed between writing
    # its file and its line), which writes between two days only update line by line.
    store.rebuild_index()
    return CheckSummary(checks)


def snapshot_memory(blobs: BlobStore, *, now: datetime, label: str | None = None) -> str:
    """Copy every blob under `memory/` to `memory-snapshots/<label or date>/`; return that prefix."""
    prefix = f"{SNAPSHOTS}{label or f'{now:%Y-%m-%d}'}/"
    for name in list(blobs.list(PREFIX)):
        blobs.put(prefix + name[len(PREFIX) :], blobs.get(name).data, content_type=_MARKDOWN)
    return prefix


def snapshot_dates(blobs: BlobStore) -> list[str]:
    """The snapshot folders, oldest first."""
    return sorted({name[len(SNAPSHOTS) :].split("/", 1)[0] for name in blobs.list(SNAPSHOTS)})


def prune_snapshots(blobs: BlobStore, *, now: datetime, retention_days: int) -> list[str]:
    """Delete snapshots older than `retention_days`; return the folders deleted."""
    oldest_kept = (now - timedelta(days=retention_days)).date()
    pruned = []
    for folder in snapshot_dates(blobs):
        try:
            day = date.fromisoformat(folder[:10])
        except ValueError:
            continue
        if day < oldest_kept:
            for name in list(blobs.list(f"{SNAPSHOTS}{folder}/")):
                blobs.delete(name)
            pruned.append(folder)
    return pruned


def restore_memory(blobs: BlobStore, folder: str, *, now: datetime) -> str:
    """Make `memory/` what snapshot `folder` holds, after snapshotting the present; return that snapshot."""
    source = f"{SNAPSHOTS}{folder}/"
    names = list(blobs.list(source)) if "/" not in folder and folder else []
    if not names:
        known = ", ".join(snapshot_dates(blobs)[-10:]) or "none"
        raise UserInputError(f"no memory snapshot {folder!r} (snapshots: {known})")
    kept = snapshot_memory(blobs, now=now, label=f"{now:%Y-%m-%d}-before-restore-{now:%H%M%S}")
    wanted = {PREFIX + n[len(source) :] for n in names}
    for name in list(blobs.list(PREFIX)):
        if name not in wanted:
            blobs.delete(name)
    for name in names:
        blobs.put(PREFIX + name[len(source) :], blobs.get(name).data, content_type=_MARKDOWN)
    return kept


def import_folder(blobs: BlobStore, folder: Path, *, now: datetime) -> tuple[list[str], list[str]]:
    """Merge each Markdown file under `folder` into memory; return (written, one line per refused file)."""
    if not folder.is_dir():
        raise UserInputError(f"{folder}: not a directory")
    store = MemoryStore(blobs)
    written, problems = [], []
    for path in sorted(p for p in folder.rglob("*.md") if p.is_file() and not p.is_symlink()):
        name = path.relative_to(folder).as_posix()
        if name == INDEX_NAME:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        try:
            check_document(name, text, store.limits)
            store.write(name, parse_document(text, name=name), now=now, base=store.read(name), update_index=False)
        except MemoryFormatError as e:
            problems.append(" ".join(str(e).split()))
            continue
        written.append(name)
    if written:
        store.rebuild_index()
    return written, problems


def export_folder(blobs: BlobStore, folder: Path) -> list[str]:
    """Write every memory file (and the index) under `folder` as it is stored; return the names."""
    names = [*MemoryStore(blobs).names(), INDEX_NAME]
    written = []
    for name in names:
        entry = MemoryStore(blobs).read(name)
        if entry is None:
            continue
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(entry.text, encoding="utf-8")
        written.append(name)
    return written


__all__ = [
    "SNAPSHOTS",
    "CheckSummary",
    "check_memory",
    "export_folder",
    "import_folder",
    "prune_snapshots",
    "restore_memory",
    "run_daily_memory",
    "snapshot_dates",
    "snapshot_memory",
]


def run_daily_memory(deps: Dependencies) -> dict[str, object]:
    """The daily timer's memory part: garden against the configured repositories, topology and log store, snapshot,
    prune old snapshots. Returns what it did, for the run record."""
    now = deps.now()
    repos = [parse_repo_option(value) for value in deps.settings.memory_repos]
    world = DeployedWorld(repos={r.name: r for r in repos}, topology=deps.topology, log_store=deps.log_store)
    summary = check_memory(deps.blob_store, world, now=now, content_cache=memory_content_cache(deps.settings.cache_dir))
    snapshot = snapshot_memory(deps.blob_store, now=now)
    pruned = prune_snapshots(deps.blob_store, now=now, retention_days=deps.settings.memory_snapshot_retention_days)
    logger.info("daily memory: %d checked, %d stale, snapshot %s, %d pruned",
                len(summary.checks), len(summary.stale), snapshot, len(pruned))  # fmt: skip
    return {**summary.as_json(), "snapshot": snapshot, "pruned_snapshots": pruned}
