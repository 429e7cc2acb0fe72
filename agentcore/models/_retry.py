"""The one owner of transport retries for every model provider, and the ledger row of each attempt.

An adapter hands `call_with_retries` a function that makes one attempt (send, read the whole stream,
assemble the response) and a classifier that turns that provider's exceptions into an
`AttemptFailure`. The policy decides whether and when to try again, so 429s, 5xx, resets, timeouts
and broken streams are handled the same way for Anthropic, OpenAI and OpenAI-compatible servers.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

import httpx
import httpx2

from agentcore.errors import ContextTooLongError, ModelError
from agentcore.models import ModelRequest, ModelResponse, Usage, stable_prefix_hash
from agentcore.telemetry.ledger import ModelCallLedger, ModelCallRecord
from agentcore.telemetry.stack import FailureDetails, describe_exception

logger = logging.getLogger(__name__)
_Event = TypeVar("_Event")


@dataclass(frozen=True)
class RetryPolicy:
    """How often, and how patiently, one model call is retried after a transport failure."""

    max_attempts: int = 5
    """Attempts in all, the first one included."""

    base_delay_s: float = 1.0
    """Ceiling of the first backoff; it doubles with every further attempt."""

    max_delay_s: float = 60.0
    """Longest single wait, a server's `retry-after` included."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError(f"invalid retry policy: {self!r}")

    def backoff_s(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        """Full-jitter exponential backoff after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_delay_s, self.base_delay_s * 2.0 ** (attempt - 1))
        return rand() * ceiling


DEFAULT_RETRY_POLICY = RetryPolicy()


# The ledger's error classes name what happened, not which SDK exception said so: vendors rename and
# rewrap their exceptions between releases (anthropic 2.17 wraps a body-read error in
# APIConnectionError), and the daily clustering groups model failures by this field.
TIMEOUT = "timeout"
"""No answer within the transport timeout, before the response began."""
CONNECTION_ERROR = "connection_error"
"""The connection failed or was reset before the response began."""
STREAM_BROKEN = "stream_broken"
"""The response began, then broke off or ended before the provider's end-of-message event."""


def http_error_class(status: int) -> str:
    """`http_429`, `http_400`, ...: a provider's answer with an error status."""
    return f"http_{status}"


def stream_error_class(provider_error_type: str | None) -> str:
    """`stream:overloaded_error`: an error event the provider sent inside a 200 stream."""
    return f"stream:{provider_error_type or 'error'}"


class IncompleteStreamError(ModelError):
    """The response stream ended before the provider's end-of-message event. Retryable; classified below."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


class StreamBrokenError(ModelError):
    """Reading a response failed after its first event arrived; the cause is chained. Retryable; classified below."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


def guard_stream(events: Iterable[_Event], *, is_provider_error: Callable[[Exception], bool]) -> Iterator[_Event]:
    """Yield `events`; a failure after the first one (other than the provider's own error event) is a broken stream.

    That is a behaviour, whatever exception type the SDK of the day raises for it.
    """
    iterator = iter(events)
    started = False
    while True:
        try:
            event = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            if started and not is_provider_error(exc):
                raise StreamBrokenError(f"the response broke off after it began ({type(exc).__name__}: {exc})") from exc
            raise
        started = True
        yield event


@dataclass(frozen=True)
class AttemptFailure:
    """What one failed attempt means to the policy. Built by each adapter's classifier."""

    message: str
    """Safe to show and log: never a header, never a credential."""
    retryable: bool
    error_class: str
    """For the ledger: what happened (`timeout`, `stream_broken`, `http_429`, ...), never an SDK class name."""
    status: int | None = None
    headers: Mapping[str, str] | None = None
    """Response headers, read for `retry-after` / `retry-after-ms` only."""
    context_too_long: bool = False


Classifier = Callable[[Exception], AttemptFailure | None]


def is_retryable_status(status: int) -> bool:
    """408, 409, 429 and every 5xx (529 overloaded included); never another 4xx."""
    return status in (408, 409, 429) or status >= 500


def transport_failure(exc: Exception) -> AttemptFailure | None:
    """Timeouts, resets and streams that broke mid-response, raised by httpx, httpx2 or an assembler."""
    if isinstance(exc, StreamBrokenError | IncompleteStreamError):
        return AttemptFailure(f"stream broke off: {exc}", retryable=True, error_class=STREAM_BROKEN)
    if isinstance(exc, httpx.TimeoutException | httpx2.TimeoutException):
        return AttemptFailure(f"timed out: {exc}", retryable=True, error_class=TIMEOUT)
    if isinstance(exc, httpx.TransportError | httpx2.TransportError):
        return AttemptFailure(f"connection failed: {exc}", retryable=True, error_class=CONNECTION_ERROR)
    return None


def retry_after_s(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds the server asked us to wait: `retry-after-ms`, or `retry-after` as seconds or HTTP-date."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        seconds = _finite_float(raw_ms)
        if seconds is not None:
            return max(0.0, seconds / 1000.0)
    raw = headers.get("retry-after")
    if not raw:
        return None
    seconds = _finite_float(raw)
    if seconds is not None:
        return max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _finite_float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def call_with_retries(
    attempt: Callable[[], ModelResponse],
    *,
    request: ModelRequest,
    provider: str,
    model: str,
    classify: Classifier,
    policy: RetryPolicy,
    ledger: ModelCallLedger | None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.time,
    rand: Callable[[], float] = random.random,
) -> ModelResponse:
    """Run `attempt` until it succeeds, fails for good, or the policy's attempts run out.

    Every attempt writes one ledger row. The final failure raises ModelError (ContextTooLongError when
    the prompt does not fit) chained to the provider's exception.
    """
    recorder = _AttemptRecorder(ledger, request, provider, model)
    for number in range(1, policy.max_attempts + 1):
        started = clock()
        try:
            response = attempt()
        except Exception as exc:
            failure = classify(exc) or _unexpected(exc)
            recorder.error(number, started, clock(), failure, exc)
            if not failure.retryable or number >= policy.max_attempts:
                raise _final_error(provider, model, failure, number) from exc
            delay = _delay_s(policy, number, failure, clock(), rand)
            logger.warning(
                "%s %s attempt %d/%d failed (%s, status %s); retrying in %.1fs",
                provider,
                model,
                number,
                policy.max_attempts,
                failure.error_class,
                failure.status,
                delay,
            )
            sleep(delay)
            continue
        recorder.ok(number, started, clock(), response)
        return response
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover


def _delay_s(policy: RetryPolicy, number: int, failure: AttemptFailure, now: float, rand: Callable[[], float]) -> float:
    asked = retry_after_s(failure.headers, now) if failure.headers is not None else None
    if asked is not None:
        return min(asked, policy.max_delay_s)
    return policy.backoff_s(number, rand)


def _unexpected(exc: Exception) -> AttemptFailure:
    return AttemptFailure(f"unexpected {type(exc).__name__}: {exc}", retryable=False, error_class=type(exc).__name__)


def _final_error(provider: str, model: str, failure: AttemptFailure, attempts: int) -> ModelError:
    where = f"{provider} {model}"
    if failure.context_too_long:
        return ContextTooLongError(f"{where}: prompt too long: {failure.message}", status=failure.status)
    tries = f" (after {attempts} attempts)" if attempts > 1 else ""
    status = f" HTTP {failure.status}" if failure.status is not None else ""
    return ModelError(f"{where}:{status} {failure.message}{tries}", retryable=failure.retryable, status=failure.status)


class _AttemptRecorder:
    """Writes one ModelCallRecord per attempt; it never sees headers, so no credential can reach it."""

    def __init__(self, ledger: ModelCallLedger | None, request: ModelRequest, provider: str, model: str) -> None:
        self._ledger = ledger
        self._investigation_id = request.investigation_id
        self._provider = provider
        self._model = model
        self._prefix_hash = stable_prefix_hash(request) if ledger is not None else None

    def ok(self, number: int, started: float, ended: float, response: ModelResponse) -> None:
        self._write(number, started, ended, usage=response.usage, failure=None)

    def error(self, number: int, started: float, ended: float, failure: AttemptFailure, exc: Exception) -> None:
        # The stack is read now, while the callers of the failed attempt are still on it.
        details = describe_exception(exc, message=failure.message) if self._ledger is not None else None
        self._write(number, started, ended, usage=Usage(), failure=failure, details=details)

    def _write(
        self,
        number: int,
        started: float,
        ended: float,
        *,
        usage: Usage,
        failure: AttemptFailure | None,
        details: FailureDetails | None = None,
    ) -> None:
        if self._ledger is None:
            return
        self._ledger.record(
            ModelCallRecord(
                time=datetime.fromtimestamp(started, tz=UTC),
                investigation_id=self._investigation_id,
                provider=self._provider,
                model=self._model,
                input_tokens=usage.input_tokens,
                cached_input_tokens=usage.cached_input_tokens,
                cache_write_tokens=usage.cache_write_tokens,
                output_tokens=usage.output_tokens,
                duration_s=max(0.0, ended - started),
                outcome="ok" if failure is None else "error",
                error_class=None if failure is None else failure.error_class,
                status_code=None if failure is None else failure.status,
                prefix_hash=self._prefix_hash,
                attempt=number,
                failure=details,
            )
        )
