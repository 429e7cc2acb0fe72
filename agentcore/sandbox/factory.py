"""Choosing a sandbox adapter from configuration, at the edge."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from agentcore.errors import ConfigError
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.subprocess import SubprocessSandbox


def build_sandbox(
    kind: Literal["bubblewrap", "subprocess"],
    root: Path,
    limits: SandboxLimits,
    *,
    env_allowlist: Sequence[str] = (),
    extra_ro_binds: Sequence[Path] = (),
) -> Sandbox:
    """The sandbox `kind` over the workspace `root`. `subprocess` is for development only."""
    if kind == "bubblewrap":
        return BubblewrapSandbox(root, limits, env_allowlist=env_allowlist, extra_ro_binds=extra_ro_binds)
    if kind == "subprocess":
        return SubprocessSandbox(root, limits, env_allowlist=env_allowlist)
    raise ConfigError(f"unknown sandbox {kind!r}: choose 'bubblewrap' or 'subprocess'")


__all__ = ["build_sandbox", "bubblewrap_available"]
