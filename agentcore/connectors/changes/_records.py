"""The plain data change correlation works on: deployments, incident signals, candidate changes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from agentcore.errors import UserInputError


def require_utc(value: datetime, what: str) -> datetime:
    """`value` in UTC; naive times are refused because they are ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise UserInputError(f"{what} must carry a timezone, got naive {value.isoformat()}")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class DeploymentRecord:
    """One row of `deployments.jsonl`: `commit` went live for `service` in `environment` at `time`."""

    time: datetime
    service: str
    environment: str
    commit: str
    version: str | None = None
    pr: int | None = None
    author: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "time", require_utc(self.time, f"deployment time of {self.commit}"))


@dataclass(frozen=True)
class FileChange:
    """One file a commit touched, with its added and deleted line counts (0 and 0 for binary files)."""

    path: str
    added: int
    deleted: int
    binary: bool = False
    code_changed: bool = True
    """False when the change only edits comments, docstrings or whitespace: it cannot change what runs."""

    @property
    def lines_changed(self) -> int:
        return self.added + self.deleted


@dataclass(frozen=True)
class ChangeCandidate:
    """A commit that could have caused the incident, and the deployment that made it live, if known.

    `diff_identifiers` are the lower-cased identifiers on the commit's changed lines and in the
    function context git prints in its hunk headers; `config_identifiers` the subset read from runtime
    configuration files (`is_runtime_config`).
    """

    repo: str
    commit: str
    title: str
    author: str
    committed_at: datetime
    files: tuple[FileChange, ...]
    diff_identifiers: frozenset[str] = field(default=frozenset(), repr=False)
    config_identifiers: frozenset[str] = field(default=frozenset(), repr=False)
    deployed_at: datetime | None = None
    deployment: DeploymentRecord | None = None

    @property
    def lines_changed(self) -> int:
        return sum(change.lines_changed for change in self.files)

    @property
    def live_since(self) -> datetime:
        """When the change went live: its deployment time, or its commit time when none is known."""
        return self.deployed_at if self.deployed_at is not None else self.committed_at
