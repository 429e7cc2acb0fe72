"""The session-static orientation block: what is in the workspace, rendered deterministically.

Same workspace, same bytes: this block sits behind a cache breakpoint, so nothing that varies per
call (time, ids) may appear here.
"""

from __future__ import annotations

from agentcore.sandbox import Sandbox

SECTION_CHAR_LIMIT = 4000
LISTING_LIMIT = 40


def _read_text(sandbox: Sandbox, path: str, limit: int = SECTION_CHAR_LIMIT) -> str | None:
    try:
        size = sandbox.stat(path).size
        data = sandbox.read_bytes(path, 0, limit)
    except (FileNotFoundError, IsADirectoryError):
        return None
    text = data.decode("utf-8", errors="replace").strip()
    if size > limit:
        text += f"\n(truncated: {size - limit} more bytes; read {path})"
    return text


def _listing(sandbox: Sandbox, folder: str, limit: int = LISTING_LIMIT) -> str:
    try:
        entries = [f"- {f.path}" for f in sandbox.iter_files(folder)]
    except FileNotFoundError:
        entries = []
    if len(entries) > limit:
        entries = [*entries[:limit], f"(truncated: {len(entries) - limit} more)"]
    return "\n".join(entries)


def render_orientation(sandbox: Sandbox) -> str:
    """Markdown describing repositories, log tables, memory, skills and commands of the workspace."""
    sections = [
        "# Orientation (what this workspace holds)",
        "## Repositories\n" + (_read_text(sandbox, "repos/CHECKOUTS.md") or "(none)"),
        "## Log tables (schemas/)\n" + (_listing(sandbox, "schemas") or "(no log data)"),
        "## Memory\n" + (_read_text(sandbox, "memory/MEMORY.md") or _listing(sandbox, "memory") or "(empty)"),
        "## Skills\n" + (_listing(sandbox, "skills") or "(none)"),
        "## Commands (bin/)\n" + (_listing(sandbox, "bin") or "(none)"),
    ]
    return "\n\n".join(sections) + "\n"
