"""The workspace quota: writes keep count of what they add, commands are measured after, snapshots refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.pipeline._checkpoint import checkpoint_workspace
from agentcore.sandbox import SandboxLimits, format_size
from agentcore.sandbox.quota import WorkspaceQuotaError, refuse_snapshot_over_quota, workspace_sizes
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.storage.local import LocalBlobStore
from agentcore.workspace import WorkspaceCheckpoint

ID = "inv-20260314-093000-a1b2c3"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


def quota_of(workspace: Path, quota_bytes: int) -> SubprocessSandbox:
    return SubprocessSandbox(workspace, SandboxLimits(workspace_bytes=quota_bytes))


def test_sizes_are_summed_per_top_level_entry_without_following_symlinks(workspace: Path) -> None:
    (workspace / "notes" / "deep").mkdir(parents=True)
    (workspace / "notes" / "deep" / "a.md").write_bytes(b"x" * 300)
    (workspace / "notes" / "b.md").write_bytes(b"x" * 200)
    (workspace / "top.txt").write_bytes(b"x" * 50)
    (workspace / "elsewhere").symlink_to(workspace.parent)

    sizes = workspace_sizes(workspace)

    assert {name: size for name, size in sizes.items() if name != "elsewhere"} == {"notes/": 500, "top.txt": 50}
    assert sizes["elsewhere"] < 1000  # the link itself, not what it points at


def test_each_write_counts_against_the_quota_without_measuring_again(workspace: Path) -> None:
    sandbox = quota_of(workspace, 1000)
    sandbox.write_bytes("notes/a.md", b"x" * 400)
    sandbox.write_bytes("notes/b.md", b"x" * 400)

    with pytest.raises(
        WorkspaceQuotaError, match=r"would bring the workspace to 1.2 KiB, over its quota of 1000 bytes"
    ):
        sandbox.write_bytes("outputs/c.txt", b"x" * 400)


def test_a_command_that_frees_space_makes_room_for_writes_again(workspace: Path) -> None:
    sandbox = quota_of(workspace, 1000)
    sandbox.write_bytes("notes/a.md", b"x" * 900)
    with pytest.raises(WorkspaceQuotaError):
        sandbox.write_bytes("notes/b.md", b"x" * 400)

    assert sandbox.run("rm notes/a.md").exit_code == 0
    sandbox.write_bytes("notes/b.md", b"x" * 400)

    assert (workspace / "notes" / "b.md").stat().st_size == 400


def test_the_quota_message_names_the_largest_top_level_entries(workspace: Path) -> None:
    for name, size in (("outputs", 5000), ("notes", 3000), ("report", 2000), ("memory", 1000)):
        (workspace / name).mkdir()
        (workspace / name / "f").write_bytes(b"x" * size)

    with pytest.raises(WorkspaceQuotaError) as refused:
        refuse_snapshot_over_quota(workspace, 10 * 1024)

    assert str(refused.value) == (
        "the workspace holds 10.7 KiB, over its quota of 10 KiB (largest: outputs/ 4.9 KiB, notes/ 2.9 KiB, "
        "report/ 2 KiB), so it is not checkpointed; files that big must not stay in the workspace"
    )


def test_a_checkpoint_of_a_workspace_over_its_quota_is_refused_and_uploads_nothing(
    workspace: Path, tmp_path: Path
) -> None:
    (workspace / "notes").mkdir()
    (workspace / "notes" / "huge.log").write_bytes(b"x" * 300_000)
    (workspace / "outputs").mkdir()
    (workspace / "outputs" / "0001-abc.txt").write_bytes(b"y" * 1000)
    store = LocalBlobStore(tmp_path / "blobs")
    empty = WorkspaceCheckpoint(None, None, {})

    with pytest.raises(WorkspaceQuotaError, match=r"the workspace holds 293.9 KiB, over its quota of 256 KiB"):
        checkpoint_workspace(store, ID, workspace, step=1, repos=(), previous=empty, quota_bytes=256 * 1024)
    assert not list((tmp_path / "blobs").rglob("*.*"))


def test_a_checkpoint_within_the_quota_is_saved(workspace: Path, tmp_path: Path) -> None:
    (workspace / "notes").mkdir()
    (workspace / "notes" / "plan.md").write_bytes(b"# Plan\n")
    store = LocalBlobStore(tmp_path / "blobs")

    saved = checkpoint_workspace(
        store, ID, workspace, step=1, repos=(), previous=WorkspaceCheckpoint(None, None, {}), quota_bytes=1024
    )

    assert saved.workspace_blob is not None


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (17, "17 bytes"),
        (2048, "2 KiB"),
        (300 * 1024**2, "300 MiB"),
        (3 * 1024**3 // 2, "1.5 GiB"),
        (2 * 1024**3, "2 GiB"),
    ],
)
def test_sizes_are_shown_in_binary_units(size: int, shown: str) -> None:
    assert format_size(size) == shown
