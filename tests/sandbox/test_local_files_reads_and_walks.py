"""LocalWorkspaceFiles' fast reads and walks keep every confinement rule: symlinked folders anywhere in a
path are resolved in full, and the walk can leave named folders out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import FileStat, Sandbox
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.subprocess import SubprocessSandbox


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "outside" / "deeper"
    folder.mkdir(parents=True)
    (folder / "secret.txt").write_text("outside the workspace")
    return folder


@pytest.fixture
def files(tmp_path: Path) -> LocalWorkspaceFiles:
    root = tmp_path / "workspace"
    (root / "repos" / "api" / "src").mkdir(parents=True)
    (root / "repos" / "api" / "src" / "app.py").write_text("print('app')\n")
    return LocalWorkspaceFiles(root)


@pytest.mark.parametrize("link", ["repos/elsewhere", "repos/api/src/elsewhere"])
def test_a_read_through_a_symlinked_folder_leading_out_is_refused(
    files: LocalWorkspaceFiles, outside: Path, link: str
) -> None:
    (files.root / link).symlink_to(outside.parent, target_is_directory=True)

    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes(f"{link}/deeper/secret.txt", 0, 100)
    with pytest.raises(PathOutsideWorkspaceError):
        files.stat(f"{link}/deeper/secret.txt")


def test_a_read_through_a_symlinked_folder_that_stays_inside_is_followed(files: LocalWorkspaceFiles) -> None:
    (files.root / "code").symlink_to("repos/api", target_is_directory=True)

    assert files.read_bytes("code/src/app.py", 0, 100) == b"print('app')\n"


def test_a_read_through_a_symlink_chain_ending_outside_is_refused(files: LocalWorkspaceFiles, outside: Path) -> None:
    (files.root / "hop").symlink_to(outside / "secret.txt")
    (files.root / "repos" / "link").symlink_to("../hop")

    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes("repos/link", 0, 100)


def test_reading_a_folder_or_through_a_file_fails_as_before(files: LocalWorkspaceFiles) -> None:
    with pytest.raises(IsADirectoryError):
        files.read_bytes("repos/api", 0, 10)
    with pytest.raises(IsADirectoryError):
        files.read_bytes(".", 0, 10)
    with pytest.raises(NotADirectoryError):
        files.read_bytes("repos/api/src/app.py/inner", 0, 10)
    with pytest.raises(FileNotFoundError):
        files.read_bytes("repos/missing/app.py", 0, 10)


@pytest.mark.timeout(10)
def test_a_fifo_in_a_subfolder_is_refused_without_hanging(files: LocalWorkspaceFiles) -> None:
    os.mkfifo(files.root / "repos" / "pipe")

    with pytest.raises(ToolError, match="not a regular file"):
        files.read_bytes("repos/pipe", 0, 10)


def test_reads_return_fewer_bytes_only_at_the_end(files: LocalWorkspaceFiles) -> None:
    data = bytes(range(256)) * 4096  # 1 MiB
    (files.root / "data.bin").write_bytes(data)

    assert files.read_bytes("data.bin", 0, 2 * len(data)) == data
    assert files.read_bytes("data.bin", 1000, 300_000) == data[1000:301_000]
    assert files.read_bytes("data.bin", len(data) - 5, 100) == data[-5:]
    assert files.read_bytes("data.bin", len(data) + 5, 100) == b""
    assert files.read_bytes("data.bin", -3, 4) == data[:4]
    assert files.read_bytes("data.bin", 0, 0) == b""


def test_skipped_folders_are_not_entered_at_any_depth_below_the_path(files: LocalWorkspaceFiles) -> None:
    for relative in (".git/HEAD", "repos/api/.git/HEAD", "repos/api/.git/refs/main", "repos/api/git.txt"):
        (files.root / relative).parent.mkdir(parents=True, exist_ok=True)
        (files.root / relative).write_text("x")

    listed = [entry.path for entry in files.iter_files(".", skip_dirs={".git"})]

    assert listed == ["repos/api/git.txt", "repos/api/src/app.py"]


def test_the_folder_asked_for_is_walked_even_when_its_name_is_skipped(files: LocalWorkspaceFiles) -> None:
    (files.root / "repos" / "api" / ".git" / "refs").mkdir(parents=True)
    (files.root / "repos" / "api" / ".git" / "refs" / "main").write_text("abc")

    listed = list(files.iter_files("repos/api/.git", skip_dirs={".git"}))

    assert listed == [FileStat(path="repos/api/.git/refs/main", kind="file", size=3)]


def test_files_come_before_subfolders_and_each_in_name_order(files: LocalWorkspaceFiles) -> None:
    for relative in ("b.txt", "a/z.txt", "a/b/c.txt", "a/a.txt", "c/x.txt", "a.txt"):
        (files.root / "t" / relative).parent.mkdir(parents=True, exist_ok=True)
        (files.root / "t" / relative).write_text("x")

    listed = [entry.path for entry in files.iter_files("t")]

    assert listed == ["t/a.txt", "t/b.txt", "t/a/a.txt", "t/a/z.txt", "t/a/b/c.txt", "t/c/x.txt"]


def test_a_walk_from_a_symlinked_folder_lists_real_paths(files: LocalWorkspaceFiles) -> None:
    (files.root / "code").symlink_to("repos/api", target_is_directory=True)

    listed = [entry.path for entry in files.iter_files("code")]

    assert listed == ["repos/api/src/app.py"]


@pytest.mark.parametrize("adapter", ["subprocess", "bubblewrap"])
def test_the_local_adapters_pass_skipped_folders_on(tmp_path: Path, adapter: str) -> None:
    if adapter == "bubblewrap" and not bubblewrap_available():
        pytest.skip("bubblewrap (bwrap) is missing or cannot create a sandbox here")
    root = tmp_path / "workspace"
    (root / "repo" / ".git").mkdir(parents=True)
    (root / "repo" / ".git" / "HEAD").write_text("x")
    (root / "repo" / "app.py").write_text("x")
    sandbox: Sandbox = BubblewrapSandbox(root) if adapter == "bubblewrap" else SubprocessSandbox(root)

    assert [entry.path for entry in sandbox.iter_files(".", skip_dirs=(".git",))] == ["repo/app.py"]
