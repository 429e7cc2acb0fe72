"""The query watchdog: one thread per store stops a query past its deadline, and only that query."""

from __future__ import annotations

import threading
import time

import pytest

from agentcore.connectors.logs._query_watchdog import QueryWatchdog


def test_a_query_past_its_deadline_is_interrupted_once() -> None:
    interrupted = threading.Event()
    calls: list[float] = []
    watchdog = QueryWatchdog()
    try:
        with watchdog.watching(0.05, lambda: (calls.append(time.monotonic()), interrupted.set())):
            assert interrupted.wait(5), "the watchdog never interrupted the slow query"
            time.sleep(0.1)  # still running well past the deadline: no second interrupt
        assert len(calls) == 1
    finally:
        watchdog.close()


def test_queries_that_end_in_time_are_never_interrupted_and_share_one_thread() -> None:
    calls: list[str] = []
    watchdog = QueryWatchdog(name="watchdog-under-test")

    def its_threads() -> list[threading.Thread]:  # only its own: other tests' threads may come and go meanwhile
        return [t for t in threading.enumerate() if t.name == "watchdog-under-test"]

    try:
        for _ in range(20):
            with watchdog.watching(0.2, lambda: calls.append("interrupt")):
                pass
        time.sleep(0.3)  # past every deadline that was set: none may fire after its query ended
        assert calls == []
        assert len(its_threads()) == 1
    finally:
        watchdog.close()
    assert its_threads() == []


def test_a_slow_query_does_not_leave_its_deadline_to_the_next() -> None:
    calls: list[str] = []
    watchdog = QueryWatchdog()
    try:
        with watchdog.watching(0.05, lambda: calls.append("interrupt")):
            time.sleep(0.15)
        with watchdog.watching(1.0, lambda: calls.append("interrupt")):
            time.sleep(0.1)
        assert calls == ["interrupt"]
    finally:
        watchdog.close()


def test_queries_running_at_once_are_each_stopped_at_their_own_deadline() -> None:
    stopped: list[str] = []
    slow_stopped = threading.Event()
    watchdog = QueryWatchdog()

    def slow() -> None:
        with watchdog.watching(0.05, lambda: (stopped.append("slow"), slow_stopped.set())):
            slow_stopped.wait(5)

    try:
        other = threading.Thread(target=slow)
        with watchdog.watching(2.0, lambda: stopped.append("patient")):
            other.start()
            other.join(5)
        assert stopped == ["slow"]
    finally:
        watchdog.close()


def test_a_closed_watchdog_refuses_to_watch() -> None:
    watchdog = QueryWatchdog()
    watchdog.close()
    with pytest.raises(RuntimeError, match="closed"), watchdog.watching(1.0, lambda: None):
        pass
