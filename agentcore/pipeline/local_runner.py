"""The local runner: the embedded default. The same stage handlers as the Functions app, in-process.

Worker threads take messages from a LocalQueue (`alerts` and `stages`), call the same pipeline
entries the Service Bus triggers call, and settle them as the Functions host would: complete on
return, abandon on an exception (delivered again), dead-letter when the entry says so. A fan-out
runs its children on threads, inside the `fanout` message's delivery.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from agentcore.agent.loop import StepEvent
from agentcore.errors import AgentCoreError
from agentcore.pipeline._stage_io import ALERTS_QUEUE, STAGES_QUEUE, StageContext, load_state
from agentcore.pipeline.alert_intake import handle_alert_message
from agentcore.pipeline.fanout import run_fan_out_on_threads
from agentcore.pipeline.stages import StageOutcome, handle_stage_message
from agentcore.pipeline.state import InvestigationState
from agentcore.pipeline.wiring import Dependencies, local_queue
from agentcore.queues import LockLostError, ReceivedMessage
from agentcore.queues.local import LocalQueue

logger = logging.getLogger(__name__)

POLL_S = 0.05
IDLE_FOR_STALL_S = 2.0
"""With no message handled for this long and the investigation not ended, it has stalled."""


class InvestigationStalledError(AgentCoreError):
    """No message is left for an investigation that has not ended: a bug, or its message was dead-lettered."""


@dataclass
class _Activity:
    busy: int = 0
    handled: int = 0
    last_change: float = 0.0


class LocalRunner:
    """Stage handlers on worker threads over a LocalQueue. Use as a context manager, or start/stop."""

    def __init__(
        self,
        deps: Dependencies,
        *,
        queue: LocalQueue | None = None,
        workers: int | None = None,
        on_step: Callable[[StepEvent], None] | None = None,
    ) -> None:
        self.queue = queue or local_queue(deps.settings)
        self.context = StageContext(deps, self.queue, on_step)
        self._workers = workers or deps.settings.local_workers
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._activity = _Activity(last_change=time.monotonic())
        self._lock = threading.Lock()

    def __enter__(self) -> LocalRunner:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        for number in range(self._workers):
            thread = threading.Thread(target=self._work, name=f"stage-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, *, timeout_s: float = 30.0) -> None:
        """Stop taking messages; wait up to `timeout_s` for each worker's current stage to end."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()

    def run_one(self, *, wait_s: float = 0.0) -> bool:
        """Deliver one message (stages first, then alerts) on the calling thread; False when none came."""
        for queue_name in (STAGES_QUEUE, ALERTS_QUEUE):
            for message in self.queue.receive(queue_name, max_messages=1, wait_s=wait_s):
                self._deliver(message)
                return True
        return False

    def _work(self) -> None:
        while not self._stop.is_set():
            if not self.run_one(wait_s=POLL_S / 2):
                self._stop.wait(POLL_S / 10)

    def _deliver(self, message: ReceivedMessage) -> None:
        self._touch(+1)
        try:
            outcome = self._handle(message)
        except Exception as e:
            logger.warning("message %s on %s failed (delivery %d): %s", message.message_id, message.queue,
                           message.delivery_count, e)  # fmt: skip
            self._settle(self.queue.abandon, message)
        else:
            if outcome.settle == "dead_letter":
                self._settle(lambda m: self.queue.dead_letter(m, outcome.reason, outcome.description), message)
            else:
                self._settle(self.queue.complete, message)
        finally:
            self._touch(-1)

    def _handle(self, message: ReceivedMessage) -> StageOutcome:
        if message.queue == ALERTS_QUEUE:
            return handle_alert_message(self.context, message.body)
        return handle_stage_message(
            self.context, message.body, delivery_count=message.delivery_count, fan_out_runner=run_fan_out_on_threads
        )

    @staticmethod
    def _settle(action: Callable[[ReceivedMessage], None], message: ReceivedMessage) -> None:
        try:
            action(message)
        except LockLostError as e:
            logger.warning("could not settle %s: %s", message.message_id, e)

    def _touch(self, busy_change: int) -> None:
        with self._lock:
            self._activity.busy += busy_change
            self._activity.handled += 1
            self._activity.last_change = time.monotonic()

    def wait_for(self, investigation_ids: Iterable[str], *, timeout_s: float | None = None) -> list[InvestigationState]:
        """Block until every investigation has ended; raise InvestigationStalledError if one cannot."""
        ids = list(investigation_ids)
        started = time.monotonic()
        while True:
            states = [load_state(self.context.deps, i) for i in ids]
            if all(s is not None and s.state.stage.is_terminal for s in states):
                return [s.state for s in states if s is not None]
            with self._lock:
                idle = self._activity.busy == 0 and time.monotonic() - self._activity.last_change > IDLE_FOR_STALL_S
            if idle and not self._threads:
                raise InvestigationStalledError("the local runner is not running")
            if idle:
                open_ = [s.state for s in states if s is not None and not s.state.stage.is_terminal]
                detail = ", ".join(f"{s.id} at {s.stage.value} step {s.step}" for s in open_)
                raise InvestigationStalledError(f"no stage message is left for: {detail}")
            if timeout_s is not None and time.monotonic() - started > timeout_s:
                raise TimeoutError(f"investigations still running after {timeout_s:.0f} s")
            time.sleep(POLL_S)
