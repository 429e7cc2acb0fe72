"""The local runner: the embedded default. The same stage handlers as the Functions app, in-process.

Worker threads take messages from a LocalQueue (`alerts` and `stages`), call the same pipeline
entries the Service Bus triggers call, and settle them as the Functions host would: complete on
return, abandon on an exception (delivered again), dead-letter when the entry says so. A fan-out
runs its children on threads, inside the `fanout` message's delivery. Workers sleep until a message
is sent (or falls due, or its lock runs out); nothing polls.

The queue lives in memory: after a crash, `resume_unfinished` re-sends what the blob store's
unfinished investigations owe (`agentcore.pipeline.resume`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agentcore.errors import AgentCoreError
from agentcore.pipeline._stage_io import ALERTS_QUEUE, STAGES_QUEUE, StageContext, load_state
from agentcore.pipeline.stages import StageOutcome, handle_stage_message
from agentcore.pipeline.state import InvestigationState
from agentcore.pipeline.wiring import Dependencies, local_queue
from agentcore.queues import LockLostError, ReceivedMessage
from agentcore.queues.local import LocalQueue

if TYPE_CHECKING:
    from agentcore.agent.loop import StepEvent
    from agentcore.pipeline.fanout import FanOutOrder

logger = logging.getLogger(__name__)

IDLE_FOR_STALL_S = 2.0
"""With no message handled for this long and the investigation not ended, it has stalled."""


class InvestigationStalledError(AgentCoreError):
    """No message is left for an investigation that has not ended: a bug, or its message was dead-lettered."""


@dataclass
class _Activity:
    busy: int = 0
    handled: int = 0
    last_change: float = 0.0


def _fan_out_on_threads(ctx: StageContext, order: FanOutOrder) -> None:
    """`fanout.run_fan_out_on_threads`, imported on the first fan-out (an evidence-only run has none)."""
    from agentcore.pipeline.fanout import run_fan_out_on_threads

    run_fan_out_on_threads(ctx, order)


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
        self._changed = threading.Condition()
        """Notified whenever a delivery starts or ends (`wait_for` waits on it)."""

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
        self.queue.wake()
        for thread in self._threads:
            thread.join(timeout_s)
        self._threads.clear()

    def resume_unfinished(self) -> list[str]:
        """Re-send what every unfinished investigation owes (after a crash); their ids. See `resume_unfinished`."""
        from agentcore.pipeline.resume import resume_unfinished  # `serve` resumes; one CLI investigation never does

        return resume_unfinished(self.context)

    def run_one(self, *, wait_s: float = 0.0) -> bool:
        """Deliver one message (stages first, then alerts) on the calling thread; False when none came."""
        message = self.queue.receive_any((STAGES_QUEUE, ALERTS_QUEUE), wait_s=wait_s)
        if message is None:
            return False
        self._deliver(message)
        return True

    def _work(self) -> None:
        while not self._stop.is_set():
            message = self.queue.receive_any((STAGES_QUEUE, ALERTS_QUEUE), stop=self._stop)
            if message is not None:
                self._deliver(message)

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
            # Imported on the first alert: a CLI investigation never receives one.
            from agentcore.pipeline.alert_intake import handle_alert_message

            return handle_alert_message(self.context, message.body)
        return handle_stage_message(
            self.context, message.body, delivery_count=message.delivery_count, fan_out_runner=_fan_out_on_threads
        )

    @staticmethod
    def _settle(action: Callable[[ReceivedMessage], None], message: ReceivedMessage) -> None:
        try:
            action(message)
        except LockLostError as e:
            logger.warning("could not settle %s: %s", message.message_id, e)

    def _touch(self, busy_change: int) -> None:
        with self._changed:
            self._activity.busy += busy_change
            self._activity.handled += 1
            self._activity.last_change = time.monotonic()
            self._changed.notify_all()

    def wait_for(self, investigation_ids: Iterable[str], *, timeout_s: float | None = None) -> list[InvestigationState]:
        """Block until every investigation has ended; raise InvestigationStalledError if one cannot.

        Reads the states again each time a delivery starts or ends; between deliveries it sleeps.
        """
        ids = list(investigation_ids)
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            with self._changed:
                handled = self._activity.handled
            states = [load_state(self.context.deps, i) for i in ids]
            if all(s is not None and s.state.stage.is_terminal for s in states):
                return [s.state for s in states if s is not None]
            with self._changed:
                wake_in_s = self._seconds_to_stall()
                if wake_in_s <= 0:
                    self._raise_stalled([s.state for s in states if s is not None])
                if deadline is not None and time.monotonic() >= deadline:
                    raise TimeoutError(f"investigations still running after {timeout_s:.0f} s")
                if self._activity.handled == handled:
                    if deadline is not None:
                        wake_in_s = min(wake_in_s, deadline - time.monotonic())
                    self._changed.wait(None if wake_in_s == float("inf") else max(wake_in_s, 0.0))

    def _seconds_to_stall(self) -> float:
        """Until the runner counts as stalled if nothing happens meanwhile; infinite while a delivery runs."""
        if self._activity.busy:
            return float("inf")
        return IDLE_FOR_STALL_S - (time.monotonic() - self._activity.last_change)

    def _raise_stalled(self, states: list[InvestigationState]) -> None:
        if not self._threads:
            raise InvestigationStalledError("the local runner is not running")
        open_ = [s for s in states if not s.stage.is_terminal]
        detail = ", ".join(f"{s.id} at {s.stage.value} step {s.step}" for s in open_)
        raise InvestigationStalledError(f"no stage message is left for: {detail}")
