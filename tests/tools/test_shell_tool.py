"""shell: real commands through SubprocessSandbox, reported with exit code, duration and limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from agentcore.errors import ToolError
from agentcore.models import ToolCall
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.tools import Toolbox
from agentcore.tools.core import core_tools
from agentcore.tools.shell import ShellTool


@pytest.fixture
def shell(workspace: Path) -> ShellTool:
    return ShellTool(SubprocessSandbox(workspace))


def test_a_successful_command_reports_exit_code_0_then_its_output(shell: ShellTool) -> None:
    result = shell.run({"command": "echo hello; echo world"})

    first, *output = result.content.splitlines()
    assert first.startswith("exit code 0 · ")
    assert first.endswith(" s")
    assert output == ["hello", "world"]
    assert result.exit_code == 0
    assert not result.is_error


def test_a_failing_command_is_an_error_with_its_exit_code_and_stderr(shell: ShellTool) -> None:
    result = shell.run({"command": "echo 'no such table' >&2; exit 3"})

    assert result.content.startswith("exit code 3 · ")
    assert "no such table" in result.content
    assert result.exit_code == 3
    assert result.is_error


def test_commands_run_from_the_workspace_root(shell: ShellTool, workspace: Path) -> None:
    (workspace / "notes").mkdir()
    (workspace / "notes/plan.md").write_text("the plan\n")

    result = shell.run({"command": "cat notes/plan.md"})

    assert result.content.splitlines()[1:] == ["the plan"]


def test_a_command_without_output_says_so(shell: ShellTool) -> None:
    assert shell.run({"command": "true"}).content.splitlines()[1] == "(no output)"


def test_output_that_is_not_utf8_is_decoded_with_replacement(shell: ShellTool) -> None:
    result = shell.run({"command": r"printf 'ok \377\376 ok'"})

    assert result.content.splitlines()[1] == "ok \ufffd\ufffd ok"


def test_a_command_past_its_timeout_is_killed_and_reported(shell: ShellTool) -> None:
    result = shell.run({"command": "echo started; sleep 10", "timeout_s": 0.5})

    first = result.content.splitlines()[0]
    assert re.search(r"timed out after \d+(\.\d)? s", first)
    assert result.is_error
    assert "started" in result.content


def test_a_timeout_above_the_sandbox_limit_is_lowered_to_it(workspace: Path) -> None:
    shell = ShellTool(SubprocessSandbox(workspace), max_timeout_s=30)

    result = shell.run({"command": "true", "timeout_s": 600})

    assert "timeout lowered to the sandbox limit of 30 s" in result.content.splitlines()[0]
    assert not result.is_error


def test_output_past_the_sandbox_limit_is_truncated_and_says_how_much_was_kept(workspace: Path) -> None:
    shell = ShellTool(SubprocessSandbox(workspace, SandboxLimits(output_bytes=1000)))

    result = shell.run({"command": "head -c 5000 /dev/zero | tr '\\0' a"})

    assert "output truncated: kept 1000 of 5000 bytes" in result.content.splitlines()[0]
    assert result.content.splitlines()[1] == "a" * 1000


def test_a_command_that_grows_the_workspace_past_its_quota_says_so_on_the_first_line(workspace: Path) -> None:
    shell = ShellTool(SubprocessSandbox(workspace, SandboxLimits(workspace_bytes=4096)))

    result = shell.run({"command": "head -c 5000 /dev/zero > big.bin"})

    first = result.content.splitlines()[0]
    assert first.startswith("exit code 0 · ")
    assert "workspace over quota: it now holds 4.9 KiB, over its quota of 4 KiB (largest: big.bin 4.9 KiB)" in first


def test_an_empty_command_is_a_tool_error(shell: ShellTool) -> None:
    with pytest.raises(ToolError, match="command is empty"):
        shell.run({"command": "  \n"})


def test_a_timeout_must_be_positive(shell: ShellTool) -> None:
    with pytest.raises(ToolError, match="timeout_s"):
        shell.run({"command": "true", "timeout_s": 0})


def test_a_failing_command_dispatched_through_toolbox_keeps_its_exit_code(workspace: Path) -> None:
    toolbox = Toolbox(core_tools(SubprocessSandbox(workspace)))

    result = toolbox.dispatch(ToolCall(id="c1", name="shell", arguments={"command": "ls no-such-dir"}))

    assert result.is_error
    assert result.exit_code == 2
    assert "no-such-dir" in result.content
