"""LocalQueue.receive_any: one message from the first of several queues, and a wait that only events end."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from agentcore.queues import ReceivedMessage
from agentcore.queues.local import LocalQueue


def receive_in_thread(
    queue: LocalQueue, queues: tuple[str, ...], stop: threading.Event | None = None
) -> tuple[threading.Thread, list[ReceivedMessage | None]]:
    got: list[ReceivedMessage | None] = []
    thread = threading.Thread(target=lambda: got.append(queue.receive_any(queues, stop=stop)), daemon=True)
    thread.start()
    return thread, got


def test_the_first_queue_named_is_served_first() -> None:
    queue = LocalQueue()
    queue.send("alerts", b"alert")
    queue.send("stages", b"stage")

    first = queue.receive_any(("stages", "alerts"), wait_s=0)
    second = queue.receive_any(("stages", "alerts"), wait_s=0)

    assert (first and first.body, second and second.body) == (b"stage", b"alert")


def test_with_nothing_to_deliver_and_no_wait_it_returns_none() -> None:
    assert LocalQueue().receive_any(("stages", "alerts"), wait_s=0) is None


def test_a_receiver_waiting_without_a_deadline_wakes_for_a_send_to_any_of_its_queues() -> None:
    queue = LocalQueue()
    thread, got = receive_in_thread(queue, ("stages", "alerts"))

    queue.send("alerts", b"late alert")
    thread.join(timeout=30)

    assert [m.body for m in got if m is not None] == [b"late alert"]


def test_a_receiver_waiting_without_a_deadline_wakes_when_a_scheduled_message_falls_due() -> None:
    queue = LocalQueue()
    queue.send("alerts", b"soon", scheduled_at=datetime.now(UTC) + timedelta(seconds=0.05))

    message = queue.receive_any(("stages", "alerts"))

    assert message is not None
    assert message.body == b"soon"


def test_wake_with_its_stop_event_set_ends_a_wait_without_a_message() -> None:
    queue = LocalQueue()
    stop = threading.Event()
    thread, got = receive_in_thread(queue, ("stages",), stop)

    stop.set()
    queue.wake()
    thread.join(timeout=30)

    assert not thread.is_alive()
    assert got == [None]
    queue.send("stages", b"after the stop")
    assert queue.receive_any(("stages",), wait_s=0) is not None, "the stopped receiver took nothing"
