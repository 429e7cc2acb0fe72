"""How a run of the loop ends is a typed value: finished, suspended by the slice, or a deferred fan-out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from agentcore.agent.hypothesis import Hypothesis
from agentcore.agent.loop import AgentRuntime, run_session, run_slice
from agentcore.agent.outcome import FanOutRequested, Finished, Suspended
from agentcore.agent.session import Session, SessionStatus
from agentcore.agent.spawn import ChildRunner, SpawnTool
from agentcore.errors import AgentCoreError
from agentcore.models import Message, SystemBlock
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.testing import FakeClock, ScriptedModel, call, calls, reply
from agentcore.tools import Toolbox
from tests.agent.test_agent_loop import EchoTool

HYPOTHESES = [{"statement": "the deploy broke coupons"}, {"statement": "the database is slow"}]


def new_session() -> Session:
    return Session(
        id="parent",
        investigation_id="inv1",
        system=(SystemBlock(text="You are a test."),),
        messages=[Message(role="user", content="Investigate.")],
    )


def child(hypothesis: Hypothesis, index: int) -> Session:
    done = Session(id=f"child-{index}", investigation_id="inv1", system=(), status=SessionStatus.COMPLETED)
    done.final_answer = f'{{"verdict": "refuted", "answer": "not {hypothesis.statement}"}}'
    return done


def never_run(_hypothesis: Hypothesis, _index: int) -> Session:
    raise AssertionError("a deferred fan-out runs no child here")


def deferring(_hypotheses: Sequence[Hypothesis], _run: ChildRunner) -> list[Session] | None:
    return None


def spawn_runtime(model: ScriptedModel, tmp_path: Path, echo: EchoTool, *, defer: bool = True) -> AgentRuntime:
    def in_process(hypotheses: Sequence[Hypothesis], _run: ChildRunner) -> list[Session]:
        return [child(h, i) for i, h in enumerate(hypotheses)]

    spawn = SpawnTool(never_run, LocalWorkspaceFiles(tmp_path), fan_out=deferring if defer else in_process)
    return AgentRuntime(model=model, toolbox=Toolbox([spawn, echo]), clock=FakeClock())


def test_a_session_that_ends_is_finished_with_its_status() -> None:
    runtime = AgentRuntime(model=ScriptedModel([reply("Root cause found.")]), toolbox=Toolbox([]), clock=FakeClock())
    assert run_slice(new_session(), runtime) == Finished(SessionStatus.COMPLETED)


def test_a_slice_out_of_steps_is_suspended_with_the_session_still_running() -> None:
    model = ScriptedModel([call("echo", {"text": "one"}), call("echo", {"text": "two"}), reply("Done.")])
    session = new_session()
    outcome = run_slice(
        session, AgentRuntime(model=model, toolbox=Toolbox([EchoTool()]), clock=FakeClock()), max_steps=2
    )
    assert outcome == Suspended("steps")
    assert session.status is SessionStatus.RUNNING


def test_a_slice_out_of_time_is_suspended() -> None:
    clock = FakeClock()
    model = ScriptedModel([call("echo", {"text": "one"}), reply("Done.")])

    def slow_echo(_session: Session) -> None:
        clock.advance(30)

    runtime = AgentRuntime(model=model, toolbox=Toolbox([EchoTool()]), clock=clock, checkpoint=slow_echo)
    assert run_slice(new_session(), runtime, slice_s=10) == Suspended("time")


def test_a_deferred_spawn_ends_the_slice_with_its_call_and_hypotheses(tmp_path: Path) -> None:
    model = ScriptedModel([call("spawn", {"hypotheses": HYPOTHESES})])
    session = new_session()
    outcome = run_slice(session, spawn_runtime(model, tmp_path, EchoTool()))
    assert isinstance(outcome, FanOutRequested)
    assert outcome.call_id == session.messages[-1].tool_calls[0].id
    assert [h.statement for h in outcome.hypotheses] == [h["statement"] for h in HYPOTHESES]
    assert session.pending_tool_calls() == [outcome.call_id]


def test_calls_before_a_deferred_spawn_are_answered_and_calls_after_it_wait(tmp_path: Path) -> None:
    echo = EchoTool()
    turn = calls([("echo", {"text": "before"}), ("spawn", {"hypotheses": HYPOTHESES}), ("echo", {"text": "after"})])
    session = new_session()
    run_slice(session, spawn_runtime(ScriptedModel([turn]), tmp_path, echo))
    assert echo.seen == ["before"]
    assert len(session.pending_tool_calls()) == 2
    assert session.step == 0


def test_replaying_the_pending_spawn_with_its_children_finishes_the_step(tmp_path: Path) -> None:
    echo = EchoTool()
    turn = calls([("spawn", {"hypotheses": HYPOTHESES}), ("echo", {"text": "after"})])
    session = new_session()
    run_slice(session, spawn_runtime(ScriptedModel([turn]), tmp_path, echo))
    stored = Session.from_json(session.to_json())
    outcome = run_slice(stored, spawn_runtime(ScriptedModel([]), tmp_path, echo, defer=False), max_steps=1)
    assert outcome == Suspended("steps")
    assert (stored.pending_tool_calls(), stored.step, echo.seen) == ([], 1, ["after"])
    assert "not the database is slow" in stored.messages[-2].content


def test_run_session_refuses_a_runtime_whose_spawn_defers(tmp_path: Path) -> None:
    model = ScriptedModel([call("spawn", {"hypotheses": HYPOTHESES})])
    with pytest.raises(AgentCoreError, match="deferred its children"):
        run_session(new_session(), spawn_runtime(model, tmp_path, EchoTool()))


def test_a_session_stored_before_compaction_requests_were_typed_loads_with_none_pending() -> None:
    stored = new_session().model_dump(mode="json")
    del stored["context"]["compaction_requested"]
    assert Session.model_validate(stored).context.compaction_requested is False
