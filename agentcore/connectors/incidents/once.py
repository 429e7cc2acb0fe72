"""AtMostOnceSink: post an investigation's write-back at most once, whatever the delivery count.

Messages arrive at least once and stages run concurrently, so the write-back claims the post before
making it: a marker blob `investigations/<id>/writeback.json` is created with `if_none_match`, and
only the caller whose create wins may post. The marker then moves on under its ETag:

    pending ──post ok──────────────────────> posted     (ref recorded; later calls: already_posted)
       │ ────post failed, nothing sent─────> failed     (a later call may claim it again and retry)
       │ ────post failed, may have landed──> in_doubt   (never retried)
       └ (crash, or still running) stays pending        (never retried)

We prefer at-most-once to at-least-once: a duplicate incident comment pages people twice and
erodes trust, while a missing one is visible in the report. So a crash between claiming and
recording leaves `pending`, and every later call answers `in_doubt` without posting. A person who
has checked that nothing was posted can delete the marker to allow another attempt.

The marker records the outcome (state, sink, times, the comment's URL or the error's class and
message); sinks' errors carry no secrets, and other exceptions are recorded by class only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from agentcore.connectors.incidents import (
    IncidentPostError,
    IncidentSink,
    PostResult,
    check_investigation_id,
    check_link,
)
from agentcore.errors import BlobNotFoundError, PreconditionFailedError, StorageError
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)


def marker_name(investigation_id: str) -> str:
    """The marker blob of an investigation's write-back."""
    return f"investigations/{check_investigation_id(investigation_id)}/writeback.json"


class AtMostOnceSink:
    """Wraps `inner` so that each investigation is posted at most once, across callers and processes."""

    def __init__(
        self, inner: IncidentSink, store: BlobStore, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._inner = inner
        self._store = store
        self._clock = clock

    def post(self, investigation_id: str, summary: str, link: str) -> PostResult:
        name = marker_name(investigation_id)
        check_link(link)  # a bad link would fail after the claim and leave the post in doubt for good
        started = self._clock().isoformat()
        claim = self._marker(investigation_id, "pending", started, attempt=1)
        try:
            etag = self._store.put(name, claim, if_none_match=True, content_type="application/json")
            attempt = 1
        except PreconditionFailedError:
            taken = self._take_over_failed(name, investigation_id, started)
            if isinstance(taken, PostResult):
                return taken
            etag, attempt = taken
        return self._deliver(name, etag, investigation_id, summary, link, started=started, attempt=attempt)

    def _take_over_failed(self, name: str, investigation_id: str, started: str) -> PostResult | tuple[str, int]:
        """(ETag, attempt) of a re-claimed `failed` marker, or the result to return without posting."""
        try:
            blob = self._store.get(name)
        except BlobNotFoundError:
            return PostResult(outcome="in_doubt", detail="the write-back marker vanished while being read; not posting")
        record = _parse(blob.data)
        state = record.get("state")
        if state == "posted":
            return PostResult(outcome="already_posted", ref=record.get("ref"), detail="posted by an earlier attempt")
        if state != "failed":
            return PostResult(
                outcome="in_doubt",
                detail=f"an attempt started at {record.get('started_at', 'an unknown time')} left the write-back "
                f"{state} (still running, crashed, or its post may have landed); not posting again (at most once). "
                f"If nothing was posted, delete {name} to allow another attempt.",
            )
        attempt = int(record.get("attempt", 1)) + 1
        claim = self._marker(investigation_id, "pending", started, attempt=attempt)
        try:
            return self._store.put(name, claim, if_match=blob.etag, content_type="application/json"), attempt
        except PreconditionFailedError:
            return PostResult(outcome="in_doubt", detail="another caller is retrying this write-back; not posting")

    def _deliver(
        self, name: str, etag: str, investigation_id: str, summary: str, link: str, *, started: str, attempt: int
    ) -> PostResult:
        def record(state: str, **fields: Any) -> None:
            self._record(name, etag, self._marker(investigation_id, state, started, attempt=attempt, **fields))

        try:
            result = self._inner.post(investigation_id, summary, link)
        except IncidentPostError as e:
            record("in_doubt" if e.may_have_posted else "failed", error=f"{type(e).__name__}: {e}")
            raise
        except Exception as e:
            record("in_doubt", error=type(e).__name__)
            raise
        record("posted", ref=result.ref)
        return result

    def _record(self, name: str, etag: str, data: bytes) -> None:
        """Move the marker on; if that fails it stays `pending`, which still prevents a second post."""
        try:
            self._store.put(name, data, if_match=etag, content_type="application/json")
        except StorageError as e:
            logger.warning("the write-back marker %s could not record the outcome: %s", name, e)

    def _marker(self, investigation_id: str, state: str, started: str, *, attempt: int, **fields: Any) -> bytes:
        record = {
            "investigation_id": investigation_id,
            "state": state,
            "sink": type(self._inner).__name__,
            "started_at": started,
            "updated_at": self._clock().isoformat(),
            "attempt": attempt,
            **fields,
        }
        return json.dumps(record, sort_keys=True).encode()


def _parse(data: bytes) -> dict[str, Any]:
    try:
        record = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return {"state": "unreadable"}
    return record if isinstance(record, dict) else {"state": "unreadable"}


__all__ = ["AtMostOnceSink", "marker_name"]
