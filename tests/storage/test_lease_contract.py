"""What every BlobStore promises about leases, checked against LocalBlobStore and AzureBlobStore (on Azurite)."""

from __future__ import annotations

import threading

import pytest

from agentcore.errors import UserInputError
from agentcore.storage import BlobStore, Lease

LEASED = "investigations/inv-20260314-093000-abcdef/lease"


def test_a_held_lease_is_refused_to_a_second_holder(store: BlobStore) -> None:
    first = store.acquire_lease(LEASED, duration_s=15)
    assert first is not None

    assert store.acquire_lease(LEASED, duration_s=15) is None


def test_a_released_lease_can_be_taken_again(store: BlobStore) -> None:
    first = store.acquire_lease(LEASED, duration_s=15)
    assert first is not None
    first.release()

    second = store.acquire_lease(LEASED, duration_s=15)

    assert second is not None
    assert second.name == LEASED


def test_releasing_a_lease_twice_is_harmless(store: BlobStore) -> None:
    lease = store.acquire_lease(LEASED, duration_s=15)
    assert lease is not None
    lease.release()
    lease.release()

    assert store.acquire_lease(LEASED, duration_s=15) is not None


def test_renewing_a_held_lease_keeps_it(store: BlobStore) -> None:
    lease = store.acquire_lease(LEASED, duration_s=15)
    assert lease is not None

    lease.renew()

    assert store.acquire_lease(LEASED, duration_s=15) is None


def test_leasing_a_missing_blob_creates_it_empty(store: BlobStore) -> None:
    assert store.acquire_lease(LEASED, duration_s=15) is not None

    assert store.get(LEASED).data == b""
    assert list(store.list("investigations/")) == [LEASED]


def test_leases_on_different_blobs_are_independent(store: BlobStore) -> None:
    assert store.acquire_lease(LEASED, duration_s=15) is not None

    assert store.acquire_lease(LEASED.replace("abcdef", "fedcba"), duration_s=15) is not None


def test_a_leased_blobs_neighbours_can_still_be_written(store: BlobStore) -> None:
    assert store.acquire_lease(LEASED, duration_s=15) is not None

    etag = store.put(LEASED.replace("lease", "state.json"), b"{}")

    assert store.get(LEASED.replace("lease", "state.json")).etag == etag


@pytest.mark.parametrize("duration_s", [14.9, 61, -1])
def test_a_lease_shorter_than_15_or_longer_than_60_seconds_is_refused(store: BlobStore, duration_s: float) -> None:
    with pytest.raises(UserInputError, match="15 to 60 seconds"):
        store.acquire_lease(LEASED, duration_s=duration_s)


def test_of_eight_threads_racing_for_a_lease_exactly_one_gets_it(store: BlobStore) -> None:
    start = threading.Barrier(8)
    won: list[Lease] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        lease = store.acquire_lease(LEASED, duration_s=15)
        if lease is not None:
            with lock:
                won.append(lease)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(won) == 1
