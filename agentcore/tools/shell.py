"""shell: run a command in the sandbox and report its exit code, duration, limits and output."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agentcore.errors import ToolError
from agentcore.models import ToolSpec
from agentcore.sandbox import WORKSPACE_MOUNT, CommandResult, Sandbox, SandboxLimits
from agentcore.tools import ToolResult, parse_arguments, spec_from_model


class ShellArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    command: str = Field(description="A shell command line (bash), run from the workspace root.")
    timeout_s: float | None = Field(
        default=None,
        gt=0,
        description="Seconds before the command is killed; defaults to, and may not exceed, the sandbox's limit.",
    )


class ShellTool:
    """The `shell` tool over a Sandbox. `max_timeout_s` is the sandbox's wall-time limit per command."""

    def __init__(self, sandbox: Sandbox, *, max_timeout_s: float = SandboxLimits().wall_time_s) -> None:
        self._sandbox = sandbox
        self._max_timeout_s = max_timeout_s
        description = (
            f"Run a bash command line in the sandbox, from the workspace root ({WORKSPACE_MOUNT}), within "
            f"{max_timeout_s:g} s. The answer starts with `exit code N · T s` and any limit that was hit, then "
            "stdout and stderr interleaved. Output is capped: send big results to a file under outputs/, "
            "then grep or read_file it."
        )
        self._spec = spec_from_model("shell", description, ShellArguments)

    @property
    def spec(self) -> ToolSpec:
        return self._spec

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: ShellArguments = parse_arguments(ShellArguments, arguments)
        if not args.command.strip():
            raise ToolError("command is empty; give a shell command line, e.g. `ls repos`")
        timeout_s = self._max_timeout_s if args.timeout_s is None else min(args.timeout_s, self._max_timeout_s)
        result = self._sandbox.run(args.command, timeout_s=timeout_s)
        notes = _notes(result)
        if args.timeout_s is not None and args.timeout_s > self._max_timeout_s:
            notes.append(f"timeout lowered to the sandbox limit of {self._max_timeout_s:g} s")
        output = result.output.decode("utf-8", errors="replace").rstrip("\n") or "(no output)"
        failed = result.timed_out or result.exit_code != 0
        return ToolResult("\n".join([" · ".join(notes), output]), is_error=failed, exit_code=result.exit_code)


def _notes(result: CommandResult) -> list[str]:
    """The first line's parts: exit code, duration, whichever limits ended or cut the command, the sandbox's notes."""
    exit_code = "no exit code" if result.exit_code is None else f"exit code {result.exit_code}"
    notes = [exit_code, f"{result.duration_s:.2f} s"]
    if result.timed_out:
        notes.append(f"timed out after {round(result.duration_s, 1):g} s")
    if result.limit_hit and not (result.timed_out and result.limit_hit == "wall_time"):
        notes.append(f"limit hit: {result.limit_hit}")
    if result.output_truncated:
        notes.append(f"output truncated: kept {len(result.output)} of {result.output_bytes_total} bytes")
    notes.extend(result.notes)
    return notes


__all__ = ["ShellArguments", "ShellTool"]
