"""ServiceBusQueue: the Queue port on Azure Service Bus queues, with the sync azure-servicebus client."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from azure.core.credentials import TokenCredential
from azure.core.exceptions import AzureError
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusReceivedMessage,
    ServiceBusReceiveMode,
    ServiceBusReceiver,
    ServiceBusSender,
    ServiceBusSubQueue,
)
from azure.servicebus.exceptions import MessageAlreadySettled, MessageLockLostError, MessageSizeExceededError

from agentcore.errors import StorageError
from agentcore.queues import LockLostError, MessageTooLargeError, ReceivedMessage, check_send

_Settle = Callable[[ServiceBusReceiver, ServiceBusReceivedMessage], None]


class ServiceBusQueue:
    """Service Bus queues (created by the infrastructure, not here) in PEEK_LOCK mode.

    Lock duration, maximum delivery count and the duplicate-detection window are properties of
    each queue in Azure, not of this client. A message must be settled through the instance that
    received it (Service Bus settles on the receiving link). The SDK's handlers are not
    thread-safe, so each is used under its own lock. `receive(wait_s=0)` still waits
    `shortest_receive_wait_s`: Service Bus has no zero-wait receive.
    """

    def __init__(
        self,
        fully_qualified_namespace: str,
        credential: TokenCredential,
        *,
        shortest_receive_wait_s: float = 1.0,
    ) -> None:
        self._setup(ServiceBusClient(fully_qualified_namespace, credential), shortest_receive_wait_s)

    @classmethod
    def with_default_credential(
        cls, fully_qualified_namespace: str, *, managed_identity_client_id: str | None = None
    ) -> ServiceBusQueue:
        """Identity-based: the app's managed identity (a user-assigned one by client id) or a developer login."""
        from azure.identity import DefaultAzureCredential

        credential = DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id)
        return cls(fully_qualified_namespace, credential)

    @classmethod
    def from_connection_string(cls, conn_str: str, *, shortest_receive_wait_s: float = 1.0) -> ServiceBusQueue:
        """For a shared access key; production uses the namespace and a managed identity."""
        client = ServiceBusClient.from_connection_string(conn_str)
        return cls.from_client(client, shortest_receive_wait_s=shortest_receive_wait_s)

    @classmethod
    def from_client(cls, client: ServiceBusClient, *, shortest_receive_wait_s: float = 1.0) -> ServiceBusQueue:
        """Wrap a client built elsewhere (custom retry or transport options)."""
        queue = cls.__new__(cls)
        queue._setup(client, shortest_receive_wait_s)
        return queue

    def _setup(self, client: ServiceBusClient, shortest_receive_wait_s: float) -> None:
        self._client = client
        self.shortest_receive_wait_s = shortest_receive_wait_s
        self._registry = threading.Lock()
        self._senders: dict[str, tuple[ServiceBusSender, threading.Lock]] = {}
        self._receivers: dict[tuple[str, bool], tuple[ServiceBusReceiver, threading.Lock]] = {}
        self._held: dict[str, tuple[ServiceBusReceiver, threading.Lock, ServiceBusReceivedMessage]] = {}
        """Lock token -> what settling that delivery needs."""

    def send(
        self,
        queue: str,
        body: bytes,
        *,
        message_id: str | None = None,
        scheduled_at: datetime | None = None,
    ) -> str:
        check_send(body, message_id, scheduled_at)
        message = _to_servicebus_message(body, message_id or uuid.uuid4().hex, scheduled_at)
        with self._registry:
            if queue not in self._senders:
                self._senders[queue] = (self._client.get_queue_sender(queue), threading.Lock())
            sender, lock = self._senders[queue]
        with lock, _translated(queue):
            sender.send_messages(message)
        return str(message.message_id)

    def receive(self, queue: str, *, max_messages: int = 1, wait_s: float = 0.0) -> list[ReceivedMessage]:
        return self._receive(queue, dead=False, max_messages=max_messages, wait_s=wait_s)

    def dead_letters(self, queue: str, *, max_messages: int = 10) -> list[ReceivedMessage]:
        return self._receive(queue, dead=True, max_messages=max_messages, wait_s=0.0)

    def complete(self, message: ReceivedMessage) -> None:
        self._settle(message, lambda receiver, raw: receiver.complete_message(raw))

    def abandon(self, message: ReceivedMessage) -> None:
        self._settle(message, lambda receiver, raw: receiver.abandon_message(raw))

    def dead_letter(self, message: ReceivedMessage, reason: str, description: str = "") -> None:
        self._settle(
            message,
            lambda receiver, raw: receiver.dead_letter_message(raw, reason=reason, error_description=description),
        )

    def close(self) -> None:
        """Close every sender and receiver, then the connection."""
        with self._registry:
            handlers: list[Any] = [s for s, _ in self._senders.values()] + [r for r, _ in self._receivers.values()]
            self._senders.clear()
            self._receivers.clear()
            self._held.clear()
        for handler in handlers:
            handler.close()
        self._client.close()

    def __enter__(self) -> ServiceBusQueue:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _receive(self, queue: str, *, dead: bool, max_messages: int, wait_s: float) -> list[ReceivedMessage]:
        with self._registry:
            if (queue, dead) not in self._receivers:
                receiver = self._client.get_queue_receiver(
                    queue,
                    receive_mode=ServiceBusReceiveMode.PEEK_LOCK,
                    sub_queue=ServiceBusSubQueue.DEAD_LETTER if dead else None,
                )
                self._receivers[(queue, dead)] = (receiver, threading.Lock())
            receiver, lock = self._receivers[(queue, dead)]
        with lock, _translated(queue):
            raws = receiver.receive_messages(
                max_message_count=max_messages, max_wait_time=max(wait_s, self.shortest_receive_wait_s)
            )
        received = [_from_servicebus_message(queue, raw) for raw in raws]
        with self._registry:
            self._forget_expired_locks()
            for message, raw in zip(received, raws, strict=True):
                self._held[message.lock_token] = (receiver, lock, raw)
        return received

    def _settle(self, message: ReceivedMessage, settle: _Settle) -> None:
        with self._registry:
            held = self._held.pop(message.lock_token, None)
        if held is None:
            raise LockLostError(
                f"no lock held on message {message.message_id} of {message.queue}: settled already, "
                "or received by another ServiceBusQueue"
            )
        receiver, lock, raw = held
        with lock, _translated(message.queue):
            settle(receiver, raw)

    def _forget_expired_locks(self) -> None:
        now = datetime.now(UTC)
        for token, (_receiver, _lock, raw) in list(self._held.items()):
            locked_until = raw.locked_until_utc
            if locked_until is not None and locked_until < now:
                del self._held[token]


def _to_servicebus_message(body: bytes, message_id: str, scheduled_at: datetime | None) -> ServiceBusMessage:
    """The azure-servicebus message for one `send`."""
    return ServiceBusMessage(
        body,
        message_id=message_id,
        scheduled_enqueue_time_utc=scheduled_at.astimezone(UTC) if scheduled_at is not None else None,
    )


def _from_servicebus_message(queue: str, raw: ServiceBusReceivedMessage) -> ReceivedMessage:
    """Our view of one azure-servicebus delivery.

    azure-servicebus reports the AMQP header's delivery count, which counts *earlier* attempts (0 on
    the first delivery); Service Bus's own count, used by max delivery count and by the .NET and
    Java SDKs and the Functions host, is one more. The port uses Service Bus's.
    """
    if raw.lock_token is None:
        raise StorageError(f"a message from {queue} has no lock token: was it received in PEEK_LOCK mode?")
    return ReceivedMessage(
        queue=queue,
        message_id=raw.message_id or f"sequence-{raw.sequence_number}",
        body=_body_bytes(raw.body),
        delivery_count=(raw.delivery_count or 0) + 1,
        enqueued_at=raw.enqueued_time_utc or datetime.now(UTC),
        lock_token=str(raw.lock_token),
        dead_letter_reason=raw.dead_letter_reason,
        dead_letter_description=raw.dead_letter_error_description,
    )


def _body_bytes(body: Any) -> bytes:
    """A data body arrives as bytes or as an iterable of byte chunks; a value body as str or bytes."""
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Iterable):
        chunks = list(body)
        if all(isinstance(chunk, bytes) for chunk in chunks):
            return b"".join(chunks)
    raise StorageError(f"unsupported Service Bus message body of type {type(body).__name__}")


@contextmanager
def _translated(queue: str) -> Iterator[None]:
    """Turn azure-servicebus errors into ours before they cross the port."""
    try:
        yield
    except (MessageLockLostError, MessageAlreadySettled) as e:
        raise LockLostError(f"lock lost on a message of {queue}: {e}") from e
    except MessageSizeExceededError as e:
        raise MessageTooLargeError(f"message for {queue} is over the queue's size limit: {e}") from e
    except AzureError as e:
        raise StorageError(f"Service Bus operation on {queue} failed: {type(e).__name__}: {e}") from e
