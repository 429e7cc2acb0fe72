"""SubprocessSandbox: commands run as plain child processes of the agent. For development only.

This is NOT a security boundary. Commands run as the agent's user, on the agent's host, with its
network (cloud metadata and identity endpoints included), its whole filesystem, and every process it
can signal or trace. It keeps the behaviour of the sandbox port so development matches production:
the cwd is confined to the workspace (in a linked repository, commands run in its shared checkout, which
only its modes on disk keep read-only, and not against root), the environment is reduced to PATH, HOME,
LANG, TZ and the allowlisted names, `<workspace>/bin` comes first on PATH, and the limits, output capture and
timeout are the ones BubblewrapSandbox uses. Choose it explicitly (`sandbox=subprocess`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from agentcore.sandbox import CommandResult, SandboxLimits
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox._local_reads import LocalReads
from agentcore.sandbox._process import BASE_ENV_NAMES, bash_path, effective_timeout, parent_environment, run_command

logger = logging.getLogger(__name__)

_DEFAULT_LIMITS = SandboxLimits()


class SubprocessSandbox(LocalReads):
    """The workspace at `root`, with commands run by `bash -c` directly on this host."""

    def __init__(
        self,
        root: Path,
        limits: SandboxLimits = _DEFAULT_LIMITS,
        *,
        env_allowlist: Sequence[str] = (),
        environment: Mapping[str, str] | None = None,
        read_only: Mapping[str, Path] | None = None,
    ) -> None:
        self.files = LocalWorkspaceFiles(root, quota_bytes=limits.workspace_bytes, read_only=read_only)
        self.limits = limits
        self.env_allowlist = tuple(env_allowlist)
        self.environment = dict(environment or {})
        """Values given explicitly (a remote client's allowlisted variables); they win over this process's."""
        logger.warning(
            "SubprocessSandbox is not a security boundary: commands run on this host with its network, "
            "filesystem and user. Use it for development only (workspace %s).",
            self.files.root,
        )

    def write_bytes(self, path: str, data: bytes) -> None:
        self.files.write_bytes(path, data)

    def run(self, command: str, *, timeout_s: float | None = None, cwd: str = ".") -> CommandResult:
        workdir = self.files.resolve_directory(cwd)
        result = run_command(
            [bash_path(), "-c", command],
            env=self._environment(),
            cwd=workdir,
            limits=self.limits,
            timeout_s=effective_timeout(self.limits, timeout_s),
        )
        return result if self.files.quota is None else self.files.quota.after_command(result)

    def _environment(self) -> dict[str, str]:
        env = parent_environment((*BASE_ENV_NAMES, *self.env_allowlist)) | self.environment
        env["PATH"] = os.pathsep.join([str(self.files.root / "bin"), env.get("PATH", os.defpath)])
        return env
