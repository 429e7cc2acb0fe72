"""The git questions tracing asks of a local clone: the tree at a commit, a file's text, blame of a
line range, which commits a range holds for some files, and whether one commit contains another."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from agentcore.connectors.code import check_revision
from agentcore.git import GitError, run_git

_PORCELAIN_HEADER = re.compile(r"^([0-9a-f]{40}) \d+ (\d+)(?: \d+)?$")


@dataclass(frozen=True)
class BlamedLine:
    """One line at a commit and the commit that last changed it."""

    line: int
    commit: str
    author: str
    time: datetime
    summary: str
    text: str


@dataclass(frozen=True)
class RangeCommit:
    """A commit of a range and the files of interest it touched."""

    sha: str
    title: str
    author: str
    files: tuple[str, ...]


def resolve(repo: Path, revision: str) -> str:
    return run_git(repo, "rev-parse", "--verify", f"{check_revision(revision)}^{{commit}}").strip()


def tree_paths(repo: Path, commit: str) -> list[str]:
    return run_git(repo, "ls-tree", "-r", "--name-only", "-z", check_revision(commit)).split("\0")[:-1]


def file_text(repo: Path, commit: str, path: str) -> str:
    return run_git(repo, "show", f"{check_revision(commit)}:{path}")


def blame(repo: Path, commit: str, path: str, start: int, end: int) -> list[BlamedLine]:
    """`git blame --porcelain -L start,end commit -- path`, one record per line."""
    output = run_git(repo, "blame", "--porcelain", "-L", f"{start},{end}", check_revision(commit), "--", path)
    details: dict[str, dict[str, str]] = {}
    blamed: list[BlamedLine] = []
    sha, line, fields = "", 0, {}
    for raw in output.splitlines():
        header = _PORCELAIN_HEADER.match(raw)
        if header:
            sha, line = header.group(1), int(header.group(2))
            fields = details.setdefault(sha, {})
        elif raw.startswith("\t"):
            blamed.append(
                BlamedLine(
                    line=line, commit=sha, author=fields.get("author", ""),
                    time=datetime.fromtimestamp(int(fields.get("committer-time", "0")), UTC),
                    summary=fields.get("summary", ""), text=raw[1:],
                )
            )  # fmt: skip
        elif " " in raw:
            key, value = raw.split(" ", 1)
            fields[key] = value
    return blamed


def commits_touching(repo: Path, base: str | None, head: str, paths: list[str]) -> list[RangeCommit]:
    """Commits in `base..head` (all of `head` without a base) that touch `paths`, newest first."""
    selection = f"{check_revision(base)}..{check_revision(head)}" if base else check_revision(head)
    output = run_git(repo, "log", "--no-renames", "--format=%x1e%H%x1f%s%x1f%an", "--name-only", selection,
                     "--", *paths)  # fmt: skip
    commits: list[RangeCommit] = []
    for record in output.split("\x1e")[1:]:
        head_line, _, names = record.partition("\n")
        sha, title, author = head_line.split("\x1f")
        files = tuple(name for name in names.splitlines() if name.strip())
        commits.append(RangeCommit(sha=sha, title=title, author=author, files=files))
    return commits


def contains(repo: Path, ancestor: str, descendant: str) -> bool:
    """Whether `descendant` contains `ancestor` (an unknown commit contains nothing)."""
    try:
        base = run_git(repo, "merge-base", check_revision(ancestor), check_revision(descendant), ok_codes=(0, 1))
        full = run_git(repo, "rev-parse", "--verify", "--quiet", f"{ancestor}^{{commit}}", ok_codes=(0, 1))
    except GitError:
        return False
    return bool(base.strip()) and base.strip() == full.strip()


__all__ = ["BlamedLine", "RangeCommit", "blame", "resolve", "commits_touching", "contains", "file_text", "tree_paths"]
