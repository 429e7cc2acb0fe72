"""What the memory check costs: 1,000 memory files with citations, gardened against a 50,000-file repository
at its deployed commit (5,000 files and 200 memory files with --quick).

Baseline: one `git ls-tree -r` of the repository, the least any check of paths at a commit pays. Rows:
- the whole check (`check_memory`: read every file, check each citation, write each verified file back,
  rebuild the index once), on the local blob store;
- the same check again (the next day's run: the stale files are skipped, the others verified again).
Every tenth file cites a symbol too (a `git grep` at the deployed commit); one in twenty cites a file that
the deployed commit deleted, so it turns stale.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from agentcore.git import run_git
from agentcore.memory import Citation, FrontMatter, MemoryDocument, MemoryStore
from agentcore.pipeline.memory_daily import check_memory
from agentcore.pipeline.memory_world import DeployedRepo, DeployedWorld
from agentcore.storage.local import LocalBlobStore
from bench._timing import BenchResult, Timing, bench_result
from bench.workspace import _generate_repo

BASELINE = "one `git ls-tree -r` of the repository at its deployed commit"
FILES = {False: 50_000, True: 5_000}
ENTRIES = {False: 1_000, True: 200}
NOW = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)


def _citations(number: int, files: int) -> tuple[Citation, ...]:
    index = (number * 37) % files
    path = f"src/pkg{index // 500:03d}/mod{index:05d}.py"
    cited = [Citation(repo="big", path=path), Citation(table="AppRequests", column="DurationMs")]
    if number % 10 == 0:
        cited.append(Citation(repo="big", path=path, symbol=f"VALUE_{index}"))
    if number % 20 == 7:
        cited.append(Citation(repo="big", path=f"src/gone/mod{number}.py"))
    return tuple(cited)


def _fill(blobs: LocalBlobStore, entries: int, files: int) -> None:
    store = MemoryStore(blobs)
    for number in range(entries):
        front = FrontMatter(created=NOW, updated=NOW, by="bench", summary=f"note {number}",
                            evidence=_citations(number, files))  # fmt: skip
        body = f"# Note {number}\n\n## Facts\n- module {number} retries twice\n"
        store.write(f"services/s{number % 20}/note{number}.md", MemoryDocument(front=front, body=body), now=NOW,
                    update_index=False)  # fmt: skip
    store.rebuild_index()


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(quick: bool = False) -> list[BenchResult]:
    files, entries = FILES[quick], ENTRIES[quick]
    rounds = 1 if quick else 2
    logging.disable(logging.WARNING)
    try:
        with tempfile.TemporaryDirectory(prefix="sre-agent-bench-memory-") as temp:
            folder = Path(temp)
            repo = folder / "big"
            _generate_repo(repo, files)
            baseline = Timing(tuple(_timed(lambda: run_git(repo, "ls-tree", "-r", "HEAD")) for _ in range(5)))
            full, again = [], []
            for number in range(rounds):
                blobs = LocalBlobStore(folder / f"blobs{number}")
                _fill(blobs, entries, files)
                world = DeployedWorld(repos={"big": DeployedRepo("big", repo, "HEAD")}, log_store=None)
                full.append(_timed(lambda: check_memory(blobs, world, now=NOW)))  # noqa: B023
                fresh = DeployedWorld(repos={"big": DeployedRepo("big", repo, "HEAD")})
                again.append(_timed(lambda: check_memory(blobs, fresh, now=NOW)))  # noqa: B023
                shutil.rmtree(folder / f"blobs{number}")
    finally:
        logging.disable(logging.NOTSET)
    shape = f"{entries} files with citations, repository of {files} files"
    return [
        bench_result("memory check", "ls-tree -r (baseline)", baseline, baseline, detail=f"{files} files"),
        bench_result("memory check", "check_memory, writes", Timing(tuple(full)), baseline, detail=shape),
        bench_result("memory check", "check_memory, next day", Timing(tuple(again)), baseline, detail=shape),
    ]
