"""The plain data change correlation works on: deployments, incident signals, candidate changes."""

from __future__ import annotations

from collections.abc import Sequence, Set
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
class IncidentSignals:
    """What the incident tells us about its cause.

    `stack_files` are paths from stack frames: repo-relative, absolute from the build machine, or bare
    basenames. `stack_functions` are frame method names (`apply_discount`, `Cart.Total`, ...).
    `new_error_first_seen` is when the incident's error first appeared, if it is a new one.
    """

    incident_time: datetime
    stack_files: Set[str] = frozenset()
    stack_functions: Set[str] = frozenset()
    error_messages: Sequence[str] = ()
    new_error_first_seen: datetime | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "incident_time", require_utc(self.incident_time, "incident_time"))
        object.__setattr__(self, "stack_files", frozenset(self.stack_files))
        object.__setattr__(self, "stack_functions", frozenset(self.stack_functions))
        object.__setattr__(self, "error_messages", tuple(self.error_messages))
        if self.new_error_first_seen is not None:
            first_seen = require_utc(self.new_error_first_seen, "new_error_first_seen")
            object.__setattr__(self, "new_error_first_seen", first_seen)


@dataclass(frozen=True)
class FileChange:
    """One file a commit touched, with its added and deleted line counts (0 and 0 for binary files)."""

    path: str
    added: int
    deleted: int
    binary: bool = False

    @property
    def lines_changed(self) -> int:
        return self.added + self.deleted


@dataclass(frozen=True)
class ChangeCandidate:
    """A commit that could have caused the incident, and the deployment that made it live, if known.

    `diff_identifiers` are the lower-cased identifiers on the commit's changed lines and in the
    function context git prints in its hunk headers.
    """

    repo: str
    commit: str
    title: str
    author: str
    committed_at: datetime
    files: tuple[FileChange, ...]
    diff_identifiers: frozenset[str] = field(default=frozenset(), repr=False)
    deployed_at: datetime | None = None
    deployment: DeploymentRecord | None = None

    @property
    def lines_changed(self) -> int:
        return sum(change.lines_changed for change in self.files)

    @property
    def live_since(self) -> datetime:
        """When the change went live: its deployment time, or its commit time when none is known."""
        return self.deployed_at if self.deployed_at is not None else self.committed_at
