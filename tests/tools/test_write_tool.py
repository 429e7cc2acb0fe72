"""write: whole-file writes and exact edits, only in the writable folders, never leaving the workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.models import ToolCall
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.tools import Toolbox
from agentcore.tools.core import DEFAULT_WRITABLE_PREFIXES, core_tools
from agentcore.tools.write import MAX_FILE_BYTES, WriteTool
from tests.tools.conftest import FilesOnlySandbox, MakeFile


@pytest.fixture
def tool(sandbox: FilesOnlySandbox) -> WriteTool:
    return WriteTool(sandbox, writable_prefixes=DEFAULT_WRITABLE_PREFIXES)


def test_content_creates_the_file_and_its_folders_and_reports_bytes_and_lines(tool: WriteTool, workspace: Path) -> None:
    result = tool.run({"path": "notes/plan/today.md", "content": "# Plan\n- [ ] check deploys\n"})

    assert (workspace / "notes/plan/today.md").read_text() == "# Plan\n- [ ] check deploys\n"
    assert result.content == "wrote notes/plan/today.md: 27 bytes, 2 lines"


def test_content_replaces_an_existing_file(tool: WriteTool, make_file: MakeFile) -> None:
    path = make_file("report/summary.md", "old draft, much longer than the new one\n")

    tool.run({"path": "report/summary.md", "content": "final"})

    assert path.read_text() == "final"


def test_the_shell_view_of_the_workspace_is_accepted_as_a_path(tool: WriteTool, workspace: Path) -> None:
    tool.run({"path": "/workspace/outputs/q.csv", "content": "a,b\n"})

    assert (workspace / "outputs/q.csv").read_text() == "a,b\n"


def test_an_edit_replaces_the_one_occurrence(tool: WriteTool, make_file: MakeFile) -> None:
    path = make_file("notes/plan.md", "- [ ] check deploys\n- [ ] read logs\n")

    result = tool.run({"path": "notes/plan.md", "old_text": "- [ ] check deploys", "new_text": "- [x] check deploys"})

    assert path.read_text() == "- [x] check deploys\n- [ ] read logs\n"
    assert result.content == "edited notes/plan.md (replaced 1 occurrence): 36 bytes, 2 lines"


def test_an_edit_of_text_that_occurs_twice_is_refused_with_the_count(tool: WriteTool, make_file: MakeFile) -> None:
    path = make_file("notes/plan.md", "- [ ] todo\n- [ ] todo\n")

    with pytest.raises(ToolError, match="occurs 2 times.*more surrounding lines.*replace_all"):
        tool.run({"path": "notes/plan.md", "old_text": "- [ ] todo", "new_text": "- [x] todo"})
    assert path.read_text() == "- [ ] todo\n- [ ] todo\n"


def test_replace_all_replaces_every_occurrence(tool: WriteTool, make_file: MakeFile) -> None:
    path = make_file("notes/plan.md", "- [ ] todo\n- [ ] todo\n")

    result = tool.run({"path": "notes/plan.md", "old_text": "[ ]", "new_text": "[x]", "replace_all": True})

    assert path.read_text() == "- [x] todo\n- [x] todo\n"
    assert "replaced 2 occurrences" in result.content


def test_an_edit_of_text_not_in_the_file_is_refused(tool: WriteTool, make_file: MakeFile) -> None:
    make_file("notes/plan.md", "    indented\n")

    with pytest.raises(ToolError, match="not found in notes/plan.md.*exactly"):
        tool.run({"path": "notes/plan.md", "old_text": "  indented\n\n", "new_text": "x"})


def test_an_edit_of_a_missing_file_points_to_content(tool: WriteTool) -> None:
    with pytest.raises(ToolError, match="does not exist; to create it, give `content`"):
        tool.run({"path": "notes/new.md", "old_text": "a", "new_text": "b"})


@pytest.mark.parametrize(
    "arguments",
    [
        {"path": "notes/a.md"},
        {"path": "notes/a.md", "content": "x", "old_text": "a", "new_text": "b"},
        {"path": "notes/a.md", "old_text": "a"},
        {"path": "notes/a.md", "content": "x", "replace_all": True},
    ],
    ids=["no-mode", "both-modes", "edit-without-new-text", "replace-all-with-content"],
)
def test_exactly_one_mode_per_call(tool: WriteTool, make_file: MakeFile, arguments: dict[str, object]) -> None:
    make_file("notes/a.md", "a")

    with pytest.raises(ToolError):
        tool.run(arguments)


def test_writes_outside_the_writable_folders_are_refused_naming_them(tool: WriteTool, make_file: MakeFile) -> None:
    path = make_file("repos/api/app.py", "original")

    with pytest.raises(ToolError, match="only under notes/, memory/, report/, outputs/"):
        tool.run({"path": "repos/api/app.py", "content": "patched"})
    assert path.read_text() == "original"


def test_a_write_into_repos_says_the_code_there_is_read_only(tool: WriteTool, make_file: MakeFile) -> None:
    make_file("repos/api/app.py", "original")

    with pytest.raises(ToolError, match=r"repos/ holds the code as deployed and is read-only; writing is allowed"):
        tool.run({"path": "repos/api/new.py", "content": "patched"})


def test_dot_dot_cannot_climb_out_of_a_writable_folder(tool: WriteTool, make_file: MakeFile) -> None:
    make_file("repos/api/app.py", "original")

    with pytest.raises(ToolError, match="only under"):
        tool.run({"path": "notes/../repos/api/app.py", "content": "patched"})


def test_dot_dot_out_of_the_workspace_is_refused(tool: WriteTool, workspace: Path) -> None:
    with pytest.raises(PathOutsideWorkspaceError):
        tool.run({"path": "notes/../../escaped.md", "content": "x"})
    assert not (workspace.parent / "escaped.md").exists()


def test_an_absolute_path_is_refused(tool: WriteTool, tmp_path: Path) -> None:
    target = tmp_path / "absolute.md"

    with pytest.raises(PathOutsideWorkspaceError):
        tool.run({"path": str(target), "content": "x"})
    assert not target.exists()


def test_a_symlink_pointing_out_of_the_workspace_is_refused(tool: WriteTool, workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (workspace / "notes").mkdir()
    (workspace / "notes/out").symlink_to(outside)

    with pytest.raises(PathOutsideWorkspaceError):
        tool.run({"path": "notes/out/stolen.md", "content": "x"})
    assert list(outside.iterdir()) == []


def test_a_symlink_into_a_read_only_folder_is_refused(tool: WriteTool, workspace: Path, make_file: MakeFile) -> None:
    code = make_file("repos/api/app.py", "original")
    (workspace / "notes").symlink_to(workspace / "repos/api")

    with pytest.raises(ToolError, match="symlink"):
        tool.run({"path": "notes/app.py", "content": "patched"})
    assert code.read_text() == "original"


def test_content_over_the_size_cap_is_refused(tool: WriteTool, workspace: Path) -> None:
    with pytest.raises(ToolError, match="over the .* byte limit"):
        tool.run({"path": "outputs/big.txt", "content": "x" * (MAX_FILE_BYTES + 1)})
    assert not (workspace / "outputs/big.txt").exists()


def test_a_folder_cannot_be_overwritten(tool: WriteTool, make_file: MakeFile) -> None:
    make_file("notes/sub/a.md", "a")

    with pytest.raises(ToolError, match="is a folder"):
        tool.run({"path": "notes/sub", "content": "x"})


def test_the_writable_folders_are_configurable(sandbox: FilesOnlySandbox, workspace: Path) -> None:
    tool = WriteTool(sandbox, writable_prefixes=["scratch/"])

    tool.run({"path": "scratch/a.txt", "content": "x"})

    assert (workspace / "scratch/a.txt").read_text() == "x"
    with pytest.raises(ToolError, match="only under scratch/"):
        tool.run({"path": "notes/a.md", "content": "x"})


def test_a_write_past_the_workspace_quota_is_an_observation_saying_what_to_free(workspace: Path) -> None:
    (workspace / "outputs").mkdir()
    (workspace / "outputs" / "spilled.txt").write_bytes(b"x" * 3000)
    toolbox = Toolbox(core_tools(SubprocessSandbox(workspace, SandboxLimits(workspace_bytes=4096))))

    result = toolbox.dispatch(ToolCall(id="c1", name="write", arguments={"path": "notes/a.md", "content": "y" * 2000}))

    assert result.is_error
    assert result.content == (
        "error: notes/a.md: writing 2 KiB would bring the workspace to 4.9 KiB, over its quota of 4 KiB "
        "(largest: outputs/ 2.9 KiB); delete files you no longer need first, e.g. `rm` big files under outputs/ "
        "with shell"
    )
    assert not (workspace / "notes" / "a.md").exists()
