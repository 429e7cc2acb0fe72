"""What an incident tells triage about its cause: the signals suspects are scored against."""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from agentcore.connectors.changes import require_utc


@dataclass(frozen=True)
class RegressionSignal:
    """Calls that got slower (`latency`) or failed more often (`failures`) shortly before the incident.

    `caller` is the service (app role) that made them; `dependency` the host or resource it called (empty when
    the regression is in the caller's own requests) and `dependency_type` its kind (`postgresql`, `HTTP`, ...).
    """

    kind: Literal["latency", "failures"]
    caller: str
    dependency: str = ""
    dependency_type: str = ""


@dataclass(frozen=True)
class IncidentSignals:
    """What the incident tells us about its cause.

    `stack_files` are paths from stack frames: repo-relative, absolute from the build machine, or bare
    basenames. `stack_functions` are frame method names (`apply_discount`, `Cart.Total`, ...).
    `symptom_onset` is when the incident's symptom first showed (a new error's first sighting, or the start of
    a regression), and `symptom` says what showed, completing "went live 10 min before ...". A change that
    went live later than `symptom_onset + symptom_onset_resolution` cannot have caused it; the resolution is
    the width of the time bins a regression's onset was read from (zero for an error's exact first sighting).
    `regressions` are the latency and failure regressions the logs show.
    """

    incident_time: datetime
    stack_files: Set[str] = frozenset()
    stack_functions: Set[str] = frozenset()
    error_messages: Sequence[str] = ()
    symptom_onset: datetime | None = None
    symptom: str = "the new error first appeared"
    symptom_onset_resolution: timedelta = timedelta(0)
    regressions: Sequence[RegressionSignal] = ()
    exposure: Exposure | None = None
    """When the failing code path could first run after each change (enabling events), if the logs show it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "incident_time", require_utc(self.incident_time, "incident_time"))
        object.__setattr__(self, "stack_files", frozenset(self.stack_files))
        object.__setattr__(self, "stack_functions", frozenset(self.stack_functions))
        object.__setattr__(self, "error_messages", tuple(self.error_messages))
        object.__setattr__(self, "regressions", tuple(self.regressions))
        if self.symptom_onset is not None:
            object.__setattr__(self, "symptom_onset", require_utc(self.symptom_onset, "symptom_onset"))

    @property
    def has_new_error(self) -> bool:
        """Whether a new exception gave stack frames or a message to match changes against."""
        return bool(self.stack_files or self.stack_functions or self.error_messages)


QUIET_GAP = timedelta(minutes=10)
"""A failing operation not called for longer than this before a change's deploy was not exercised by it until
its next call; shorter gaps are ordinary traffic."""


@dataclass(frozen=True)
class EnablingEvent:
    """A flag or configuration event the failing service logged shortly before the first sighting."""

    time: datetime
    message: str


@dataclass(frozen=True)
class Exposure:
    """When the failing code path could first run after a change went live (see `agentcore.triage._exposure`).

    `calls` are the minutes (ascending, up to the first sighting) in which `operation`, the request the new
    error first failed in, was called; `events` the enabling events before the first sighting, ascending.
    """

    first_sighting: datetime
    operation: str = ""
    calls: tuple[datetime, ...] = ()
    events: tuple[EnablingEvent, ...] = ()
    calls_query: str = ""
    events_query: str = ""

    def exposed_at(self, live: datetime) -> tuple[datetime, str] | None:
        """When a change live since `live` first ran the failing path, when that is later than `live`, and why:
        the last enabling event after it, then the operation's next call after a quiet stretch. A stretch counts
        as quiet only when the logs show the operation called before it: before the data begins, no calls in
        the data does not mean no calls."""
        moment, why = live, ""
        later = [e for e in self.events if live < e.time <= self.first_sighting]
        if later:
            moment, why = later[-1].time, f"the service logged {later[-1].message!r}"
        following = [c for c in self.calls if c >= moment]
        called_before = bool(self.calls) and self.calls[0] < moment
        if called_before and following and following[0] - moment > QUIET_GAP:
            moment, why = following[0], f"{self.operation} first ran after it"
        return (moment, why) if moment > live else None

    def quiet_before_first_sighting(self) -> tuple[datetime, datetime] | None:
        """(previous call, failing call) when the operation was quiet for longer than QUIET_GAP before it failed."""
        if len(self.calls) < 2 or self.calls[-1] - self.calls[-2] <= QUIET_GAP:
            return None
        return self.calls[-2], self.calls[-1]
