"""The agent loop: one step is one model call plus the tool calls it asked for.

The loop owns malformed model output (capped) and budgets; transport retries belong to the model
client and whole-stage retries to the queue. After every change to the session it calls the
checkpoint hook, so a crash at any point resumes from the last state, never from scratch.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from agentcore.agent.redact import KnownClean, Marked, mark_untrusted, redact_session, redact_tool_result
from agentcore.agent.session import COMPACT_COMMAND, Session, SessionStatus
from agentcore.errors import ContextTooLongError, ModelError
from agentcore.models import Message, ModelClient, ModelRequest, ModelResponse, ToolCall, Usage
from agentcore.telemetry.scope import bind_step
from agentcore.tools import Toolbox, ToolResult

logger = logging.getLogger(__name__)

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


def run_session(
    session: Session, runtime: AgentRuntime, *, max_steps: int | None = None, slice_s: float | None = None
) -> Session:
    """Advance the session until it ends, or until `max_steps` more steps / `slice_s` seconds have run."""
    started = runtime.clock()
    steps_run = 0
    while session.status is SessionStatus.RUNNING:
        if max_steps is not None and steps_run >= max_steps:
            break
        if slice_s is not None and runtime.clock() - started >= slice_s:
            break
        advance(session, runtime)
        steps_run += 1
    return session


def advance(session: Session, runtime: AgentRuntime) -> None:
    """Run one step: finish a half-done step after a crash, or call the model and run its tools."""
    bind_step(session.investigation_id, session.step + 1)  # spans, logs and telemetry rows name the step
    step_started = runtime.clock()
    if session.pending_tool_calls():
        _run_pending_tools(session, runtime)
        _end_step(session, runtime, step_started, _last_tool_names(session), Usage())
        return
    if _stop_for_budget(session):
        _checkpoint(session, runtime)
        return
    response = _call_model(session, runtime)
    if response is None:
        session.elapsed_s += runtime.clock() - step_started
        _checkpoint(session, runtime)
        return
    session.messages.append(response.message)
    if not response.message.tool_calls:
        _finish_or_nudge(session, runtime, response)
        _end_step(session, runtime, step_started, (), response.usage)
        return
    _checkpoint(session, runtime)  # the assistant turn is safe before any tool runs
    _run_pending_tools(session, runtime)
    _end_step(session, runtime, step_started, _last_tool_names(session), response.usage)


def _stop_for_budget(session: Session) -> bool:
    budget = session.budget
    total = session.total_usage
    reasons = [
        (session.step >= budget.step_limit, SessionStatus.STEP_LIMIT, f"step limit of {budget.step_limit} reached"),
        (
            total.input_tokens + total.output_tokens >= budget.token_limit,
            SessionStatus.TOKEN_LIMIT,
            f"token limit of {budget.token_limit} reached",
        ),
        (
            session.elapsed_s >= budget.wall_time_limit_s,
            SessionStatus.WALL_TIME_LIMIT,
            f"wall-time limit of {budget.wall_time_limit_s:.0f} s reached",
        ),
        (
            session.total_cost_usd >= budget.cost_limit_usd,
            SessionStatus.COST_LIMIT,
            f"cost limit of ${budget.cost_limit_usd:.2f} reached",
        ),
    ]
    for hit, status, reason in reasons:
        if hit:
            session.status = status
            session.error = reason
            logger.info("investigation=%s session=%s stopped: %s", session.investigation_id, session.id, reason)
            return True
    return False


def _call_model(session: Session, runtime: AgentRuntime) -> ModelResponse | None:
    def live() -> ModelRequest:
        return _live_request(session, runtime)

    def complete(request: ModelRequest) -> ModelResponse:
        return _complete(session, runtime, request)

    try:
        if runtime.context is not None:
            runtime.context.before_call(session, live, complete)
            if session.status is not SessionStatus.RUNNING:
                return None
        return _complete_with_recovery(session, runtime, live, complete)
    except ModelError as e:
        if session.status is SessionStatus.RUNNING:
            session.status = SessionStatus.FAILED
            session.error = f"model call failed ({type(e).__name__}, status {e.status}): {e}"
        logger.warning("investigation=%s session=%s %s", session.investigation_id, session.id, session.error)
        return None


def _complete_with_recovery(
    session: Session, runtime: AgentRuntime, live: LiveRequest, complete: Complete
) -> ModelResponse:
    attempt = 0
    while True:
        request = live()
        try:
            response = complete(request)
        except ContextTooLongError:
            if runtime.context is None or not runtime.context.recover(session, attempt, live, complete):
                raise
            attempt += 1
            continue
        if runtime.context is not None:
            runtime.context.observe(session, request, response)
        return response


def _live_request(session: Session, runtime: AgentRuntime) -> ModelRequest:
    """What the model would be sent now: the session redacted in place, tool output marked as data."""
    redact_session(session, runtime._known_clean)
    request = ModelRequest(
        system=session.system,
        messages=tuple(session.messages),
        tools=runtime.toolbox.specs(),
        max_output_tokens=runtime.max_output_tokens,
        cache_key=runtime.cache_key,
        investigation_id=session.investigation_id,
    )
    if runtime.prepare_request is not None:
        request = runtime.prepare_request(session, request)
    return mark_untrusted(request, session.data_nonce, runtime._marked)


def _complete(session: Session, runtime: AgentRuntime, request: ModelRequest) -> ModelResponse:
    session.bytes_sent += len(request.model_dump_json().encode())
    session.context.requests_sent += 1
    response = runtime.model.complete(request)
    session.model_calls += 1
    session.usage = session.usage + response.usage
    cost = runtime.estimate_cost_usd(response.model, response.usage)
    if cost is None:
        if response.model not in runtime._unknown_cost_warned:
            runtime._unknown_cost_warned.add(response.model)
            logger.warning("no price known for model %s; its cost counts as 0", response.model)
    else:
        session.cost_usd += cost
    return response


def _finish_or_nudge(session: Session, runtime: AgentRuntime, response: ModelResponse) -> None:
    if runtime.context is not None and response.message.content.strip() == COMPACT_COMMAND:
        return  # the model asked for compaction; the next step's before_call does it
    if response.stop_reason == "max_tokens" and not response.message.content.strip():
        session.messages.append(Message(role="user", content="Your reply was cut off at the output limit. Continue."))
        return
    nudge = runtime.finish_check(session) if runtime.finish_check else None
    if nudge is not None and session.finish_nudges < runtime.finish_nudge_limit:
        session.finish_nudges += 1
        session.messages.append(Message(role="user", content=nudge))
        return
    session.final_answer = response.message.content
    session.status = SessionStatus.COMPLETED


def _run_pending_tools(session: Session, runtime: AgentRuntime) -> None:
    pending = set(session.pending_tool_calls())
    assistant = next(m for m in reversed(session.messages) if m.role == "assistant")
    known = set(runtime.toolbox.names())
    malformed = 0
    for call in assistant.tool_calls:
        if call.id not in pending:
            continue
        if _is_malformed(call, known):
            malformed += 1
        result = redact_tool_result(session, runtime.toolbox.dispatch(call))
        if runtime.context is not None:
            result = runtime.context.capture(session, call, result)
        session.messages.append(_tool_message(call, result))
        _checkpoint(session, runtime)
    if runtime.context is not None:
        runtime.context.close_turn(session)
    if malformed and malformed == len(assistant.tool_calls):
        session.malformed_streak += 1
    else:
        session.malformed_streak = 0
    if session.malformed_streak >= runtime.malformed_tool_call_limit:
        session.status = SessionStatus.FAILED
        session.error = f"the model made malformed tool calls {session.malformed_streak} steps in a row"


def _is_malformed(call: ToolCall, known: set[str]) -> bool:
    return call.parse_error is not None or call.name not in known


def _tool_message(call: ToolCall, result: ToolResult) -> Message:
    return Message(role="tool", tool_call_id=call.id, content=result.content, is_error=result.is_error)


def _last_tool_names(session: Session) -> tuple[str, ...]:
    assistant = next((m for m in reversed(session.messages) if m.role == "assistant"), None)
    return tuple(c.name for c in assistant.tool_calls) if assistant else ()


def _end_step(session: Session, runtime: AgentRuntime, started: float, tools: tuple[str, ...], usage: Usage) -> None:
    duration = runtime.clock() - started
    session.step += 1
    session.elapsed_s += duration
    _checkpoint(session, runtime)
    logger.info(
        "investigation=%s session=%s step=%d tools=%s duration=%.2fs input_tokens=%d output_tokens=%d",
        session.investigation_id,
        session.id,
        session.step,
        ",".join(tools) or "-",
        duration,
        usage.input_tokens,
        usage.output_tokens,
    )
    if runtime.on_step is not None:
        runtime.on_step(
            StepEvent(session.id, session.investigation_id, session.step, tools, duration, usage, session.status)
        )


def _checkpoint(session: Session, runtime: AgentRuntime) -> None:
    if runtime.checkpoint is not None:
        runtime.checkpoint(session)


def describe_arguments(call: ToolCall) -> str:
    """A short, one-line rendering of a tool call's arguments, for progress displays."""
    text = json.dumps(call.arguments, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."
