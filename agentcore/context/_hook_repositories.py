"""Hook: repositories — a depth-limited folder tree of each repo with file counts, and its agent notes.

Agent notes are the files a repository keeps for coding agents: AGENTS.md, CLAUDE.md and
.github/copilot-instructions.md. `.git/` is never listed.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from agentcore.context._text_budget import clip_chars, clip_lines, files_count, list_files, read_text
from agentcore.sandbox import Sandbox

TREE_DEPTH = 2
"""Folder levels below a repository's root shown in its tree."""

MAX_TREE_LINES = 40
MAX_TOP_FILES = 20
NOTES_CHARS = 3_000
CHECKOUTS_CHARS = 3_000
AGENT_NOTES = ("AGENTS.md", "CLAUDE.md", ".github/copilot-instructions.md")


def render_repositories(sandbox: Sandbox, budget_chars: int) -> str:
    """`## Repositories`: CHECKOUTS.md, then per repo its tree and agent notes."""
    files = list_files(sandbox, "repos")
    by_repo: dict[str, list[str]] = {}
    for path in files:
        parts = path.split("/")
        if len(parts) >= 3 and ".git" not in parts[2:]:
            by_repo.setdefault(parts[1], []).append("/".join(parts[2:]))
    lines = ["## Repositories (repos/)"]
    checkouts = read_text(sandbox, "repos/CHECKOUTS.md", CHECKOUTS_CHARS)
    if checkouts:
        lines += [checkouts, ""]
    if not by_repo:
        lines.append("No repositories.")
    for name in sorted(by_repo):
        lines += _repository(sandbox, name, by_repo[name])
    return clip_chars("\n".join(lines).rstrip(), budget_chars)


def _repository(sandbox: Sandbox, name: str, paths: list[str]) -> list[str]:
    lines = [f"### repos/{name} ({files_count(len(paths))})"]
    top_files = sorted(path for path in paths if "/" not in path)
    if top_files:
        shown = top_files[:MAX_TOP_FILES]
        more = f" (truncated: {len(top_files) - len(shown)} more files)" if len(top_files) > len(shown) else ""
        lines.append(f"files: {', '.join(shown)}{more}")
    lines += clip_lines(_tree(paths), MAX_TREE_LINES, "folders")
    for note in AGENT_NOTES:
        text = read_text(sandbox, f"repos/{name}/{note}", NOTES_CHARS) if note in paths else None
        if text:
            lines += [f"#### repos/{name}/{note}", text]
    lines.append("")
    return lines


def _tree(paths: list[str]) -> list[str]:
    """`folder/ (N files)` lines up to TREE_DEPTH levels, indented, N counting every file below."""
    counts: Counter[str] = Counter()
    for path in paths:
        folders = PurePosixPath(path).parent.parts
        for depth in range(1, min(len(folders), TREE_DEPTH) + 1):
            counts["/".join(folders[:depth])] += 1
    return [
        f"{'  ' * folder.count('/')}{folder}/ ({files_count(counts[folder])})"
        for folder in sorted(counts, key=lambda f: f.split("/"))
    ]
