"""Fixtures for the core tools: a real workspace directory and a sandbox over it."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from agentcore.sandbox import CommandResult
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.tools import ToolResult

MakeFile = Callable[[str, "str | bytes"], Path]


def run_measuring_peak_memory(action: Callable[[], ToolResult]) -> tuple[ToolResult, int]:
    """The action's result, and the most memory Python had allocated at once while it ran."""
    tracemalloc.start()
    try:
        result = action()
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


class FilesOnlySandbox(LocalWorkspaceFiles):
    """The real confined file operations; `run` is for the shell tests, which use SubprocessSandbox."""

    def run(self, command: str, *, timeout_s: float | None = None, cwd: str = ".") -> CommandResult:
        raise AssertionError("the file tools never run commands")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def sandbox(workspace: Path) -> FilesOnlySandbox:
    return FilesOnlySandbox(workspace)


@pytest.fixture
def make_file(workspace: Path) -> MakeFile:
    """Create a file, and its folders, in the workspace."""

    def make(relative: str, content: str | bytes) -> Path:
        path = workspace / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return make
