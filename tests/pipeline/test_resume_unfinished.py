"""After a crash lost the local queue, a new runner re-sends what the blob store says is still owed.

Each test loses the queue the way `kill -9` does (a new runner gets a new, empty one over the same
blob store) and checks that `resume_unfinished` finishes what was left, once, and nothing else.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.api import post_alert
from agentcore.pipeline.state import Stage
from tests.pipeline.pipeline_harness import QUESTION_TURNS, ConversationModel, ask, drain, quick_runner
from tests.pipeline.test_alert_intake import alert, investigations


def restarted(before: LocalRunner, tmp_path: Path, **changes: Any) -> LocalRunner:
    """A new 'process' on the same data: same blob store, a new (empty) queue."""
    model = before.context.deps.model
    return quick_runner(tmp_path, model=model, **changes)


def stage_of(runner: LocalRunner, investigation_id: str) -> Stage:
    loaded = load_state(runner.context.deps, investigation_id)
    assert loaded is not None
    return loaded.state.stage


def test_an_investigation_accepted_just_before_a_crash_runs_after_the_resume(tmp_path: Path) -> None:
    crashed = quick_runner(tmp_path)
    investigation_id = ask(crashed)  # the 202: state written, intake queued in memory, then kill -9
    runner = restarted(crashed, tmp_path)

    assert runner.resume_unfinished() == [investigation_id]
    drain(runner)

    assert stage_of(runner, investigation_id) is Stage.DONE


def test_an_investigation_lost_between_stages_resumes_at_its_step_without_repeating_a_model_call(
    tmp_path: Path,
) -> None:
    model = ConversationModel(turns=list(QUESTION_TURNS))
    crashed = quick_runner(tmp_path, model=model, turn_slice_max_steps=1)
    investigation_id = ask(crashed)
    for _ in range(3):  # intake and two turn slices commit; the next message dies with the process
        assert crashed.run_one()
    assert model.calls == ["parent:0", "parent:1"]
    runner = restarted(crashed, tmp_path, turn_slice_max_steps=1)

    runner.resume_unfinished()
    drain(runner)

    assert stage_of(runner, investigation_id) is Stage.DONE
    assert model.calls == ["parent:0", "parent:1", "parent:2"]


def test_ended_investigations_are_not_resumed(tmp_path: Path) -> None:
    first = quick_runner(tmp_path)
    done = ask(first)
    drain(first)
    open_ = ask(first, "another question")

    assert restarted(first, tmp_path).resume_unfinished() == [open_]
    assert stage_of(first, done) is Stage.DONE


def test_resuming_twice_delivers_the_owed_message_once(tmp_path: Path) -> None:
    crashed = quick_runner(tmp_path)
    ask(crashed)
    runner = restarted(crashed, tmp_path)

    runner.resume_unfinished()
    runner.resume_unfinished()

    assert len(runner.queue.receive("stages", max_messages=10)) == 1


def test_an_unreadable_state_is_logged_and_skipped_and_the_others_resume(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    crashed = quick_runner(tmp_path)
    broken = ask(crashed, "first")
    fine = ask(crashed, "second")
    crashed.context.deps.blob_store.put(f"investigations/{broken}/state.json", b"{not json")

    with caplog.at_level(logging.ERROR):
        resumed = restarted(crashed, tmp_path).resume_unfinished()

    assert resumed == [fine]
    assert broken in caplog.text


def test_an_alert_accepted_just_before_a_crash_starts_its_investigation_after_the_resume(tmp_path: Path) -> None:
    crashed = quick_runner(tmp_path)
    assert post_alert(crashed.context, alert()).status == 202
    runner = restarted(crashed, tmp_path)

    runner.resume_unfinished()
    drain(runner)

    [state] = investigations(runner)
    assert state.request.trigger.kind == "alert"
    assert state.stage is Stage.DONE


def test_an_alert_already_acted_on_is_not_queued_again(tmp_path: Path) -> None:
    first = quick_runner(tmp_path)
    post_alert(first.context, alert())
    drain(first)
    runner = restarted(first, tmp_path)

    runner.resume_unfinished()

    assert runner.queue.receive("alerts") == []
    assert len(investigations(runner)) == 1


def test_an_alert_whose_investigation_was_decided_but_never_started_is_queued_again(tmp_path: Path) -> None:
    first = quick_runner(tmp_path)
    post_alert(first.context, alert())
    drain(first)
    [state] = investigations(first)
    first.context.deps.blob_store.delete(f"investigations/{state.id}/state.json")  # the crash came before it
    runner = restarted(first, tmp_path)

    runner.resume_unfinished()
    drain(runner)

    assert [s.id for s in investigations(runner)] == [state.id]
