"""Reports are stored as `reports/<yyyy>/<mm>/<dd>/<id>.{json,md}` and load back unchanged."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.errors import BlobNotFoundError, StorageError
from agentcore.reports import (
    Report,
    ReportLocation,
    load_report,
    render_markdown,
    report_to_json,
    save_report,
)
from agentcore.storage.local import LocalBlobStore

ReportFactory = Callable[..., Report]


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_a_report_is_stored_under_the_utc_date_it_started(store: LocalBlobStore, make_report: ReportFactory) -> None:
    report = make_report(
        started_at=datetime(2026, 3, 2, 23, 59, tzinfo=UTC), finished_at=datetime(2026, 3, 3, 0, 4, tzinfo=UTC)
    )
    location = save_report(store, report)
    assert location == ReportLocation(
        json_name="reports/2026/03/02/inv-20260302-checkout.json",
        markdown_name="reports/2026/03/02/inv-20260302-checkout.md",
    )
    assert list(store.list("reports/")) == [location.json_name, location.markdown_name]


def test_the_stored_blobs_are_the_json_and_the_markdown(store: LocalBlobStore, make_report: ReportFactory) -> None:
    report = make_report()
    location = save_report(store, report)
    assert store.get(location.json_name).data.decode() == report_to_json(report)
    assert store.get(location.markdown_name).data.decode() == render_markdown(report)


def test_a_saved_report_loads_back_equal(store: LocalBlobStore, make_report: ReportFactory) -> None:
    report = make_report()
    location = save_report(store, report)
    assert load_report(store, location) == report
    assert load_report(store, location.json_name) == report


def test_saving_the_same_report_again_overwrites_it(store: LocalBlobStore, make_report: ReportFactory) -> None:
    save_report(store, make_report(status="inconclusive", root_cause=None))
    location = save_report(store, make_report())
    assert load_report(store, location).status == "completed"


def test_loading_a_missing_report_raises_blob_not_found(store: LocalBlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        load_report(store, "reports/2026/03/02/nope.json")


def test_loading_a_blob_that_is_not_a_report_raises_storage_error(store: LocalBlobStore) -> None:
    store.put("reports/2026/03/02/broken.json", b'{"id": "broken"}')
    with pytest.raises(StorageError, match="broken.json is not a valid report"):
        load_report(store, "reports/2026/03/02/broken.json")
