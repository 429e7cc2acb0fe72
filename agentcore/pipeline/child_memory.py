"""What subagents change in memory reaches the store through their parent.

A child runs over a copy of the parent's workspace, `memory/` included, and that copy is removed when the
child ends. `memory_changes` lists the files the child added or changed (with the text it started from);
the outcome carries them; at fan-in, `apply_child_memory` merges them into the parent's `memory/`, section
by section as the store merges sessions: a file only the child changed takes the child's text, two
different edits of one section are kept in a marked conflict block. The report stage then merges the
parent's `memory/` into the store once, with every check (front matter, size, secrets) a write gets there.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

logger = logging.getLogger(__name__)

INDEX_NAME = "MEMORY.md"
"""The store's index (`agentcore.memory.INDEX_NAME`): rebuilt by the store, never merged. Not imported from
there: the investigation state names `MemoryChange`, and every stage imports the state, while only fan-in
needs the memory package (and YAML)."""


class MemoryChange(BaseModel):
    """One memory file a subagent added (`base` None) or changed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: str | None
    """The text the child started from."""
    text: str


def memory_texts(folder: Path) -> dict[str, str]:
    """Every memory file under `folder` (the index aside) by its name in the store."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*.md"))
        if path.is_file() and not path.is_symlink() and path.relative_to(folder).as_posix() != INDEX_NAME
    }


def memory_changes(before: Mapping[str, str], folder: Path) -> dict[str, MemoryChange]:
    """The files under `folder` that differ from `before` (deleted files are not changes: memory is never
    deleted by a session, only marked stale)."""
    return {
        name: MemoryChange(base=before.get(name), text=text)
        for name, text in memory_texts(folder).items()
        if before.get(name) != text
    }


def apply_child_memory(
    folder: Path, children: Sequence[tuple[str, Mapping[str, MemoryChange]]], *, now: datetime
) -> list[str]:
    """Merge each child's changes (in order) into the parent's `folder`; return the names changed there."""
    changed: list[str] = []
    for child, changes in children:
        for name, change in sorted(changes.items()):
            target = _target(folder, name)
            if target is None:
                logger.warning("memory change of %s refused: %r is not a memory file name", child, name)
                continue
            current = target.read_text(encoding="utf-8", errors="replace") if target.is_file() else None
            merged = _merged(name, change, current, now=now)
            if merged is None or merged == current:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(merged, encoding="utf-8")
            changed.append(name)
    return changed


def _merged(name: str, change: MemoryChange, current: str | None, *, now: datetime) -> str | None:
    """The parent's new text for `name`, or None to leave it."""
    from agentcore.memory import MemoryFormatError, merge_documents, parse_document, render_document

    if current is None or current == change.base:
        return change.text  # only the child changed it (a malformed file is refused, with why, at the report)
    if current == change.text:
        return None
    try:
        ours = parse_document(change.text, name=name)
        theirs = parse_document(current, name=name)
        base = parse_document(change.base, name=name) if change.base is not None else None
    except MemoryFormatError as e:
        logger.warning("memory change to %s not merged: %s", name, e)
        return None
    merged = merge_documents(base, ours, theirs, now=now).document
    if merged.body == theirs.body and merged.front.status == theirs.front.status:
        return None  # the parent holds this change already (another child made it, or it was applied before)
    return render_document(merged)


def _target(folder: Path, name: str) -> Path | None:
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or pure.suffix != ".md" or name == INDEX_NAME:
        return None
    return folder.joinpath(*pure.parts)


__all__ = ["MemoryChange", "apply_child_memory", "memory_changes", "memory_texts"]
