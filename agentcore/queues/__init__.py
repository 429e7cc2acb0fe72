"""The Queue port: at-least-once, peek-lock message queues, shaped after Azure Service Bus.

A received message is locked, not removed: the receiver settles it with `complete` (done),
`abandon` (let it be delivered again) or `dead_letter` (give up, with a reason). A lock that runs
out makes the message deliverable again, one delivery later; after the queue's maximum delivery
count it is dead-lettered with reason `MaxDeliveryCountExceeded`. Every consumer must therefore be
idempotent. Adapters: `LocalQueue` (`agentcore.queues.local`, in-process) and `ServiceBusQueue`
(`agentcore.queues.servicebus`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, runtime_checkable

from agentcore.errors import StorageError, UserInputError

MAX_DELIVERY_COUNT_EXCEEDED = "MaxDeliveryCountExceeded"
"""The dead-letter reason Service Bus gives a message it delivered too often."""

MAX_MESSAGE_ID_CHARS = 128
"""Service Bus's limit on a message id's length."""


class LockLostError(StorageError):
    """The message's lock expired or it was settled already: another delivery may be under way."""


class MessageTooLargeError(StorageError):
    """The body is over the queue's size limit: put the payload in a blob and send its name."""


@dataclass(frozen=True)
class ReceivedMessage:
    """One delivery of a message, locked for its receiver until settled or the lock runs out.

    `delivery_count` is 1 on the first delivery and grows by one each time the message is abandoned
    or its lock expires. `dead_letter_reason` and `dead_letter_description` are set only on
    messages read from a dead-letter queue.
    """

    queue: str
    message_id: str
    body: bytes = field(repr=False)
    delivery_count: int
    enqueued_at: datetime
    lock_token: str
    dead_letter_reason: str | None = None
    dead_letter_description: str | None = None


@runtime_checkable
class Queue(Protocol):
    """Named queues with peek-lock delivery. Bodies are bytes; send blob names, not payloads."""

    def send(
        self,
        queue: str,
        body: bytes,
        *,
        message_id: str | None = None,
        scheduled_at: datetime | None = None,
    ) -> str:
        """Enqueue and return the message id (a new one when not given).

        A second message with the same id inside the queue's duplicate-detection window is
        accepted and dropped. `scheduled_at` (timezone-aware) delays delivery until then.
        """
        ...

    def receive(self, queue: str, *, max_messages: int = 1, wait_s: float = 0.0) -> list[ReceivedMessage]:
        """Lock and return up to `max_messages` messages, waiting up to `wait_s` for the first."""
        ...

    def complete(self, message: ReceivedMessage) -> None:
        """Remove the message for good. Raise LockLostError if the lock is gone."""
        ...

    def abandon(self, message: ReceivedMessage) -> None:
        """Release the lock so that the message is delivered again (or dead-lettered at the limit)."""
        ...

    def dead_letter(self, message: ReceivedMessage, reason: str, description: str = "") -> None:
        """Move the message to the queue's dead-letter queue with a reason and a description."""
        ...

    def dead_letters(self, queue: str, *, max_messages: int = 10) -> list[ReceivedMessage]:
        """Lock and return up to `max_messages` dead-lettered messages of `queue`, without waiting.

        `complete` removes one from the dead-letter queue; `abandon` leaves it there.
        """
        ...


def check_send(body: bytes, message_id: str | None, scheduled_at: datetime | None) -> None:
    """The checks every adapter makes before sending, so that all refuse the same input."""
    if not isinstance(body, bytes):
        raise UserInputError(f"a message body must be bytes, not {type(body).__name__}")
    if message_id is not None and not 0 < len(message_id) <= MAX_MESSAGE_ID_CHARS:
        raise UserInputError(f"a message id must have 1 to {MAX_MESSAGE_ID_CHARS} characters")
    if scheduled_at is not None and scheduled_at.utcoffset() is None:
        raise UserInputError("scheduled_at must be timezone-aware")


__all__ = [
    "MAX_DELIVERY_COUNT_EXCEEDED",
    "MAX_MESSAGE_ID_CHARS",
    "LockLostError",
    "MessageTooLargeError",
    "Queue",
    "ReceivedMessage",
    "check_send",
]
