"""LocalWorkspaceFiles keeps every path inside the workspace: absolute paths, `..`, symlinks, NUL bytes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import FileStat
from agentcore.sandbox._local_files import LocalWorkspaceFiles


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("outside the workspace")
    return secret


@pytest.fixture
def files(tmp_path: Path) -> LocalWorkspaceFiles:
    root = tmp_path / "workspace"
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "plan.md").write_text("plan")
    return LocalWorkspaceFiles(root)


@pytest.mark.parametrize(
    ("path", "relative"),
    [
        ("notes/plan.md", "notes/plan.md"),
        ("./notes//plan.md", "notes/plan.md"),
        ("notes/../notes/plan.md", "notes/plan.md"),
        ("/workspace/notes/plan.md", "notes/plan.md"),
        ("/workspace", "."),
        ("", "."),
    ],
)
def test_paths_inside_the_workspace_are_normalized(files: LocalWorkspaceFiles, path: str, relative: str) -> None:
    assert files.to_relative(path) == relative


@pytest.mark.parametrize("path", ["/etc/passwd", "//etc/passwd", "/workspacefoo/x", "/workspace/../etc/passwd", "/tmp"])
def test_absolute_paths_outside_the_mount_are_refused(files: LocalWorkspaceFiles, path: str) -> None:
    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes(path, 0, 10)


@pytest.mark.parametrize("path", ["..", "../outside/secret.txt", "notes/../../outside/secret.txt", "a/b/../../.."])
def test_dot_dot_leaving_the_workspace_is_refused(files: LocalWorkspaceFiles, path: str) -> None:
    with pytest.raises(PathOutsideWorkspaceError, match="would leave the workspace"):
        files.stat(path)


def test_nul_bytes_are_refused_by_every_operation(files: LocalWorkspaceFiles) -> None:
    for operation in (
        lambda: files.stat("notes/plan.md\x00.txt"),
        lambda: files.read_bytes("notes\x00/plan.md", 0, 1),
        lambda: files.write_bytes("notes/x\x00", b"x"),
        lambda: list(files.iter_files("\x00")),
    ):
        with pytest.raises(PathOutsideWorkspaceError, match="NUL"):
            operation()


def test_a_symlink_leading_out_is_refused_for_read_stat_and_write(files: LocalWorkspaceFiles, outside: Path) -> None:
    (files.root / "leak").symlink_to(outside)

    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes("leak", 0, 100)
    with pytest.raises(PathOutsideWorkspaceError):
        files.stat("leak")
    with pytest.raises(PathOutsideWorkspaceError):
        files.write_bytes("leak", b"overwritten")
    assert outside.read_text() == "outside the workspace"


def test_a_symlinked_directory_leading_out_cannot_be_written_through(files: LocalWorkspaceFiles, outside: Path) -> None:
    (files.root / "notes" / "elsewhere").symlink_to(outside.parent, target_is_directory=True)

    with pytest.raises(PathOutsideWorkspaceError):
        files.write_bytes("notes/elsewhere/new.txt", b"x")
    with pytest.raises(PathOutsideWorkspaceError):
        files.write_bytes("notes/elsewhere/deeper/new.txt", b"x")
    assert sorted(p.name for p in outside.parent.iterdir()) == ["secret.txt"]


def test_a_dangling_symlink_to_outside_is_not_created_through(files: LocalWorkspaceFiles, tmp_path: Path) -> None:
    target = tmp_path / "created-outside.txt"
    (files.root / "dangling").symlink_to(target)

    with pytest.raises(PathOutsideWorkspaceError):
        files.write_bytes("dangling", b"x")
    assert not target.exists()


def test_symlinks_that_stay_inside_are_followed(files: LocalWorkspaceFiles) -> None:
    (files.root / "plan-link").symlink_to("notes/plan.md")

    assert files.read_bytes("plan-link", 0, 100) == b"plan"
    assert files.stat("plan-link") == FileStat(path="notes/plan.md", kind="file", size=4)


def test_listing_skips_symlinks_leading_out_and_never_descends_into_them(
    files: LocalWorkspaceFiles, outside: Path
) -> None:
    (files.root / "leak").symlink_to(outside)
    (files.root / "leak-dir").symlink_to(outside.parent, target_is_directory=True)
    (files.root / "plan-link").symlink_to("notes/plan.md")

    listed = [entry.path for entry in files.iter_files(".")]

    assert listed == ["plan-link", "notes/plan.md"]


def test_writes_create_parent_folders_and_replace_files(files: LocalWorkspaceFiles) -> None:
    files.write_bytes("report/draft/summary.md", b"first")
    files.write_bytes("/workspace/report/draft/summary.md", b"second")

    assert (files.root / "report" / "draft" / "summary.md").read_bytes() == b"second"
    assert sorted(p.name for p in (files.root / "report" / "draft").iterdir()) == ["summary.md"]


def test_the_workspace_root_itself_cannot_be_written(files: LocalWorkspaceFiles) -> None:
    with pytest.raises(IsADirectoryError):
        files.write_bytes("/workspace", b"x")


@pytest.mark.timeout(10)
def test_reading_a_fifo_left_in_the_workspace_does_not_hang(files: LocalWorkspaceFiles) -> None:
    os.mkfifo(files.root / "outputs.fifo")

    with pytest.raises(ToolError, match="not a regular file"):
        files.read_bytes("outputs.fifo", 0, 10)


def test_reads_honour_offset_and_length(files: LocalWorkspaceFiles) -> None:
    files.write_bytes("data.txt", b"0123456789")

    assert files.read_bytes("data.txt", 3, 4) == b"3456"
    assert files.read_bytes("data.txt", 8, 100) == b"89"


def test_cwd_must_be_a_directory_inside(files: LocalWorkspaceFiles, outside: Path) -> None:
    (files.root / "out").symlink_to(outside.parent, target_is_directory=True)

    assert files.resolve_directory("notes") == files.root / "notes"
    with pytest.raises(ToolError, match="no such directory"):
        files.resolve_directory("notes/plan.md")
    with pytest.raises(PathOutsideWorkspaceError):
        files.resolve_directory("out")
