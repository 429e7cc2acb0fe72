"""Choosing a sandbox adapter from configuration, at the edge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal

import httpx

from agentcore.errors import ConfigError
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox._pool_client import (
    DYNAMIC_SESSIONS_AUDIENCE,
    SessionPoolClient,
    TokenCredential,
    session_identifier,
)
from agentcore.sandbox._read_only import linked_repositories
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.remote import RemoteSandbox
from agentcore.sandbox.subprocess import SubprocessSandbox


def build_sandbox(
    kind: Literal["bubblewrap", "subprocess"],
    root: Path,
    limits: SandboxLimits,
    *,
    env_allowlist: Sequence[str] = (),
    extra_ro_binds: Sequence[Path] = (),
    read_only: Mapping[str, Path] | None = None,
) -> Sandbox:
    """The sandbox `kind` over the workspace `root`. `subprocess` is for development only.

    `read_only` names the workspace's linked repositories (workspace path -> shared checkout), shown read-only."""
    if kind == "bubblewrap":
        return BubblewrapSandbox(
            root, limits, env_allowlist=env_allowlist, extra_ro_binds=extra_ro_binds, read_only=read_only
        )
    if kind == "subprocess":
        return SubprocessSandbox(root, limits, env_allowlist=env_allowlist, read_only=read_only)
    raise ConfigError(f"unknown sandbox {kind!r}: choose 'bubblewrap' or 'subprocess'")


class RemoteSandboxFactory:
    """RemoteSandboxes in the pool at `endpoint`: one session per workspace, named after the workspace's folder.

    An investigation's workspace folder is named by its id (a child's by the child's), so each investigation
    and each subagent with a workspace of its own gets its own session, the same one at every stage."""

    def __init__(
        self,
        endpoint: str,
        credential: TokenCredential,
        limits: SandboxLimits,
        *,
        audience: str = DYNAMIC_SESSIONS_AUDIENCE,
        request_timeout_s: float = 60.0,
        env_allowlist: Sequence[str] = (),
        snapshot_level: int = 3,
        shared_objects_within: Sequence[Path] = (),
        linked_within: Sequence[Path] = (),
        http: httpx.Client | None = None,
    ) -> None:
        if not endpoint.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise ConfigError(f"the sandbox pool endpoint must be https:// (loopback may be http://): {endpoint!r}")
        self.endpoint = endpoint
        self.credential = credential
        self.limits = limits
        self.audience = audience
        self.env_allowlist = tuple(env_allowlist)
        self.snapshot_level = snapshot_level
        self.shared_objects_within = tuple(shared_objects_within)
        self.linked_within = tuple(linked_within)
        """Where the shared checkouts that `repos/<name>` may link to live: those links go up as folders."""
        self.http = http or httpx.Client(timeout=httpx.Timeout(request_timeout_s, connect=min(10.0, request_timeout_s)))

    @property
    def location(self) -> str:
        """Where commands run, for the report."""
        host = httpx.URL(self.endpoint).host
        return f"in Azure Container Apps dynamic sessions (pool {host}), one session per investigation, with no egress"

    def __call__(self, root: Path) -> Sandbox:
        client = SessionPoolClient(
            self.endpoint,
            self.credential,
            identifier=session_identifier(root.name),
            audience=self.audience,
            http=self.http,
        )
        return RemoteSandbox(
            root,
            client,
            self.limits,
            env_allowlist=self.env_allowlist,
            snapshot_level=self.snapshot_level,
            shared_objects_within=self.shared_objects_within,
            read_only=linked_repositories(root, self.linked_within),
        )


__all__ = ["RemoteSandboxFactory", "build_sandbox", "bubblewrap_available"]
