"""What a session's copy of memory costs at intake on Azure Blob Storage (Azurite), old way against new, same run.

Memory holds 500 incident notes of about 1 KB and its index (100 with --quick), as a team's does after some
months: it gains a note with every investigation, and every agent run's intake copies all of it into the workspace.
Rows, interleaved in rounds so the machine's load hits them alike:
- baseline: one read per file, one after another (the copy before this change);
- the copy now on a machine that never read this memory (one listing, then READERS reads at a time);
- the copy now on a machine that read it before (a Functions worker's later intake): the listing alone, each file
  from the machine's content cache by the MD5 the listing names;
- the same after 1 file in 20 changed (those are read again);
- for comparison, the old and new copies on the local blob store (the embedded default; it keeps no MD5, so the
  cache is never used there).
Azurite answers on loopback, and on this 2-core machine it and the Azure SDK's request handling share the CPU: a
read costs a few milliseconds of CPU and no network wait. Reads side by side overlap network waits, which Azurite
has none of, so the second row understates what they gain on Azure; a read not made saves the same anywhere.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from agentcore.memory import INDEX_NAME, MemoryStore, parse_document
from agentcore.memory.content_cache import ContentCache
from agentcore.memory.store import BaseEntry
from agentcore.storage import BlobStore
from agentcore.storage.azure import AzureBlobStore
from agentcore.storage.local import LocalBlobStore
from bench._timing import BenchResult, Timing, bench_result
from tests.azurite_fixture import azurite_missing, running_azurite

BASELINE = "reading every memory file one after another (the copy before)"
NOTES = {False: 500, True: 100}
CHANGED_ONE_IN = 20
NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


def _note(number: int, revision: int = 0) -> str:
    return (
        f"---\ncreated: 2026-02-01T10:00:00Z\nupdated: 2026-02-01T10:00:00Z\nby: inv-{number}\nstatus: active\n"
        f"summary: 'checkout-api exception spike {number}: TypeError in pricing after a deploy'\n---\n"
        f"# Incident {number}\n\n## What happened\nExceptions spiked after a deploy (revision {revision}).\n\n"
        "## Root cause\nA changed price rounding.\n" + "Evidence line.\n" * 50
    )


def _names(count: int) -> list[str]:
    return [f"incidents/2026-02-{number % 28 + 1:02d}-checkout-api-{number:04d}.md" for number in range(count)]


def _fill(blobs: BlobStore, count: int) -> None:
    store = MemoryStore(blobs)
    for number, name in enumerate(_names(count)):
        store.write(name, parse_document(_note(number), name=name), now=NOW, update_index=False)
    store.rebuild_index()


def _one_after_another(blobs: BlobStore, folder: Path) -> dict[str, BaseEntry]:
    """The copy as it was: each file read in turn, then written."""
    store = MemoryStore(blobs)
    base: dict[str, BaseEntry] = {}
    for name in [*store.names(), INDEX_NAME]:
        entry = store.read(name)
        if entry is not None:
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(entry.text, encoding="utf-8")
            base[name] = entry
    return base


def _change_some(blobs: BlobStore, count: int, revision: int) -> None:
    store = MemoryStore(blobs)
    changed = {}
    for number, name in enumerate(_names(count)):
        if number % CHANGED_ONE_IN == 0:
            document = parse_document(_note(number, revision), name=name)
            store.write(name, document, now=NOW, update_index=False)
            changed[name] = document
    store.update_index(changed)


def run(quick: bool = False) -> list[BenchResult]:
    missing = azurite_missing()
    if missing is not None:
        raise RuntimeError(f"this benchmark needs Azurite: {missing}")
    count, rounds = NOTES[quick], 2 if quick else 5
    with tempfile.TemporaryDirectory(prefix="bench-memory-copy-") as scratch_name:
        scratch = Path(scratch_name)
        with (
            running_azurite(scratch) as azurite,
            AzureBlobStore.from_connection_string(
                azurite.connection_string, container=azurite.new_container_name()
            ) as azure,
        ):
            local = LocalBlobStore(scratch / "local-blobs")
            _fill(azure, count)
            _fill(local, count)
            cache = ContentCache(scratch / "cache")
            folders = iter(range(1_000_000))

            def fresh() -> Path:
                return scratch / "copies" / str(next(folders))

            def forget() -> None:  # untimed: this machine never read the memory
                shutil.rmtree(cache.folder, ignore_errors=True)

            revisions = iter(range(1, 1_000_000))

            def some_changed() -> None:
                MemoryStore(azure, content_cache=cache).copy_into(fresh())  # untimed: the cache is warm
                _change_some(azure, count, next(revisions))

            rows: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
                (BASELINE + ", Azurite", _nothing, lambda: _one_after_another(azure, fresh())),
                ("the copy now, a machine that never read it (listing + reads side by side)", forget,
                 lambda: MemoryStore(azure, content_cache=cache).copy_into(fresh())),
                ("the copy now, a machine that read it before (listing + content cache)",
                 lambda: MemoryStore(azure, content_cache=cache).copy_into(fresh()),
                 lambda: MemoryStore(azure, content_cache=cache).copy_into(fresh())),
                (f"the same, 1 file in {CHANGED_ONE_IN} changed since", some_changed,
                 lambda: MemoryStore(azure, content_cache=cache).copy_into(fresh())),
                ("local blob store: " + BASELINE, _nothing, lambda: _one_after_another(local, fresh())),
                ("local blob store: the copy now", _nothing,
                 lambda: MemoryStore(local, content_cache=cache).copy_into(fresh())),
            ]  # fmt: skip
            samples: list[list[float]] = [[] for _ in rows]
            for _ in range(rounds):
                for (_, prepare, action), series in zip(rows, samples, strict=True):
                    prepare()
                    started = time.perf_counter()
                    action()
                    series.append(time.perf_counter() - started)
    timings = [Timing(tuple(series)) for series in samples]
    detail = f"{count} notes + the index"
    return [
        bench_result("memory copy", name, timing, timings[0], detail=detail)
        for (name, _, _), timing in zip(rows, timings, strict=True)
    ]


def _nothing() -> None:
    return None
