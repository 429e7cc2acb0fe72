"""find: workspace-relative paths in walk order with sizes, `.git/` skipped, capped at 500."""

from __future__ import annotations

import pytest

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.tools.find import MAX_FILES, FindTool
from tests.tools.conftest import FilesOnlySandbox, MakeFile


def test_files_are_listed_in_walk_order_with_sizes(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("src/z.py", "x" * 10)
    make_file("src/a/deep.py", "x" * 2048)
    make_file("app.py", "")
    make_file("README.md", "readme")

    result = FindTool(sandbox).run({"pattern": "*.py"})

    assert result.content.splitlines() == [
        "app.py  0 B",
        "src/a/deep.py  2.0 KiB",
        "src/z.py  10 B",
        "(3 files)",
    ]


def test_a_name_glob_can_match_inside_the_name(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("deploy/appconfig.yaml", "a")
    make_file("config.json", "a")
    make_file("main.py", "a")

    result = FindTool(sandbox).run({"pattern": "*config*"})

    assert result.content.splitlines()[:-1] == ["config.json  1 B", "deploy/appconfig.yaml  1 B"]


def test_a_double_star_glob_matches_at_every_depth_including_the_top(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("Top.cs", "a")
    make_file("src/Api/Handler.cs", "a")
    make_file("src/Api/Handler.csproj", "a")

    result = FindTool(sandbox).run({"pattern": "**/*.cs"})

    assert result.content.splitlines()[:-1] == ["Top.cs  1 B", "src/Api/Handler.cs  1 B"]


def test_a_path_glob_is_matched_below_the_searched_folder(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("repos/api/src/app.py", "a")
    make_file("repos/api/tests/test_app.py", "a")

    result = FindTool(sandbox).run({"pattern": "tests/*.py", "path": "repos/api"})

    assert result.content.splitlines() == ["repos/api/tests/test_app.py  1 B", "(1 file)"]


def test_alternatives_in_braces_match_either(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("a.yml", "a")
    make_file("b.yaml", "a")
    make_file("c.json", "a")

    result = FindTool(sandbox).run({"pattern": "*.{yml,yaml}"})

    assert result.content.splitlines()[:-1] == ["a.yml  1 B", "b.yaml  1 B"]


def test_git_folders_are_skipped(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file(".git/config", "a")
    make_file("repos/api/.git/HEAD", "a")
    make_file("repos/api/app.py", "a")

    result = FindTool(sandbox).run({"pattern": "*"})

    assert result.content.splitlines() == ["repos/api/app.py  1 B", "(1 file)"]


def test_more_than_500_files_are_capped_and_the_answer_says_more_match(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    for n in range(MAX_FILES + 20):
        make_file(f"logs/part-{n:04d}.log", "")

    lines = FindTool(sandbox).run({"pattern": "*.log"}).content.splitlines()

    assert len(lines) == MAX_FILES + 1
    assert lines[0] == "logs/part-0000.log  0 B"
    assert lines[MAX_FILES - 1] == f"logs/part-{MAX_FILES - 1:04d}.log  0 B"
    assert lines[-1] == "(the first 500 files; more match: narrow the pattern or path)"


def test_no_match_is_a_plain_answer_not_an_error(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("a.py", "a")

    result = FindTool(sandbox).run({"pattern": "*.cs"})

    assert result.content == "no files match '*.cs' under ."
    assert not result.is_error


def test_a_missing_folder_is_a_tool_error(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(ToolError, match="^repos: no such file"):
        FindTool(sandbox).run({"pattern": "*", "path": "repos"})


def test_a_folder_outside_the_workspace_is_refused(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(PathOutsideWorkspaceError):
        FindTool(sandbox).run({"pattern": "*", "path": "/etc"})


def test_a_git_folder_asked_for_by_name_is_listed(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("repos/api/.git/refs/heads/main", "abc")

    result = FindTool(sandbox).run({"pattern": "*", "path": "repos/api/.git"})

    assert result.content.splitlines() == ["repos/api/.git/refs/heads/main  3 B", "(1 file)"]
