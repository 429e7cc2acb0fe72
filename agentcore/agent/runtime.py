"""What a session runs with (`AgentRuntime`), and what the loop asks of context engineering and reports."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from agentcore.agent.redact import KnownClean, Marked
from agentcore.agent.session import Session, SessionStatus
from agentcore.models import ModelClient, ModelRequest, ModelResponse, ToolCall, Usage
from agentcore.tools import Toolbox, ToolResult

FinishCheck = Callable[[Session], str | None]
"""Given a session about to complete, a message that sends the model back to work, or None."""


@dataclass(frozen=True)
class StepEvent:
    """One finished step, for progress displays and the INFO log."""

    session_id: str
    investigation_id: str
    step: int
    tools: tuple[str, ...]
    duration_s: float
    usage: Usage
    status: SessionStatus


LiveRequest = Callable[[], ModelRequest]
"""The request the session would send now: built from its messages and passed through `prepare_request`."""

Complete = Callable[[ModelRequest], ModelResponse]
"""Send a request, counting it in the session's usage, cost and bytes; raises ModelError."""


class ContextControl(Protocol):
    """What the loop asks of context engineering (`agentcore.context.ContextKeeper` implements it)."""

    def capture(self, session: Session, call: ToolCall, result: ToolResult) -> ToolResult:
        """Save a tool result and return what the model should see of it."""
        ...

    def close_turn(self, session: Session) -> None:
        """All tool results of the last assistant turn are in: enforce limits across them."""
        ...

    def before_call(self, session: Session, live: LiveRequest, complete: Complete) -> None:
        """Prune or compact before the next call; may end the session (status FAILED)."""
        ...

    def observe(self, session: Session, request: ModelRequest, response: ModelResponse) -> None:
        """Learn from a successful call (token calibration)."""
        ...

    def recover(self, session: Session, attempt: int, live: LiveRequest, complete: Complete) -> bool:
        """The provider refused the prompt as too long (`attempt` 0, 1, ...): shrink it and say whether to retry."""
        ...


def _no_cost(_model: str, _usage: Usage) -> float | None:
    return None


@dataclass
class AgentRuntime:
    """What a session runs with. Rebuilt on each stage; never serialized."""

    model: ModelClient
    toolbox: Toolbox
    clock: Callable[[], float] = time.monotonic
    estimate_cost_usd: Callable[[str, Usage], float | None] = _no_cost
    checkpoint: Callable[[Session], None] | None = None
    on_step: Callable[[StepEvent], None] | None = None
    finish_check: FinishCheck | None = None
    max_output_tokens: int = 8192
    malformed_tool_call_limit: int = 3
    finish_nudge_limit: int = 2
    cache_key: str | None = None
    prepare_request: Callable[[Session, ModelRequest], ModelRequest] | None = None
    """A hook for context engineering to reshape the request (order, breakpoints) before sending."""
    context: ContextControl | None = None
    """Spill, pruning and compaction; None sends every result inline and never shrinks the context."""
    _unknown_cost_warned: set[str] = field(default_factory=set)
    _known_clean: KnownClean = field(default_factory=dict)
    _marked: Marked = field(default_factory=dict)
