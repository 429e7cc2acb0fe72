"""Hostile paths through every file tool: each failure is an observation naming workspace paths, never host paths."""

from __future__ import annotations

import errno
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from agentcore.models import ToolCall, ToolSpec
from agentcore.tools import Toolbox, ToolResult
from agentcore.tools.core import core_tools
from tests.tools.conftest import FilesOnlySandbox

LONG_NAME = "notes/" + "n" * 300
HOSTILE_PATHS = [
    pytest.param(LONG_NAME, id="name-too-long"),
    pytest.param("notes/" + "/".join(["d" * 200] * 25), id="path-too-long"),
    pytest.param("notes/loop", id="symlink-loop"),
    pytest.param("notes/loop/inside", id="through-a-symlink-loop"),
    pytest.param("notes/plan.md/child", id="through-a-file"),
    pytest.param("notes", id="a-folder"),
    pytest.param("notes/fifo", id="a-fifo"),
    pytest.param("notes/dangling", id="dangling-symlink"),
    pytest.param("notes/out", id="symlink-out"),
    pytest.param("notes/out/secret.txt", id="through-a-symlink-out"),
    pytest.param("../outside", id="dot-dot"),
    pytest.param("notes/\ud800", id="unencodable"),
]
CALLS = {
    "read_file": lambda path: {"path": path},
    "grep": lambda path: {"pattern": "x", "path": path},
    "find": lambda path: {"pattern": "*", "path": path},
    "write": lambda path: {"path": path, "content": "x"},
    "edit": lambda path: {"path": path, "old_text": "plan", "new_text": "done"},
}


@pytest.fixture
def hostile_workspace(workspace: Path) -> Path:
    notes = workspace / "notes"
    notes.mkdir()
    (notes / "plan.md").write_text("the plan\n")
    (notes / "loop").symlink_to("loop-back")
    (notes / "loop-back").symlink_to("loop")
    os.mkfifo(notes / "fifo")
    (notes / "dangling").symlink_to("missing")
    outside = workspace.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("secret\n")
    (notes / "out").symlink_to(outside)
    return workspace


@pytest.mark.parametrize("path", HOSTILE_PATHS)
@pytest.mark.parametrize("tool", sorted(CALLS))
def test_a_hostile_path_is_an_observation_that_names_no_host_path(
    hostile_workspace: Path, tool: str, path: str
) -> None:
    toolbox = Toolbox(core_tools(FilesOnlySandbox(hostile_workspace)))
    name = "write" if tool == "edit" else tool

    result = toolbox.dispatch(ToolCall(id="call-1", name=name, arguments=CALLS[tool](path)))

    assert str(hostile_workspace.parent) not in result.content
    assert "secret" not in result.content.replace("secret.txt", "")


def test_a_name_too_long_to_read_is_reported_with_its_workspace_path(hostile_workspace: Path) -> None:
    toolbox = Toolbox(core_tools(FilesOnlySandbox(hostile_workspace)))

    result = toolbox.dispatch(ToolCall(id="call-1", name="read_file", arguments={"path": LONG_NAME}))

    assert result == ToolResult(f"error: File name too long: {LONG_NAME}", is_error=True)


def test_a_symlink_loop_is_reported_with_its_workspace_path(hostile_workspace: Path) -> None:
    toolbox = Toolbox(core_tools(FilesOnlySandbox(hostile_workspace)))

    result = toolbox.dispatch(ToolCall(id="call-1", name="read_file", arguments={"path": "notes/loop"}))

    assert result == ToolResult("error: Too many levels of symbolic links: notes/loop", is_error=True)


def test_writing_a_name_too_long_is_reported_with_its_workspace_path(hostile_workspace: Path) -> None:
    toolbox = Toolbox(core_tools(FilesOnlySandbox(hostile_workspace)))

    result = toolbox.dispatch(ToolCall(id="call-1", name="write", arguments={"path": LONG_NAME, "content": "x"}))

    assert result == ToolResult(f"error: File name too long: {LONG_NAME}", is_error=True)


class _FailingTool:
    """A tool whose file operation fails with `error`, as a tool outside the sandboxes might."""

    def __init__(self, error: OSError) -> None:
        self.error = error

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(name="failing", description="fails", input_schema={"type": "object"})

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        raise self.error


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (PermissionError(errno.EACCES, "Permission denied", "/srv/agent/ws/notes/a"), "error: Permission denied"),
        (
            OSError(errno.EINVAL, "Invalid argument", "/workspace/notes/a"),
            "error: Invalid argument: /workspace/notes/a",
        ),
        (
            OSError(errno.EXDEV, "Invalid cross-device link", "notes/a", None, "/srv/b"),
            "error: Invalid cross-device link",
        ),
        (OSError(errno.ENOSPC, "No space left on device"), "error: No space left on device"),
        (IsADirectoryError("notes is a directory"), "error: notes is a directory"),
        (OSError("could not open /srv/agent/ws/notes/a"), "error: the file operation failed"),
    ],
    ids=["eacces-host-path", "einval-workspace-path", "exdev-two-paths", "enospc-no-path", "message", "host-message"],
)
def test_the_dispatcher_turns_every_os_error_into_an_observation_without_host_paths(error: OSError, shown: str) -> None:
    result = Toolbox([_FailingTool(error)]).dispatch(ToolCall(id="call-1", name="failing", arguments={}))

    assert result == ToolResult(shown, is_error=True)
