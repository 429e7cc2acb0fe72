"""Investigation state and stage messages: plain data that every stage reads and writes (DESIGN §5).

Blob layout of one investigation (names from the functions below, never from outside input):
```
investigations/<id>/state.json                   this model; the commit point of every stage
investigations/<id>/lease                        empty; leased by the stage that runs (one at a time)
investigations/<id>/session/<step>-<token>.json  the parent session as of that step
investigations/<id>/workspace/<step>-<token>.tar.zst  the workspace minus repos/ and synced outputs
investigations/<id>/outputs/<sha>/<path>         spilled outputs, content-addressed, immutable
investigations/<id>/children/s<step>-h<i>.json   one subagent's session and outputs
```
Side blobs carry a random token, so a stage that loses its state commit never overwrites what the
winner committed; state.json names the side blobs that are current.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agentcore.agent.hypothesis import Hypothesis
from agentcore.alerts import Alert
from agentcore.errors import UserInputError
from agentcore.pipeline.response_plans import ResponsePlan
from agentcore.reports import Trigger, UsageTotals
from agentcore.triage import Triage
from agentcore.workspace import RepoSource

INVESTIGATION_ID = re.compile(r"^inv-\d{8}-\d{6}-[0-9a-f]{6}$")
"""Ids are `inv-<yyyymmdd>-<hhmmss>-<6 hex>`; anything else is refused before it names a blob."""


def check_investigation_id(value: str) -> str:
    """Return `value` if it is a well-formed investigation id; raise UserInputError if not."""
    if not isinstance(value, str) or not INVESTIGATION_ID.fullmatch(value):
        raise UserInputError("not an investigation id")
    return value


def state_blob(investigation_id: str) -> str:
    return f"investigations/{check_investigation_id(investigation_id)}/state.json"


def lease_blob(investigation_id: str) -> str:
    return f"investigations/{check_investigation_id(investigation_id)}/lease"


def investigation_prefix(investigation_id: str) -> str:
    return f"investigations/{check_investigation_id(investigation_id)}/"


def child_blob(investigation_id: str, session_step: int, index: int) -> str:
    return f"{investigation_prefix(investigation_id)}children/s{session_step}-h{index}.json"


class Stage(StrEnum):
    """Where an investigation is. Every stage but DONE and FAILED has a message type of its own."""

    INTAKE = "intake"
    TURNS = "turns"
    COMPACT = "compact"
    FANOUT = "fanout"
    REPORT = "report"
    PR = "pr"
    DONE = "done"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        return self in {Stage.DONE, Stage.FAILED}


MessageType = Literal["intake", "turns", "compact", "fanout", "fanout_done", "report", "pr"]
STAGE_OF_MESSAGE: dict[str, Stage] = {
    "intake": Stage.INTAKE,
    "turns": Stage.TURNS,
    "compact": Stage.COMPACT,
    "fanout": Stage.FANOUT,
    "fanout_done": Stage.FANOUT,
    "report": Stage.REPORT,
    "pr": Stage.PR,
}
"""The stage an investigation must be in for a message type to act; `fanout_done` ends the FANOUT stage."""


class StageMessage(BaseModel):
    """A message on the `stages` queue: which stage, of which investigation, at which step."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: MessageType
    investigation_id: str = Field(pattern=INVESTIGATION_ID.pattern)
    step: int = Field(ge=0)
    error: str | None = Field(default=None, max_length=2000)
    """`fanout_done` only: why the fan-out could not finish (its children are then not merged)."""

    @property
    def message_id(self) -> str:
        """Deterministic, so that Service Bus duplicate detection drops a re-sent copy."""
        return f"{self.investigation_id}:{self.step}:{self.type}"


def stage_message(stage: Stage, investigation_id: str, step: int) -> StageMessage | None:
    """The message that runs `stage` at `step`; None for DONE and FAILED, which have none."""
    if stage.is_terminal:
        return None
    return StageMessage.model_validate({"type": stage.value, "investigation_id": investigation_id, "step": step})


class RequestSpec(BaseModel):
    """What to investigate, as it was asked: enough for the intake stage to lay the workspace out."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    trigger: Trigger
    scenario_dir: str | None = None
    alert: Alert | None = None
    question: str | None = None
    scope: str | None = None
    repos: tuple[str, ...] = ()


class FanOutRecord(BaseModel):
    """A `spawn` the parent is waiting on: its tool call, its hypotheses, its children's blobs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call_id: str
    session_step: int
    hypotheses: tuple[Hypothesis, ...]
    workspace_blob: str | None
    """The workspace each child starts from: the parent's as it asked."""

    def child_blobs(self, investigation_id: str) -> tuple[str, ...]:
        return tuple(child_blob(investigation_id, self.session_step, i) for i in range(len(self.hypotheses)))


class AttachedAlert(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    dedupe_key: str
    fired_at: datetime
    monitor_condition: str


class InvestigationState(BaseModel):
    """The whole durable state of one investigation, read and written whole by every stage."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = 1
    id: str = Field(pattern=INVESTIGATION_ID.pattern)
    step: int = 0
    """Bumped by every stage commit; a message for another step is stale."""
    stage: Stage = Stage.INTAKE
    mode: Literal["agent", "evidence-only"]
    request: RequestSpec
    title: str
    started_at: datetime
    updated_at: datetime
    incident_time: datetime | None = None
    triage: Triage | None = None
    session_blob: str | None = None
    workspace_blob: str | None = None
    workspace_digest: str | None = None
    repos: tuple[RepoSource, ...] = ()
    outputs: dict[str, str] = Field(default_factory=dict)
    """Workspace path (`outputs/...`) -> content-addressed blob holding it."""
    fan_out: FanOutRecord | None = None
    follow_ups: tuple[str, ...] = ()
    """Questions asked while the agent worked; the next `turns` stage hands them to it."""
    compact_requested: bool = False
    """A person asked for compaction while the agent worked; the next `turns` stage hands it to the session."""
    fingerprint: str | None = None
    attached_alerts: tuple[AttachedAlert, ...] = ()
    report_json: str | None = None
    report_markdown: str | None = None
    report_status: str | None = None
    usage: UsageTotals = UsageTotals()
    failure: str | None = None
    pr_note: str | None = None
    """What the `pr` stage decided, in words (it opens no pull request yet)."""
    pr_approved_by: str | None = None
    response_plan: ResponsePlan | None = None
    """The response plan the intake stage applied (None: no plans configured)."""
    memory_base_blob: str | None = None
    """The memory the session was given at intake (names, ETags, text), for the merge at the report."""
    next_message: StageMessage | None = None
    """The message this state's commit owes the queue (re-sent if a crash lost it)."""

    # Transitions. Each names what it changes, typed, so mypy checks every field; `_changed` validates
    # the result again. A stage chains them: `state.next_step(now, Stage.REPORT).with_report(...)`.

    def next_step(self, now: datetime, stage: Stage) -> InvestigationState:
        """Step + 1 in `stage`, owing the message that runs it (none for DONE and FAILED)."""
        step = self.step + 1
        return self._changed(step=step, stage=stage, next_message=stage_message(stage, self.id, step), updated_at=now)

    def redirected(self, stage: Stage) -> InvestigationState:
        """The same step, in `stage` instead, owing the message that runs it."""
        return self._changed(stage=stage, next_message=stage_message(stage, self.id, self.step))

    def updated(self, now: datetime) -> InvestigationState:
        """The same step, stamped `now` (chain it after a side change made outside any stage)."""
        return self._changed(updated_at=now)

    def with_repos(self, repos: tuple[RepoSource, ...]) -> InvestigationState:
        return self._changed(repos=repos)

    def with_triage(self, incident_time: datetime, triage: Triage) -> InvestigationState:
        return self._changed(incident_time=incident_time, triage=triage)

    def with_session(self, session_blob: str | None, usage: UsageTotals | None = None) -> InvestigationState:
        """The current session blob and (when given) the usage totals as of it."""
        return self._changed(session_blob=session_blob, usage=self.usage if usage is None else usage)

    def with_workspace(
        self, workspace_blob: str | None, workspace_digest: str | None, outputs: dict[str, str]
    ) -> InvestigationState:
        return self._changed(workspace_blob=workspace_blob, workspace_digest=workspace_digest, outputs=outputs)

    def with_fan_out(self, fan_out: FanOutRecord | None) -> InvestigationState:
        return self._changed(fan_out=fan_out)

    def with_follow_ups(self, follow_ups: tuple[str, ...]) -> InvestigationState:
        return self._changed(follow_ups=follow_ups)

    def with_compaction_requested(self, requested: bool) -> InvestigationState:
        return self._changed(compact_requested=requested)

    def with_attached_alerts(self, attached_alerts: tuple[AttachedAlert, ...]) -> InvestigationState:
        return self._changed(attached_alerts=attached_alerts)

    def with_pr_approval(self, approved_by: str | None) -> InvestigationState:
        return self._changed(pr_approved_by=approved_by)

    def with_report(self, json_blob: str, markdown_blob: str, status: str) -> InvestigationState:
        return self._changed(report_json=json_blob, report_markdown=markdown_blob, report_status=status)

    def with_response_plan(self, plan: ResponsePlan | None) -> InvestigationState:
        return self._changed(response_plan=plan)

    def with_memory_base(self, memory_base_blob: str | None) -> InvestigationState:
        return self._changed(memory_base_blob=memory_base_blob)

    def with_pr_note(self, note: str) -> InvestigationState:
        return self._changed(pr_note=note)

    def with_failure(self, reason: str) -> InvestigationState:
        return self._changed(failure=reason[:2000])

    def _changed(self, **update: object) -> InvestigationState:
        return InvestigationState.model_validate({**dict(self), **update})

    def to_json_bytes(self) -> bytes:
        return self.model_dump_json().encode()
