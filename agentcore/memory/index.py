"""MEMORY.md: the index the knowledge-map hook puts in every session's prompt, one line per file."""

from __future__ import annotations

from collections.abc import Mapping

from agentcore.memory.document import MemoryDocument, MemoryStatus

INDEX_NAME = "MEMORY.md"
HEADER = (
    "# Memory index\n\n"
    "One line per file: what it covers, and its status when it is not active. Trust what you observe over "
    "what memory says; when they disagree, update the file and its evidence.\n\n"
)


def index_line(name: str, document: MemoryDocument) -> str:
    about = document.front.summary or document.title or "(no summary)"
    status = document.front.status
    marker = (
        ""
        if status is MemoryStatus.ACTIVE
        else f" [{status.value}"
        + (f": {document.front.stale_reason}]" if status is MemoryStatus.STALE and document.front.stale_reason else "]")
    )
    return f"- {name}: {' '.join(about.split())}{marker}"


def render_index(documents: Mapping[str, MemoryDocument], max_chars: int) -> str:
    """Lines in name order; past `max_chars` the rest are counted, so the index never crowds the prompt."""
    return render_index_lines({name: index_line(name, document) for name, document in documents.items()}, max_chars)


def render_index_lines(lines: Mapping[str, str], max_chars: int) -> str:
    """`render_index` from each file's line (`index_line`) as already rendered."""
    text, left_out = HEADER, 0
    for name in sorted(lines):
        line = lines[name] + "\n"
        if len(text) + len(line) > max_chars:
            left_out += 1
            continue
        text += line
    if left_out:
        text += f"\n({left_out} more files not listed: the index is full; merge or retire old notes)\n"
    return text


__all__ = ["INDEX_NAME", "index_line", "render_index", "render_index_lines"]
