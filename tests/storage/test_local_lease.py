"""LocalBlobStore's leases: timed by its clock, shared by every process on the machine, and freed at
once when their holder's process dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.errors import UserInputError
from agentcore.storage import LeaseLostError
from agentcore.storage.local import LocalBlobStore
from agentcore.testing import FakeClock

LEASED = "investigations/inv-20260314-093000-abcdef/lease"
EPOCH_S = 1_800_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def store_at(root: Path, clock: FakeClock) -> LocalBlobStore:
    return LocalBlobStore(root, clock=lambda: EPOCH_S + clock())


def test_a_lease_not_renewed_within_its_duration_can_be_taken_by_another(tmp_path: Path, clock: FakeClock) -> None:
    store = store_at(tmp_path, clock)
    first = store.acquire_lease(LEASED, duration_s=15)
    assert first is not None
    clock.advance(15.1)

    assert store.acquire_lease(LEASED, duration_s=15) is not None
    with pytest.raises(LeaseLostError):
        first.renew()


def test_a_renewed_lease_lasts_its_duration_from_the_renewal(tmp_path: Path, clock: FakeClock) -> None:
    store = store_at(tmp_path, clock)
    lease = store.acquire_lease(LEASED, duration_s=15)
    assert lease is not None
    clock.advance(10)
    lease.renew()
    clock.advance(10)

    assert store.acquire_lease(LEASED, duration_s=15) is None


def test_an_expired_lease_nobody_took_can_still_be_renewed_by_its_holder(tmp_path: Path, clock: FakeClock) -> None:
    store = store_at(tmp_path, clock)
    lease = store.acquire_lease(LEASED, duration_s=15)
    assert lease is not None
    clock.advance(20)

    lease.renew()

    assert store.acquire_lease(LEASED, duration_s=15) is None


def test_a_lease_left_by_an_earlier_process_with_this_pid_is_free(tmp_path: Path, clock: FakeClock) -> None:
    store = store_at(tmp_path, clock)
    assert store.acquire_lease(LEASED, duration_s=15) is not None
    record_path = tmp_path / LEASED.replace("/lease", "/.lease.lease")
    record = json.loads(record_path.read_text())
    record_path.write_text(json.dumps({**record, "incarnation": "a container that restarted"}))

    assert store.acquire_lease(LEASED, duration_s=15) is not None


def test_a_damaged_lease_record_counts_as_no_lease(tmp_path: Path, clock: FakeClock) -> None:
    store = store_at(tmp_path, clock)
    assert store.acquire_lease(LEASED, duration_s=15) is not None
    (tmp_path / LEASED.replace("/lease", "/.lease.lease")).write_text("{half a rec")

    assert store.acquire_lease(LEASED, duration_s=15) is not None


HOLDER = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from agentcore.storage.local import LocalBlobStore
    lease = LocalBlobStore(Path(sys.argv[1])).acquire_lease(sys.argv[2], duration_s=60)
    print("held" if lease else "refused", flush=True)
    threading.Event().wait()
    """
)


@pytest.fixture
def holder(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process that holds the lease (for 60 s) until it is killed."""
    with subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), LEASED], stdout=subprocess.PIPE, text=True,
        cwd=Path(__file__).resolve().parents[2],
    ) as process:  # fmt: skip
        try:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "held"
            yield process
        finally:
            process.kill()


def test_a_lease_held_by_another_live_process_is_refused(tmp_path: Path, holder: subprocess.Popen[str]) -> None:
    assert LocalBlobStore(tmp_path).acquire_lease(LEASED, duration_s=15) is None


def test_the_lease_of_a_process_killed_with_sigkill_is_free_at_once(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait(timeout=30)

    assert LocalBlobStore(tmp_path).acquire_lease(LEASED, duration_s=15) is not None


@pytest.mark.skipif(not hasattr(os, "waitid"), reason="needs os.waitid to leave the killed process unreaped")
def test_the_lease_of_a_killed_process_is_free_before_its_parent_reaps_it(
    tmp_path: Path, holder: subprocess.Popen[str]
) -> None:
    os.kill(holder.pid, signal.SIGKILL)
    os.waitid(os.P_PID, holder.pid, os.WEXITED | os.WNOWAIT)  # dead, but still a zombie

    assert LocalBlobStore(tmp_path).acquire_lease(LEASED, duration_s=15) is not None


def test_a_lease_name_that_is_not_a_blob_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UserInputError):
        LocalBlobStore(tmp_path).acquire_lease("../escape", duration_s=15)
