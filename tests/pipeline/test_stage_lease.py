"""One stage at a time per investigation: a second delivery of a step never runs its side effects.

A delivery takes the investigation's lease before its stage runs. Delivered twice at once, a step
calls the model and runs its shell command once; a delivery that cannot get the lease runs nothing
and is delivered again; the holder keeps its lease renewed while its stage runs.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline._stage_lease import investigation_lease
from agentcore.pipeline.state import Stage, lease_blob
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.storage import Lease
from agentcore.storage.local import LocalBlobStore
from agentcore.testing import FakeClock
from tests.pipeline.pipeline_harness import (
    CONCLUSION,
    FIXED_NOW,
    ConversationModel,
    RecordingQueue,
    Turn,
    ask,
    drain,
    example_request,
    new_broker,
    pipeline_settings,
    quick_runner,
)


class WatchedStore(LocalBlobStore):
    """A LocalBlobStore that tells when a delivery found a lease taken."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.refused = threading.Event()

    def acquire_lease(self, name: str, *, duration_s: float) -> Lease | None:
        lease = super().acquire_lease(name, duration_s=duration_s)
        if lease is None:
            self.refused.set()
        return lease


def turns_with_a_shell_command(marker: Path) -> list[Turn]:
    conclusion = json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})
    return [
        ("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
        ("shell", {"command": f"echo ran >> {marker}"}),
        ("write", {"path": "report/conclusion.json", "content": conclusion}),
        "Done.",
    ]


def test_a_step_delivered_twice_at_once_calls_the_model_and_runs_its_shell_command_once(tmp_path: Path) -> None:
    marker = tmp_path / "shell-ran.txt"
    store = WatchedStore(tmp_path / "blobs")

    def hold_the_shell_step_until_the_copy_waits(key: str) -> bool:
        if key == "parent:1":
            assert store.refused.wait(30), "the second delivery never asked for the lease"
        return False

    model = ConversationModel(
        turns=turns_with_a_shell_command(marker), crash_on=hold_the_shell_step_until_the_copy_waits
    )
    settings = pipeline_settings(tmp_path, sandbox="subprocess", pr_repo_allowlist=())
    with override(model=model, now=lambda: FIXED_NOW, blob_store=store):
        deps = build_dependencies(settings)
    with LocalRunner(deps, queue=new_broker(settings, twice=True), workers=2) as runner:
        investigation_id = ask(runner)
        [state] = runner.wait_for([investigation_id], timeout_s=120)

    assert state.stage is Stage.DONE
    assert store.refused.is_set()
    assert Counter(model.calls) == Counter(["parent:0", "parent:1", "parent:2", "parent:3"])
    assert marker.read_text() == "ran\n"


def test_a_delivery_that_cannot_get_the_lease_runs_nothing_and_comes_again(tmp_path: Path) -> None:
    model = ConversationModel(turns=turns_with_a_shell_command(tmp_path / "shell-ran.txt"))
    runner = quick_runner(tmp_path, model=model, stage_lease_wait_s=0)
    investigation_id = ask(runner)
    assert runner.run_one()  # intake
    other = runner.context.deps.blob_store.acquire_lease(lease_blob(investigation_id), duration_s=15)
    assert other is not None

    assert runner.run_one()  # turns: the lease is taken

    assert model.calls == []
    assert load_state(runner.context.deps, investigation_id).state.step == 1  # type: ignore[union-attr]
    other.release()
    drain(runner)
    assert load_state(runner.context.deps, investigation_id).state.stage is Stage.DONE  # type: ignore[union-attr]
    assert model.calls == ["parent:0", "parent:1", "parent:2", "parent:3"]


def test_a_delivery_refused_the_lease_on_its_last_delivery_leaves_the_investigation_running(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, stage_lease_wait_s=0, stage_max_delivery_count=1)
    investigation_id = ask(runner)
    assert runner.context.deps.blob_store.acquire_lease(lease_blob(investigation_id), duration_s=15) is not None

    assert runner.run_one()

    state = load_state(runner.context.deps, investigation_id).state  # type: ignore[union-attr]
    assert (state.stage, state.failure) == (Stage.INTAKE, None)
    assert runner.queue.dead_letters("stages") == []


def test_a_stage_keeps_its_lease_renewed_while_it_runs(tmp_path: Path) -> None:
    clock = FakeClock(1_800_000_000.0)
    store = LocalBlobStore(tmp_path, clock=clock)
    investigation_id = "inv-20260314-093000-abcdef"
    record = tmp_path / "investigations" / investigation_id / ".lease.lease"
    with investigation_lease(store, investigation_id, duration_s=15, wait_s=0):
        first_expiry = _expiry(record)
        clock.advance(10)
        deadline = time.monotonic() + 30
        while _expiry(record) == first_expiry and time.monotonic() < deadline:
            time.sleep(0.2)  # the renewer runs every 5 s of real time
        clock.advance(10)  # past the first expiry, within the renewed one

        assert store.acquire_lease(lease_blob(investigation_id), duration_s=15) is None
    assert store.acquire_lease(lease_blob(investigation_id), duration_s=15) is not None, "released at the end"


def _expiry(record: Path) -> Any:
    return json.loads(record.read_text())["expires_at"]


class LeaseCheckingQueue(RecordingQueue):
    """A queue that notes, for each stage message sent, whether its investigation's lease was free then."""

    def __init__(self, store: LocalBlobStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._store = store
        self.lease_free_at_send: list[tuple[str, bool]] = []

    def send(self, queue: str, body: bytes, *, message_id: str | None = None, scheduled_at: Any = None) -> str:
        if queue == "stages":
            message = json.loads(body)
            lease = self._store.acquire_lease(lease_blob(message["investigation_id"]), duration_s=15)
            if lease is not None:
                lease.release()
            self.lease_free_at_send.append((message["type"], lease is not None))
        return super().send(queue, body, message_id=message_id, scheduled_at=scheduled_at)


def test_a_stage_sends_the_next_stages_message_after_letting_go_of_the_lease(tmp_path: Path) -> None:
    # Sent from under the lease, the next delivery would find it taken and wait out a retry.
    settings = pipeline_settings(tmp_path, sandbox="subprocess", pr_repo_allowlist=())
    store = LocalBlobStore(tmp_path / "blobs")
    with override(model=None, now=lambda: FIXED_NOW, blob_store=store):
        deps = build_dependencies(settings)
    base = new_broker(settings)
    queue = LeaseCheckingQueue(store, lock_duration_s=base.lock_duration_s, max_delivery_count=base.max_delivery_count)
    runner = LocalRunner(deps, queue=queue, workers=1)
    investigation_id = start_investigation(runner.context, example_request().to_spec(), title="checkout").id
    drain(runner)

    assert load_state(runner.context.deps, investigation_id).state.stage is Stage.DONE  # type: ignore[union-attr]
    sent_by_stages = queue.lease_free_at_send[1:]  # the first is intake's, sent as the investigation starts
    assert sent_by_stages, "no stage sent a message"
    assert all(free for _, free in sent_by_stages), queue.lease_free_at_send


def test_an_agent_run_with_a_fan_out_sends_every_stage_message_after_letting_go_of_the_lease(tmp_path: Path) -> None:
    settings = pipeline_settings(tmp_path, sandbox="subprocess", pr_repo_allowlist=())
    store = LocalBlobStore(tmp_path / "blobs")
    with override(model=ConversationModel(), now=lambda: FIXED_NOW, blob_store=store):
        deps = build_dependencies(settings)
    base = new_broker(settings)
    queue = LeaseCheckingQueue(store, lock_duration_s=base.lock_duration_s, max_delivery_count=base.max_delivery_count)
    runner = LocalRunner(deps, queue=queue, workers=1)
    investigation_id = ask(runner)
    drain(runner)

    assert load_state(runner.context.deps, investigation_id).state.stage is Stage.DONE  # type: ignore[union-attr]
    sent_by_stages = queue.lease_free_at_send[1:]
    assert "fanout_done" in [kind for kind, _ in sent_by_stages]  # the children's end, sent by the fan-out stage
    assert all(free for _, free in sent_by_stages), queue.lease_free_at_send
