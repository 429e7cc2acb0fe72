"""GitHubCodeHost: the CodeHost port over the GitHub REST API, through PyGithub.

Authentication is a token (a PAT or an installation token), a GitHub App (`app_id`, `private_key`,
`installation_id`: PyGithub mints and refreshes installation tokens), or none (public repositories,
tightly rate limited). `base_url` points at GitHub Enterprise Server's `https://host/api/v3`.

Calls: compare (`commits_between`), get a commit (`commit`), list pull requests associated with a
commit (`pull_requests_for`), the tarball link for a commit (`archive_at`: the redirect target is
downloaded with httpx, streamed to disk, and unpacked), list deployments (`deployments`).
PyGithub's own retries are off: retries have one owner, and for a stage that is its queue.

Secrets: the token, the App's key and the tarball link (it carries a short-lived token) never
appear in an error, a log line or a repr; PyGithub's DEBUG dumps of requests are dropped.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from github import Auth, BadCredentialsException, Github, GithubException, UnknownObjectException

from agentcore.connectors._secret_urls import hidden_from_http_logs
from agentcore.connectors.code import (
    MAX_COMMITS_BETWEEN,
    ChangedFile,
    CodeHostError,
    CommitInfo,
    DeploymentInfo,
    FileStatus,
    PullRequestInfo,
    UnknownCommitError,
    UnknownRepositoryError,
    check_revision,
)
from agentcore.connectors.code._archive import unpack_tarball
from agentcore.errors import ConfigError

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

_STATUS: dict[str, FileStatus] = {
    "added": "added",
    "copied": "added",
    "removed": "deleted",
    "renamed": "renamed",
    "modified": "modified",
    "changed": "modified",
    "unchanged": "modified",
}


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
    ) -> None:
        """`http_client` downloads tarballs (default: a fresh client per download).
        `seconds_between_requests` is PyGithub's pacing, which GitHub's best practices ask for."""
        self._base_url = base_url.rstrip("/")
        self._github = Github(
            base_url=self._base_url,
            auth=_auth(token, app_id, private_key, installation_id),
            timeout=timeout_s,
            retry=None,
            per_page=100,
            seconds_between_requests=seconds_between_requests,
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
            commits = [_commit_info(commit) for commit in comparison.commits]
        return commits[::-1][:MAX_COMMITS_BETWEEN]

    def commit(self, repo: str, sha: str) -> CommitInfo:
        check_revision(sha)
        with _translated(f"commit {sha} in {repo}"):
            commit = self._repo(repo).get_commit(sha)
            info = _commit_info(commit)
            files = tuple(sorted((_changed_file(file) for file in commit.files), key=lambda f: f.path))
        return replace(info, files=files)

    def pull_requests_for(self, repo: str, sha: str) -> list[PullRequestInfo]:
        check_revision(sha)
        with _translated(f"pull requests for {sha} in {repo}"):
            pulls = [
                PullRequestInfo(
                    number=int(pull.number),
                    title=str(pull.title),
                    merge_commit=str(pull.merge_commit_sha) if pull.merged_at and pull.merge_commit_sha else None,
                    url=str(pull.html_url) if pull.html_url else None,
                )
                for pull in self._repo(repo).get_commit(sha).get_pulls()
            ]
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
                found.append(_deployment_info(deployment))
                if len(found) >= MAX_DEPLOYMENTS:
                    break
        return sorted(found, key=lambda d: d.time, reverse=True)

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


@contextmanager
def _translated(what: str) -> Iterator[None]:
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


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _commit_info(commit: Any) -> CommitInfo:
    """From a PyGithub Commit, touching only attributes its JSON holds (no lazy completion)."""
    git_commit = commit.commit
    message = str(git_commit.message or "")
    return CommitInfo(
        sha=str(commit.sha),
        title=message.split("\n", 1)[0].strip(),
        author=str(git_commit.author.name) if git_commit.author else "",
        time=_utc(git_commit.committer.date),
        message=message.rstrip("\n"),
        parents=tuple(str(parent.sha) for parent in commit.parents),
    )


def _changed_file(file: Any) -> ChangedFile:
    status = _STATUS.get(str(file.status), "modified")
    return ChangedFile(
        path=str(file.filename),
        status=status,
        additions=int(file.additions or 0),
        deletions=int(file.deletions or 0),
        previous_path=str(file.previous_filename) if status == "renamed" and file.previous_filename else None,
    )


def _deployment_info(deployment: Any) -> DeploymentInfo:
    creator = deployment.creator
    return DeploymentInfo(
        sha=str(deployment.sha),
        environment=str(deployment.environment),
        time=_utc(deployment.created_at),
        ref=_text_or_none(deployment.ref),
        creator=_text_or_none(creator.login) if creator is not None else None,
        description=_text_or_none(deployment.description),
        id=str(deployment.id),
    )


def _text_or_none(value: object) -> str | None:
    return str(value) if value else None


__all__ = ["MAX_ARCHIVE_BYTES", "MAX_DEPLOYMENTS", "GitHubCodeHost"]
