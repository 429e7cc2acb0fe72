"""The local runner sleeps until there is work: workers wake on a send, `wait_for` on a delivery."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from agentcore.pipeline.local_runner import InvestigationStalledError, LocalRunner
from agentcore.pipeline.state import Stage
from agentcore.queues import ReceivedMessage
from tests.pipeline.pipeline_harness import ask, quick_runner


class CountingQueue:
    """Counts how often the runner's workers look into the queue."""

    def __init__(self, runner: LocalRunner) -> None:
        self.looks = 0
        self._inner = runner.queue.receive_any
        runner.queue.receive_any = self.receive_any  # type: ignore[method-assign]

    def receive_any(
        self, queues: Sequence[str], *, wait_s: float | None = None, stop: threading.Event | None = None
    ) -> ReceivedMessage | None:
        self.looks += 1
        return self._inner(queues, wait_s=wait_s, stop=stop)


def test_an_idle_runner_looks_into_the_queue_once_per_worker_and_then_sleeps(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    counting = CountingQueue(runner)
    with runner:
        time.sleep(0.5)  # a polling worker would look dozens of times meanwhile

        assert counting.looks == 1


def test_a_sleeping_runner_wakes_for_a_new_investigation_and_runs_it_to_its_end(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    with runner:
        investigation_id = ask(runner)
        [state] = runner.wait_for([investigation_id], timeout_s=60)

    assert state.stage is Stage.DONE


def test_stopping_a_sleeping_runner_ends_its_workers(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    runner.start()
    workers = list(runner._threads)

    runner.stop(timeout_s=30)

    assert not any(worker.is_alive() for worker in workers)


def test_waiting_for_an_investigation_no_message_will_move_reports_it_stalled(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    stalled = ask(runner, "a question whose message is lost")
    [lost] = runner.queue.receive("stages")
    runner.queue.complete(lost)

    with runner, pytest.raises(InvestigationStalledError, match=stalled):
        runner.wait_for([stalled], timeout_s=60)
