"""grep and find stay in the workspace whichever way the sandbox walks (ripgrep or Python): `..`, absolute
paths and symlinks that lead out are refused as paths, and symlinks met on the way are not followed."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError
from agentcore.tools.find import FindTool
from agentcore.tools.grep import GrepTool
from tests.tools.conftest import FilesOnlySandbox


@pytest.fixture(params=[True, False], ids=["ripgrep", "python"])
def walker(request: pytest.FixtureRequest, workspace: Path, tmp_path: Path) -> FilesOnlySandbox:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("password = hunter2\n", encoding="utf-8")
    (workspace / "src").mkdir()
    (workspace / "src" / "app.py").write_text("password = read_vault()\n", encoding="utf-8")
    (workspace / "src" / "leak.txt").symlink_to(outside / "secret.txt")
    (workspace / "src" / "elsewhere").symlink_to(outside)
    (workspace / "exit").symlink_to(outside)
    sandbox = FilesOnlySandbox(workspace, use_ripgrep=request.param)
    assert sandbox.uses_ripgrep is request.param
    return sandbox


def test_grep_never_reads_through_a_symlink_that_leads_out(walker: FilesOnlySandbox) -> None:
    result = GrepTool(walker).run({"pattern": "password"})

    assert result.content.splitlines() == ["src/app.py:1: password = read_vault()", "(1 match in 1 file)"]


def test_find_never_lists_through_a_symlink_that_leads_out(walker: FilesOnlySandbox) -> None:
    result = FindTool(walker).run({"pattern": "*"})

    assert result.content.splitlines() == ["src/app.py  24 B", "(1 file)"]


@pytest.mark.parametrize("path", ["..", "src/../..", "/etc", "exit", "src/elsewhere", "src/leak.txt"])
def test_grep_refuses_a_path_that_leaves_the_workspace(walker: FilesOnlySandbox, path: str) -> None:
    with pytest.raises(PathOutsideWorkspaceError):
        GrepTool(walker).run({"pattern": "password", "path": path})


@pytest.mark.parametrize("path", ["..", "src/../..", "/etc", "exit", "src/elsewhere"])
def test_find_refuses_a_path_that_leaves_the_workspace(walker: FilesOnlySandbox, path: str) -> None:
    with pytest.raises(PathOutsideWorkspaceError):
        FindTool(walker).run({"pattern": "*", "path": path})
