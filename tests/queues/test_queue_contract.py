"""What every Queue promises: peek-lock delivery with Service Bus's semantics.

Written against the port only, through the `subject` fixture (tests/queues/conftest.py), so any
adapter that can be given a fresh queue and a way to let time pass can run them.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest

from agentcore.errors import UserInputError
from agentcore.queues import MAX_DELIVERY_COUNT_EXCEEDED, LockLostError, MessageTooLargeError, Queue
from tests.queues.conftest import QueueUnderTest

Q = "investigations"


def test_a_sent_message_is_received_with_its_body_and_id(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b'{"investigation": "inv-1", "step": 2}', message_id="inv-1/2")

    [message] = subject.queue.receive(Q)

    assert message.body == b'{"investigation": "inv-1", "step": 2}'
    assert message.message_id == "inv-1/2"
    assert message.queue == Q


def test_a_message_without_an_id_gets_one_and_send_returns_it(subject: QueueUnderTest) -> None:
    message_id = subject.queue.send(Q, b"x")

    [message] = subject.queue.receive(Q)

    assert message_id
    assert message.message_id == message_id


def test_the_first_delivery_has_delivery_count_one_and_the_enqueue_time(subject: QueueUnderTest) -> None:
    sent_at = subject.now()
    subject.queue.send(Q, b"x")

    [message] = subject.queue.receive(Q)

    assert message.delivery_count == 1
    assert message.enqueued_at == sent_at


def test_receiving_from_an_empty_queue_returns_nothing(subject: QueueUnderTest) -> None:
    assert subject.queue.receive(Q) == []


def test_receive_returns_at_most_max_messages_in_send_order(subject: QueueUnderTest) -> None:
    for i in range(5):
        subject.queue.send(Q, f"{i}".encode())

    first = subject.queue.receive(Q, max_messages=3)
    rest = subject.queue.receive(Q, max_messages=3)

    assert [m.body for m in first] == [b"0", b"1", b"2"]
    assert [m.body for m in rest] == [b"3", b"4"]


def test_a_locked_message_is_not_delivered_again_before_its_lock_expires(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    subject.queue.receive(Q)

    subject.advance(subject.lock_duration_s - 1)

    assert subject.queue.receive(Q) == []


def test_an_expired_lock_makes_the_message_deliverable_again_one_delivery_later(
    subject: QueueUnderTest,
) -> None:
    subject.queue.send(Q, b"x", message_id="m")
    subject.queue.receive(Q)

    subject.advance(subject.lock_duration_s)
    [again] = subject.queue.receive(Q)

    assert again.message_id == "m"
    assert again.delivery_count == 2


def test_a_completed_message_is_never_delivered_again(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    [message] = subject.queue.receive(Q)

    subject.queue.complete(message)
    subject.advance(subject.lock_duration_s * 2)

    assert subject.queue.receive(Q) == []
    assert subject.queue.dead_letters(Q) == []


def test_an_abandoned_message_is_delivered_again_at_once_one_delivery_later(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    [message] = subject.queue.receive(Q)

    subject.queue.abandon(message)
    [again] = subject.queue.receive(Q)

    assert again.body == b"x"
    assert again.delivery_count == 2
    assert again.lock_token != message.lock_token


def test_completing_after_the_lock_expired_raises_lock_lost(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    [message] = subject.queue.receive(Q)

    subject.advance(subject.lock_duration_s)

    with pytest.raises(LockLostError):
        subject.queue.complete(message)


def test_settling_a_message_twice_raises_lock_lost(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    [message] = subject.queue.receive(Q)
    subject.queue.complete(message)

    with pytest.raises(LockLostError):
        subject.queue.complete(message)
    with pytest.raises(LockLostError):
        subject.queue.abandon(message)


def test_a_stale_delivery_cannot_settle_the_redelivered_message(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    [stale] = subject.queue.receive(Q)
    subject.advance(subject.lock_duration_s)
    [current] = subject.queue.receive(Q)

    with pytest.raises(LockLostError):
        subject.queue.complete(stale)

    subject.queue.complete(current)
    assert subject.queue.receive(Q) == []


def test_after_the_max_delivery_count_a_message_is_dead_lettered_with_the_service_bus_reason(
    subject: QueueUnderTest,
) -> None:
    subject.queue.send(Q, b"poison", message_id="poison")
    for _ in range(subject.max_delivery_count):
        [message] = subject.queue.receive(Q)
        subject.queue.abandon(message)

    assert subject.queue.receive(Q) == []
    [dead] = subject.queue.dead_letters(Q)
    assert dead.message_id == "poison"
    assert dead.body == b"poison"
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED
    assert dead.dead_letter_description


def test_expired_locks_count_towards_the_max_delivery_count(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"slow", message_id="slow")
    for delivery in range(1, subject.max_delivery_count + 1):
        [message] = subject.queue.receive(Q)
        assert message.delivery_count == delivery
        subject.advance(subject.lock_duration_s)

    assert subject.queue.receive(Q) == []
    [dead] = subject.queue.dead_letters(Q)
    assert dead.dead_letter_reason == MAX_DELIVERY_COUNT_EXCEEDED


def test_a_message_can_be_completed_on_its_last_allowed_delivery(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    for _ in range(subject.max_delivery_count - 1):
        subject.queue.abandon(subject.queue.receive(Q)[0])
    [last] = subject.queue.receive(Q)

    subject.queue.complete(last)

    assert last.delivery_count == subject.max_delivery_count
    assert subject.queue.dead_letters(Q) == []


def test_an_explicit_dead_letter_keeps_the_reason_and_description(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"bad alert", message_id="bad")
    [message] = subject.queue.receive(Q)

    subject.queue.dead_letter(message, "UnparseableAlert", "schemaId missing")

    assert subject.queue.receive(Q) == []
    [dead] = subject.queue.dead_letters(Q)
    assert (dead.message_id, dead.body) == ("bad", b"bad alert")
    assert (dead.dead_letter_reason, dead.dead_letter_description) == ("UnparseableAlert", "schemaId missing")


def test_a_live_message_has_no_dead_letter_reason(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")

    [message] = subject.queue.receive(Q)

    assert message.dead_letter_reason is None
    assert message.dead_letter_description is None


def test_a_completed_dead_letter_is_gone(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x")
    subject.queue.dead_letter(subject.queue.receive(Q)[0], "Reason", "")
    [dead] = subject.queue.dead_letters(Q)

    subject.queue.complete(dead)

    assert subject.queue.dead_letters(Q) == []


def test_an_abandoned_dead_letter_stays_in_the_dead_letter_queue(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x", message_id="m")
    subject.queue.dead_letter(subject.queue.receive(Q)[0], "Reason", "")
    [dead] = subject.queue.dead_letters(Q)

    subject.queue.abandon(dead)

    [again] = subject.queue.dead_letters(Q)
    assert again.message_id == "m"
    assert subject.queue.receive(Q) == []


def test_dead_letters_belong_to_their_queue(subject: QueueUnderTest) -> None:
    subject.queue.send("a", b"x")
    subject.queue.dead_letter(subject.queue.receive("a")[0], "Reason", "")

    assert subject.queue.dead_letters("b") == []
    assert len(subject.queue.dead_letters("a")) == 1


def test_queues_are_independent(subject: QueueUnderTest) -> None:
    subject.queue.send("triage", b"t")
    subject.queue.send("investigate", b"i")

    assert [m.body for m in subject.queue.receive("investigate")] == [b"i"]
    assert [m.body for m in subject.queue.receive("triage")] == [b"t"]


def test_a_scheduled_message_is_not_delivered_before_its_time(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"later", scheduled_at=subject.now() + timedelta(minutes=5))

    subject.advance(299)

    assert subject.queue.receive(Q) == []


def test_a_scheduled_message_is_delivered_at_its_time_and_enqueued_then(subject: QueueUnderTest) -> None:
    due = subject.now() + timedelta(minutes=5)
    subject.queue.send(Q, b"later", scheduled_at=due)

    subject.advance(300)
    [message] = subject.queue.receive(Q)

    assert message.body == b"later"
    assert message.enqueued_at == due


def test_a_scheduled_time_in_another_time_zone_is_the_same_instant(subject: QueueUnderTest) -> None:
    due_in_utc = subject.now() + timedelta(minutes=5)
    subject.queue.send(Q, b"later", scheduled_at=due_in_utc.astimezone(timezone(timedelta(hours=-7))))

    subject.advance(299)
    assert subject.queue.receive(Q) == []
    subject.advance(1)
    assert len(subject.queue.receive(Q)) == 1


def test_a_message_scheduled_in_the_past_is_delivered_at_once(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"overdue", scheduled_at=subject.now() - timedelta(hours=1))

    assert [m.body for m in subject.queue.receive(Q)] == [b"overdue"]


def test_a_scheduled_time_without_a_time_zone_is_refused(subject: QueueUnderTest) -> None:
    with pytest.raises(UserInputError):
        subject.queue.send(Q, b"x", scheduled_at=datetime(2026, 11, 2, 9, 5))


def test_a_duplicate_message_id_within_the_window_is_dropped(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"first", message_id="inv-1/step-3")
    subject.advance(subject.duplicate_detection_window_s - 1)

    subject.queue.send(Q, b"second", message_id="inv-1/step-3")

    assert [m.body for m in subject.queue.receive(Q, max_messages=10)] == [b"first"]


def test_a_duplicate_is_dropped_even_after_the_original_was_completed(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"first", message_id="inv-1/step-3")
    subject.queue.complete(subject.queue.receive(Q)[0])

    subject.queue.send(Q, b"second", message_id="inv-1/step-3")

    assert subject.queue.receive(Q) == []


def test_the_same_message_id_after_the_window_is_a_new_message(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"first", message_id="inv-1/step-3")
    subject.queue.complete(subject.queue.receive(Q)[0])
    subject.advance(subject.duplicate_detection_window_s)

    subject.queue.send(Q, b"second", message_id="inv-1/step-3")

    assert [m.body for m in subject.queue.receive(Q)] == [b"second"]


def test_duplicate_detection_is_per_queue(subject: QueueUnderTest) -> None:
    subject.queue.send("a", b"x", message_id="same")
    subject.queue.send("b", b"x", message_id="same")

    assert len(subject.queue.receive("a")) == 1
    assert len(subject.queue.receive("b")) == 1


def test_a_body_at_the_size_limit_is_accepted(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, b"x" * subject.max_message_bytes)

    assert len(subject.queue.receive(Q)[0].body) == subject.max_message_bytes


def test_a_body_over_the_size_limit_is_refused_with_advice(subject: QueueUnderTest) -> None:
    with pytest.raises(MessageTooLargeError, match="blob"):
        subject.queue.send(Q, b"x" * (subject.max_message_bytes + 1))

    assert subject.queue.receive(Q) == []


def test_a_message_id_over_128_characters_is_refused(subject: QueueUnderTest) -> None:
    with pytest.raises(UserInputError):
        subject.queue.send(Q, b"x", message_id="m" * 129)


def test_binary_bodies_arrive_unchanged(subject: QueueUnderTest) -> None:
    subject.queue.send(Q, bytes(range(256)))

    assert subject.queue.receive(Q)[0].body == bytes(range(256))


def test_receive_with_a_wait_returns_a_message_sent_meanwhile_by_another_thread(
    subject: QueueUnderTest,
) -> None:
    received = []
    receiver = threading.Thread(target=lambda: received.extend(subject.queue.receive(Q, wait_s=10)))
    receiver.start()

    subject.queue.send(Q, b"wake up")
    receiver.join(timeout=10)

    assert [m.body for m in received] == [b"wake up"]


def test_concurrent_receivers_each_get_different_messages(subject: QueueUnderTest) -> None:
    for i in range(200):
        subject.queue.send(Q, f"{i}".encode())
    seen: list[bytes] = []
    lock = threading.Lock()

    def drain() -> None:
        while batch := subject.queue.receive(Q, max_messages=3):
            for message in batch:
                subject.queue.complete(message)
                with lock:
                    seen.append(message.body)

    workers = [threading.Thread(target=drain) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)

    assert sorted(seen) == sorted(f"{i}".encode() for i in range(200))


def test_every_adapter_satisfies_the_port(subject: QueueUnderTest) -> None:
    assert isinstance(subject.queue, Queue)
