"""Read commits, their files and their changed identifiers from a local clone with the `git` binary.

One `git log --numstat -p -U0` per revision range gives titles, authors, commit times, per-file line
counts and the changed lines; only identifiers are kept from the diff, so memory stays small.
Git runs through `agentcore.git` (no user config, no hooks); renames are turned off per command.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from agentcore.connectors.changes._code_only import code_identifiers
from agentcore.connectors.changes._file_kinds import is_runtime_config
from agentcore.connectors.changes._records import FileChange, require_utc
from agentcore.git import run_git

MAX_DIFF_LINES_PER_COMMIT = 20_000
"""Changed lines read for identifiers per commit; the rest of a huge diff is skipped."""

MAX_LINE_CHARS = 2_000
"""Characters read from one changed line (minified files have enormous lines)."""

_RECORD = "\x1e"
_FIELD = "\x1f"
_LOG_FORMAT = "--format=%x1e%H%x1f%P%x1f%an%x1f%cI%x1f%s"
_NUMSTAT = re.compile(r"^(\d+|-)\t(\d+|-)\t(.+)$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")


@dataclass(frozen=True)
class GitCommit:
    """A commit as git log reports it (merges excluded, renames shown as delete + add)."""

    sha: str
    title: str
    author: str
    committed_at: datetime
    files: tuple[FileChange, ...]
    identifiers: frozenset[str] = field(repr=False)
    config_identifiers: frozenset[str] = field(default=frozenset(), repr=False)
    """The identifiers on changed lines of runtime configuration files."""


def identifiers_in(text: str) -> set[str]:
    """Lower-cased identifiers of three or more characters in `text`."""
    return {match.lower() for match in _IDENTIFIER.findall(text)}


def resolve_commits(repo: Path, names: Iterable[str]) -> dict[str, str]:
    """Map each name that is a commit in `repo` to its full sha; names git does not know are left out."""
    wanted = sorted({name for name in names if name and not any(c.isspace() for c in name)})
    if not wanted:
        return {}
    output = run_git(repo, "cat-file", "--batch-check", stdin="".join(f"{n}^{{commit}}\n" for n in wanted))
    resolved: dict[str, str] = {}
    for name, line in zip(wanted, output.splitlines(), strict=True):
        parts = line.split()
        if len(parts) == 3 and parts[1] == "commit":
            resolved[name] = parts[0]
    return resolved


def read_commits(repo: Path, revisions: Sequence[str], *, since: datetime | None = None) -> list[GitCommit]:
    """Non-merge commits in `revisions` (e.g. `a..b`), newest first, optionally committed after `since`."""
    args = ["log", "--no-merges", "--no-renames", "--no-color", "--no-ext-diff", "--no-textconv"]
    args += ["-U0", "--numstat", "-p", _LOG_FORMAT]
    if since is not None:
        args.append(f"--since={since.isoformat()}")
    commits = _parse_log(run_git(repo, *args, *revisions, "--"))
    code = code_identifiers(repo, [(c.sha, f.path, c.has_parent) for c in commits for f in c.files if not f.binary])
    return [_code_only(commit, code) for commit in commits]


def _code_only(commit: _CommitParser, code: Mapping[tuple[str, str], frozenset[str]]) -> GitCommit:
    """The commit with comment-only file changes marked and names mentioned only in comments left out.

    Identifiers of a file whose code was compared are those of its changed code lines, with the function
    context of its hunks when its code changed; other files keep their changed lines' identifiers."""
    files, identifiers = [], set()
    for change in commit.files:
        lines, headers = commit.lines.get(change.path, set()), commit.headers.get(change.path, set())
        compared = code.get((commit.sha, change.path))
        if compared is None:
            identifiers |= lines | headers
        elif compared:
            identifiers |= compared | headers
        files.append(change if compared is None or compared else replace(change, code_changed=False))
    return GitCommit(
        sha=commit.sha, title=commit.title, author=commit.author, committed_at=commit.committed_at,
        files=tuple(files), identifiers=frozenset(identifiers), config_identifiers=frozenset(commit.config_identifiers),
    )  # fmt: skip


class _CommitParser:
    """Accumulates one commit's numstat lines and diff identifiers (those of config files apart as well)."""

    def __init__(self, header: str) -> None:
        sha, parents, author, committed, title = header.split(_FIELD, 4)
        self.sha, self.author, self.title = sha, author, title
        self.has_parent = bool(parents.strip())
        self.committed_at = require_utc(datetime.fromisoformat(committed), f"commit time of {sha}")
        self.files: list[FileChange] = []
        self.lines: dict[str, set[str]] = {}
        """Per changed file, the identifiers on its changed lines."""
        self.headers: dict[str, set[str]] = {}
        """Per changed file, the identifiers of the function context in its hunk headers."""
        self.config_identifiers: set[str] = set()
        self.path = ""
        self.in_config = False
        self.in_diff = False
        self.in_hunk = False
        self.diff_lines = 0

    def feed(self, line: str) -> None:
        if not self.in_diff:
            if line.startswith("diff --git "):
                self.in_diff = True
            elif numstat := _NUMSTAT.match(line):
                self._add_file(*numstat.groups())
            return
        if line.startswith("diff --git "):
            self.in_hunk = self.in_config = False
        elif not self.in_hunk and line.startswith(("--- a/", "+++ b/")):
            self.path = line[6:]
            self.in_config = is_runtime_config(self.path)
        elif line.startswith("@@"):
            self.in_hunk = True
            self._add_identifiers(line.split("@@", 2)[-1], self.headers)
        elif self.in_hunk and line[:1] in ("+", "-") and self.diff_lines < MAX_DIFF_LINES_PER_COMMIT:
            self.diff_lines += 1
            self._add_identifiers(line[1 : MAX_LINE_CHARS + 1], self.lines)

    def _add_identifiers(self, text: str, into: dict[str, set[str]]) -> None:
        found = identifiers_in(text)
        into.setdefault(self.path, set()).update(found)
        if self.in_config:
            self.config_identifiers |= found

    def _add_file(self, added: str, deleted: str, path: str) -> None:
        binary = added == "-" or deleted == "-"
        self.files.append(
            FileChange(
                path=path, added=0 if binary else int(added), deleted=0 if binary else int(deleted), binary=binary
            )
        )


def _parse_log(output: str) -> list[_CommitParser]:
    commits: list[_CommitParser] = []
    current: _CommitParser | None = None
    for line in output.split("\n"):
        if line.startswith(_RECORD):
            if current is not None:
                commits.append(current)
            current = _CommitParser(line[1:])
        elif current is not None:
            current.feed(line)
    if current is not None:
        commits.append(current)
    return commits
