"""The agent loop: steps, budgets, malformed output, and exact resumption from JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import BaseModel

from agentcore.agent.loop import AgentRuntime, StepEvent, run_session
from agentcore.agent.session import Budget, Session, SessionStatus
from agentcore.errors import ModelError
from agentcore.models import Message, ModelResponse, SystemBlock, ToolCall, ToolSpec, Usage
from agentcore.testing import FakeClock, ScriptedModel, call, calls, reply
from agentcore.tools import Toolbox, ToolResult, parse_arguments, spec_from_model


class _EchoArgs(BaseModel):
    text: str


class EchoTool:
    """Answers with its argument, and remembers every call (to see what ran twice)."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    @property
    def spec(self) -> ToolSpec:
        return spec_from_model("echo", "Echo the text back.", _EchoArgs)

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: _EchoArgs = parse_arguments(_EchoArgs, arguments)
        self.seen.append(args.text)
        return ToolResult(f"echo: {args.text}")


def new_session(**budget: Any) -> Session:
    return Session(
        id="s1",
        investigation_id="inv1",
        system=(SystemBlock(text="You are a test.", cache_breakpoint=True),),
        messages=[Message(role="user", content="Investigate.")],
        budget=Budget(**budget),
    )


def runtime_for(model: ScriptedModel, *tools: Any, clock: FakeClock | None = None, **kwargs: Any) -> AgentRuntime:
    return AgentRuntime(model=model, toolbox=Toolbox(tools or [EchoTool()]), clock=clock or FakeClock(), **kwargs)


def script() -> list[ModelResponse]:
    return [
        call("echo", {"text": "one"}),
        calls([("echo", {"text": "two"}), ("echo", {"text": "three"})]),
        call("echo", {"text": "four"}),
        reply("Root cause found."),
    ]


def test_a_session_runs_tools_until_the_model_answers() -> None:
    tool = EchoTool()
    session = run_session(new_session(), runtime_for(ScriptedModel(script()), tool))
    assert session.status is SessionStatus.COMPLETED
    assert session.final_answer == "Root cause found."
    assert tool.seen == ["one", "two", "three", "four"]
    assert session.step == 4
    tool_messages = [m for m in session.messages if m.role == "tool"]
    assert [m.content for m in tool_messages] == ["echo: one", "echo: two", "echo: three", "echo: four"]


def test_usage_and_model_calls_are_summed() -> None:
    session = run_session(new_session(), runtime_for(ScriptedModel(script())))
    assert session.model_calls == 4
    assert session.usage == Usage(input_tokens=400, output_tokens=80)


def _comparable(session: Session) -> dict[str, Any]:
    """The session without its random per-session secrets (delimiter nonce, redaction salt)."""
    return session.model_dump(mode="json", exclude={"data_nonce": True, "redaction": {"salt"}})


@pytest.mark.parametrize("stop_after", [0, 1, 2, 3])
def test_a_session_resumed_from_json_after_any_step_ends_as_if_never_stopped(stop_after: int) -> None:
    steps = script()
    uninterrupted = run_session(new_session(), runtime_for(ScriptedModel(steps)))

    model = ScriptedModel(steps)
    first = run_session(new_session(), runtime_for(model), max_steps=stop_after)
    restored = Session.from_json(first.to_json())
    resumed = run_session(restored, runtime_for(model))

    assert _comparable(resumed) == _comparable(uninterrupted)


def test_a_crash_between_the_model_turn_and_its_tools_resumes_by_running_only_the_missing_tools() -> None:
    saved: list[str] = []
    model = ScriptedModel(script())
    tool = EchoTool()

    def crash_after_assistant_turn(session: Session) -> None:
        saved.append(session.to_json())
        if session.messages[-1].role == "assistant" and session.messages[-1].tool_calls:
            raise KeyboardInterrupt  # the process dies here

    with pytest.raises(KeyboardInterrupt):
        run_session(new_session(), runtime_for(model, tool, checkpoint=crash_after_assistant_turn))
    assert tool.seen == []

    resumed = run_session(Session.from_json(saved[-1]), runtime_for(model, tool))
    assert resumed.status is SessionStatus.COMPLETED
    assert tool.seen == ["one", "two", "three", "four"]
    assert model.remaining == 0


def test_every_change_is_checkpointed_so_the_last_checkpoint_equals_the_end_state() -> None:
    saved: list[str] = []
    session = run_session(
        new_session(), runtime_for(ScriptedModel(script()), checkpoint=lambda s: saved.append(s.to_json()))
    )
    assert Session.from_json(saved[-1]) == session


def test_the_step_limit_ends_the_session_with_its_own_status() -> None:
    session = run_session(new_session(step_limit=2), runtime_for(ScriptedModel(script())))
    assert session.status is SessionStatus.STEP_LIMIT
    assert session.step == 2
    assert "step limit of 2" in (session.error or "")


def test_the_token_limit_ends_the_session() -> None:
    session = run_session(new_session(token_limit=200), runtime_for(ScriptedModel(script())))
    assert session.status is SessionStatus.TOKEN_LIMIT
    assert session.model_calls == 2  # 240 tokens after two calls


def test_the_wall_time_limit_counts_time_spent_in_steps() -> None:
    clock = FakeClock()

    def slow_reply(request: Any) -> ModelResponse:
        clock.advance(40)
        return call("echo", {"text": "x"})

    model = ScriptedModel([slow_reply, slow_reply, slow_reply])
    session = run_session(new_session(wall_time_limit_s=60), runtime_for(model, clock=clock))
    assert session.status is SessionStatus.WALL_TIME_LIMIT
    assert session.elapsed_s == pytest.approx(80)


def test_the_cost_limit_uses_the_cost_estimate() -> None:
    runtime = runtime_for(ScriptedModel(script()), estimate_cost_usd=lambda model, usage: 0.75)
    session = run_session(new_session(cost_limit_usd=1.0), runtime)
    assert session.status is SessionStatus.COST_LIMIT
    assert session.cost_usd == pytest.approx(1.5)


def test_an_unknown_tool_becomes_an_error_observation_and_the_session_goes_on() -> None:
    session = run_session(new_session(), runtime_for(ScriptedModel([call("nope", {"x": 1}), reply("done")])))
    error = next(m for m in session.messages if m.role == "tool")
    assert error.is_error
    assert "no tool named 'nope'" in error.content
    assert session.status is SessionStatus.COMPLETED


def _garbled() -> ModelResponse:
    bad = ToolCall(id="bad", name="echo", parse_error="Expecting value: line 1 column 9")
    return ModelResponse(
        message=Message(role="assistant", tool_calls=(bad,)), stop_reason="tool_use", usage=Usage(), model="scripted"
    )


def test_malformed_tool_calls_are_told_to_the_model_and_capped() -> None:
    model = ScriptedModel([_garbled(), _garbled(), _garbled(), reply("never reached")])
    session = run_session(new_session(), runtime_for(model, malformed_tool_call_limit=3))
    assert session.status is SessionStatus.FAILED
    assert "malformed tool calls 3 steps in a row" in (session.error or "")
    observations = [m for m in session.messages if m.role == "tool"]
    assert all("not valid JSON" in m.content for m in observations)


def test_a_good_call_resets_the_malformed_streak() -> None:
    model = ScriptedModel([_garbled(), _garbled(), call("echo", {"text": "ok"}), _garbled(), reply("done")])
    session = run_session(new_session(), runtime_for(model, malformed_tool_call_limit=3))
    assert session.status is SessionStatus.COMPLETED


def test_a_model_error_after_retries_fails_the_session_with_the_reason() -> None:
    model = ScriptedModel([ModelError("overloaded", retryable=True, status=529)])
    session = run_session(new_session(), runtime_for(model))
    assert session.status is SessionStatus.FAILED
    assert "529" in (session.error or "")


def test_a_finish_check_can_send_the_model_back_to_work_a_limited_number_of_times() -> None:
    model = ScriptedModel([reply("done?"), reply("done?"), reply("done!")])
    runtime = runtime_for(model, finish_check=lambda s: "Write report/conclusion.json first.", finish_nudge_limit=2)
    session = run_session(new_session(), runtime)
    assert session.status is SessionStatus.COMPLETED
    assert session.final_answer == "done!"
    nudges = [m for m in session.messages if m.role == "user" and "conclusion.json" in m.content]
    assert len(nudges) == 2


def test_each_step_is_reported_with_its_tools_and_usage() -> None:
    events: list[StepEvent] = []
    run_session(new_session(), runtime_for(ScriptedModel(script()), on_step=events.append))
    assert [e.tools for e in events] == [("echo",), ("echo", "echo"), ("echo",), ()]
    assert events[-1].status is SessionStatus.COMPLETED


def test_the_model_sees_sorted_tool_specs_and_the_session_system_prompt() -> None:
    model = ScriptedModel([reply("done")])
    run_session(new_session(), runtime_for(model))
    request = model.requests[0]
    assert request.system[0].text == "You are a test."
    assert [t.name for t in request.tools] == ["echo"]
    assert request.investigation_id == "inv1"
