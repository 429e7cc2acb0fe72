"""A session: plain data that serializes to JSON, so any stage on any instance can resume it."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agentcore.models import Message, SystemBlock, Usage
from agentcore.redaction import RedactionState, new_nonce


class SessionStatus(StrEnum):
    """Why a session is (not) running. Every ending names its cause."""

    RUNNING = "running"
    COMPLETED = "completed"
    STEP_LIMIT = "step_limit"
    TOKEN_LIMIT = "token_limit"
    WALL_TIME_LIMIT = "wall_time_limit"
    COST_LIMIT = "cost_limit"
    FAILED = "failed"

    @property
    def is_budget_stop(self) -> bool:
        return self in {self.STEP_LIMIT, self.TOKEN_LIMIT, self.WALL_TIME_LIMIT, self.COST_LIMIT}


class Budget(BaseModel):
    """Limits of one session; the first one reached ends it with its own status."""

    model_config = ConfigDict(frozen=True)

    step_limit: int = 60
    token_limit: int = 3_000_000
    wall_time_limit_s: float = 1800.0
    cost_limit_usd: float = 5.0


class ChildRecord(BaseModel):
    """What a parent keeps of a finished subagent session."""

    model_config = ConfigDict(frozen=True)

    session_id: str
    hypothesis: str
    status: SessionStatus
    usage: Usage
    model_calls: int
    cost_usd: float
    bytes_sent: int = 0


class CapturedOutput(BaseModel):
    """Where one tool result was saved in full, and whether the model sees all of it inline."""

    model_config = ConfigDict(frozen=True)

    path: str
    chars: int
    exit_code: int | None = None
    inline: bool = True
    """False once the message shows a preview (spilled) instead of the whole result."""


ContextEventKind = Literal["prune", "compaction", "spill_retry"]


class ContextEvent(BaseModel):
    """A change to messages the model had already seen: the request numbered `request` is not an
    extension of the one before it (the prompt cache is rewritten from that point)."""

    model_config = ConfigDict(frozen=True)

    step: int
    request: int
    """0-based index of the first request (over every request sent, failed ones included) that shows it."""
    kind: ContextEventKind
    detail: str = ""


class ContextState(BaseModel):
    """What context engineering keeps between steps: saved outputs, events and token calibration."""

    outputs_written: int = 0
    captured: dict[str, CapturedOutput] = Field(default_factory=dict)
    """By tool call id."""
    events: list[ContextEvent] = Field(default_factory=list)
    requests_sent: int = 0
    """Every request sent to the model, including those it refused."""
    calibration_tokens: int = 0
    calibration_chars: int = 0
    last_input_tokens: int = 0
    last_request_chars: int = 0
    compactions: int = 0
    compaction_failures: int = 0
    """Failed compactions in a row; reset by a successful one."""
    compaction_requested: bool = False
    """Someone asked for compaction: done before the next model call, whatever the size; cleared when done."""


class Session(BaseModel):
    """The whole state of one agent conversation. Mutated by the loop, checkpointed after each change."""

    id: str
    investigation_id: str
    parent_id: str | None = None
    model: str | None = None
    """`provider:model`; a session keeps one model so the prompt cache stays warm."""
    system: tuple[SystemBlock, ...]
    messages: list[Message] = Field(default_factory=list)
    budget: Budget = Field(default_factory=Budget)
    step: int = 0
    status: SessionStatus = SessionStatus.RUNNING
    usage: Usage = Field(default_factory=Usage)
    model_calls: int = 0
    cost_usd: float = 0.0
    bytes_sent: int = 0
    elapsed_s: float = 0.0
    malformed_streak: int = 0
    finish_nudges: int = 0
    final_answer: str | None = None
    error: str | None = None
    children: list[ChildRecord] = Field(default_factory=list)
    context: ContextState = Field(default_factory=ContextState)
    redaction: RedactionState = Field(default_factory=RedactionState)
    """Placeholder numbers (by keyed hash, never the secret) and counts of what was redacted."""
    data_nonce: str = Field(default_factory=new_nonce)
    """Id of the delimiter around tool output: random per session, fixed for its life (stable prompt)."""

    def to_json(self) -> str:
        return self.model_dump_json()

    @classmethod
    def from_json(cls, data: str | bytes) -> Session:
        return cls.model_validate_json(data)

    @property
    def total_usage(self) -> Usage:
        """This session's usage plus its subagents'."""
        total = self.usage
        for child in self.children:
            total = total + child.usage
        return total

    @property
    def total_cost_usd(self) -> float:
        return self.cost_usd + sum(c.cost_usd for c in self.children)

    @property
    def total_model_calls(self) -> int:
        return self.model_calls + sum(c.model_calls for c in self.children)

    def pending_tool_calls(self) -> list[str]:
        """Ids of the last assistant turn's tool calls that have no result yet (a crash mid-step)."""
        for index in range(len(self.messages) - 1, -1, -1):
            message = self.messages[index]
            if message.role == "assistant":
                answered = {m.tool_call_id for m in self.messages[index + 1 :] if m.role == "tool"}
                return [c.id for c in message.tool_calls if c.id not in answered]
        return []
