"""Compaction asked for over HTTP: a typed request (`"compact": true`) kept in state as a flag, never text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.agent.session import Session
from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.api import dispatch
from agentcore.pipeline.state import InvestigationState, Stage
from agentcore.testing import ScriptedModel, call, reply
from tests.pipeline.pipeline_harness import CONCLUSION, ask, drain, quick_runner

SUMMARY = "## Goal\nFind why checkout fails.\n## State\nConcluded: the coupon change."


def post(runner: LocalRunner, path: str, payload: object) -> tuple[int, dict[str, object]]:
    answer = dispatch(runner.context, "POST", path, body=json.dumps(payload).encode())
    return answer.status, json.loads(answer.body)


def state_of(runner: LocalRunner, investigation_id: str) -> InvestigationState:
    loaded = load_state(runner.context.deps, investigation_id)
    assert loaded is not None
    return loaded.state


def session_of(runner: LocalRunner, state: InvestigationState) -> Session:
    return Session.from_json(runner.context.deps.blob_store.get(state.session_blob or "").data)


def finished_then_compacted() -> ScriptedModel:
    conclusion = json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})
    return ScriptedModel([
        call("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
        call("write", {"path": "report/conclusion.json", "content": conclusion}),
        reply("Done."),
        reply(SUMMARY),
        reply("Still done: the coupon change."),
    ])  # fmt: skip


def test_compaction_asked_for_after_the_end_runs_the_loops_compaction_then_the_session_goes_on(
    tmp_path: Path,
) -> None:
    """(Older clients' message `/compact` does the same: tests/pipeline/test_api_routes.py.)"""
    model = finished_then_compacted()
    runner = quick_runner(tmp_path, model=model)
    investigation_id = ask(runner)
    drain(runner)
    status, _ = post(runner, f"/api/investigations/{investigation_id}/messages", {"compact": True})
    assert status == 202
    drain(runner)
    assert model.remaining == 0
    state = state_of(runner, investigation_id)
    assert (state.stage, state.compact_requested, state.follow_ups) == (Stage.DONE, False, ())
    session = session_of(runner, state)
    assert session.context.compactions == 1
    assert session.final_answer == "Still done: the coupon change."
    assert all(m.content != "/compact" for m in session.messages)
    assert any(path.endswith("compacted-1.md") for path in state.outputs)


def test_compaction_asked_for_while_the_agent_works_is_a_flag_until_its_next_slice(tmp_path: Path) -> None:
    conclusion = json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})
    model = ScriptedModel([
        call("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
        reply(SUMMARY),
        call("write", {"path": "report/conclusion.json", "content": conclusion}),
        reply("Done."),
    ])  # fmt: skip
    runner = quick_runner(tmp_path, model=model, turn_slice_max_steps=1)
    investigation_id = ask(runner)
    assert runner.run_one()  # intake
    assert runner.run_one()  # one step of turns
    status, _ = post(runner, f"/api/investigations/{investigation_id}/messages", {"compact": True})
    assert status == 202
    waiting = state_of(runner, investigation_id)
    assert (waiting.stage, waiting.compact_requested, waiting.follow_ups) == (Stage.TURNS, True, ())
    drain(runner)
    state = state_of(runner, investigation_id)
    assert (state.stage, state.compact_requested) == (Stage.DONE, False)
    assert session_of(runner, state).context.compactions == 1
    assert model.remaining == 0


def test_a_question_and_compaction_together_compact_and_keep_the_question(tmp_path: Path) -> None:
    model = finished_then_compacted()
    runner = quick_runner(tmp_path, model=model)
    investigation_id = ask(runner)
    drain(runner)
    payload = {"message": "and the cache?", "compact": True}
    assert post(runner, f"/api/investigations/{investigation_id}/messages", payload)[0] == 202
    drain(runner)
    session = session_of(runner, state_of(runner, investigation_id))
    assert session.context.compactions == 1
    assert (session.messages[-2].role, session.messages[-2].content) == ("user", "and the cache?")


@pytest.mark.parametrize(
    ("payload", "problem"),
    [({}, "blank"), ({"message": "   "}, "blank"), ({"compact": "yes"}, "compact"), ({"compact": False}, "blank")],
)
def test_a_follow_up_that_asks_for_nothing_is_a_400(tmp_path: Path, payload: object, problem: str) -> None:
    runner = quick_runner(tmp_path, model=finished_then_compacted())
    investigation_id = ask(runner)
    status, body = post(runner, f"/api/investigations/{investigation_id}/messages", payload)
    assert status == 400
    assert problem in str(body["error"])
