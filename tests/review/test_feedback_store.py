"""Feedback beside the report in the blob store: every version kept, stale submissions refused, read back by day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from agentcore.errors import UserInputError
from agentcore.review import (
    Culprit,
    Feedback,
    FeedbackConflictError,
    Verdict,
    feedback_blob,
    iter_feedback,
    read_feedback_at,
    record_feedback,
)
from agentcore.storage import BlobStore
from agentcore.storage.azure import AzureBlobStore
from agentcore.storage.local import LocalBlobStore
from tests.azurite_fixture import Azurite

REPORT = "reports/2026/03/02/inv-20260302-141000-abc123.json"
AT = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["local", pytest.param("azure", marks=pytest.mark.azurite)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    """Each BlobStore adapter in turn, empty: a folder, and a fresh Azurite container."""
    if request.param == "local":
        yield LocalBlobStore(tmp_path / "blobs")
        return
    azurite: Azurite = request.getfixturevalue("azurite")
    with AzureBlobStore.from_connection_string(
        azurite.connection_string, container=azurite.new_container_name()
    ) as azure_store:
        yield azure_store


def feedback(by: str = "ana", verdict: Verdict = Verdict.CORRECT, minutes: int = 0) -> Feedback:
    return Feedback(
        verdict=verdict,
        human_root_cause="campaign expiry is naive",
        culprit=Culprit(repo="checkout", commit="b12894d2a204"),
        notes="rolled back",
        by=by,
        at=AT + timedelta(minutes=minutes),
    )


def test_feedback_round_trips_through_the_blob_store(store: BlobStore) -> None:
    record_feedback(store, "inv-20260302-141000-abc123", REPORT, feedback(), based_on=0)
    record = read_feedback_at(store, REPORT)
    assert record is not None
    assert record.versions == (feedback(),)
    assert record.investigation_id == "inv-20260302-141000-abc123"


def test_a_secret_pasted_into_feedback_is_stored_redacted(store: BlobStore) -> None:
    key = "AKIA" + "QX7Z2M4N6P8R3T5V"
    pasted = feedback().model_copy(update={"notes": f"rotated key {key} after the incident"})
    record_feedback(store, "inv-20260302-141000-abc123", REPORT, pasted, based_on=0)
    record = read_feedback_at(store, REPORT)
    assert record is not None
    assert key not in record.versions[0].notes
    assert record.versions[0].notes.startswith("rotated key [REDACTED:aws-access-key#1]")


def test_the_feedback_blob_sits_beside_the_report(store: BlobStore) -> None:
    record_feedback(store, "inv-20260302-141000-abc123", REPORT, feedback(), based_on=0)
    assert list(store.list("reports/2026/03/02/")) == ["reports/2026/03/02/inv-20260302-141000-abc123.feedback.json"]


def test_a_later_review_appends_a_version_and_keeps_the_first(store: BlobStore) -> None:
    record_feedback(store, "inv-20260302-141000-abc123", REPORT, feedback("ana"), based_on=0)
    record_feedback(store, "inv-20260302-141000-abc123", REPORT, feedback("ben", Verdict.PARTLY, 5), based_on=1)
    record = read_feedback_at(store, REPORT)
    assert record is not None
    assert [(v.by, v.verdict) for v in record.versions] == [("ana", Verdict.CORRECT), ("ben", Verdict.PARTLY)]
    assert record.latest.by == "ben"


def test_a_review_of_a_version_someone_already_replaced_is_refused_with_theirs(store: BlobStore) -> None:
    record_feedback(store, "inv-20260302-141000-abc123", REPORT, feedback("ana"), based_on=0)
    with pytest.raises(FeedbackConflictError) as refused:
        record_feedback(store, "inv-20260302-141000-abc123", REPORT, feedback("ben", Verdict.WRONG), based_on=0)
    assert refused.value.current.latest.by == "ana"
    record = read_feedback_at(store, REPORT)
    assert record is not None
    assert [v.by for v in record.versions] == ["ana"]


def test_an_unreviewed_report_has_no_feedback(store: BlobStore) -> None:
    assert read_feedback_at(store, REPORT) is None


def test_iter_feedback_reads_the_reports_of_the_days_asked_for(store: BlobStore) -> None:
    days = {"2026/03/01": "inv-20260301-090000-aaaaaa", "2026/03/02": "inv-20260302-141000-abc123",
            "2026/03/04": "inv-20260304-100000-bbbbbb"}  # fmt: skip
    for day, investigation_id in days.items():
        record_feedback(store, investigation_id, f"reports/{day}/{investigation_id}.json", feedback(), based_on=0)
    store.put("reports/2026/03/02/inv-20260302-141000-abc123.json", b"{}")  # a report is not feedback
    found = iter_feedback(store, datetime(2026, 3, 2, tzinfo=UTC), until=datetime(2026, 3, 4, 23, tzinfo=UTC))
    assert [r.investigation_id for r in found] == ["inv-20260302-141000-abc123", "inv-20260304-100000-bbbbbb"]


def test_only_a_report_blob_has_a_feedback_blob() -> None:
    assert feedback_blob(REPORT) == "reports/2026/03/02/inv-20260302-141000-abc123.feedback.json"
    for name in ("investigations/x/state.json", "reports/2026/03/02/../../x.json", REPORT.replace(".json", ".md")):
        with pytest.raises(UserInputError):
            feedback_blob(name)


def test_a_culprit_commit_must_look_like_a_commit() -> None:
    with pytest.raises(ValidationError):
        Culprit(repo="checkout", commit="HEAD~1; rm -rf /")


def test_feedback_needs_a_reviewer_name() -> None:
    with pytest.raises(ValidationError):
        Feedback(verdict=Verdict.WRONG, by="", at=AT)
