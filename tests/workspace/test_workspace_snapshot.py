"""Workspace checkpoints: repos fetched again, outputs one blob each, the rest one tar.zst."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import zstandard

from agentcore.storage.local import LocalBlobStore
from agentcore.workspace import (
    RepoSource,
    WorkspaceCheckpoint,
    checkpoint_workspace,
    extract_snapshot,
    forget_restored,
    is_restored,
    mark_restored,
    restore_workspace,
)
from tests.workspace.git_helpers import GIT_ENV, git

ID = "inv-20260314-093000-a1b2c3"
PREFIX = f"investigations/{ID}/"
EMPTY = WorkspaceCheckpoint(None, None, {})


@pytest.fixture
def source_repo(tmp_path: Path) -> tuple[Path, list[str]]:
    """A repository with three commits; returns it and its commits, oldest first."""
    repo = tmp_path / "source"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commits = []
    for n in range(3):
        (repo / "app.py").write_text(f"VERSION = {n}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", f"version {n}")
        commits.append(git(repo, "rev-parse", "HEAD"))
    return repo, commits


@pytest.fixture
def workspace(tmp_path: Path, source_repo: tuple[Path, list[str]]) -> tuple[Path, tuple[RepoSource, ...]]:
    repo, commits = source_repo
    root = tmp_path / "ws"
    for folder in ("notes", "outputs/deep", "bin", "report"):
        (root / folder).mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", str(repo), str(root / "repos" / "app")], check=True, env=GIT_ENV)
    git(root / "repos" / "app", "checkout", "-q", "--detach", commits[1])
    (root / "notes" / "plan.md").write_text("# Plan\n")
    (root / "outputs" / "0001-abc.txt").write_text("big tool output\n" * 100)
    (root / "outputs" / "deep" / "same.txt").write_text("big tool output\n" * 100)
    (root / "bin" / "logs").write_text("#!/bin/sh\n")
    return root, (RepoSource(path="repos/app", source=str(repo), commit=commits[1]),)


def test_a_checkpoint_restores_the_same_workspace_with_repos_from_their_source(
    tmp_path: Path, workspace: tuple[Path, tuple[RepoSource, ...]], source_repo: tuple[Path, list[str]]
) -> None:
    root, repos = workspace
    store = LocalBlobStore(tmp_path / "blobs")
    saved = checkpoint_workspace(store, PREFIX, root, step=1, repos=repos, previous=EMPTY)
    again = tmp_path / "again"
    restore_workspace(store, again, workspace_blob=saved.workspace_blob, repos=repos, outputs=saved.outputs,
                      clone_cache=tmp_path / "cache")  # fmt: skip
    assert (again / "notes" / "plan.md").read_text() == "# Plan\n"
    assert (again / "outputs" / "deep" / "same.txt").read_text() == (root / "outputs" / "deep" / "same.txt").read_text()
    assert git(again / "repos" / "app", "rev-parse", "HEAD") == source_repo[1][1]
    assert git(again / "repos" / "app", "log", "--format=%s", "main") == "version 2\nversion 1\nversion 0"
    assert git(again / "repos" / "app", "remote") == ""
    assert "-m agentcore.connectors.commands.logs" in (again / "bin" / "logs").read_text()


def test_the_snapshot_leaves_out_repos_outputs_and_bin(
    tmp_path: Path, workspace: tuple[Path, tuple[RepoSource, ...]]
) -> None:
    root, repos = workspace
    store = LocalBlobStore(tmp_path / "blobs")
    saved = checkpoint_workspace(store, PREFIX, root, step=1, repos=repos, previous=EMPTY)
    assert saved.workspace_blob is not None
    raw = zstandard.ZstdDecompressor().decompress(store.get(saved.workspace_blob).data, max_output_size=1 << 26)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        names = tar.getnames()
    assert "notes/plan.md" in names
    assert not [n for n in names if n.startswith(("repos/app", "outputs", "bin"))]


def test_outputs_are_stored_once_per_content(tmp_path: Path, workspace: tuple[Path, tuple[RepoSource, ...]]) -> None:
    root, repos = workspace
    store = LocalBlobStore(tmp_path / "blobs")
    saved = checkpoint_workspace(store, PREFIX, root, step=1, repos=repos, previous=EMPTY)
    assert set(saved.outputs) == {"outputs/0001-abc.txt", "outputs/deep/same.txt"}
    assert len(set(saved.outputs.values())) == 1
    assert len(list(store.list(f"investigations/{ID}/outputs/"))) == 1


def test_an_unchanged_workspace_reuses_its_snapshot_and_a_changed_one_gets_a_new_one(
    tmp_path: Path, workspace: tuple[Path, tuple[RepoSource, ...]]
) -> None:
    root, repos = workspace
    store = LocalBlobStore(tmp_path / "blobs")
    first = checkpoint_workspace(store, PREFIX, root, step=1, repos=repos, previous=EMPTY)
    second = checkpoint_workspace(store, PREFIX, root, step=2, repos=repos, previous=first)
    assert second.workspace_blob == first.workspace_blob
    (root / "notes" / "plan.md").write_text("# Plan\n- [x] done\n")
    third = checkpoint_workspace(store, PREFIX, root, step=3, repos=repos, previous=second)
    assert third.workspace_blob != first.workspace_blob


def test_a_repo_whose_source_moved_on_is_restored_at_the_recorded_commit(
    tmp_path: Path, workspace: tuple[Path, tuple[RepoSource, ...]], source_repo: tuple[Path, list[str]]
) -> None:
    root, repos = workspace
    repo, commits = source_repo
    store = LocalBlobStore(tmp_path / "blobs")
    saved = checkpoint_workspace(store, PREFIX, root, step=1, repos=repos, previous=EMPTY)
    restore_workspace(store, tmp_path / "first", workspace_blob=saved.workspace_blob, repos=repos,
                      outputs=saved.outputs, clone_cache=tmp_path / "cache")  # fmt: skip
    (repo / "app.py").write_text("VERSION = 3\n")
    git(repo, "commit", "-qam", "version 3")
    newer = (RepoSource(path="repos/app", source=str(repo), commit=git(repo, "rev-parse", "HEAD")),)
    restore_workspace(store, tmp_path / "second", workspace_blob=saved.workspace_blob, repos=newer,
                      outputs=saved.outputs, clone_cache=tmp_path / "cache")  # fmt: skip
    assert (tmp_path / "second" / "repos" / "app" / "app.py").read_text() == "VERSION = 3\n"
    assert (tmp_path / "first" / "repos" / "app" / "app.py").read_text() == "VERSION = 1\n"
    assert commits


def test_a_snapshot_member_that_would_escape_the_workspace_is_skipped(tmp_path: Path) -> None:
    archive = tmp_path / "evil.tar.zst"
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for name, data in (("../outside.txt", b"escaped"), ("notes/ok.md", b"fine")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("notes/etc")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc"
        tar.addfile(link)
    archive.write_bytes(zstandard.ZstdCompressor().compress(buffer.getvalue()))
    root = tmp_path / "ws"
    skipped = extract_snapshot(archive, root)
    assert skipped == 2
    assert (root / "notes" / "ok.md").read_bytes() == b"fine"
    assert not (tmp_path / "outside.txt").exists()
    assert not (root / "notes" / "etc").exists()


def test_a_workspace_counts_as_restored_only_until_a_stage_starts_changing_it(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    root.mkdir()
    mark_restored(root, "snap-1", {"outputs/a": "blob-a"})
    assert is_restored(root, "snap-1", {"outputs/a": "blob-a"})
    assert not is_restored(root, "snap-2", {"outputs/a": "blob-a"})
    forget_restored(root)
    assert not is_restored(root, "snap-1", {"outputs/a": "blob-a"})


def test_a_socket_or_fifo_left_in_the_workspace_does_not_break_the_checkpoint(
    tmp_path: Path, workspace: tuple[Path, tuple[RepoSource, ...]]
) -> None:
    import socket

    root, repos = workspace
    os.mkfifo(root / "notes" / "pipe")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        listener.bind(str(root / "notes" / "sock"))
        store = LocalBlobStore(tmp_path / "blobs")
        saved = checkpoint_workspace(store, PREFIX, root, step=1, repos=repos, previous=EMPTY)
    finally:
        listener.close()
    assert saved.workspace_blob is not None
    raw = zstandard.ZstdDecompressor().decompress(store.get(saved.workspace_blob).data, max_output_size=1 << 26)
    with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
        names = tar.getnames()
    assert "notes/plan.md" in names
    assert "notes/sock" not in names
