"""The next deploy's checkout is made from the checkout of the commit before it: unchanged files are hard links
to the ones already on disk, git writes only what differs, and the checkout it came from stays as it was."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from agentcore.workspace import RepoSource, checkouts_dir, restore_repository
from agentcore.workspace._checkout_cache import remove_tree
from tests.workspace.git_helpers import git

Tree = dict[str, tuple[str, bytes, int]]
"""Path -> (kind, content or link target, permission bits)."""


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, str, str]:
    """A repository whose second commit changes, adds, deletes, renames, links and makes a file executable."""
    repo = tmp_path / "source"
    for path, text in {"src/app.py": "VERSION = 0\n", "src/keep.py": "KEEP = 1\n", "src/gone.py": "GONE = 1\n",
                       "tools/run.sh": "echo run\n", "docs/a.md": "# A\n"}.items():  # fmt: skip
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "first")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "src" / "app.py").write_text("VERSION = 1\n")
    (repo / "src" / "new.py").write_text("NEW = 1\n")
    (repo / "src" / "gone.py").unlink()
    (repo / "tools" / "run.sh").chmod(0o755)
    git(repo, "mv", "docs/a.md", "docs/b.md")
    (repo / "src" / "link.py").symlink_to("keep.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "second")
    return repo, first, git(repo, "rev-parse", "HEAD")


def restore(tmp_path: Path, source: Path, commit: str, workspace: str) -> Path:
    root = tmp_path / workspace
    root.mkdir(exist_ok=True)
    restore_repository(RepoSource(path="repos/app", source=str(source), commit=commit), root, tmp_path / "clone-cache")
    return (root / "repos" / "app").resolve()


def tree(top: Path) -> Tree:
    found: Tree = {}
    for current, directories, files in os.walk(top):
        directories[:] = [d for d in directories if d != ".git"]
        for name in [*files, *directories]:
            path = Path(current, name)
            mode = path.lstat().st_mode
            relative = path.relative_to(top).as_posix()
            if stat.S_ISLNK(mode):
                found[relative] = ("link", str(path.readlink()).encode(), 0)
            elif stat.S_ISDIR(mode):
                found[relative] = ("dir", b"", 0)
            else:
                found[relative] = ("file", path.read_bytes(), stat.S_IMODE(mode) & 0o111)
    return found


def archive(source: Path, commit: str, into: Path) -> Tree:
    into.mkdir()
    data = subprocess.run(["git", "-C", str(source), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=data, check=True)
    return tree(into)


def test_the_next_commits_checkout_holds_exactly_that_commit_and_links_the_unchanged_files(
    tmp_path: Path, source: tuple[Path, str, str]
) -> None:
    repo, first, second = source
    before = restore(tmp_path, repo, first, "ws-first")
    after = restore(tmp_path, repo, second, "ws-second")

    assert tree(after) == archive(repo, second, tmp_path / "expected")
    assert (after / "src" / "keep.py").stat().st_ino == (before / "src" / "keep.py").stat().st_ino
    assert (after / "src" / "app.py").stat().st_ino != (before / "src" / "app.py").stat().st_ino
    assert git(after, "rev-parse", "HEAD") == second
    assert git(after, "status", "--porcelain") == ""
    assert git(after, "log", "--format=%s", "main").splitlines() == ["second", "first"]


def test_the_checkout_it_was_made_from_stays_as_it_was(tmp_path: Path, source: tuple[Path, str, str]) -> None:
    repo, first, second = source
    before = restore(tmp_path, repo, first, "ws-first")
    as_it_was = tree(before)
    head = git(before, "rev-parse", "HEAD")

    restore(tmp_path, repo, second, "ws-second")

    assert tree(before) == as_it_was
    assert as_it_was["tools/run.sh"][2] == 0  # the mode change made a new file, not a chmod of the shared one
    assert git(before, "rev-parse", "HEAD") == head
    assert git(before, "status", "--porcelain") == ""


def test_every_file_and_folder_of_the_made_checkout_is_read_only(tmp_path: Path, source: tuple[Path, str, str]) -> None:
    repo, first, second = source
    restore(tmp_path, repo, first, "ws-first")
    after = restore(tmp_path, repo, second, "ws-second")

    writable = [
        path
        for path in [after, *after.rglob("*")]
        if not path.is_symlink() and path.lstat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    ]
    assert writable == []


def test_a_checkout_before_that_git_would_have_to_overwrite_gives_way_to_a_full_checkout(
    tmp_path: Path, source: tuple[Path, str, str]
) -> None:
    # A file the next commit adds already stands in the checkout before (it cannot happen to a checkout made
    # here; a hand-edited one could): git refuses to overwrite it, and the next commit is checked out whole.
    repo, first, second = source
    before = restore(tmp_path, repo, first, "ws-first")
    (before / "src").chmod(0o755)
    (before / "src" / "new.py").write_text("not what the commit holds\n")

    after = restore(tmp_path, repo, second, "ws-second")

    assert tree(after) == archive(repo, second, tmp_path / "expected")
    assert (after / "src" / "keep.py").stat().st_ino != (before / "src" / "keep.py").stat().st_ino
    assert (before / "src" / "new.py").read_text() == "not what the commit holds\n"
    assert [p.name for p in checkouts_dir(tmp_path / "clone-cache").iterdir() if p.name.endswith(".partial")] == []
    remove_tree(before)


def test_git_in_the_checkout_linked_from_does_not_reread_its_files(
    tmp_path: Path, source: tuple[Path, str, str]
) -> None:
    # Linking a file moves its ctime; a checkout that trusted ctime would see every file as changed.
    repo, first, second = source
    before = restore(tmp_path, repo, first, "ws-first")
    restore(tmp_path, repo, second, "ws-second")

    assert git(before, "config", "core.trustctime") == "false"
    assert git(before, "diff-files", "--name-only") == ""  # no stat differences, nothing re-read


def test_making_a_tree_read_only_leaves_what_its_links_point_to_alone(tmp_path: Path) -> None:
    from agentcore.workspace._checkout_cache import make_read_only

    outside = tmp_path / "outside.txt"
    outside.write_text("not the checkout's\n")
    top = tmp_path / "tree"
    for n in range(12):  # enough folders to be handed out in parts
        (top / f"pkg{n}").mkdir(parents=True)
        (top / f"pkg{n}" / "mod.py").write_text("X = 1\n")
    (top / "top-link").symlink_to(outside)
    (top / "pkg0" / "nested-link").symlink_to(outside)
    (top / "pkg1" / "-dash.py").write_text("named like an option\n")

    make_read_only(top)

    assert outside.stat().st_mode & stat.S_IWUSR
    writable = [
        p for p in [top, *top.rglob("*")] if not p.is_symlink() and p.lstat().st_mode & (stat.S_IWUSR | stat.S_IWOTH)
    ]
    assert writable == []
    remove_tree(top)


def test_without_a_chmod_a_tree_is_still_made_read_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agentcore.workspace import _checkout_cache

    top = tmp_path / "tree"
    (top / "pkg").mkdir(parents=True)
    (top / "pkg" / "mod.py").write_text("X = 1\n")
    monkeypatch.setattr(_checkout_cache.shutil, "which", lambda name: None)

    _checkout_cache.make_read_only(top)

    assert [p for p in [top, *top.rglob("*")] if p.lstat().st_mode & (stat.S_IWUSR | stat.S_IWOTH)] == []
    remove_tree(top)
