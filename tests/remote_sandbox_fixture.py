"""The sandbox server behind a local stand-in of the dynamic-sessions pool, for one test session.

Use it from a folder's conftest with `from tests.remote_sandbox_fixture import standin_pool`. The stand-in
(`agentcore.sandbox.server.standin_pool`) only routes by `identifier` to real sandbox server processes on
loopback and checks a static token; everything behind it is the real server and the real local sandboxes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from agentcore.sandbox import SandboxLimits
from agentcore.sandbox._pool_client import SessionPoolClient
from agentcore.sandbox.remote import RemoteSandbox
from agentcore.sandbox.server.standin_pool import StandinPool, StaticTokenCredential

POOL_TOKEN = "stand-in-pool-token-not-a-secret"
DEFAULT_LIMITS = SandboxLimits()


@dataclass(frozen=True)
class RemotePool:
    """The stand-in pool, and the one HTTP client every RemoteSandbox of the test session shares."""

    pool: StandinPool
    http: httpx.Client


@pytest.fixture(scope="session")
def standin_pool(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemotePool]:
    with (
        StandinPool(tmp_path_factory.mktemp("standin-pool"), token=POOL_TOKEN) as pool,
        httpx.Client(timeout=60.0) as http,
    ):
        yield RemotePool(pool, http)


@pytest.fixture(scope="session")
def standin_pool_subprocess(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemotePool]:
    """The stand-in pool whose session servers run commands in the subprocess sandbox, as in a session
    container without user namespaces (where the container is the boundary)."""
    with (
        StandinPool(tmp_path_factory.mktemp("standin-pool-subprocess"), token=POOL_TOKEN, sandbox="subprocess") as pool,
        httpx.Client(timeout=60.0) as http,
    ):
        yield RemotePool(pool, http)


def remote_sandbox(
    remote: RemotePool,
    root: Path,
    limits: SandboxLimits = DEFAULT_LIMITS,
    *,
    identifier: str | None = None,
    env_allowlist: tuple[str, ...] | list[str] = (),
    credential: StaticTokenCredential | None = None,
    sleep: Callable[[float], None] = time.sleep,
    shared_objects_within: tuple[Path, ...] = (),
    read_only: dict[str, Path] | None = None,
) -> RemoteSandbox:
    """A RemoteSandbox over `root` in the stand-in pool's session `identifier` (a fresh one by default)."""
    identifier = identifier or f"test-{uuid.uuid4().hex[:12]}"
    credential = credential or StaticTokenCredential(POOL_TOKEN)
    client = SessionPoolClient(remote.pool.endpoint, credential, identifier=identifier, http=remote.http, sleep=sleep)
    return RemoteSandbox(
        root,
        client,
        limits,
        env_allowlist=tuple(env_allowlist),
        shared_objects_within=shared_objects_within,
        read_only=read_only,
    )
