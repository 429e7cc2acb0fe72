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
