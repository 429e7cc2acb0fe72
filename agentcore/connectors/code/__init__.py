"""The CodeHost port: commits, pull requests, trees and deployments of a code host's repositories.

Adapters: `LocalGitCodeHost` (local clones through the `git` CLI, in `agentcore.connectors.code.git`;
the embedded default) and `GitHubCodeHost` (PyGithub, in `agentcore.connectors.code.github`). Import
adapters from their modules so that the port never pulls in a vendor SDK.

Both adapters keep one contract (tests/connectors/code/test_code_host_contract.py):
- commits are newest first; times are UTC; `time` is the committer time (when the commit landed);
- `commits_between(repo, base, head)` is what `git log base..head` lists (merges included), with
  `files` None: a listing does not load them (GitHub would need one request per commit); ask `commit`;
- a commit's files are sorted by path; binary files count 0 lines (a merge commit's files are, from
  git, its changes against its first parent; from GitHub, what its API reports);
- pull requests come sorted by number, and `merge_commit` is set only for merged ones;
- `archive_at` writes the tree at a commit into `dest` whole or not at all, without `.git`.
`PullRequestHost` is the write side, apart so that a read-only host need not have it: it finds a branch
or pull request by name, reads files at a commit, pushes a branch of one commit, and opens a draft pull
request. It has no merge: a person merges.
A repository or commit the host does not know raises `UnknownRepositoryError` / `UnknownCommitError`
(both `UserInputError`s); a host that fails or refuses raises `CodeHostError` or `ConfigError`, and
git failing on a local clone raises `agentcore.git.GitError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from agentcore.errors import AgentCoreError, UserInputError

FileStatus = Literal["added", "modified", "deleted", "renamed"]

MAX_COMMITS_BETWEEN = 1000
"""Commits `commits_between` returns at most (the newest ones)."""

MAX_REVISION_CHARS = 256


class CodeHostError(AgentCoreError):
    """The code host failed or could not be reached; not a problem with the arguments."""


class UnknownRepositoryError(UserInputError):
    """The host has no repository by that name (or the credential cannot see it)."""


class UnknownCommitError(UserInputError):
    """The repository has no commit by that name."""


@dataclass(frozen=True)
class ChangedFile:
    """One file a commit changed. Binary files count 0 added and 0 deleted lines."""

    path: str
    status: FileStatus
    additions: int
    deletions: int
    previous_path: str | None = None
    """The old path of a renamed file."""


@dataclass(frozen=True)
class CommitInfo:
    """A commit. `title` is the message's first line; `message` all of it."""

    sha: str
    title: str
    author: str
    time: datetime
    """Committer time, UTC."""
    message: str = ""
    parents: tuple[str, ...] = ()
    files: tuple[ChangedFile, ...] | None = None
    """Sorted by path; None when the call that produced this commit does not load files."""


@dataclass(frozen=True)
class PullRequestInfo:
    """A pull request that contains a commit."""

    number: int
    title: str
    merge_commit: str | None = None
    """The commit that merged it (a merge or squash commit); None while it is not merged."""
    url: str | None = None


@dataclass(frozen=True)
class DeploymentInfo:
    """A deployment of a commit to an environment."""

    sha: str
    environment: str
    time: datetime
    """UTC."""
    ref: str | None = None
    """The branch, tag or version that was deployed, when the host records one."""
    creator: str | None = None
    description: str | None = None
    id: str | None = None


@runtime_checkable
class CodeHost(Protocol):
    """Repositories of one host. `repo` is the host's name for it (`owner/name` on GitHub)."""

    def commits_between(self, repo: str, base: str, head: str) -> list[CommitInfo]:
        """Commits reachable from `head` but not from `base`, newest first, at most MAX_COMMITS_BETWEEN."""
        ...

    def commit(self, repo: str, sha: str) -> CommitInfo:
        """One commit with its changed files. `sha` may be abbreviated or any name the host resolves."""
        ...

    def pull_requests_for(self, repo: str, sha: str) -> list[PullRequestInfo]:
        """Pull requests that contain the commit or merged it, sorted by number; [] when none is known."""
        ...

    def archive_at(self, repo: str, sha: str, dest: Path) -> Path:
        """Write the repository's tree at `sha` into the directory `dest` (absent or empty) and return it."""
        ...

    def deployments(self, repo: str) -> list[DeploymentInfo]:
        """Deployments of the repository's commits, newest first."""
        ...


@runtime_checkable
class PullRequestHost(Protocol):
    """Draft pull requests on a host. `repo` is the host's name (`owner/name`); `branch` a bare branch name."""

    def find_pull_request(self, repo: str, branch: str) -> PullRequestInfo | None:
        """The pull request (open or closed) whose head is `branch` in `repo`; None when there is none."""
        ...

    def branch_exists(self, repo: str, branch: str) -> bool: ...

    def read_files(self, repo: str, sha: str, paths: Sequence[str]) -> dict[str, bytes]:
        """The content of each of `paths` at `sha`; a path that is not a file there raises UnknownCommitError."""
        ...

    def push_branch(self, repo: str, branch: str, base: str, files: Mapping[str, bytes | None], message: str) -> str:
        """Create `branch` at a new commit on `base` that writes `files` (None deletes one); return its sha."""
        ...

    def open_draft_pull_request(
        self, repo: str, branch: str, *, title: str, body: str, labels: Sequence[str]
    ) -> PullRequestInfo:
        """Open a draft pull request of `branch` into the default branch, with `labels`."""
        ...

    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None:
        """Add `labels` to pull request `number` (labels it has already are kept, not doubled)."""
        ...


def check_revision(revision: str) -> str:
    """Return `revision` if it can be passed to a host as a commit name; raise UserInputError if not.

    Refused: empty, longer than MAX_REVISION_CHARS, whitespace or control characters, and a leading
    `-` (which git would read as an option).
    """
    if not revision or len(revision) > MAX_REVISION_CHARS:
        raise UserInputError(f"not a commit name: {revision[:40]!r}")
    if revision.startswith("-") or any(char.isspace() or ord(char) < 32 or ord(char) == 127 for char in revision):
        raise UserInputError(f"not a commit name: {revision!r}")
    return revision


__all__ = [
    "MAX_COMMITS_BETWEEN",
    "ChangedFile",
    "CodeHost",
    "CodeHostError",
    "CommitInfo",
    "DeploymentInfo",
    "FileStatus",
    "PullRequestHost",
    "PullRequestInfo",
    "UnknownCommitError",
    "UnknownRepositoryError",
    "check_revision",
]
