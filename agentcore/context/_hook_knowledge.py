"""Hook: the knowledge map — memory/MEMORY.md when it exists, else an index of memory/ from front matter.
Top level only: the map points at deeper files, it does not inline them. Skills are indexed in the static
system prompt (agentcore.skills); here only a pointer to it, and any loose file in skills/ that is no skill."""

from __future__ import annotations

from pathlib import PurePosixPath

from agentcore.context._text_budget import clip_chars, clip_lines, files_count, list_files, read_text
from agentcore.sandbox import Sandbox

MEMORY_INDEX = "memory/MEMORY.md"
INDEX_CHARS = 6_000
FRONT_MATTER_CHARS = 2_000
MAX_ENTRIES = 40
_DESCRIBING_KEYS = ("description", "summary", "title", "name")
SKILLS_POINTER = "The skills are indexed in the system prompt (# Skills): read skills/<name>/SKILL.md when one matches."


def render_knowledge(sandbox: Sandbox, budget_chars: int) -> str:
    """`## Knowledge map`: the memory index (or one line per top-level memory file) and the skills."""
    lines = ["## Knowledge map (memory/ and skills/)"]
    index = read_text(sandbox, MEMORY_INDEX, INDEX_CHARS)
    if index is not None:
        lines += [f"### {MEMORY_INDEX}", index]
    else:
        lines += ["### memory/", *(_index(sandbox, "memory") or ["(empty)"])]
    lines += ["### skills/", SKILLS_POINTER, *_loose_skill_files(sandbox)]
    return clip_chars("\n".join(lines), budget_chars)


def _loose_skill_files(sandbox: Sandbox) -> list[str]:
    """Markdown files directly in skills/ (a scenario may ship its how-tos that way): they are not in the index."""
    loose = [path for path in list_files(sandbox, "skills") if path.count("/") == 1 and path.endswith(".md")]
    entries = [f"- {path}" + (f": {about}" if (about := _description(sandbox, path)) else "") for path in loose]
    return clip_lines(entries, MAX_ENTRIES, "entries")


def _index(sandbox: Sandbox, folder: str) -> list[str]:
    """One line per top-level Markdown file (with its front-matter description) and per subfolder."""
    entries: list[str] = []
    subfolders: dict[str, int] = {}
    for path in list_files(sandbox, folder):
        relative = path[len(folder) + 1 :]
        if "/" in relative:
            top = relative.split("/", 1)[0]
            subfolders[top] = subfolders.get(top, 0) + 1
        elif path.endswith(".md"):
            about = _description(sandbox, path)
            entries.append(f"- {path}" + (f": {about}" if about else ""))
    entries += [f"- {folder}/{name}/ ({files_count(count)})" for name, count in sorted(subfolders.items())]
    return clip_lines(entries, MAX_ENTRIES, "entries")


def _description(sandbox: Sandbox, path: str) -> str | None:
    """The description (or summary, title, name) of a `---` front matter block, else the first heading."""
    text = read_text(sandbox, path, FRONT_MATTER_CHARS)
    if not text:
        return None
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        fields: dict[str, str] = {}
        for line in lines[1:]:
            if line.strip() == "---":
                break
            key, _, value = line.partition(":")
            if value.strip():
                fields[key.strip().lower()] = value.strip().strip("\"'")
        for key in _DESCRIBING_KEYS:
            if key in fields:
                return fields[key]
    heading = next((line.lstrip("# ").strip() for line in lines if line.startswith("#")), None)
    return heading or PurePosixPath(path).stem
