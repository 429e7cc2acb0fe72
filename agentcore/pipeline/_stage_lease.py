"""One stage at a time per investigation: a lease on `investigations/<id>/lease` while a stage runs.

The ETag commit already keeps a second delivery of a step from committing; the lease keeps it from
running the step's side effects at all (its model calls and shell commands, in the same workspace).
A delivery waits up to `stage_lease_wait_s` for the holder; then it gives up with
InvestigationBusyError, having run nothing, and the queue delivers it again later. The holder renews
the lease every third of `stage_lease_s` while its stage runs; a holder that dies stops renewing, so
its lease expires (on the local store at once: its process is gone).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from agentcore.errors import StorageError
from agentcore.pipeline.state import lease_blob
from agentcore.storage import BlobStore, Lease, LeaseLostError

logger = logging.getLogger(__name__)

FIRST_RETRY_S = 0.005
LONGEST_RETRY_S = 1.0
"""Backoff between attempts to take a busy lease (no port tells when a lease is released). A stage sends the
next stage's message only after it has released its lease (`sending_when_done`), so a busy lease means another
delivery of the same step, or a message that overtook a slow release; the first retry is soon all the same."""


class InvestigationBusyError(StorageError):
    """Another delivery holds the investigation's lease: this one ran nothing and is to be delivered again."""


@contextmanager
def investigation_lease(
    store: BlobStore, investigation_id: str, *, duration_s: float, wait_s: float
) -> Iterator[Lease]:
    """Hold the investigation's lease for the `with` block, renewed in the background; raise
    InvestigationBusyError if another holder keeps it for `wait_s`."""
    lease = _acquire_waiting(store, lease_blob(investigation_id), duration_s=duration_s, wait_s=wait_s)
    if lease is None:
        raise InvestigationBusyError(
            f"investigation {investigation_id} is busy: another delivery held its lease for {wait_s:g} s"
        )
    renewer = _Renewer(lease, every_s=duration_s / 3)
    renewer.start()
    try:
        yield lease
    finally:
        renewer.stop()
        try:
            lease.release()
        except StorageError as e:
            logger.warning("could not release %s (it will expire): %s", lease.name, e)


def _acquire_waiting(store: BlobStore, name: str, *, duration_s: float, wait_s: float) -> Lease | None:
    deadline = time.monotonic() + wait_s
    delay_s = FIRST_RETRY_S
    while True:
        lease = store.acquire_lease(name, duration_s=duration_s)
        remaining_s = deadline - time.monotonic()
        if lease is not None or remaining_s <= 0:
            return lease
        time.sleep(min(delay_s, remaining_s))
        delay_s = min(delay_s * 2, LONGEST_RETRY_S)


class _Renewer:
    """Renews a lease every `every_s` on its own thread until stopped, or until the lease is lost."""

    def __init__(self, lease: Lease, *, every_s: float) -> None:
        self._lease = lease
        self._every_s = every_s
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{lease.name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self._every_s):
            try:
                self._lease.renew()
            except LeaseLostError as e:
                logger.error("%s; the stage runs on, and its commit will not stand if another did", e)
                return
            except StorageError as e:
                logger.warning("could not renew %s, trying again: %s", self._lease.name, e)
