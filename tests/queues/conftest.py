"""Queue fixtures: a hand-moved clock, and each Queue adapter that can run here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from agentcore.queues import Queue
from agentcore.queues.local import LocalQueue
from agentcore.testing import FakeClock

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


class DateClock:
    """agentcore.testing.FakeClock, read as timezone-aware datetimes from START."""

    def __init__(self) -> None:
        self.seconds = FakeClock()

    def __call__(self) -> datetime:
        return START + timedelta(seconds=self.seconds())

    def advance(self, seconds: float) -> None:
        self.seconds.advance(seconds)


@dataclass(frozen=True)
class QueueUnderTest:
    """A Queue plus what a contract test needs to know and do about it."""

    queue: Queue
    now: Callable[[], datetime]
    advance: Callable[[float], None]
    lock_duration_s: float
    max_delivery_count: int
    duplicate_detection_window_s: float
    max_message_bytes: int


@pytest.fixture
def clock() -> DateClock:
    return DateClock()


# Only LocalQueue runs here. A ServiceBusQueue entry would need a namespace with a fresh queue per
# test and an `advance` that really sleeps (lock durations are at least 5 s in Azure).
@pytest.fixture(params=["local"])
def subject(request: pytest.FixtureRequest, clock: DateClock) -> QueueUnderTest:
    """Each Queue adapter in turn, with small limits so that tests stay quick."""
    queue = LocalQueue(
        lock_duration_s=30.0,
        max_delivery_count=3,
        duplicate_detection_window_s=600.0,
        max_message_bytes=256 * 1024,
        clock=clock,
    )
    return QueueUnderTest(queue, clock, clock.advance, 30.0, 3, 600.0, 256 * 1024)
