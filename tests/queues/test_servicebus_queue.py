"""ServiceBusQueue's mapping of our calls onto azure-servicebus, without a namespace.

No Service Bus emulator runs here (it needs Docker), so the SDK's client is replaced by a recorder
that hands back real `ServiceBusReceivedMessage` objects decoded from AMQP bytes, as the SDK and the
Functions host build them, and keeps the real `ServiceBusMessage` objects we send. What this cannot
show: that the service accepts them, lock expiry, redelivery, dead-lettering by the broker.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
from azure.core.credentials import AccessToken
from azure.servicebus import (
    ServiceBusClient,
    ServiceBusMessage,
    ServiceBusReceivedMessage,
    ServiceBusReceiveMode,
    ServiceBusSubQueue,
)
from azure.servicebus._pyamqp._encode import encode_payload
from azure.servicebus._transport._pyamqp_transport import PyamqpTransport
from azure.servicebus.amqp import AmqpAnnotatedMessage, AmqpMessageHeader, AmqpMessageProperties
from azure.servicebus.exceptions import (
    MessageAlreadySettled,
    MessageLockLostError,
    MessageSizeExceededError,
    ServiceBusConnectionError,
)

from agentcore.errors import StorageError, UserInputError
from agentcore.queues import LockLostError, MessageTooLargeError, Queue, ReceivedMessage
from agentcore.queues.servicebus import ServiceBusQueue

ENQUEUED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def received(
    body: bytes = b"body",
    *,
    message_id: str | None = "m-1",
    header_delivery_count: int = 0,
    lock_token: uuid.UUID | None = None,
    dead_letter: tuple[str, str] | None = None,
) -> ServiceBusReceivedMessage:
    """A delivery as the SDK decodes it off the wire (the encoder is the SDK's own, private)."""
    millis = int(ENQUEUED.timestamp() * 1000)
    # AMQP symbols, which the SDK decodes to bytes keys (its type hints say str).
    properties: dict[Any, Any] = {}
    if dead_letter:
        properties = {
            b"DeadLetterReason": dead_letter[0].encode(),
            b"DeadLetterErrorDescription": dead_letter[1].encode(),
        }
    annotations: dict[Any, Any] = {
        b"x-opt-enqueued-time": millis,
        b"x-opt-sequence-number": 42,
        b"x-opt-locked-until": millis + 60_000,
    }
    delivery_annotations: dict[Any, Any] = {b"x-opt-lock-token": lock_token or uuid.uuid4()}
    amqp = AmqpAnnotatedMessage(
        data_body=body,
        header=AmqpMessageHeader(delivery_count=header_delivery_count),
        properties=AmqpMessageProperties(message_id=message_id),
        annotations=annotations,
        delivery_annotations=delivery_annotations,
        application_properties=properties or None,
    )
    wire = encode_payload(bytearray(), PyamqpTransport.to_outgoing_amqp_message(amqp))
    return ServiceBusReceivedMessage.from_bytes(bytes(wire))


def on_the_wire(message: ServiceBusMessage) -> ServiceBusReceivedMessage:
    """What the service would read: our outgoing message encoded as AMQP and decoded again."""
    wire = encode_payload(bytearray(), PyamqpTransport.to_outgoing_amqp_message(message.raw_amqp_message))
    return ServiceBusReceivedMessage.from_bytes(bytes(wire))


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[ServiceBusMessage] = []
        self.error: Exception | None = None

    def send_messages(self, message: ServiceBusMessage) -> None:
        if self.error:
            raise self.error
        self.sent.append(message)

    def close(self) -> None:
        pass


class RecordingReceiver:
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        self.inbox: list[ServiceBusReceivedMessage] = []
        self.receive_calls: list[dict[str, Any]] = []
        self.settled: list[tuple[str, ServiceBusReceivedMessage, dict[str, Any]]] = []
        self.error: Exception | None = None

    def receive_messages(self, max_message_count: int, max_wait_time: float) -> list[ServiceBusReceivedMessage]:
        self.receive_calls.append({"max_message_count": max_message_count, "max_wait_time": max_wait_time})
        batch, self.inbox = self.inbox[:max_message_count], self.inbox[max_message_count:]
        return batch

    def _settle(self, how: str, message: ServiceBusReceivedMessage, **details: Any) -> None:
        if self.error:
            raise self.error
        self.settled.append((how, message, details))

    def complete_message(self, message: ServiceBusReceivedMessage) -> None:
        self._settle("complete", message)

    def abandon_message(self, message: ServiceBusReceivedMessage) -> None:
        self._settle("abandon", message)

    def dead_letter_message(
        self, message: ServiceBusReceivedMessage, reason: str | None = None, error_description: str | None = None
    ) -> None:
        self._settle("dead_letter", message, reason=reason, error_description=error_description)

    def close(self) -> None:
        pass


class RecordingClient:
    """Stands in for ServiceBusClient: one sender and one receiver per (queue, sub-queue)."""

    def __init__(self) -> None:
        self.senders: dict[str, RecordingSender] = {}
        self.receivers: dict[tuple[str, Any], RecordingReceiver] = {}
        self.closed = False

    def get_queue_sender(self, queue_name: str) -> RecordingSender:
        return self.senders.setdefault(queue_name, RecordingSender())

    def get_queue_receiver(self, queue_name: str, **options: Any) -> RecordingReceiver:
        receiver = self.receiver(queue_name, options.get("sub_queue"))
        receiver.options = options
        return receiver

    def receiver(self, queue: str, sub_queue: Any = None) -> RecordingReceiver:
        """The receiver the adapter gets (or will get) for this queue, to load or inspect it."""
        return self.receivers.setdefault((queue, sub_queue), RecordingReceiver({}))

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def client() -> RecordingClient:
    return RecordingClient()


@pytest.fixture
def queue(client: RecordingClient) -> ServiceBusQueue:
    return ServiceBusQueue.from_client(cast(ServiceBusClient, client))


def receive_one(client: RecordingClient, queue: ServiceBusQueue, raw: ServiceBusReceivedMessage) -> ReceivedMessage:
    client.receiver("q").inbox.append(raw)
    [message] = queue.receive("q")
    return message


def test_send_hands_the_sdk_a_message_with_our_body_and_id(client: RecordingClient, queue: ServiceBusQueue) -> None:
    queue.send("investigations", b'{"id": "inv-1"}', message_id="inv-1/2")

    [sent] = client.senders["investigations"].sent
    assert b"".join(sent.body) == b'{"id": "inv-1"}'
    assert sent.message_id == "inv-1/2"
    assert sent.scheduled_enqueue_time_utc is None


def test_send_without_an_id_sets_a_fresh_one_and_returns_it(client: RecordingClient, queue: ServiceBusQueue) -> None:
    first = queue.send("q", b"x")
    second = queue.send("q", b"x")

    assert first != second
    assert [m.message_id for m in client.senders["q"].sent] == [first, second]


def test_a_scheduled_send_sets_the_scheduled_enqueue_time_in_utc(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    due = datetime(2026, 11, 2, 11, 30, tzinfo=timezone(timedelta(hours=2)))

    queue.send("q", b"later", scheduled_at=due)

    [sent] = client.senders["q"].sent
    assert sent.scheduled_enqueue_time_utc == due
    assert sent.scheduled_enqueue_time_utc is not None
    assert sent.scheduled_enqueue_time_utc.utcoffset() == timedelta(0)


def test_the_scheduled_time_and_id_survive_amqp_encoding(client: RecordingClient, queue: ServiceBusQueue) -> None:
    due = datetime(2026, 11, 2, 11, 30, tzinfo=timezone(timedelta(hours=2)))
    queue.send("q", b"later", message_id="inv-1/3", scheduled_at=due)

    wire = on_the_wire(client.senders["q"].sent[0])

    assert wire.scheduled_enqueue_time_utc == datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
    assert wire.message_id == "inv-1/3"
    assert b"".join(wire.body) == b"later"


def test_invalid_sends_are_refused_before_reaching_the_sdk(client: RecordingClient, queue: ServiceBusQueue) -> None:
    with pytest.raises(UserInputError):
        queue.send("q", b"x", scheduled_at=datetime(2026, 11, 2, 9, 0))
    with pytest.raises(UserInputError):
        queue.send("q", b"x", message_id="m" * 129)

    assert "q" not in client.senders


def test_a_receiver_is_opened_in_peek_lock_mode_on_the_queue_itself(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    queue.receive("investigations")

    receiver = client.receivers[("investigations", None)]
    assert receiver.options["receive_mode"] == ServiceBusReceiveMode.PEEK_LOCK


def test_receive_passes_the_batch_size_and_wait(client: RecordingClient, queue: ServiceBusQueue) -> None:
    queue.receive("q", max_messages=5, wait_s=20)

    assert client.receiver("q").receive_calls == [{"max_message_count": 5, "max_wait_time": 20}]


def test_a_receive_without_wait_still_waits_the_shortest_time_service_bus_allows(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    queue.receive("q")

    assert client.receiver("q").receive_calls[0]["max_wait_time"] == queue.shortest_receive_wait_s > 0


def test_a_delivery_maps_onto_our_received_message(client: RecordingClient, queue: ServiceBusQueue) -> None:
    token = uuid.uuid4()

    message = receive_one(client, queue, received(b"\x00payload\xff", message_id="inv-1/2", lock_token=token))

    assert message == ReceivedMessage(
        queue="q",
        message_id="inv-1/2",
        body=b"\x00payload\xff",
        delivery_count=1,
        enqueued_at=ENQUEUED,
        lock_token=str(token),
    )


def test_the_delivery_count_is_one_more_than_the_amqp_header_count(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    message = receive_one(client, queue, received(header_delivery_count=3))

    assert message.delivery_count == 4


def test_a_message_sent_without_an_id_is_named_by_its_sequence_number(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    message = receive_one(client, queue, received(message_id=None))

    assert message.message_id == "sequence-42"


def test_complete_settles_the_original_delivery_on_its_receiver(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    raw = received()
    message = receive_one(client, queue, raw)

    queue.complete(message)

    assert client.receiver("q").settled == [("complete", raw, {})]


def test_abandon_settles_the_original_delivery_on_its_receiver(client: RecordingClient, queue: ServiceBusQueue) -> None:
    raw = received()
    message = receive_one(client, queue, raw)

    queue.abandon(message)

    assert client.receiver("q").settled == [("abandon", raw, {})]


def test_dead_letter_passes_the_reason_and_description(client: RecordingClient, queue: ServiceBusQueue) -> None:
    raw = received()
    message = receive_one(client, queue, raw)

    queue.dead_letter(message, "UnparseableAlert", "schemaId missing")

    assert client.receiver("q").settled == [
        ("dead_letter", raw, {"reason": "UnparseableAlert", "error_description": "schemaId missing"})
    ]


def test_settling_a_message_twice_raises_lock_lost(client: RecordingClient, queue: ServiceBusQueue) -> None:
    message = receive_one(client, queue, received())
    queue.complete(message)

    with pytest.raises(LockLostError):
        queue.complete(message)
    assert len(client.receiver("q").settled) == 1


def test_dead_letters_come_from_the_dead_letter_sub_queue_with_their_reason(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    dead_receiver = client.receiver("q", ServiceBusSubQueue.DEAD_LETTER)
    raw = received(
        dead_letter=("MaxDeliveryCountExceeded", "Message could not be consumed after 10 delivery attempts.")
    )
    dead_receiver.inbox.append(raw)

    [dead] = queue.dead_letters("q")
    queue.complete(dead)

    assert dead_receiver.options["receive_mode"] == ServiceBusReceiveMode.PEEK_LOCK
    assert dead.dead_letter_reason == "MaxDeliveryCountExceeded"
    assert dead.dead_letter_description == "Message could not be consumed after 10 delivery attempts."
    assert dead_receiver.settled == [("complete", raw, {})]


def test_a_lost_lock_in_the_sdk_becomes_lock_lost(client: RecordingClient, queue: ServiceBusQueue) -> None:
    message = receive_one(client, queue, received())
    client.receiver("q").error = MessageLockLostError(message="lock expired")

    with pytest.raises(LockLostError) as raised:
        queue.complete(message)
    assert isinstance(raised.value.__cause__, MessageLockLostError)


def test_an_already_settled_message_in_the_sdk_becomes_lock_lost(
    client: RecordingClient, queue: ServiceBusQueue
) -> None:
    message = receive_one(client, queue, received())
    client.receiver("q").error = MessageAlreadySettled()

    with pytest.raises(LockLostError):
        queue.abandon(message)


def test_an_oversized_message_becomes_message_too_large(client: RecordingClient, queue: ServiceBusQueue) -> None:
    client.get_queue_sender("q").error = MessageSizeExceededError(message="too big")

    with pytest.raises(MessageTooLargeError):
        queue.send("q", b"x")


def test_other_service_bus_errors_become_storage_errors(client: RecordingClient, queue: ServiceBusQueue) -> None:
    client.get_queue_sender("q").error = ServiceBusConnectionError(message="connection reset")

    with pytest.raises(StorageError) as raised:
        queue.send("q", b"x")
    assert isinstance(raised.value.__cause__, ServiceBusConnectionError)


def test_close_closes_the_client(client: RecordingClient, queue: ServiceBusQueue) -> None:
    queue.send("q", b"x")

    queue.close()

    assert client.closed


class StaticCredential:
    """A TokenCredential that is never asked for a token, because nothing connects."""

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        raise AssertionError("no token should be needed without a connection")


def test_the_constructors_build_a_real_client_without_connecting() -> None:
    conn_str = "Endpoint=sb://example.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey=bm90LWEta2V5"

    with ServiceBusQueue("example.servicebus.windows.net", StaticCredential()) as by_identity:
        assert isinstance(by_identity, Queue)
    with ServiceBusQueue.from_connection_string(conn_str) as by_key:
        assert isinstance(by_key, Queue)
