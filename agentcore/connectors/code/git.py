"""LocalGitCodeHost: the CodeHost port over local clones, through the `git` CLI.

A repository is the clone `<root>/<repo>` (a work tree or a bare repository). Pull requests are read
from commit messages, as GitHub writes them: a merge commit "Merge pull request #41 from owner/branch"
(its body's first line is the pull request's title), a squash commit "Title (#41)", or Azure DevOps'
"Merged PR 41: Title". A commit that arrived through a merge belongs to the pull requests of the
merges that brought it into their first-parent line. Deployments come from a `deployments.jsonl`
(SCENARIOS.md) when one is given: its rows are per service, and `repos_by_service` names each
service's repository (a service without an entry is taken to share its repository's name).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from agentcore.connectors.code import (
    MAX_COMMITS_BETWEEN,
    ChangedFile,
    CommitInfo,
    DeploymentInfo,
    FileStatus,
    PullRequestInfo,
    UnknownCommitError,
    UnknownRepositoryError,
    check_revision,
)
from agentcore.connectors.code._archive import unpack_tarball
from agentcore.connectors.code.deployment_log import parse_utc, read_deployment_log
from agentcore.git import GitError, git_output_head, run_git

REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
"""A repository's folder name under the root: no separators, no leading dot."""

ARCHIVE_TIMEOUT_S = 600.0
"""Longest `git archive` may run (a big tree)."""

_FIELD = "\x1f"
_FORMAT = "--format=%H%x1f%P%x1f%an%x1f%cI%x1f%B"
_MERGED_PR = re.compile(r"^Merge pull request #(\d+) from (\S+)")
_SQUASHED_PR = re.compile(r"^(.*\S)\s+\(#(\d+)\)$")
_AZURE_DEVOPS_PR = re.compile(r"^Merged PR (\d+): (.+)$")
_STATUS: dict[str, FileStatus] = {"A": "added", "M": "modified", "D": "deleted", "R": "renamed", "T": "modified"}


class LocalGitCodeHost:
    """Repositories are the git clones in the folder `root`."""

    def __init__(
        self,
        root: Path,
        *,
        deployment_log: Path | None = None,
        repos_by_service: Mapping[str, str] | None = None,
        follow_links: bool = False,
    ) -> None:
        self.root = root
        self.follow_links = follow_links
        """Whether a repository may be a symbolic link (a workspace's linked repository, read from inside the
        sandbox, which shows only what it may); by default a link is refused, never followed to a clone elsewhere."""
        self._deployment_log = deployment_log
        self._repos_by_service = dict(repos_by_service or {})

    def commits_between(self, repo: str, base: str, head: str) -> list[CommitInfo]:
        path = self._repo(repo)
        base_sha, head_sha = self._resolve(path, repo, base), self._resolve(path, repo, head)
        return _log(path, f"^{base_sha}", head_sha)

    def commit(self, repo: str, sha: str) -> CommitInfo:
        path = self._repo(repo)
        full = self._resolve(path, repo, sha)
        info = _commit_info(run_git(path, "show", "-s", _FORMAT, full, "--"))
        trees = [info.parents[0], full] if info.parents else ["--root", full]
        statuses = run_git(path, "diff-tree", "--no-commit-id", "-r", "-z", "-M", "--name-status", *trees)
        counts = run_git(path, "diff-tree", "--no-commit-id", "-r", "-z", "-M", "--numstat", *trees)
        return replace(info, files=_changed_files(statuses, counts))

    def pull_requests_for(self, repo: str, sha: str) -> list[PullRequestInfo]:
        path = self._repo(repo)
        full = self._resolve(path, repo, sha)
        found: dict[int, PullRequestInfo] = {}
        for commit in [full, *self._merges_that_brought_in(path, full)]:
            pull = pull_request_in_message(run_git(path, "show", "-s", "--format=%B", commit, "--"), commit)
            if pull is not None:
                found.setdefault(pull.number, pull)
        return [found[number] for number in sorted(found)]

    def archive_at(self, repo: str, sha: str, dest: Path) -> Path:
        path = self._repo(repo)
        full = self._resolve(path, repo, sha)
        with tempfile.TemporaryDirectory(prefix="git-archive-") as scratch:
            tarball = Path(scratch) / "tree.tar"
            run_git(path, "archive", "--format=tar", f"--output={tarball}", full, timeout_s=ARCHIVE_TIMEOUT_S)
            return unpack_tarball(tarball, dest)

    def deployments(self, repo: str) -> list[DeploymentInfo]:
        self._repo(repo)
        if self._deployment_log is None or not self._deployment_log.is_file():
            return []
        rows = [
            row
            for row in read_deployment_log(self._deployment_log)
            if self._repos_by_service.get(row.service, row.service) == repo
        ]
        deployments = [
            DeploymentInfo(
                sha=row.commit,
                environment=row.environment,
                time=row.time,
                ref=row.version,
                creator=row.author,
                description=f"{row.service} (PR #{row.pr})" if row.pr is not None else row.service,
                id=f"line {row.line}",
            )
            for row in rows
        ]
        return sorted(deployments, key=lambda d: d.time, reverse=True)

    # Beyond the port: what the sandbox's `changes` command needs from a local clone.

    def resolve(self, repo: str, revision: str) -> str:
        """The full sha of `revision` in `repo`; UnknownCommitError when the clone lacks it."""
        return self._resolve(self._repo(repo), repo, revision)

    def commits_in_window(self, repo: str, start: datetime, end: datetime, *, head: str = "HEAD") -> list[CommitInfo]:
        """Commits reachable from `head` committed in [start, end], newest first, without files."""
        path = self._repo(repo)
        head_sha = self._resolve(path, repo, head)
        return _log(path, f"--since={start.isoformat()}", f"--until={end.isoformat()}", head_sha)

    def diff_lines(self, repo: str, sha: str, *, max_lines: int) -> tuple[list[str], int]:
        """The first `max_lines` lines of the commit's patch (against its first parent) and the total count."""
        path = self._repo(repo)
        full = self._resolve(path, repo, sha)
        return git_output_head(
            path, "show", "--format=", "--patch", "-M", "--no-color", "--diff-merges=first-parent", full, "--",
            max_lines=max_lines,
        )  # fmt: skip

    def _repo(self, repo: str) -> Path:
        if not REPO_NAME.match(repo):
            raise UnknownRepositoryError(f"not a repository name: {repo!r}")
        path = self.root / repo
        if path.is_symlink() and not self.follow_links:
            raise UnknownRepositoryError(f"{repo} under {self.root} is a symbolic link, not a clone")
        if not path.is_dir():
            raise UnknownRepositoryError(f"no repository {repo!r} under {self.root}")
        return path

    @staticmethod
    def _resolve(path: Path, repo: str, revision: str) -> str:
        check_revision(revision)
        try:
            output = run_git(path, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}")
        except GitError as e:
            if e.returncode == 1:
                raise UnknownCommitError(f"no commit {revision!r} in {repo}") from e
            raise UnknownRepositoryError(f"{repo} is not a git repository: {e.stderr}") from e
        return output.strip()

    @staticmethod
    def _merges_that_brought_in(path: Path, sha: str) -> list[str]:
        """Merge commits, oldest first, whose first parent lacks `sha` but whose other parents have it."""
        output = run_git(
            path, "rev-list", "--ancestry-path", "--topo-order", "--reverse", "--parents", "--all", f"^{sha}"
        )
        descendants = {sha}
        merges: list[str] = []
        for line in output.splitlines():
            commit, *parents = line.split()
            descendants.add(commit)
            if len(parents) > 1 and parents[0] not in descendants:
                merges.append(commit)
        return merges


def pull_request_in_message(message: str, commit: str) -> PullRequestInfo | None:
    """The pull request a merge or squash commit's message names, or None."""
    lines = [line.strip() for line in message.strip().splitlines()]
    title = lines[0] if lines else ""
    if merged := _MERGED_PR.match(title):
        body = next((line for line in lines[1:] if line), merged.group(2))
        return PullRequestInfo(number=int(merged.group(1)), title=body, merge_commit=commit)
    if squashed := _SQUASHED_PR.match(title):
        return PullRequestInfo(number=int(squashed.group(2)), title=squashed.group(1), merge_commit=commit)
    if devops := _AZURE_DEVOPS_PR.match(title):
        return PullRequestInfo(number=int(devops.group(1)), title=devops.group(2).strip(), merge_commit=commit)
    return None


def _log(path: Path, *selection: str) -> list[CommitInfo]:
    """`git log` of `selection`, newest first (no parent before its children), at most MAX_COMMITS_BETWEEN."""
    output = run_git(path, "log", "-z", "--date-order", f"--max-count={MAX_COMMITS_BETWEEN}", _FORMAT, *selection)
    return [_commit_info(record) for record in output.split("\0") if record.strip()]


def _commit_info(record: str) -> CommitInfo:
    sha, parents, author, committed, message = record.lstrip("\n").split(_FIELD, 4)
    message = message.rstrip("\n")
    return CommitInfo(
        sha=sha,
        title=message.split("\n", 1)[0].strip(),
        author=author,
        time=parse_utc(committed),
        message=message,
        parents=tuple(parents.split()),
    )


def _changed_files(statuses: str, counts: str) -> tuple[ChangedFile, ...]:
    """Join `diff-tree -z --name-status` and `-z --numstat` output by path."""
    changes: dict[str, tuple[str, int, int]] = {}
    fields = counts.split("\0")
    index = 0
    while index < len(fields) - 1:
        added, deleted, path = fields[index].split("\t", 2)
        if path:
            index += 1
        else:  # a rename: "added\tdeleted\t", old path, new path
            path, index = fields[index + 2], index + 3
        changes[path] = ("", 0 if added == "-" else int(added), 0 if deleted == "-" else int(deleted))
    files: list[ChangedFile] = []
    fields = statuses.split("\0")
    index = 0
    while index < len(fields) - 1:
        status = fields[index][:1]
        previous = None
        if status in ("R", "C"):
            previous, path, index = fields[index + 1], fields[index + 2], index + 3
        else:
            path, index = fields[index + 1], index + 2
        _, additions, deletions = changes.get(path, ("", 0, 0))
        kind = _STATUS.get(status, "modified") if status != "C" else "added"
        files.append(ChangedFile(path, kind, additions, deletions, previous if kind == "renamed" else None))
    return tuple(sorted(files, key=lambda f: f.path))


__all__ = ["ARCHIVE_TIMEOUT_S", "REPO_NAME", "LocalGitCodeHost", "pull_request_in_message"]
