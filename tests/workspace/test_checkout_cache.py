"""Restoring a repository links `repos/<name>` to one shared, read-only checkout per (repository, commit),
made once atomically and shared by every workspace on the machine."""

from __future__ import annotations

import os
import stat
import tarfile
import threading
from pathlib import Path

import pytest
import zstandard

from agentcore.sandbox.quota import workspace_size_bytes
from agentcore.workspace import (
    RepoSource,
    checkouts_dir,
    is_restored,
    linked_checkouts,
    mark_restored,
    remove_stale_checkouts,
    remove_workspace,
    restore_repository,
    write_snapshot,
)
from tests.workspace.git_helpers import git

DAY_S = 24 * 3600.0


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, list[str]]:
    """A repository with three commits; returns it and its commits."""
    repo = tmp_path / "source"
    (repo / "src").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    commits = []
    for n in range(3):
        (repo / "src" / "app.py").write_text(f"VERSION = {n}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", f"version {n}")
        commits.append(git(repo, "rev-parse", "HEAD"))
    return repo, commits


def restore(tmp_path: Path, source: Path, commit: str, workspace: str) -> Path:
    root = tmp_path / workspace
    root.mkdir(exist_ok=True)
    restore_repository(RepoSource(path="repos/app", source=str(source), commit=commit), root, tmp_path / "clone-cache")
    return root


def checkouts(tmp_path: Path) -> list[str]:
    return sorted(p.name for p in checkouts_dir(tmp_path / "clone-cache").iterdir() if p.is_dir())


def test_a_restored_repository_is_a_link_to_a_shared_checkout_at_its_commit(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")

    app = root / "repos" / "app"
    assert app.is_symlink()
    assert app.resolve().parent == checkouts_dir(tmp_path / "clone-cache").resolve()
    assert (app / "src" / "app.py").read_text() == "VERSION = 1\n"
    assert git(app, "rev-parse", "HEAD") == source[1][1]
    assert git(app, "log", "--format=%s", "main").splitlines() == ["version 2", "version 1", "version 0"]


def test_restores_of_the_same_commit_share_one_checkout(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    first = restore(tmp_path, source[0], source[1][1], "ws-1")
    second = restore(tmp_path, source[0], source[1][1], "ws-2")

    assert (first / "repos" / "app").resolve() == (second / "repos" / "app").resolve()
    assert len(checkouts(tmp_path)) == 1


def test_different_commits_get_different_checkouts(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    old = restore(tmp_path, source[0], source[1][0], "ws-old")
    new = restore(tmp_path, source[0], source[1][2], "ws-new")

    assert (old / "repos" / "app" / "src" / "app.py").read_text() == "VERSION = 0\n"
    assert (new / "repos" / "app" / "src" / "app.py").read_text() == "VERSION = 2\n"
    assert len(checkouts(tmp_path)) == 2


def test_a_short_commit_name_links_to_the_full_shas_checkout(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    short = restore(tmp_path, source[0], source[1][1][:10], "ws-short")
    full = restore(tmp_path, source[0], source[1][1], "ws-full")

    assert (short / "repos" / "app").resolve() == (full / "repos" / "app").resolve()


def test_two_first_restores_racing_make_one_checkout_and_both_workspaces_work(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    restore(tmp_path, source[0], source[1][0], "warm-the-clone-cache")
    errors: list[BaseException] = []

    def run(name: str) -> None:
        try:
            restore(tmp_path, source[0], source[1][2], name)
        except BaseException as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(f"racer-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(checkouts(tmp_path)) == 2  # the warm-up's commit and the raced one, no half-made copy
    for n in range(2):
        app = tmp_path / f"racer-{n}" / "repos" / "app"
        assert (app / "src" / "app.py").read_text() == "VERSION = 2\n"
        assert git(app, "status", "--porcelain") == ""


def test_a_half_made_staging_folder_is_never_used(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    restore(tmp_path, source[0], source[1][0], "warm-the-clone-cache")
    key = next(iter(checkouts(tmp_path))).split("-")[0]
    staging = checkouts_dir(tmp_path / "clone-cache") / f".{key}-{source[1][2]}.deadbeef.partial"
    staging.mkdir()
    (staging / "half.txt").write_text("a crash left this\n")

    root = restore(tmp_path, source[0], source[1][2], "ws")

    linked = (root / "repos" / "app").resolve()
    assert linked.name == f"{key}-{source[1][2]}"
    assert sorted(p.name for p in linked.iterdir()) == [".git", "src"]


def test_a_shared_checkout_is_read_only_on_disk(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")
    checkout = (root / "repos" / "app").resolve()

    modes = [p.lstat().st_mode for p in [checkout, *checkout.rglob("*")] if not p.is_symlink()]

    assert modes
    assert all(mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0 for mode in modes)


def test_removing_a_workspace_leaves_its_shared_checkout(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")
    checkout = (root / "repos" / "app").resolve()

    remove_workspace(root)

    assert not root.exists()
    assert (checkout / "src" / "app.py").read_text() == "VERSION = 1\n"


def test_only_links_into_the_checkout_cache_are_linked_checkouts(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")
    (root / "repos" / "elsewhere").symlink_to(tmp_path / "source", target_is_directory=True)
    (root / "repos" / "real").mkdir()

    linked = linked_checkouts(root, checkouts_dir(tmp_path / "clone-cache"))

    assert list(linked) == ["repos/app"]
    assert linked["repos/app"] == (root / "repos" / "app").resolve()


def snapshot_members(root: Path, archive: Path, repos: tuple[RepoSource, ...]) -> dict[str, str]:
    """Each member of the snapshot of `root`: name -> kind (file, dir, symlink)."""
    write_snapshot(root, archive, repos)
    with (
        archive.open("rb") as raw,
        zstandard.ZstdDecompressor().stream_reader(raw) as unpacked,
        tarfile.open(fileobj=unpacked, mode="r|") as tar,
    ):
        return {m.name: "symlink" if m.issym() else "dir" if m.isdir() else "file" for m in tar}


def test_the_snapshot_never_follows_the_link_into_the_shared_checkout(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")
    (root / "notes").mkdir()
    (root / "notes" / "plan.md").write_text("# Plan\n")
    repo = RepoSource(path="repos/app", source=str(source[0]), commit=source[1][1])

    left_out = snapshot_members(root, tmp_path / "left-out.tar.zst", (repo,))
    not_named = snapshot_members(root, tmp_path / "not-named.tar.zst", ())

    assert left_out == {"notes": "dir", "notes/plan.md": "file", "repos": "dir"}
    assert not_named == {**left_out, "repos/app": "symlink"}


def test_the_quota_does_not_count_the_shared_checkout(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")
    (root / "notes").mkdir()
    (root / "notes" / "plan.md").write_text("x" * 100)

    link = root / "repos" / "app"
    assert workspace_size_bytes(link.resolve()) > 1000  # the checkout's files and .git
    assert workspace_size_bytes(root) == 100 + link.lstat().st_size  # the plan, and the link itself


def test_stale_checkouts_are_removed_and_used_ones_kept(tmp_path: Path, source: tuple[Path, list[str]]) -> None:
    restore(tmp_path, source[0], source[1][0], "ws-old")
    kept = restore(tmp_path, source[0], source[1][2], "ws-new")
    cache = checkouts_dir(tmp_path / "clone-cache")
    old_name = next(name for name in checkouts(tmp_path) if name.endswith(source[1][0]))
    long_ago = cache.stat().st_mtime - 30 * DAY_S
    os.utime(cache / f"{old_name}.used", (long_ago, long_ago))
    leftover = cache / ".abc-def.0badf00d.partial"
    leftover.mkdir()
    os.utime(leftover, (long_ago, long_ago))

    removed = remove_stale_checkouts(cache, unused_for_s=7 * DAY_S)

    assert sorted(removed) == sorted([old_name, leftover.name])
    assert checkouts(tmp_path) == [(kept / "repos" / "app").resolve().name]
    assert not (cache / f"{old_name}.used").exists()
    assert (kept / "repos" / "app" / "src" / "app.py").read_text() == "VERSION = 2\n"


def test_a_workspace_whose_checkout_was_removed_no_longer_counts_as_restored(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    root = restore(tmp_path, source[0], source[1][1], "ws")
    mark_restored(root, None, {})
    assert is_restored(root, None, {})

    remove_stale_checkouts(checkouts_dir(tmp_path / "clone-cache"), unused_for_s=-1.0)

    assert not is_restored(root, None, {})


def test_a_workspace_whose_checkout_was_removed_gets_it_again_at_its_next_restore(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    restore(tmp_path, source[0], source[1][1], "ws")
    remove_stale_checkouts(checkouts_dir(tmp_path / "clone-cache"), unused_for_s=-1.0)

    root = restore(tmp_path, source[0], source[1][1], "ws-again")

    assert (root / "repos" / "app" / "src" / "app.py").read_text() == "VERSION = 1\n"
