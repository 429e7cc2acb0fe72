"""LocalQueue beyond the shared contract: its defaults, its refusals, its real-time wait."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from agentcore.errors import StorageError, UserInputError
from agentcore.queues import MAX_DELIVERY_COUNT_EXCEEDED
from agentcore.queues.local import LocalQueue
from tests.queues.conftest import DateClock


def test_the_defaults_are_service_bus_defaults() -> None:
    queue = LocalQueue()

    assert queue.lock_duration_s == 60.0
    assert queue.max_delivery_count == 10
    assert queue.duplicate_detection_window_s == 600.0
    assert queue.max_message_bytes == 256 * 1024


def test_with_default_settings_the_tenth_failed_delivery_dead_letters(clock: DateClock) -> None:
    queue = LocalQueue(clock=clock)
    queue.send("q", b"x")
    for _ in range(9):
        queue.abandon(queue.receive("q")[0])
    [tenth] = queue.receive("q")

    clock.advance(60)

    assert tenth.delivery_count == 10
    assert queue.receive("q") == []
    assert queue.dead_letters("q")[0].dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED


def test_dead_lettering_a_dead_letter_is_refused(clock: DateClock) -> None:
    queue = LocalQueue(clock=clock)
    queue.send("q", b"x")
    queue.dead_letter(queue.receive("q")[0], "First", "")
    [dead] = queue.dead_letters("q")

    with pytest.raises(StorageError):
        queue.dead_letter(dead, "Second", "")


def test_a_dead_letter_is_not_dead_lettered_again_however_often_it_is_abandoned(clock: DateClock) -> None:
    queue = LocalQueue(max_delivery_count=2, clock=clock)
    queue.send("q", b"x")
    queue.dead_letter(queue.receive("q")[0], "Manual", "by hand")

    for _ in range(5):
        queue.abandon(queue.dead_letters("q")[0])

    assert queue.dead_letters("q")[0].dead_letter_reason == "Manual"


def test_a_max_delivery_count_below_one_is_refused() -> None:
    with pytest.raises(UserInputError):
        LocalQueue(max_delivery_count=0)


def test_asking_for_no_messages_is_refused() -> None:
    with pytest.raises(UserInputError):
        LocalQueue().receive("q", max_messages=0)


def test_a_body_that_is_not_bytes_is_refused() -> None:
    with pytest.raises(UserInputError):
        LocalQueue().send("q", "text")  # type: ignore[arg-type]


def test_receive_with_a_wait_gives_up_after_the_wait_when_nothing_arrives() -> None:
    started = time.monotonic()

    assert LocalQueue().receive("q", wait_s=0.05) == []
    assert 0.05 <= time.monotonic() - started < 2


def test_receive_with_a_wait_wakes_when_a_scheduled_message_falls_due() -> None:
    queue = LocalQueue()
    queue.send("q", b"soon", scheduled_at=datetime.now(UTC) + timedelta(seconds=0.05))
    started = time.monotonic()

    [message] = queue.receive("q", wait_s=5)

    assert message.body == b"soon"
    assert time.monotonic() - started < 2
