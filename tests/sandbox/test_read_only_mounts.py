"""A linked repository (`repos/<name>`, a symlink to a shared checkout named as a read-only mount) is read,
walked and searched through the file operations with workspace paths, and never written; any other symlink
leading out is still refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError, SandboxError
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox._read_only import ReadOnlyRepositoryError


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """A shared checkout outside the workspace."""
    folder = tmp_path / "checkouts" / "big"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text("def handler():\n    raise TimeoutError\n")
    (folder / "README.md").write_text("# big\n")
    (folder / "src" / "inner").symlink_to("../README.md")
    (folder / "src" / "escape").symlink_to(tmp_path / "secret.txt")
    (tmp_path / "secret.txt").write_text("TimeoutError secret\n")
    return folder


@pytest.fixture
def files(tmp_path: Path, checkout: Path) -> LocalWorkspaceFiles:
    root = tmp_path / "workspace"
    (root / "repos").mkdir(parents=True)
    (root / "notes").mkdir()
    (root / "repos" / "big").symlink_to(checkout, target_is_directory=True)
    (root / "repos" / "CHECKOUTS.md").write_text("# Checkouts\n")
    return LocalWorkspaceFiles(root, read_only={"repos/big": checkout})


def test_a_file_in_a_linked_repository_is_read_by_its_workspace_path(files: LocalWorkspaceFiles) -> None:
    assert files.read_bytes("repos/big/src/app.py", 0, 100).startswith(b"def handler")
    assert files.read_bytes("/workspace/repos/big/README.md", 0, 100) == b"# big\n"


def test_stat_and_resolve_name_workspace_paths_never_the_host_path(files: LocalWorkspaceFiles) -> None:
    stat = files.stat("repos/big/src/inner")

    assert (stat.path, stat.kind) == ("repos/big/README.md", "file")
    assert files.stat("repos/big").kind == "dir"
    assert files.relative_of(files.resolve_directory("repos/big/src")) == "repos/big/src"


def test_walks_enter_the_linked_repository_and_list_workspace_paths(files: LocalWorkspaceFiles) -> None:
    assert list(files.list_files("repos")) == ["repos/CHECKOUTS.md", "repos/big/README.md", "repos/big/src/app.py"]
    assert [f.path for f in files.iter_files("repos/big")] == [
        "repos/big/README.md",
        "repos/big/src/app.py",
        "repos/big/src/inner",
    ]


@pytest.mark.parametrize("use_ripgrep", [True, False], ids=["ripgrep", "python"])
def test_a_search_from_the_root_finds_files_in_the_linked_repository(
    tmp_path: Path, checkout: Path, use_ripgrep: bool
) -> None:
    root = tmp_path / "workspace"
    root.mkdir()
    (root / "repos").mkdir()
    (root / "repos" / "big").symlink_to(checkout, target_is_directory=True)
    (root / "notes").mkdir()
    (root / "notes" / "plan.md").write_text("check the TimeoutError\n")
    (root / "zz.txt").write_text("TimeoutError\n")
    files = LocalWorkspaceFiles(root, use_ripgrep=use_ripgrep, read_only={"repos/big": checkout})

    found = list(files.files_containing(".", "TimeoutError"))

    assert found == ["notes/plan.md", "repos/big/src/app.py", "zz.txt"]


def test_a_symlink_in_the_linked_repository_leading_out_of_it_is_refused(files: LocalWorkspaceFiles) -> None:
    with pytest.raises(PathOutsideWorkspaceError, match="outside repos/big"):
        files.read_bytes("repos/big/src/escape", 0, 100)
    assert "repos/big/src/escape" not in [f.path for f in files.iter_files("repos/big")]


def test_an_ordinary_symlink_leading_out_is_still_refused(files: LocalWorkspaceFiles, tmp_path: Path) -> None:
    (files.root / "notes" / "out").symlink_to(tmp_path / "secret.txt")
    (files.root / "notes" / "into-checkout").symlink_to(tmp_path / "checkouts" / "big" / "README.md")

    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes("notes/out", 0, 100)
    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes("notes/into-checkout", 0, 100)  # only the mount's own path leads in


def test_a_symlink_not_named_as_a_mount_is_not_entered(tmp_path: Path, checkout: Path) -> None:
    root = tmp_path / "workspace"
    (root / "repos").mkdir(parents=True)
    (root / "repos" / "big").symlink_to(checkout, target_is_directory=True)
    files = LocalWorkspaceFiles(root)

    with pytest.raises(PathOutsideWorkspaceError):
        files.read_bytes("repos/big/README.md", 0, 100)
    assert list(files.list_files(".")) == []


@pytest.mark.parametrize("path", ["repos/big/src/new.py", "repos/big/README.md", "/workspace/repos/big/x/y.txt"])
def test_writing_into_the_linked_repository_is_refused_with_what_to_do(files: LocalWorkspaceFiles, path: str) -> None:
    with pytest.raises(ReadOnlyRepositoryError, match=r"repos/big holds the code as deployed and is read-only; write"):
        files.write_bytes(path, b"changed")

    assert files.read_bytes("repos/big/README.md", 0, 100) == b"# big\n"
    assert not Path(files.mounts.all[0].host, "src", "new.py").exists()


def test_writes_elsewhere_still_work(files: LocalWorkspaceFiles) -> None:
    files.write_bytes("notes/plan.md", b"# plan\n")

    assert files.read_bytes("notes/plan.md", 0, 100) == b"# plan\n"


@pytest.mark.parametrize("path", [".", "../x", "/abs"])
def test_a_mount_must_be_a_path_inside_the_workspace(tmp_path: Path, checkout: Path, path: str) -> None:
    with pytest.raises(SandboxError):
        LocalWorkspaceFiles(tmp_path / "workspace", read_only={path: checkout})


def test_a_mount_cannot_show_a_folder_of_the_workspace_itself(tmp_path: Path) -> None:
    root = tmp_path / "workspace"
    (root / "notes").mkdir(parents=True)

    with pytest.raises(SandboxError):
        LocalWorkspaceFiles(root, read_only={"repos/big": root / "notes"})
