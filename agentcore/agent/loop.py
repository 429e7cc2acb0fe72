"""The agent loop: one step is one model call plus the tool calls it asked for.

The loop owns malformed model output (capped) and budgets; transport retries belong to the model
client and whole-stage retries to the queue. After every change to the session it calls the
checkpoint hook, so a crash at any point resumes from the last state, never from scratch.

`run_slice` returns how the run ended as a typed value (`agentcore.agent.outcome`); a deferred
`spawn` is one of those values, handed up from the tool's result, never an exception.
"""

from __future__ import annotations

import json
import logging

from agentcore.agent.outcome import FanOutRequested, Finished, RunOutcome, Suspended
from agentcore.agent.redact import mark_untrusted, redact_session, redact_tool_result
from agentcore.agent.runtime import AgentRuntime, Complete, ContextControl, FinishCheck, LiveRequest, StepEvent
from agentcore.agent.session import Session, SessionStatus
from agentcore.agent.spawn import SpawnRequest
from agentcore.errors import AgentCoreError, ContextTooLongError, ModelError
from agentcore.models import Message, ModelRequest, ModelResponse, ToolCall, Usage
from agentcore.telemetry.scope import bind_step
from agentcore.tools import ToolControl, ToolResult

logger = logging.getLogger(__name__)


def run_slice(
    session: Session, runtime: AgentRuntime, *, max_steps: int | None = None, slice_s: float | None = None
) -> RunOutcome:
    """Advance the session until it ends, `max_steps` more steps / `slice_s` seconds have run, or a spawn defers."""
    started = runtime.clock()
    steps_run = 0
    while session.status is SessionStatus.RUNNING:
        if max_steps is not None and steps_run >= max_steps:
            return Suspended("steps")
        if slice_s is not None and runtime.clock() - started >= slice_s:
            return Suspended("time")
        requested = advance(session, runtime)
        if requested is not None:
            return requested
        steps_run += 1
    return Finished(session.status)


def run_session(
    session: Session, runtime: AgentRuntime, *, max_steps: int | None = None, slice_s: float | None = None
) -> Session:
    """`run_slice` for a runtime whose spawns run their children in-process; returns the session.

    A deferred fan-out has nobody to run it here: that is a wiring mistake, raised as AgentCoreError.
    """
    outcome = run_slice(session, runtime, max_steps=max_steps, slice_s=slice_s)
    if isinstance(outcome, FanOutRequested):
        raise AgentCoreError(f"spawn call {outcome.call_id} deferred its children, and run_session cannot run them")
    return session


def advance(session: Session, runtime: AgentRuntime) -> FanOutRequested | None:
    """Run one step: finish a half-done step after a crash, or call the model and run its tools.

    A spawn that defers its children ends the step early with its request (its call still pending).
    """
    bind_step(session.investigation_id, session.step + 1)  # spans, logs and telemetry rows name the step
    step_started = runtime.clock()
    if session.pending_tool_calls():
        return _run_tools_and_end_step(session, runtime, step_started, Usage())
    if _stop_for_budget(session):
        _checkpoint(session, runtime)
        return None
    response = _call_model(session, runtime)
    if response is None:
        session.elapsed_s += runtime.clock() - step_started
        _checkpoint(session, runtime)
        return None
    session.messages.append(response.message)
    if not response.message.tool_calls:
        _finish_or_nudge(session, runtime, response)
        _end_step(session, runtime, step_started, (), response.usage)
        return None
    _checkpoint(session, runtime)  # the assistant turn is safe before any tool runs
    return _run_tools_and_end_step(session, runtime, step_started, response.usage)


def _run_tools_and_end_step(
    session: Session, runtime: AgentRuntime, step_started: float, usage: Usage
) -> FanOutRequested | None:
    requested = _run_pending_tools(session, runtime)
    if requested is None:
        _end_step(session, runtime, step_started, _last_tool_names(session), usage)
    return requested


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


def _run_pending_tools(session: Session, runtime: AgentRuntime) -> FanOutRequested | None:
    """Run the last turn's unanswered calls in order; stop at a call that hands back a control request."""
    pending = set(session.pending_tool_calls())
    assistant = next(m for m in reversed(session.messages) if m.role == "assistant")
    known = set(runtime.toolbox.names())
    malformed = 0
    for call in assistant.tool_calls:
        if call.id not in pending:
            continue
        if _is_malformed(call, known):
            malformed += 1
        result = runtime.toolbox.dispatch(call)
        if result.control is not None:
            _checkpoint(session, runtime)
            return _requested(call, result.control)
        result = redact_tool_result(session, result)
        if runtime.context is not None:
            result = runtime.context.capture(session, call, result)
        session.messages.append(_tool_message(call, result))
        _checkpoint(session, runtime)
    if runtime.context is not None:
        runtime.context.close_turn(session)
    _count_malformed(session, runtime, malformed, len(assistant.tool_calls))
    return None


def _requested(call: ToolCall, control: ToolControl) -> FanOutRequested:
    if isinstance(control, SpawnRequest):
        return FanOutRequested(call_id=call.id, hypotheses=control.hypotheses)
    raise AgentCoreError(f"the loop cannot act on a {type(control).__name__} from tool {call.name}")


def _count_malformed(session: Session, runtime: AgentRuntime, malformed: int, calls: int) -> None:
    if malformed and malformed == calls:
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


__all__ = [
    "AgentRuntime",
    "Complete",
    "ContextControl",
    "FinishCheck",
    "LiveRequest",
    "StepEvent",
    "advance",
    "describe_arguments",
    "run_session",
    "run_slice",
]
