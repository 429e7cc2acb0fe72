"""Merging two sessions' edits of one memory file, section by section, so that nothing either wrote is lost.

Each side is compared with the base both started from (the snapshot the session copied in). A section
changed on one side only takes that side; changed alike on both, either; changed differently on both, a
true conflict: both versions stay in a marked block and the file becomes `needs-review`, which the next
session and the review surface show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from agentcore.memory.document import FrontMatter, MemoryDocument, MemoryStatus

_HEADING = re.compile(r"^#{1,6}\s")
CONFLICT_OPEN = "<!-- memory conflict: two sessions changed this section; keep what is true, delete the other -->"
CONFLICT_OTHER = "<!-- the other version, by {by} -->"
CONFLICT_CLOSE = "<!-- end of memory conflict -->"


@dataclass(frozen=True)
class MergeResult:
    document: MemoryDocument
    conflicts: tuple[str, ...]
    """Headings of the sections both sides changed differently."""


def split_sections(body: str) -> dict[str, str]:
    """Sections keyed by their heading line (the text before the first heading under ''), in order.
    A heading repeated in one file gets `#2`, `#3` appended to its key."""
    sections: dict[str, str] = {}
    key, lines = "", list[str]()
    for line in body.splitlines(keepends=True):
        if _HEADING.match(line):
            _store(sections, key, lines)
            key, lines = line.strip(), []
        lines.append(line)
    _store(sections, key, lines)
    return sections


def _store(sections: dict[str, str], key: str, lines: list[str]) -> None:
    if not lines and key == "":
        return
    unique, n = key, 2
    while unique in sections:
        unique, n = f"{key}#{n}", n + 1
    sections[unique] = "".join(lines)


def merge_bodies(base: str, ours: str, theirs: str, *, ours_by: str) -> tuple[str, tuple[str, ...]]:
    b, o, t = split_sections(base), split_sections(ours), split_sections(theirs)
    order = list(t) + [k for k in o if k not in t]
    merged, conflicts = [], []
    for key in order:
        mine, other, was = o.get(key), t.get(key), b.get(key)
        if mine in (other, was):
            chosen = other
        elif other == was:
            chosen = mine
        else:
            conflicts.append(key or "(top of file)")
            chosen = _conflict_block(other or "", mine or "", ours_by)
        if chosen:
            merged.append(chosen if chosen.endswith("\n") else chosen + "\n")
    return "".join(merged), tuple(conflicts)


def _conflict_block(theirs: str, ours: str, ours_by: str) -> str:
    return "\n".join([CONFLICT_OPEN, theirs.rstrip("\n"), CONFLICT_OTHER.format(by=ours_by), ours.rstrip("\n"),
                      CONFLICT_CLOSE]) + "\n"  # fmt: skip


def merge_documents(
    base: MemoryDocument | None, ours: MemoryDocument, theirs: MemoryDocument, *, now: datetime
) -> MergeResult:
    """`ours` (this session's edit) merged into `theirs` (what the store holds now), both from `base`."""
    body, conflicts = merge_bodies(base.body if base else "", ours.body, theirs.body, ours_by=ours.front.by)
    status = _status(base, ours, theirs, bool(conflicts))
    evidence = tuple(dict.fromkeys((*theirs.front.evidence, *ours.front.evidence)))
    # The front matter is the latest writer's, but status follows the merge and evidence is the union.
    front = ours.front.model_copy(
        update={
            "created": min(ours.front.created, theirs.front.created),
            "updated": now,
            "status": status,
            "evidence": evidence,
            "summary": ours.front.summary or theirs.front.summary,
        }
    )
    return MergeResult(MemoryDocument(front=FrontMatter.model_validate(front.model_dump()), body=body), conflicts)


def _status(base: MemoryDocument | None, ours: MemoryDocument, theirs: MemoryDocument, conflict: bool) -> MemoryStatus:
    if conflict:
        return MemoryStatus.NEEDS_REVIEW
    if base is None or ours.front.status != base.front.status:
        return ours.front.status  # the writer set it (a write without a base states the status it wants)
    return theirs.front.status


__all__ = ["CONFLICT_CLOSE", "CONFLICT_OPEN", "MergeResult", "merge_bodies", "merge_documents", "split_sections"]
