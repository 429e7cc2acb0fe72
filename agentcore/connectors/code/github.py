"""GitHubCodeHost: the CodeHost port over the GitHub REST API, through PyGithub.

Authentication is a token (a PAT or an installation token), a GitHub App (`app_id`, `private_key`,
`installation_id`: PyGithub mints and refreshes installation tokens), or none (public repositories,
tightly rate limited). `base_url` points at GitHub Enterprise Server's `https://host/api/v3`.

Calls: compare (`commits_between`), get a commit (`commit`), list pull requests associated with a
commit (`pull_requests_for`), the tarball link for a commit (`archive_at`: the redirect target is
downloaded with httpx, streamed to disk, and unpacked), list deployments (`deployments`).
The PullRequestHost side: list pull requests by head branch, get a ref, get contents at a commit, and
the Git Data calls that make one commit on a base (get commit, create tree, create commit, create
ref), then create a draft pull request and add labels to it. Nothing here merges.
PyGithub's own retries are off: retries have one owner, and for a stage that is its queue.

Secrets: the token, the App's key and the tarball link (it carries a short-lived token) never
appear in an error, a log line or a repr; PyGithub's DEBUG dumps of requests are dropped.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from github import (
    Auth,
    BadCredentialsException,
    Github,
    GithubException,
    InputGitTreeElement,
    UnknownObjectException,
)

from agentcore.connectors._secret_urls import hidden_from_http_logs
from agentcore.connectors.code import (
    MAX_COMMITS_BETWEEN,
    CodeHostError,
    CommitInfo,
    DeploymentInfo,
    PullRequestInfo,
    UnknownCommitError,
    UnknownRepositoryError,
    check_revision,
)
from agentcore.connectors.code._archive import unpack_tarball
from agentcore.connectors.code._github_records import changed_file, commit_info, deployment_info
from agentcore.errors import ConfigError, UserInputError

logger = logging.getLogger(__name__)

REPO_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
"""`owner/name` as GitHub allows them."""

MAX_DEPLOYMENTS = 100
"""Deployments `deployments` returns at most (the newest)."""

MAX_ARCHIVE_BYTES = 2_000_000_000
"""Largest tarball downloaded."""


class _NoRequestDumps(logging.Filter):
    """Drops PyGithub's DEBUG request dumps: they hold response headers and bodies, such as a tarball
    link's token or a freshly minted installation token. PyGithub masks only the Authorization header."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


logging.getLogger("github.Requester").addFilter(_NoRequestDumps())


class GitHubCodeHost:
    """Repositories on GitHub (or GitHub Enterprise Server at `base_url`)."""

    def __init__(
        self,
        base_url: str = "https://api.github.com",
        token: str | None = None,
        *,
        app_id: int | str | None = None,
        private_key: str | None = None,
        installation_id: int | None = None,
        http_client: httpx.Client | None = None,
        timeout_s: int = 30,
        seconds_between_requests: float | None = 0.25,
        seconds_between_writes: float | None = 1.0,
    ) -> None:
        """`http_client` downloads tarballs (default: a fresh client per download).
        `seconds_between_requests` and `seconds_between_writes` are PyGithub's pacing, which GitHub's best
        practices ask for (a second between mutative requests)."""
        self._base_url = base_url.rstrip("/")
        self._github = Github(
            base_url=self._base_url,
            auth=_auth(token, app_id, private_key, installation_id),
            timeout=timeout_s,
            retry=None,
            per_page=100,
            seconds_between_requests=seconds_between_requests,
            seconds_between_writes=seconds_between_writes,
            lazy=True,
        )
        self._http_client = http_client
        self._timeout_s = timeout_s

    def __repr__(self) -> str:
        return f"GitHubCodeHost(base_url={self._base_url!r})"

    def commits_between(self, repo: str, base: str, head: str) -> list[CommitInfo]:
        check_revision(base)
        check_revision(head)
        with _translated(f"compare {base}...{head} in {repo}"):
            comparison = self._repo(repo).compare(base, head)
            commits = [commit_info(commit) for commit in comparison.commits]
        return commits[::-1][:MAX_COMMITS_BETWEEN]

    def commit(self, repo: str, sha: str) -> CommitInfo:
        check_revision(sha)
        with _translated(f"commit {sha} in {repo}"):
            commit = self._repo(repo).get_commit(sha)
            info = commit_info(commit)
            files = tuple(sorted((changed_file(file) for file in commit.files), key=lambda f: f.path))
        return replace(info, files=files)

    def pull_requests_for(self, repo: str, sha: str) -> list[PullRequestInfo]:
        check_revision(sha)
        with _translated(f"pull requests for {sha} in {repo}"):
            pulls = [_pull_info(pull) for pull in self._repo(repo).get_commit(sha).get_pulls()]
        return sorted(pulls, key=lambda pull: pull.number)

    def archive_at(self, repo: str, sha: str, dest: Path) -> Path:
        check_revision(sha)
        with _translated(f"tarball of {sha} in {repo}"):
            link = str(self._repo(repo).get_archive_link("tarball", sha))
        with tempfile.TemporaryDirectory(prefix="github-tarball-") as scratch:
            tarball = Path(scratch) / "tree.tar.gz"
            self._download(link, tarball, f"{repo}@{sha}")
            return unpack_tarball(tarball, dest, strip_components=1)

    def deployments(self, repo: str) -> list[DeploymentInfo]:
        with _translated(f"deployments of {repo}"):
            found: list[DeploymentInfo] = []
            for deployment in self._repo(repo).get_deployments():
                found.append(deployment_info(deployment))
                if len(found) >= MAX_DEPLOYMENTS:
                    break
        return sorted(found, key=lambda d: d.time, reverse=True)

    def find_pull_request(self, repo: str, branch: str) -> PullRequestInfo | None:
        check_branch(branch)
        with _translated(f"pull requests from {branch} in {repo}"):
            for pull in self._repo(repo).get_pulls(state="all", head=f"{repo.split('/', 1)[0]}:{branch}"):
                return _pull_info(pull)
        return None

    def branch_exists(self, repo: str, branch: str) -> bool:
        check_branch(branch)
        repository = self._repo(repo)
        with _translated(f"branch {branch} in {repo}"):
            try:
                _ = repository.get_git_ref(f"heads/{branch}").object.sha  # the ref is lazy: this fetches it
            except UnknownObjectException:
                return False
        return True

    def read_files(self, repo: str, sha: str, paths: Sequence[str]) -> dict[str, bytes]:
        check_revision(sha)
        found: dict[str, bytes] = {}
        with _translated(f"files at {sha} in {repo}"):
            repository = self._repo(repo)
            for path in paths:
                content = repository.get_contents(path, ref=sha)
                if isinstance(content, list) or content.type != "file" or content.encoding != "base64":
                    raise CodeHostError(f"{path} at {sha} in {repo} is not a file GitHub returns whole")
                found[path] = bytes(content.decoded_content)
        return found

    def push_branch(self, repo: str, branch: str, base: str, files: Mapping[str, bytes | None], message: str) -> str:
        check_branch(branch)
        check_revision(base)
        elements = [_tree_element(path, data, repo) for path, data in sorted(files.items())]
        with _translated(f"pushing {branch} in {repo}", writing=True):
            repository = self._repo(repo)
            base_commit = repository.get_git_commit(base)
            tree = repository.create_git_tree(elements, base_tree=base_commit.tree)
            commit = repository.create_git_commit(message, tree, [base_commit])
            repository.create_git_ref(f"refs/heads/{branch}", commit.sha)
        return str(commit.sha)

    def open_draft_pull_request(
        self, repo: str, branch: str, *, title: str, body: str, labels: Sequence[str]
    ) -> PullRequestInfo:
        check_branch(branch)
        with _translated(f"opening a pull request from {branch} in {repo}", writing=True):
            repository = self._repo(repo)
            pull = repository.create_pull(
                base=str(repository.default_branch), head=branch, title=title, body=body, draft=True
            )
            if labels:
                pull.add_to_labels(*labels)
        return _pull_info(pull)

    def add_labels(self, repo: str, number: int, labels: Sequence[str]) -> None:
        if not labels:
            return
        with _translated(f"labelling pull request #{number} in {repo}", writing=True):
            self._repo(repo).get_issue(number).add_to_labels(*labels)

    def _repo(self, repo: str) -> Any:
        if not REPO_NAME.match(repo):
            raise UnknownRepositoryError(f"not a GitHub repository name (owner/name): {repo!r}")
        return self._github.get_repo(repo)

    def _download(self, link: str, target: Path, what: str) -> None:
        """Stream the tarball at `link` to `target`. The link is a secret: errors never show it."""
        client = self._http_client or httpx.Client(timeout=self._timeout_s, follow_redirects=True)
        try:
            with (
                hidden_from_http_logs(link, urlsplit(link).query),
                client.stream("GET", link) as response,
                target.open("wb") as sink,
            ):
                if response.status_code != 200:
                    raise CodeHostError(f"GitHub answered {response.status_code} for the tarball of {what}")
                written = 0
                for chunk in response.iter_bytes():
                    written += len(chunk)
                    if written > MAX_ARCHIVE_BYTES:
                        raise CodeHostError(f"the tarball of {what} is larger than {MAX_ARCHIVE_BYTES} bytes")
                    sink.write(chunk)
        except httpx.HTTPError as e:
            # `from None`: httpx's message and request carry the link, whose token is a secret.
            raise CodeHostError(f"downloading the tarball of {what} failed: {type(e).__name__}") from None
        finally:
            if self._http_client is None:
                client.close()


def _auth(token: str | None, app_id: int | str | None, private_key: str | None, installation_id: int | None) -> Any:
    app_parts = (app_id, private_key, installation_id)
    if token is not None and any(part is not None for part in app_parts):
        raise ConfigError("GitHubCodeHost takes a token or GitHub App credentials, not both")
    if token is not None:
        return Auth.Token(token)
    if all(part is None for part in app_parts):
        return None
    if app_id is None or not private_key or installation_id is None:
        raise ConfigError("a GitHub App needs app_id, private_key and installation_id together")
    app = Auth.AppAuth(app_id, private_key)
    try:
        app.create_jwt()
    except Exception as e:  # PyJWT and cryptography raise several types for a bad key
        # `from None`: the cause may quote the key.
        raise ConfigError(
            f"the GitHub App's private key cannot sign a JWT ({type(e).__name__}); pass the PEM text"
        ) from None
    return app.get_installation_auth(installation_id)


BRANCH_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")


def check_branch(branch: str) -> str:
    """Return `branch` if it is a plain branch name (no `..`, no `//`, no trailing `/` or `.lock`)."""
    if not BRANCH_NAME.match(branch) or ".." in branch or "//" in branch or branch.endswith(("/", ".lock")):
        raise UserInputError(f"not a branch name: {branch[:60]!r}")
    return branch


def _tree_element(path: str, data: bytes | None, repo: str) -> Any:
    """A tree entry that writes `data` at `path` (as a regular file), or deletes it when `data` is None."""
    if data is None:
        return InputGitTreeElement(path, "100644", "blob", sha=None)
    try:
        return InputGitTreeElement(path, "100644", "blob", content=data.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise CodeHostError(f"{path} in {repo}: only text files can be pushed") from e


def _pull_info(pull: Any) -> PullRequestInfo:
    return PullRequestInfo(
        number=int(pull.number),
        title=str(pull.title),
        merge_commit=str(pull.merge_commit_sha) if pull.merged_at and pull.merge_commit_sha else None,
        url=str(pull.html_url) if pull.html_url else None,
    )


@contextmanager
def _translated(what: str, *, writing: bool = False) -> Iterator[None]:
    """Turn PyGithub's and requests' exceptions into ours. None of them carries a credential."""
    try:
        yield
    except BadCredentialsException as e:
        raise ConfigError(f"{what}: GitHub refused the credentials ({e.status})") from e
    except UnknownObjectException as e:
        raise UnknownRepositoryError(
            f"{what}: not found (the repository or a commit in it; or this credential cannot see it)"
        ) from e
    except GithubException as e:
        message = _message(e)
        if writing and e.status == 422:
            raise CodeHostError(f"{what}: GitHub refused it ({message or 'unprocessable'})") from e
        if e.status == 422 or (e.status == 404 and "commit" in message.lower()):
            raise UnknownCommitError(f"{what}: {message or 'no such commit'}") from e
        if e.status == 403:
            raise ConfigError(f"{what}: GitHub refused ({e.status} {message})") from e
        raise CodeHostError(f"{what}: GitHub answered {e.status} {message}".rstrip()) from e
    except OSError as e:  # requests' exceptions are OSErrors
        raise CodeHostError(f"{what}: GitHub did not answer ({type(e).__name__})") from e


def _message(error: GithubException) -> str:
    data = error.data
    return str(data.get("message", "")) if isinstance(data, dict) else ""


__all__ = ["MAX_ARCHIVE_BYTES", "MAX_DEPLOYMENTS", "GitHubCodeHost", "check_branch"]
