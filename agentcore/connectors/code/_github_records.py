"""PyGithub objects turned into the CodeHost port's records, touching only attributes their JSON holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from agentcore.connectors.code import ChangedFile, CommitInfo, DeploymentInfo, FileStatus

_STATUS: dict[str, FileStatus] = {
    "added": "added",
    "copied": "added",
    "removed": "deleted",
    "renamed": "renamed",
    "modified": "modified",
    "changed": "modified",
    "unchanged": "modified",
}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def commit_info(commit: Any) -> CommitInfo:
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


def changed_file(file: Any) -> ChangedFile:
    status = _STATUS.get(str(file.status), "modified")
    return ChangedFile(
        path=str(file.filename),
        status=status,
        additions=int(file.additions or 0),
        deletions=int(file.deletions or 0),
        previous_path=str(file.previous_filename) if status == "renamed" and file.previous_filename else None,
    )


def deployment_info(deployment: Any) -> DeploymentInfo:
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


__all__ = ["changed_file", "commit_info", "deployment_info"]
