"""The one transport retry policy: when it retries, how long it waits, and what the ledger sees."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from agentcore.errors import ContextTooLongError, ModelError
from agentcore.models import Message, ModelRequest, ModelResponse, SystemBlock, Usage, stable_prefix_hash
from agentcore.models._retry import (
    AttemptFailure,
    IncompleteStreamError,
    RetryPolicy,
    StreamBrokenError,
    call_with_retries,
    guard_stream,
    is_retryable_status,
    retry_after_s,
    transport_failure,
)
from agentcore.telemetry.ledger import InMemoryLedger
from agentcore.testing import FakeClock

NOW = 1_760_000_000.0
REQUEST = ModelRequest(
    system=(SystemBlock(text="You are an SRE.", cache_breakpoint=True),),
    messages=(Message(role="user", content="why 5xx?"),),
    investigation_id="inv-42",
)
OK = ModelResponse(
    message=Message(role="assistant", content="done"),
    stop_reason="end_turn",
    usage=Usage(input_tokens=100, cached_input_tokens=60, cache_write_tokens=10, output_tokens=5),
    model="m-1",
)


class Boom(Exception):
    """A provider exception that the test classifier understands."""

    def __init__(self, failure: AttemptFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


def classify(exc: Exception) -> AttemptFailure | None:
    return exc.failure if isinstance(exc, Boom) else transport_failure(exc)


def status_failure(status: int, headers: dict[str, str] | None = None) -> Boom:
    return Boom(
        AttemptFailure(f"status {status}", is_retryable_status(status), "StatusError", status=status, headers=headers)
    )


def script(*steps: ModelResponse | Exception) -> Callable[[], ModelResponse]:
    remaining: Iterator[ModelResponse | Exception] = iter(steps)

    def attempt() -> ModelResponse:
        step = next(remaining)
        if isinstance(step, Exception):
            raise step
        return step

    return attempt


def run(
    attempt: Callable[[], ModelResponse],
    ledger: InMemoryLedger,
    slept: list[float],
    policy: RetryPolicy | None = None,
    rand: Callable[[], float] = lambda: 0.5,
) -> ModelResponse:
    clock = FakeClock(NOW)

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock.advance(seconds)

    return call_with_retries(
        attempt,
        request=REQUEST,
        provider="fake",
        model="m-1",
        classify=classify,
        policy=policy or RetryPolicy(),
        ledger=ledger,
        sleep=sleep,
        clock=clock,
        rand=rand,
    )


@pytest.mark.parametrize(("status", "retryable"), [(408, True), (409, True), (429, True), (500, True), (503, True),
                                                   (529, True), (400, False), (401, False), (403, False), (404, False),
                                                   (413, False), (422, False)])  # fmt: skip
def test_only_408_409_429_and_5xx_are_retryable(status: int, retryable: bool) -> None:
    assert is_retryable_status(status) is retryable


def test_retry_after_is_read_as_seconds() -> None:
    assert retry_after_s({"retry-after": "7"}, NOW) == 7.0


def test_retry_after_ms_wins_over_retry_after() -> None:
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}, NOW) == 1.5


def test_retry_after_is_read_as_an_http_date() -> None:
    when = format_datetime(datetime.fromtimestamp(NOW + 30, tz=UTC), usegmt=True)
    assert retry_after_s({"retry-after": when}, NOW) == pytest.approx(30.0)


def test_retry_after_in_the_past_means_no_wait() -> None:
    when = format_datetime(datetime.fromtimestamp(NOW - 30, tz=UTC), usegmt=True)
    assert retry_after_s({"retry-after": when}, NOW) == 0.0


@pytest.mark.parametrize("value", ["soon", "", "nan", "inf"])
def test_unreadable_retry_after_is_ignored(value: str) -> None:
    assert retry_after_s({"retry-after": value}, NOW) is None


def test_backoff_is_full_jitter_under_a_doubling_ceiling() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=60.0)
    assert [policy.backoff_s(n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert policy.backoff_s(10, rand=lambda: 1.0) == 60.0
    assert policy.backoff_s(3, rand=lambda: 0.25) == 1.0
    assert policy.backoff_s(3, rand=lambda: 0.0) == 0.0


def test_invalid_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="invalid retry policy"):
        RetryPolicy(max_attempts=0)


def test_retryable_failures_are_retried_until_success() -> None:
    ledger, slept = InMemoryLedger(), list[float]()
    response = run(script(status_failure(503), status_failure(500), OK), ledger, slept)
    assert response is OK
    assert slept == [0.5, 1.0]  # rand 0.5 of ceilings 1 s and 2 s
    assert [(r.attempt, r.outcome, r.status_code) for r in ledger.records] == [
        (1, "error", 503),
        (2, "error", 500),
        (3, "ok", None),
    ]


def test_retry_after_header_sets_the_wait() -> None:
    ledger, slept = InMemoryLedger(), list[float]()
    run(script(status_failure(429, {"retry-after": "7"}), OK), ledger, slept)
    assert slept == [7.0]


def test_retry_after_longer_than_the_cap_waits_the_cap() -> None:
    ledger, slept = InMemoryLedger(), list[float]()
    run(script(status_failure(429, {"retry-after": "600"}), OK), ledger, slept, RetryPolicy(max_delay_s=60.0))
    assert slept == [60.0]


def test_non_retryable_failure_raises_at_once_chained_to_the_cause() -> None:
    ledger, slept = InMemoryLedger(), list[float]()
    cause = status_failure(400)
    with pytest.raises(ModelError) as caught:
        run(script(cause, OK), ledger, slept)
    assert caught.value.retryable is False
    assert caught.value.status == 400
    assert caught.value.__cause__ is cause
    assert slept == []
    assert len(ledger.records) == 1


def test_exhausted_attempts_raise_a_retryable_model_error() -> None:
    ledger, slept = InMemoryLedger(), list[float]()
    with pytest.raises(ModelError, match="after 3 attempts") as caught:
        run(script(*[status_failure(529)] * 3), ledger, slept, RetryPolicy(max_attempts=3))
    assert caught.value.retryable is True
    assert caught.value.status == 529
    assert len(slept) == 2
    assert [r.attempt for r in ledger.records] == [1, 2, 3]


def test_context_too_long_raises_context_too_long_error() -> None:
    failure = AttemptFailure("prompt is too long", False, "BadRequestError", status=400, context_too_long=True)
    with pytest.raises(ContextTooLongError):
        run(script(Boom(failure)), InMemoryLedger(), [])


def test_a_stream_that_ended_early_is_retried() -> None:
    ledger = InMemoryLedger()
    assert run(script(IncompleteStreamError("no message_stop"), OK), ledger, []) is OK
    assert ledger.records[0].error_class == "stream_broken"


def test_an_exception_no_classifier_knows_is_not_retried() -> None:
    ledger = InMemoryLedger()
    with pytest.raises(ModelError, match="unexpected KeyError") as caught:
        run(script(KeyError("choices"), OK), ledger, [])
    assert caught.value.retryable is False
    assert ledger.records[0].error_class == "KeyError"


def test_every_attempt_writes_a_full_ledger_row() -> None:
    ledger = InMemoryLedger()
    run(script(status_failure(429, {"retry-after": "2"}), OK), ledger, [])
    failed, succeeded = ledger.records
    assert failed.investigation_id == succeeded.investigation_id == "inv-42"
    assert failed.provider == "fake"
    assert failed.model == "m-1"
    assert failed.error_class == "StatusError"
    assert failed.input_tokens == 0
    assert succeeded.time == datetime.fromtimestamp(NOW + 2, tz=UTC)
    assert (succeeded.input_tokens, succeeded.cached_input_tokens, succeeded.cache_write_tokens) == (100, 60, 10)
    assert succeeded.output_tokens == 5
    assert succeeded.prefix_hash == failed.prefix_hash == stable_prefix_hash(REQUEST)
    assert succeeded.error_class is None
    assert succeeded.status_code is None


class VendorWrappedReadError(Exception):
    """Stands for whatever class an SDK release wraps a body-read failure in."""


def events_then(failure: Exception, count: int) -> Iterator[int]:
    yield from range(count)
    raise failure


def test_a_failure_after_the_first_event_is_a_broken_stream_whatever_its_type() -> None:
    guarded = guard_stream(
        events_then(VendorWrappedReadError("body read failed"), 2), is_provider_error=lambda _: False
    )
    with pytest.raises(StreamBrokenError) as caught:
        list(guarded)
    assert isinstance(caught.value.__cause__, VendorWrappedReadError)
    assert transport_failure(caught.value) == AttemptFailure(
        f"stream broke off: {caught.value}", retryable=True, error_class="stream_broken"
    )


def test_a_failure_before_the_first_event_is_not_a_broken_stream() -> None:
    guarded = guard_stream(events_then(VendorWrappedReadError("refused"), 0), is_provider_error=lambda _: False)
    with pytest.raises(VendorWrappedReadError):
        list(guarded)


def test_the_providers_own_error_event_mid_stream_passes_through() -> None:
    provider_error = VendorWrappedReadError("overloaded_error")
    guarded = guard_stream(events_then(provider_error, 3), is_provider_error=lambda exc: exc is provider_error)
    with pytest.raises(VendorWrappedReadError):
        list(guarded)
