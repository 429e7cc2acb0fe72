"""Azurite, the Blob Storage emulator, for one test session.

Use it from a folder's conftest with `from tests.azurite_fixture import azurite`. The fixture starts
`node_modules/.bin/azurite-blob` (installed by `make azurite`) in memory on a free loopback port,
waits until it answers HTTP, and stops it when the session ends. Without Azurite it skips with the
reason (which tests/conftest.py turns into a failure under CI=true).
"""

from __future__ import annotations

import http.client
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
AZURITE_BLOB = REPO_ROOT / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT_NAME = "devstoreaccount1"
# Azurite's published well-known development key; it guards nothing.
ACCOUNT_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
START_TIMEOUT_S = 30.0
START_ATTEMPTS = 3


@dataclass(frozen=True)
class Azurite:
    """A running Azurite blob service."""

    port: int

    @property
    def blob_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}/{ACCOUNT_NAME}"

    @property
    def connection_string(self) -> str:
        return (
            f"DefaultEndpointsProtocol=http;AccountName={ACCOUNT_NAME};AccountKey={ACCOUNT_KEY};"
            f"BlobEndpoint={self.blob_endpoint};"
        )

    @staticmethod
    def new_container_name() -> str:
        """A fresh container name, so that tests never see each other's blobs."""
        return f"test-{uuid.uuid4().hex}"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers_http(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", f"/{ACCOUNT_NAME}?comp=list")
        connection.getresponse().read()
    except OSError:
        return False
    finally:
        connection.close()
    return True


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _start(workdir: Path, log: Path) -> tuple[subprocess.Popen[bytes], int]:
    """Start Azurite on a free port; retry on another port if it dies (a port taken meanwhile)."""
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        command = [str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", str(port)]
        command += ["--inMemoryPersistence", "--disableTelemetry", "--silent", "--skipApiVersionCheck"]
        with log.open("ab") as log_file:
            process = subprocess.Popen(command, cwd=workdir, stdout=log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and process.poll() is None:
            if _answers_http(port):
                return process, port
            time.sleep(0.1)
        _stop(process)
    tail = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"Azurite did not start after {START_ATTEMPTS} attempts; its output:\n{tail}")


def azurite_missing() -> str | None:
    """Why Azurite cannot run here, or None when it can."""
    if not AZURITE_BLOB.exists():
        return f"Azurite is not installed ({AZURITE_BLOB} missing): run `make azurite`"
    if shutil.which("node") is None:
        return "Azurite needs Node.js, which is not on PATH"
    return None


@contextmanager
def running_azurite(workdir: Path) -> Iterator[Azurite]:
    """Azurite, in memory, for the `with` block (its log in `workdir`); the benchmarks start it this way too."""
    process, port = _start(workdir, workdir / "azurite.log")
    try:
        yield Azurite(port=port)
    finally:
        _stop(process)


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """A running Azurite blob service for the whole session."""
    missing = azurite_missing()
    if missing is not None:
        pytest.skip(missing)
    with running_azurite(tmp_path_factory.mktemp("azurite")) as running:
        yield running
