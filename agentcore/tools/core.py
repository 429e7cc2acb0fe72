"""The five core tools the model sees, built on one Sandbox."""

from __future__ import annotations

from collections.abc import Sequence

from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.tools import Tool
from agentcore.tools.find import FindTool
from agentcore.tools.grep import GrepTool
from agentcore.tools.read_file import ReadFileTool
from agentcore.tools.shell import ShellTool
from agentcore.tools.write import WriteTool

DEFAULT_WRITABLE_PREFIXES = ("notes/", "memory/", "report/", "outputs/")


def core_tools(
    sandbox: Sandbox,
    *,
    writable_prefixes: Sequence[str] = DEFAULT_WRITABLE_PREFIXES,
    shell_timeout_limit_s: float = SandboxLimits().wall_time_s,
) -> list[Tool]:
    """read_file, grep, find, shell and write over `sandbox`.

    `shell_timeout_limit_s` should be the sandbox's wall-time limit, so the shell tool's description
    states it and requests for longer are lowered to it.
    """
    return [
        ReadFileTool(sandbox),
        GrepTool(sandbox),
        FindTool(sandbox),
        ShellTool(sandbox, max_timeout_s=shell_timeout_limit_s),
        WriteTool(sandbox, writable_prefixes=writable_prefixes),
    ]


__all__ = ["DEFAULT_WRITABLE_PREFIXES", "core_tools"]
