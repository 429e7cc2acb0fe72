"""Durability, measured: what a stage's lease costs, and how fast an idle local runner wakes.

- lease: taking and releasing an investigation's lease on a LocalBlobStore, bare and as a stage
  holds it (with its renewer thread), against the baseline, one state commit on the same store;
- wake: from `send` to a waiting worker holding the message, for the event-driven worker
  (`LocalQueue.receive_any`) and for the polling loop it replaced (the same queue, read queue by
  queue with a short wait, then a short sleep). The detail column counts how often each looks
  into the queue per second while there is nothing to do. Messages are sent at random moments of
the polling loop's cycle, as they come in real use.
"""

from __future__ import annotations

import random
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from agentcore.pipeline._stage_lease import investigation_lease
from agentcore.pipeline.state import lease_blob
from agentcore.queues import ReceivedMessage
from agentcore.queues.local import LocalQueue
from agentcore.storage.local import LocalBlobStore
from bench._timing import FULL, QUICK, BenchResult, Plan, Timing, bench_result, measure

BASELINE = "one state commit (conditional put of 4 KB), LocalBlobStore"
INVESTIGATION = "inv-20260314-093000-abcdef"
QUEUES = ("stages", "alerts")
OLD_POLL_S = 0.05
"""The replaced worker loop: each queue for OLD_POLL_S / 2, then a pause of OLD_POLL_S / 10."""


def run(quick: bool = False) -> list[BenchResult]:
    plan = QUICK if quick else FULL
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-durability-") as temp:
        store = LocalBlobStore(Path(temp))
        baseline = _commit_timing(store, plan)
        lease = measure(lambda: _lease_once(store), plan)
        stage_lease = measure(lambda: _stage_lease_once(store), plan)
    samples = 5 if quick else 40
    event_wake, event_looks = _wake_latency(_event_worker, samples)
    poll_wake, poll_looks = _wake_latency(_polling_worker, samples)
    return [
        bench_result("baseline", BASELINE, baseline, baseline),
        bench_result("lease", "acquire + release", lease, baseline),
        bench_result("lease", "a stage's lease: acquire, renewer thread, release", stage_lease, baseline),
        bench_result(
            "wake",
            "send -> worker has it, event (receive_any)",
            event_wake,
            baseline,
            detail=f"idle: {event_looks:.0f} looks/s",
        ),  # fmt: skip
        bench_result(
            "wake",
            "send -> worker has it, polling (the old loop)",
            poll_wake,
            baseline,
            detail=f"idle: {poll_looks:.0f} looks/s",
        ),  # fmt: skip
    ]


def _commit_timing(store: LocalBlobStore, plan: Plan) -> Timing:
    name = f"investigations/{INVESTIGATION}/state.json"
    etag = [store.put(name, b"{}")]
    state = b"x" * 4096

    def commit() -> None:
        etag[0] = store.put(name, state, if_match=etag[0])

    return measure(commit, plan)


def _lease_once(store: LocalBlobStore) -> None:
    lease = store.acquire_lease(lease_blob(INVESTIGATION), duration_s=30)
    assert lease is not None
    lease.release()


def _stage_lease_once(store: LocalBlobStore) -> None:
    with investigation_lease(store, INVESTIGATION, duration_s=30, wait_s=0):
        pass


Worker = Callable[[LocalQueue, threading.Event, Callable[[ReceivedMessage], None]], None]


def _event_worker(queue: LocalQueue, stop: threading.Event, got: Callable[[ReceivedMessage], None]) -> None:
    while not stop.is_set():
        message = queue.receive_any(QUEUES, stop=stop)
        if message is not None:
            got(message)


def _polling_worker(queue: LocalQueue, stop: threading.Event, got: Callable[[ReceivedMessage], None]) -> None:
    while not stop.is_set():
        message = next((m for q in QUEUES for m in queue.receive(q, wait_s=OLD_POLL_S / 2)), None)
        if message is None:
            stop.wait(OLD_POLL_S / 10)
        else:
            got(message)


class _CountingQueue(LocalQueue):
    looks = 0

    def _take(self, queue: str, *, dead: bool, max_messages: int) -> list[ReceivedMessage]:
        self.looks += 1
        return super()._take(queue, dead=dead, max_messages=max_messages)


def _wake_latency(worker: Worker, samples: int) -> tuple[Timing, float]:
    """Seconds from `send` to the worker holding the message, `samples` times; and idle looks per second."""
    queue = _CountingQueue()
    stop, arrived = threading.Event(), threading.Event()
    received_at = [0.0]

    def got(message: ReceivedMessage) -> None:
        received_at[0] = time.perf_counter()
        queue.complete(message)
        arrived.set()

    thread = threading.Thread(target=worker, args=(queue, stop, got), daemon=True)
    thread.start()
    time.sleep(0.1)
    looks_before, idle_s = queue.looks, 0.5
    time.sleep(idle_s)
    looks_per_s = (queue.looks - looks_before) / idle_s
    latencies = []
    phases = random.Random(8)
    for _ in range(samples):
        arrived.clear()
        time.sleep(phases.uniform(0.0, OLD_POLL_S * 1.1))  # a message comes at any point of a worker's cycle
        sent_at = time.perf_counter()
        queue.send("stages", b"{}")
        arrived.wait(5)
        latencies.append(received_at[0] - sent_at)
    stop.set()
    queue.wake()
    thread.join(5)
    return Timing(tuple(latencies)), looks_per_s
