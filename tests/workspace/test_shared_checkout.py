"""Repositories restored from the clone cache borrow its objects, and git still reads them in the sandbox."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.pipeline.wiring import build_dependencies
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.settings import Settings
from agentcore.workspace import (
    RepoSource,
    cached_clone,
    checkouts_dir,
    linked_checkouts,
    restore_repository,
    shared_object_dirs,
)
from tests.workspace.git_helpers import git

needs_bubblewrap = pytest.mark.skipif(
    not bubblewrap_available(), reason="bubblewrap (bwrap) is missing or cannot create a sandbox here"
)


@pytest.fixture
def source(tmp_path: Path) -> tuple[Path, list[str]]:
    """A repository with four commits on main and one on a side branch; returns it and main's commits."""
    repo = tmp_path / "source"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commits = []
    for n in range(4):
        (repo / "app.py").write_text(f"VERSION = {n}\n")
        git(repo, "add", ".")
        git(repo, "commit", "-qm", f"version {n}")
        commits.append(git(repo, "rev-parse", "HEAD"))
    git(repo, "branch", "side", commits[0])
    return repo, commits


@pytest.fixture
def restored(tmp_path: Path, source: tuple[Path, list[str]]) -> tuple[Path, Path]:
    """A workspace with the source restored at its second commit; returns the workspace and the cache dir."""
    repo, commits = source
    root, cache_dir = tmp_path / "ws", tmp_path / "clone-cache"
    root.mkdir()
    restore_repository(RepoSource(path="repos/app", source=str(repo), commit=commits[1]), root, cache_dir)
    return root, cache_dir


def test_a_restored_repository_borrows_the_caches_objects_instead_of_copying_them(
    restored: tuple[Path, Path], source: tuple[Path, list[str]]
) -> None:
    root, cache_dir = restored
    app = root / "repos" / "app"
    alternates = (app / ".git" / "objects" / "info" / "alternates").read_text().split()
    assert alternates == [str(cached_clone(source[0], cache_dir) / "objects")]
    assert [p for p in (app / ".git" / "objects").rglob("*") if p.is_file() and "info" not in p.parts] == []


def test_a_restored_repository_is_detached_at_its_commit_with_every_branch_and_no_remote(
    restored: tuple[Path, Path], source: tuple[Path, list[str]]
) -> None:
    app = restored[0] / "repos" / "app"
    commits = source[1]
    assert git(app, "rev-parse", "HEAD") == commits[1]
    assert (app / "app.py").read_text() == "VERSION = 1\n"
    assert git(app, "rev-list", "--count", "main") == "4"
    assert git(app, "rev-parse", "side") == commits[0]
    assert git(app, "remote") == ""


def test_the_sandbox_binds_only_object_stores_inside_the_clone_cache(
    restored: tuple[Path, Path], tmp_path: Path
) -> None:
    root, cache_dir = restored
    (cache_dir / "elsewhere").mkdir()
    forged = root / "repos" / "forged" / ".git" / "objects" / "info"
    forged.mkdir(parents=True)
    (forged / "alternates").write_text(f"/etc\n{tmp_path}\n{cache_dir / 'elsewhere'}\n")

    binds = shared_object_dirs(root, cache_dir)

    assert [p.name for p in binds] == ["objects"]
    assert binds[0].parent.parent == cache_dir.resolve()


@needs_bubblewrap
def test_git_log_and_blame_work_inside_the_sandbox_with_the_cache_bound_read_only(
    restored: tuple[Path, Path],
) -> None:
    root, cache_dir = restored
    sandbox = BubblewrapSandbox(
        root,
        SandboxLimits(wall_time_s=30),
        extra_ro_binds=shared_object_dirs(root, cache_dir),
        read_only=linked_checkouts(root, checkouts_dir(cache_dir)),
    )

    log = sandbox.run("cd repos/app && git log --format=%s main && git blame --porcelain app.py | head -1")

    assert log.exit_code == 0, log.output.decode()
    assert log.output.decode().splitlines()[:4] == ["version 3", "version 2", "version 1", "version 0"]


@needs_bubblewrap
def test_without_the_bind_the_sandbox_cannot_read_the_history(restored: tuple[Path, Path]) -> None:
    root, cache_dir = restored
    sandbox = BubblewrapSandbox(
        root, SandboxLimits(wall_time_s=30), read_only=linked_checkouts(root, checkouts_dir(cache_dir))
    )

    log = sandbox.run("cd repos/app && git log --format=%s main")

    assert log.exit_code != 0


@needs_bubblewrap
def test_the_pipelines_sandbox_reads_history_borrowed_from_its_clone_cache(
    tmp_path: Path, source: tuple[Path, list[str]]
) -> None:
    settings = Settings(data_dir=tmp_path / "data", model=None, sandbox="bubblewrap")
    root = tmp_path / "data" / "workspaces" / "ws"
    root.mkdir(parents=True)
    repo = RepoSource(path="repos/app", source=str(source[0]), commit=source[1][2])
    restore_repository(repo, root, settings.data_dir / "clone-cache")

    log = build_dependencies(settings).sandbox_factory(root).run("cd repos/app && git log --format=%s")

    assert log.exit_code == 0, log.output.decode()
    assert log.output.decode().splitlines() == ["version 2", "version 1", "version 0"]


@pytest.fixture
def linked_sandbox(restored: tuple[Path, Path]) -> BubblewrapSandbox:
    root, cache_dir = restored
    (root / "repos" / "CHECKOUTS.md").write_text("# Checkouts\n")
    (root / "repos" / "own").mkdir()
    return BubblewrapSandbox(
        root,
        SandboxLimits(wall_time_s=30),
        extra_ro_binds=shared_object_dirs(root, cache_dir),
        read_only=linked_checkouts(root, checkouts_dir(cache_dir)),
    )


@needs_bubblewrap
def test_inside_bubblewrap_a_linked_repository_is_a_directory_where_git_works(
    linked_sandbox: BubblewrapSandbox, source: tuple[Path, list[str]]
) -> None:
    shown = linked_sandbox.run(
        "git -C /workspace/repos/app log -1 --format=%H && cat repos/app/app.py && cd repos/app && pwd -P "
        "&& test -d /workspace/repos/app && ! test -L /workspace/repos/app && echo a-directory"
    )

    assert shown.exit_code == 0, shown.output.decode()
    assert shown.output.decode().splitlines() == [source[1][1], "VERSION = 1", "/workspace/repos/app", "a-directory"]


@needs_bubblewrap
@pytest.mark.parametrize(
    "command", ["echo x > repos/app/app.py", "touch repos/app/new.py", "rm repos/app/app.py", "touch repos/new-repo"]
)
def test_inside_bubblewrap_writes_into_repos_fail_as_read_only(linked_sandbox: BubblewrapSandbox, command: str) -> None:
    result = linked_sandbox.run(command)

    assert result.exit_code != 0
    assert "Read-only file system" in result.output.decode()
    assert (linked_sandbox.files.root / "repos" / "app").is_symlink()
    assert linked_sandbox.read_bytes("repos/app/app.py", 0, 100) == b"VERSION = 1\n"


@needs_bubblewrap
def test_inside_bubblewrap_the_rest_of_repos_is_shown_as_on_the_host(linked_sandbox: BubblewrapSandbox) -> None:
    result = linked_sandbox.run("cat repos/CHECKOUTS.md && echo kept > repos/own/file.txt && ls repos")

    assert result.exit_code == 0, result.output.decode()
    assert result.output.decode().splitlines() == ["# Checkouts", "CHECKOUTS.md", "app", "own"]
    assert (linked_sandbox.files.root / "repos" / "own" / "file.txt").read_text() == "kept\n"
