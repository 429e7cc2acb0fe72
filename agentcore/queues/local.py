"""LocalQueue: the Queue port in memory, for one process, with Service Bus's delivery semantics."""

from __future__ import annotations

import itertools
import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from agentcore.errors import StorageError, UserInputError
from agentcore.queues import (
    MAX_DELIVERY_COUNT_EXCEEDED,
    LockLostError,
    MessageTooLargeError,
    ReceivedMessage,
    check_send,
)

logger = logging.getLogger(__name__)

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware."""


@dataclass
class _Entry:
    sequence: int
    message_id: str
    body: bytes
    enqueued_at: datetime
    visible_at: datetime
    delivery_count: int = 0
    lock_token: str | None = None
    locked_until: datetime | None = None
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None


@dataclass
class _QueueState:
    active: dict[int, _Entry] = field(default_factory=dict)
    dead: dict[int, _Entry] = field(default_factory=dict)
    seen_ids: dict[str, datetime] = field(default_factory=dict)
    """Message id -> when it was first accepted, for duplicate detection."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LocalQueue:
    """In-process queues, thread-safe, created on first use.

    Honours what the pipeline relies on from Service Bus: peek-lock with a lock duration, settlement,
    a maximum delivery count followed by dead-lettering, scheduled delivery, duplicate detection by
    message id within a window, and the message size limit. Times come from `clock` (inject a fake
    one in tests); only `receive(wait_s=...)` and `receive_any` wait in real time, for a send from
    another thread. Nothing survives the process: the local runner's `resume_unfinished` re-sends
    what the investigations in the blob store still owe.
    """

    def __init__(
        self,
        *,
        lock_duration_s: float = 60.0,
        max_delivery_count: int = 10,
        duplicate_detection_window_s: float = 600.0,
        max_message_bytes: int = 256 * 1024,
        clock: Clock = _utc_now,
    ) -> None:
        if max_delivery_count < 1:
            raise UserInputError("max_delivery_count must be at least 1")
        self.lock_duration_s = lock_duration_s
        self.max_delivery_count = max_delivery_count
        self.duplicate_detection_window_s = duplicate_detection_window_s
        self.max_message_bytes = max_message_bytes
        self._clock = clock
        self._changed = threading.Condition()
        self._queues: dict[str, _QueueState] = {}
        self._locks: dict[str, tuple[str, bool, int]] = {}
        """Lock token -> (queue, in the dead-letter queue?, sequence number)."""
        self._sequence = itertools.count(1)

    def send(
        self,
        queue: str,
        body: bytes,
        *,
        message_id: str | None = None,
        scheduled_at: datetime | None = None,
    ) -> str:
        check_send(body, message_id, scheduled_at)
        if len(body) > self.max_message_bytes:
            raise MessageTooLargeError(
                f"message for {queue} is {len(body)} bytes, over the {self.max_message_bytes}-byte limit: "
                "store the payload in a blob and send its name"
            )
        message_id = message_id or uuid.uuid4().hex
        with self._changed:
            now = self._clock()
            state = self._queues.setdefault(queue, _QueueState())
            self._forget_old_ids(state, now)
            if message_id in state.seen_ids:
                logger.debug("dropped duplicate message %s on %s", message_id, queue)
                return message_id
            state.seen_ids[message_id] = now
            visible_at = max(now, scheduled_at.astimezone(UTC)) if scheduled_at is not None else now
            sequence = next(self._sequence)
            state.active[sequence] = _Entry(sequence, message_id, body, visible_at, visible_at)
            self._changed.notify_all()
        return message_id

    def receive(self, queue: str, *, max_messages: int = 1, wait_s: float = 0.0) -> list[ReceivedMessage]:
        if max_messages < 1:
            raise UserInputError("max_messages must be at least 1")
        deadline = time.monotonic() + wait_s
        with self._changed:
            while True:
                taken = self._take(queue, dead=False, max_messages=max_messages)
                remaining_s = deadline - time.monotonic()
                if taken or remaining_s <= 0:
                    return taken
                self._changed.wait(min(remaining_s, self._seconds_to_next_change(queue)))

    def receive_any(
        self, queues: Sequence[str], *, wait_s: float | None = None, stop: threading.Event | None = None
    ) -> ReceivedMessage | None:
        """One message from the first of `queues` that has one deliverable, or None.

        Waits up to `wait_s` (None: for ever) without polling: a send, a released lock, a scheduled
        message falling due, or `wake()` with `stop` set ends the wait.
        """
        deadline = None if wait_s is None else time.monotonic() + wait_s
        with self._changed:
            while stop is None or not stop.is_set():
                for queue in queues:
                    taken = self._take(queue, dead=False, max_messages=1)
                    if taken:
                        return taken[0]
                remaining_s = None if deadline is None else deadline - time.monotonic()
                if remaining_s is not None and remaining_s <= 0:
                    return None
                next_change_s = min(self._seconds_to_next_change(queue) for queue in queues)
                timeout_s = min(remaining_s if remaining_s is not None else math.inf, next_change_s)
                self._changed.wait(None if math.isinf(timeout_s) else timeout_s)
        return None

    def wake(self) -> None:
        """Wake every waiting receiver, so that one whose `stop` event is set returns."""
        with self._changed:
            self._changed.notify_all()

    def dead_letters(self, queue: str, *, max_messages: int = 10) -> list[ReceivedMessage]:
        if max_messages < 1:
            raise UserInputError("max_messages must be at least 1")
        with self._changed:
            return self._take(queue, dead=True, max_messages=max_messages)

    def complete(self, message: ReceivedMessage) -> None:
        with self._changed:
            state, entry, dead = self._locked_entry(message)
            del self._locks[message.lock_token]
            del (state.dead if dead else state.active)[entry.sequence]

    def abandon(self, message: ReceivedMessage) -> None:
        with self._changed:
            state, entry, dead = self._locked_entry(message)
            self._release(message.queue, state, entry, dead)

    def dead_letter(self, message: ReceivedMessage, reason: str, description: str = "") -> None:
        with self._changed:
            state, entry, dead = self._locked_entry(message)
            if dead:
                raise StorageError(f"message {message.message_id} of {message.queue} is dead-lettered already")
            del self._locks[message.lock_token]
            self._move_to_dead_letters(state, entry, reason, description)

    def _take(self, queue: str, *, dead: bool, max_messages: int) -> list[ReceivedMessage]:
        now = self._clock()
        state = self._queues.setdefault(queue, _QueueState())
        self._expire_locks(queue, state, now)
        taken: list[ReceivedMessage] = []
        for entry in (state.dead if dead else state.active).values():
            if len(taken) == max_messages:
                break
            if entry.lock_token is not None or entry.visible_at > now:
                continue
            entry.delivery_count += 1
            entry.lock_token = uuid.uuid4().hex
            entry.locked_until = now + timedelta(seconds=self.lock_duration_s)
            self._locks[entry.lock_token] = (queue, dead, entry.sequence)
            taken.append(
                ReceivedMessage(
                    queue=queue,
                    message_id=entry.message_id,
                    body=entry.body,
                    delivery_count=entry.delivery_count,
                    enqueued_at=entry.enqueued_at,
                    lock_token=entry.lock_token,
                    dead_letter_reason=entry.dead_letter_reason,
                    dead_letter_description=entry.dead_letter_description,
                )
            )
        return taken

    def _seconds_to_next_change(self, queue: str) -> float:
        """Until a scheduled message is due or a lock runs out on `queue` (nothing else wakes a receiver)."""
        now = self._clock()
        moments = [
            moment
            for entry in self._queues.setdefault(queue, _QueueState()).active.values()
            for moment in (entry.visible_at, entry.locked_until)
            if moment is not None and moment > now
        ]
        return max((min(moments) - now).total_seconds(), 0.001) if moments else float("inf")

    def _locked_entry(self, message: ReceivedMessage) -> tuple[_QueueState, _Entry, bool]:
        """The entry this delivery still holds the lock of, or LockLostError."""
        state = self._queues.get(message.queue)
        if state is not None:
            self._expire_locks(message.queue, state, self._clock())
        held = self._locks.get(message.lock_token)
        if state is None or held is None or held[0] != message.queue:
            raise LockLostError(
                f"the lock on message {message.message_id} of {message.queue} is gone "
                "(it expired, or the message was settled already)"
            )
        _queue, dead, sequence = held
        return state, (state.dead if dead else state.active)[sequence], dead

    def _expire_locks(self, queue: str, state: _QueueState, now: datetime) -> None:
        for dead, lane in ((False, state.active), (True, state.dead)):
            for entry in list(lane.values()):
                if entry.locked_until is not None and entry.locked_until <= now:
                    self._release(queue, state, entry, dead)

    def _release(self, queue: str, state: _QueueState, entry: _Entry, dead: bool) -> None:
        """End a delivery without completing it: deliverable again, or dead-lettered at the limit."""
        if entry.lock_token is not None:
            self._locks.pop(entry.lock_token, None)
        entry.lock_token = None
        entry.locked_until = None
        if not dead and entry.delivery_count >= self.max_delivery_count:
            logger.warning(
                "message %s of %s dead-lettered after %d deliveries", entry.message_id, queue, entry.delivery_count
            )
            self._move_to_dead_letters(
                state,
                entry,
                MAX_DELIVERY_COUNT_EXCEEDED,
                f"Message could not be consumed after {self.max_delivery_count} delivery attempts.",
            )
        self._changed.notify_all()

    @staticmethod
    def _move_to_dead_letters(state: _QueueState, entry: _Entry, reason: str, description: str) -> None:
        del state.active[entry.sequence]
        entry.lock_token = None
        entry.locked_until = None
        entry.dead_letter_reason = reason
        entry.dead_letter_description = description
        state.dead[entry.sequence] = entry

    def _forget_old_ids(self, state: _QueueState, now: datetime) -> None:
        horizon = now - timedelta(seconds=self.duplicate_detection_window_s)
        for message_id, first_seen in list(state.seen_ids.items()):
            if first_seen <= horizon:
                del state.seen_ids[message_id]
