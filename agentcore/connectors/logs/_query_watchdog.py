"""Stops queries that run past their deadline: one waiting thread per store, not one new thread per query.

A `threading.Timer` per query starts a thread each time, and `Thread.start()` waits until that thread has run:
with other threads busy in Python (triage reads the change history and the regressions beside its other
queries), that handoff waits for the GIL, up to its 5 ms switch interval, on every query. This thread starts
once, sleeps while no query runs, and interrupts each query whose deadline has passed.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class QueryWatchdog:
    """Calls a query's `interrupt` when it is still inside `watching(timeout_s, interrupt)` `timeout_s` later."""

    def __init__(self, *, name: str = "query-watchdog") -> None:
        self._name = name
        self._changed = threading.Condition()
        self._watched: dict[object, tuple[float, Callable[[], object]]] = {}
        """Each running query (a token) -> its deadline and how to stop it."""
        self._thread: threading.Thread | None = None
        self._closed = False

    @contextmanager
    def watching(self, timeout_s: float, interrupt: Callable[[], object]) -> Iterator[None]:
        """Watch the query run inside this block; queries may run in several threads at once."""
        token = object()
        with self._changed:
            if self._closed:
                raise RuntimeError("the query watchdog is closed")
            self._watched[token] = (time.monotonic() + timeout_s, interrupt)
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name=self._name, daemon=True)
                self._thread.start()
            self._changed.notify()
        try:
            yield
        finally:
            with self._changed:
                self._watched.pop(token, None)
                self._changed.notify()

    def close(self) -> None:
        """End the waiting thread; a store calls it as it closes."""
        with self._changed:
            self._closed = True
            self._changed.notify()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self) -> None:
        with self._changed:
            while not self._closed:
                if not self._watched:
                    self._changed.wait()
                    continue
                now = time.monotonic()
                overdue = [token for token, (deadline, _) in self._watched.items() if deadline <= now]
                for token in overdue:  # interrupted once; the query's own block forgets it as it ends
                    _, interrupt = self._watched.pop(token)
                    interrupt()
                if self._watched:
                    self._changed.wait(min(deadline for deadline, _ in self._watched.values()) - now)


__all__ = ["QueryWatchdog"]
