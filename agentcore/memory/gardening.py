"""Gardening: every active memory file's evidence is checked against what runs now, and a file whose evidence
is gone becomes `stale`, with the reason and the date. Stale files stay readable (the index marks them);
nothing is deleted.

What runs now is a `World`: the files and symbols of each repository at its deployed commit, the
resources of the topology, the tables and columns of the log schema. A citation of a kind the world
cannot check (a query, or a repository it does not know) is left as it is, never counted against a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from agentcore.memory.document import Citation, MemoryDocument, MemoryStatus
from agentcore.memory.store import MemoryStore


class World(Protocol):
    """What the service runs today, as gardening asks it. None: this world cannot tell."""

    def has_file(self, repo: str, path: str) -> bool | None: ...

    def has_symbol(self, repo: str, path: str, symbol: str) -> bool | None: ...

    def has_resource(self, resource_id: str) -> bool | None: ...

    def has_column(self, table: str, column: str | None) -> bool | None: ...


@dataclass(frozen=True)
class FileCheck:
    name: str
    status: MemoryStatus
    """After the check."""
    reason: str | None
    """Why it is stale; None when its evidence holds (or could not be checked)."""
    checked: int
    """Citations the world could check."""


def missing_evidence(citation: Citation, world: World) -> str | None:
    """Why `citation` no longer holds, or None when it holds or cannot be checked."""
    if citation.repo is not None and citation.path is not None:
        if world.has_file(citation.repo, citation.path) is False:
            return f"{citation.repo}/{citation.path} no longer exists at the deployed commit"
        if citation.symbol and world.has_symbol(citation.repo, citation.path, citation.symbol) is False:
            return f"{citation.symbol} is no longer in {citation.repo}/{citation.path} at the deployed commit"
    if citation.resource_id is not None and world.has_resource(citation.resource_id) is False:
        return f"resource {citation.resource_id} is not in the topology"
    if citation.table is not None and world.has_column(citation.table, citation.column) is False:
        what = f"column {citation.table}.{citation.column}" if citation.column else f"table {citation.table}"
        return f"{what} is not in the log schema"
    return None


def _checkable(citation: Citation, world: World) -> bool:
    if citation.repo is not None and citation.path is not None:
        return world.has_file(citation.repo, citation.path) is not None
    if citation.resource_id is not None:
        return world.has_resource(citation.resource_id) is not None
    if citation.table is not None:
        return world.has_column(citation.table, citation.column) is not None
    return False


def check_document(name: str, document: MemoryDocument, world: World) -> FileCheck:
    reasons = [r for c in document.front.evidence if (r := missing_evidence(c, world)) is not None]
    checked = sum(_checkable(c, world) for c in document.front.evidence)
    if reasons:
        return FileCheck(name, MemoryStatus.STALE, "; ".join(reasons), checked)
    return FileCheck(name, document.front.status, None, checked)


def garden(store: MemoryStore, world: World, *, now: datetime, by: str = "gardening") -> list[FileCheck]:
    """Check every active file; mark the ones whose evidence is gone stale (a merge-safe write); rebuild the
    index once, from the documents as written, when anything was."""
    results, written = [], False
    entries = store.entries()
    documents = {name: document for name, (_entry, document) in entries.items()}
    for name, (entry, document) in sorted(entries.items()):
        if document.front.status is not MemoryStatus.ACTIVE:
            continue
        result = check_document(name, document, world)
        results.append(result)
        update: dict[str, object] = {"verified_at": now, "by": by}
        if result.status is MemoryStatus.STALE:
            update |= {"status": MemoryStatus.STALE, "stale_reason": f"{now:%Y-%m-%d}: {result.reason}"}
        elif result.checked == 0:
            continue  # nothing could be verified: do not claim it was
        changed = document.model_copy(update={"front": document.front.model_copy(update=update)})
        documents[name] = store.update(name, changed, read=(entry, document), now=now)
        written = True
    if written:
        store.rebuild_index(documents)
    return results


__all__ = ["FileCheck", "World", "check_document", "garden", "missing_evidence"]
