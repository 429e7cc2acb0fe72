"""Reviewers' feedback on a report, stored beside it: `reports/<yyyy>/<mm>/<dd>/<id>.feedback.json`.

The blob holds every version ever submitted, oldest first; the last one is the current verdict.
A reviewer submits against the version count they saw (`based_on`): when someone else submitted in
between, the write is refused with the newer feedback (FeedbackConflictError) instead of silently
replacing it. The append itself is an ETag-conditional write, so two submissions racing on the same
version cannot both win either.

`iter_feedback(store, since)` is what the daily job and the signals aggregation read: the feedback
on every report that started on or after `since`, one prefix listing per day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from agentcore.errors import AgentCoreError, BlobNotFoundError, PreconditionFailedError, StorageError, UserInputError
from agentcore.redaction import redact_model
from agentcore.storage import BlobStore

_JSON = "application/json; charset=utf-8"
_SUFFIX = ".feedback.json"
_REPORT_BLOB = re.compile(r"^reports/\d{4}/\d{2}/\d{2}/[A-Za-z0-9][A-Za-z0-9._-]{0,127}\.json$")
_WRITE_ATTEMPTS = 5


class Verdict(StrEnum):
    """What the reviewer thinks of the report's conclusion."""

    CORRECT = "correct"
    PARTLY = "partly"
    WRONG = "wrong"
    INCONCLUSIVE_WAS_RIGHT = "inconclusive-was-right"
    """The report said it could not tell, and that was the honest answer."""


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


class Culprit(BaseModel):
    """The change that really caused the incident, as the reviewer knows it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    repo: str = Field(min_length=1, max_length=200)
    commit: str = Field(pattern=r"^[0-9a-fA-F]{7,64}$")


class Feedback(BaseModel):
    """One reviewer's judgement of one report, as submitted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    verdict: Verdict
    human_root_cause: str = Field(default="", max_length=1000)
    """The root cause in the reviewer's own sentence."""
    culprit: Culprit | None = None
    notes: str = Field(default="", max_length=8000)
    by: str = Field(min_length=1, max_length=200)
    at: Annotated[AwareDatetime, AfterValidator(_to_utc)]


class FeedbackRecord(BaseModel):
    """Every version of the feedback on one report, oldest first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    investigation_id: str
    report_blob: str
    versions: tuple[Feedback, ...] = Field(min_length=1)

    @property
    def latest(self) -> Feedback:
        return self.versions[-1]


class FeedbackConflictError(AgentCoreError):
    """Someone else recorded feedback after the version the reviewer saw; `current` is theirs."""

    def __init__(self, current: FeedbackRecord) -> None:
        super().__init__(
            f"{current.latest.by} recorded feedback at {current.latest.at:%Y-%m-%d %H:%M}Z after the version you saw"
        )
        self.current = current


def feedback_blob(report_blob: str) -> str:
    """The feedback blob beside a report's JSON blob: `<id>.json` -> `<id>.feedback.json`."""
    if not _REPORT_BLOB.fullmatch(report_blob) or report_blob.endswith(_SUFFIX):
        raise UserInputError(f"not a report blob: {report_blob!r}")
    return report_blob.removesuffix(".json") + _SUFFIX


def read_feedback_at(store: BlobStore, report_blob: str) -> FeedbackRecord | None:
    """The feedback stored beside `report_blob`, or None when nobody reviewed it yet."""
    name = feedback_blob(report_blob)
    try:
        return _parse(name, store.get(name).data)
    except BlobNotFoundError:
        return None


def _parse(name: str, data: bytes) -> FeedbackRecord:
    try:
        return FeedbackRecord.model_validate_json(data)
    except ValidationError as e:
        raise StorageError(f"{name} is not valid feedback: {e}") from e


def record_feedback(
    store: BlobStore, investigation_id: str, report_blob: str, feedback: Feedback, *, based_on: int
) -> FeedbackRecord:
    """Append `feedback` as the next version, if the stored versions are still the `based_on` the reviewer saw.

    Raises FeedbackConflictError (with the newer record) when they are not.
    """
    name = feedback_blob(report_blob)
    feedback = redact_model(feedback)  # free text from a person: the daily job and evaluation read it back
    for _attempt in range(_WRITE_ATTEMPTS):
        try:
            blob = store.get(name)
        except BlobNotFoundError:
            current, etag = None, None
        else:
            current, etag = _parse(name, blob.data), blob.etag
        seen = len(current.versions) if current else 0
        if current is not None and seen != based_on:
            raise FeedbackConflictError(current)
        versions = (*(current.versions if current else ()), feedback)
        record = FeedbackRecord(investigation_id=investigation_id, report_blob=report_blob, versions=versions)
        try:
            store.put(name, record.model_dump_json(indent=1).encode(), if_match=etag,
                      if_none_match=etag is None, content_type=_JSON)  # fmt: skip
        except PreconditionFailedError:
            continue
        return record
    raise StorageError(f"{name} kept changing while feedback was being recorded")


def iter_feedback(store: BlobStore, since: datetime, *, until: datetime | None = None) -> Iterator[FeedbackRecord]:
    """Feedback on every report that started from `since`'s day to `until`'s (default: today), by day.

    One prefix listing per day (`reports/<yyyy>/<mm>/<dd>/`), so the cost follows the window asked
    for, not the whole history. A feedback blob that does not parse raises StorageError.
    """
    day = since.astimezone(UTC).date()
    last = (until or datetime.now(UTC)).astimezone(UTC).date()
    while day <= last:
        for name in store.list(f"reports/{day:%Y/%m/%d}/"):
            if name.endswith(_SUFFIX):
                try:
                    yield _parse(name, store.get(name).data)
                except BlobNotFoundError:
                    continue
        day += timedelta(days=1)
