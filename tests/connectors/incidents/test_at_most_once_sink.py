"""AtMostOnceSink posts each investigation at most once: duplicates, concurrent callers, crashes and
failures included. The marker lives in a real LocalBlobStore."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.incidents import IncidentPostError, IncidentSink, PostResult
from agentcore.connectors.incidents.once import AtMostOnceSink, marker_name
from agentcore.errors import StorageError, UserInputError
from agentcore.storage.local import LocalBlobStore

LINK = "https://sre.example.com/investigations/inv-1"
MARKER = "investigations/inv-1/writeback.json"
NOW = datetime(2026, 3, 2, 14, 30, tzinfo=UTC)


class RecordingSink:
    """Counts posts; can fail, or wait on a gate so that callers overlap."""

    def __init__(self, *, fail: Exception | None = None, gate: threading.Event | None = None) -> None:
        self.posts: list[str] = []
        self.fail = fail
        self.gate = gate
        self._lock = threading.Lock()

    def post(self, investigation_id: str, summary: str, link: str) -> PostResult:
        if self.gate is not None:
            self.gate.wait(timeout=5)
        if self.fail is not None:
            raise self.fail
        with self._lock:
            self.posts.append(investigation_id)
        return PostResult(outcome="posted", ref=f"https://chat.example/{investigation_id}")


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def once(inner: IncidentSink, store: LocalBlobStore) -> AtMostOnceSink:
    return AtMostOnceSink(inner, store, clock=lambda: NOW)


def marker(store: LocalBlobStore) -> dict[str, Any]:
    record: dict[str, Any] = json.loads(store.get(MARKER).data)
    return record


def test_the_first_call_posts_and_records_where(store: LocalBlobStore) -> None:
    inner = RecordingSink()
    result = once(inner, store).post("inv-1", "summary", LINK)
    assert result == PostResult(outcome="posted", ref="https://chat.example/inv-1")
    assert inner.posts == ["inv-1"]
    assert marker(store) == {
        "investigation_id": "inv-1",
        "state": "posted",
        "sink": "RecordingSink",
        "started_at": NOW.isoformat(),
        "updated_at": NOW.isoformat(),
        "attempt": 1,
        "ref": "https://chat.example/inv-1",
    }


def test_a_duplicate_delivery_does_not_post_again(store: LocalBlobStore) -> None:
    inner = RecordingSink()
    once(inner, store).post("inv-1", "summary", LINK)
    again = once(inner, store).post("inv-1", "summary", LINK)
    assert again.outcome == "already_posted"
    assert again.ref == "https://chat.example/inv-1"
    assert inner.posts == ["inv-1"]


def test_concurrent_callers_post_once(store: LocalBlobStore) -> None:
    gate = threading.Event()
    inner = RecordingSink(gate=gate)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def call() -> None:
        start.wait(timeout=5)
        outcomes.append(once(inner, store).post("inv-1", "summary", LINK).outcome)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while len(outcomes) < 7 and time.monotonic() < deadline:  # the losers answer while the winner waits at the gate
        time.sleep(0.01)
    gate.set()
    for thread in threads:
        thread.join(timeout=5)
    assert inner.posts == ["inv-1"]
    assert sorted(outcomes) == ["in_doubt"] * 7 + ["posted"]


def test_a_crash_between_claim_and_post_never_posts_again(store: LocalBlobStore) -> None:
    pending = {"investigation_id": "inv-1", "state": "pending", "started_at": "2026-03-02T14:00:00+00:00"}
    store.put(MARKER, json.dumps(pending).encode())
    inner = RecordingSink()
    result = once(inner, store).post("inv-1", "summary", LINK)
    assert result.outcome == "in_doubt"
    assert "2026-03-02T14:00:00+00:00" in result.detail
    assert f"delete {MARKER}" in result.detail
    assert inner.posts == []


def test_a_failure_before_anything_was_sent_is_recorded_and_retried(store: LocalBlobStore) -> None:
    refused = RecordingSink(fail=IncidentPostError("webhook answered 404: no_service", may_have_posted=False))
    with pytest.raises(IncidentPostError):
        once(refused, store).post("inv-1", "summary", LINK)
    assert marker(store)["state"] == "failed"
    assert marker(store)["error"] == "IncidentPostError: webhook answered 404: no_service"
    working = RecordingSink()
    assert once(working, store).post("inv-1", "summary", LINK).outcome == "posted"
    assert working.posts == ["inv-1"]
    assert (marker(store)["state"], marker(store)["attempt"]) == ("posted", 2)


def test_a_failure_that_may_have_posted_is_never_retried(store: LocalBlobStore) -> None:
    timed_out = RecordingSink(fail=IncidentPostError("no answer (ReadTimeout)", may_have_posted=True))
    with pytest.raises(IncidentPostError):
        once(timed_out, store).post("inv-1", "summary", LINK)
    assert marker(store)["state"] == "in_doubt"
    working = RecordingSink()
    assert once(working, store).post("inv-1", "summary", LINK).outcome == "in_doubt"
    assert working.posts == []


def test_an_unexpected_error_is_recorded_by_class_only(store: LocalBlobStore) -> None:
    broken = RecordingSink(fail=RuntimeError("token=hunter2 leaked in a message"))
    with pytest.raises(RuntimeError):
        once(broken, store).post("inv-1", "summary", LINK)
    assert (marker(store)["state"], marker(store)["error"]) == ("in_doubt", "RuntimeError")
    assert b"hunter2" not in store.get(MARKER).data


class MarkerUpdateFails(LocalBlobStore):
    """Claims work; moving the marker on (a write with if_match) fails."""

    def put(self, name: str, data: bytes, **conditions: Any) -> str:
        if conditions.get("if_match") is not None:
            raise StorageError("blob service unavailable")
        return super().put(name, data, **conditions)


def test_a_post_whose_outcome_cannot_be_recorded_still_counts_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = MarkerUpdateFails(tmp_path / "blobs")
    inner = RecordingSink()
    assert once(inner, store).post("inv-1", "summary", LINK).outcome == "posted"
    assert "could not record the outcome" in caplog.text
    assert once(inner, store).post("inv-1", "summary", LINK).outcome == "in_doubt"
    assert inner.posts == ["inv-1"]


def test_an_unreadable_marker_is_in_doubt(store: LocalBlobStore) -> None:
    store.put(MARKER, b"{not json")
    assert once(RecordingSink(), store).post("inv-1", "summary", LINK).outcome == "in_doubt"


@pytest.mark.parametrize("bad", ["../inv", "inv/1", "", ".hidden", "a" * 200])
def test_an_investigation_id_that_is_not_one_blob_segment_is_refused(store: LocalBlobStore, bad: str) -> None:
    with pytest.raises(UserInputError, match="not an investigation id"):
        once(RecordingSink(), store).post(bad, "summary", LINK)
    assert list(store.list("")) == []


def test_a_bad_link_is_refused_before_anything_is_claimed(store: LocalBlobStore) -> None:
    with pytest.raises(UserInputError, match="not an http"):
        once(RecordingSink(), store).post("inv-1", "summary", "javascript:alert(1)")
    assert list(store.list("")) == []


def test_the_wrapper_is_itself_an_incident_sink(store: LocalBlobStore) -> None:
    assert isinstance(once(RecordingSink(), store), IncidentSink)


def test_the_marker_is_named_after_the_investigation() -> None:
    name: Callable[[str], str] = marker_name
    assert name("inv-1") == MARKER
