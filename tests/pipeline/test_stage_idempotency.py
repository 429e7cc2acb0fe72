"""Stages are idempotent: stale and duplicate messages do nothing, lost messages are re-sent,
races commit once, and a stage that keeps failing ends its investigation as failed, with the reason."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from agentcore.pipeline import StageContext, handle_dead_lettered_stage
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import commit, load_state, send_stage_message, update_state
from agentcore.pipeline.stages import handle_stage_message
from agentcore.pipeline.state import RequestSpec, Stage, StageMessage
from agentcore.reports import Trigger, load_report
from agentcore.storage import BlobStore
from tests.pipeline.pipeline_harness import (
    FIXED_NOW,
    QUESTION_TURNS,
    ConversationModel,
    ask,
    drain,
    quick_runner,
)


def test_a_duplicate_of_a_finished_steps_message_changes_nothing(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    investigation_id = ask(runner)
    drain(runner)
    before = runner.context.deps.blob_store.get(f"investigations/{investigation_id}/state.json")
    send_stage_message(runner.queue, StageMessage(type="intake", investigation_id=investigation_id, step=0))
    runner.queue.send("stages", StageMessage(type="report", investigation_id=investigation_id, step=1)
                      .model_dump_json().encode(), message_id="another-copy")  # fmt: skip
    assert drain(runner) == 1, "the copy with a new id is delivered; the re-send of the same id was dropped"
    after = runner.context.deps.blob_store.get(f"investigations/{investigation_id}/state.json")
    assert after.etag == before.etag


def test_a_message_lost_after_its_stage_committed_is_sent_again_by_the_stale_redelivery(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    investigation_id = ask(runner)
    assert runner.run_one()  # intake commits and sends `report`
    [owed] = runner.queue.receive("stages")
    runner.queue.complete(owed)  # ... which is lost
    assert load_state(runner.context.deps, investigation_id).state.stage is Stage.REPORT  # type: ignore[union-attr]
    runner.queue.send("stages", StageMessage(type="intake", investigation_id=investigation_id, step=0)
                      .model_dump_json().encode(), message_id="redelivered-intake")  # fmt: skip
    runner.queue.duplicate_detection_window_s = 0  # the lost message's id may be sent again
    drain(runner)
    assert load_state(runner.context.deps, investigation_id).state.stage is Stage.DONE  # type: ignore[union-attr]


def test_two_deliveries_of_one_step_commit_once(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    investigation_id = ask(runner)
    loaded = load_state(runner.context.deps, investigation_id)
    assert loaded is not None
    first = loaded.state.next_step(FIXED_NOW, Stage.REPORT).with_pr_note("first")
    second = loaded.state.next_step(FIXED_NOW, Stage.REPORT).with_pr_note("second")
    assert commit(runner.context, loaded, first)
    assert not commit(runner.context, loaded, second)
    assert load_state(runner.context.deps, investigation_id).state.pr_note == "first"  # type: ignore[union-attr]


def test_a_follow_up_written_while_a_stage_ran_survives_the_stages_commit(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, model=ConversationModel(turns=list(QUESTION_TURNS)))
    investigation_id = ask(runner)
    loaded = load_state(runner.context.deps, investigation_id)
    assert loaded is not None
    update_state(runner.context.deps, investigation_id,
                 lambda s: s.with_follow_ups((*s.follow_ups, "and the database?")).updated(FIXED_NOW))  # fmt: skip
    assert commit(runner.context, loaded, loaded.state.next_step(FIXED_NOW, Stage.TURNS))
    state = load_state(runner.context.deps, investigation_id).state  # type: ignore[union-attr]
    assert (state.step, state.follow_ups) == (1, ("and the database?",))


class FailingSessionWrites:
    """A store whose session writes always fail: the intake of an agent investigation cannot finish."""

    def __init__(self, inner: BlobStore) -> None:
        self.inner = inner

    def put(self, name: str, data: bytes, **kwargs: Any) -> str:
        if "/session/" in name:
            raise OSError("disk on fire")
        return self.inner.put(name, data, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def failing_session_writes(context: StageContext) -> StageContext:
    return replace(context, deps=replace(context.deps, blob_store=FailingSessionWrites(context.deps.blob_store)))


def test_a_stage_failing_on_its_last_delivery_fails_the_investigation_with_the_reason(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, model=ConversationModel(), stage_max_delivery_count=3)
    runner.context = failing_session_writes(runner.context)
    investigation_id = ask(runner)
    drain(runner)
    state = load_state(runner.context.deps, investigation_id).state  # type: ignore[union-attr]
    assert state.stage is Stage.FAILED
    assert "disk on fire" in (state.failure or "")
    assert "after 3 deliveries" in (state.failure or "")
    report = load_report(runner.context.deps.blob_store, state.report_json or "")
    assert report.status == "failed"
    assert report.errors[0].stage == "intake"
    assert "disk on fire" in report.errors[0].message
    [dead] = runner.queue.dead_letters("stages")
    assert dead.dead_letter_reason == "StageFailed"


def test_a_permanent_error_fails_the_investigation_at_once(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    spec = RequestSpec(trigger=Trigger(kind="cli", ref="gone"), scenario_dir=str(tmp_path / "no-such-scenario"))
    investigation_id = start_investigation(runner.context, spec, title="gone").id
    assert drain(runner) == 1
    state = load_state(runner.context.deps, investigation_id).state  # type: ignore[union-attr]
    assert state.stage is Stage.FAILED
    assert "no-such-scenario" in (state.failure or "")
    assert runner.queue.dead_letters("stages") == []


def test_a_dead_lettered_message_fails_the_investigation_only_if_it_still_waited_on_it(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    investigation_id = ask(runner)
    stale = StageMessage(type="report", investigation_id=investigation_id, step=7).model_dump_json().encode()
    assert not handle_dead_lettered_stage(runner.context, stale, reason="MaxDeliveryCountExceeded", description="")
    current = StageMessage(type="intake", investigation_id=investigation_id, step=0).model_dump_json().encode()
    assert handle_dead_lettered_stage(runner.context, current, reason="MaxDeliveryCountExceeded", description="10")
    state = load_state(runner.context.deps, investigation_id).state  # type: ignore[union-attr]
    assert state.stage is Stage.FAILED
    assert "MaxDeliveryCountExceeded" in (state.failure or "")


@pytest.mark.parametrize("delivery", [1, 2])
def test_a_failing_stage_before_its_last_delivery_raises_to_be_delivered_again(tmp_path: Path, delivery: int) -> None:
    runner = quick_runner(tmp_path, model=ConversationModel(), stage_max_delivery_count=3)
    ctx = failing_session_writes(runner.context)
    investigation_id = ask(runner)
    body = StageMessage(type="intake", investigation_id=investigation_id, step=0).model_dump_json().encode()
    with pytest.raises(OSError, match="disk on fire"):
        handle_stage_message(ctx, body, delivery_count=delivery)
    assert load_state(runner.context.deps, investigation_id).state.stage is Stage.INTAKE  # type: ignore[union-attr]
