"""Budgets for the hooks' text: every cut says what it left out, as `(truncated: N more ...)`."""

from __future__ import annotations

from agentcore.errors import AgentCoreError
from agentcore.sandbox import Sandbox


def files_count(count: int) -> str:
    """`1 file`, `2 files`."""
    return f"{count} file" if count == 1 else f"{count} files"


def clip_lines(lines: list[str], limit: int, what: str = "lines") -> list[str]:
    """The first `limit` lines, then one line saying how many more there were."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], f"(truncated: {len(lines) - limit} more {what})"]


def clip_chars(text: str, limit: int) -> str:
    """`text` cut at the last line break within `limit` characters, with a note of what was cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    cut = limit if cut <= 0 else cut
    return f"{text[:cut]}\n(truncated: {len(text) - cut} more chars)"


def read_text(sandbox: Sandbox, path: str, limit_chars: int) -> str | None:
    """A workspace text file clipped to `limit_chars`; None when it is missing or unreadable."""
    try:
        entry = sandbox.stat(path)
        if entry.kind != "file":
            return None
        data = sandbox.read_bytes(path, 0, limit_chars * 4 + 4)
    except (OSError, AgentCoreError):
        return None
    text = data.decode("utf-8", errors="replace")
    if len(text) <= limit_chars and entry.size <= len(data):
        return text.strip()
    cut = text.rfind("\n", 0, limit_chars)
    kept = text[: limit_chars if cut <= 0 else cut]
    more = entry.size - len(kept.encode("utf-8"))
    return f"{kept.rstrip()}\n(truncated: {more} more bytes; read {path})"


def list_files(sandbox: Sandbox, folder: str, *, skip_dirs: tuple[str, ...] = (".git",)) -> list[str]:
    """Workspace paths of the files below `folder` (not entering `.git/`), sorted; empty when it does not exist."""
    try:
        return sorted(entry.path for entry in sandbox.iter_files(folder, skip_dirs=skip_dirs) if entry.kind == "file")
    except (OSError, AgentCoreError):
        return []
