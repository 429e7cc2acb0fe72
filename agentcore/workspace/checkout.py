"""Repositories of a workspace: a bare clone cache per source, and checkouts that borrow its objects.

The cache (`<data_dir>/clone-cache/<hash>.git`) is filled once from a scenario's bundle or a local
repository. A checkout is a clone made with `--shared`: its `.git` holds refs, an index and an
`objects/info/alternates` line naming the cache's object store, so making it costs one checkout of the
working tree, not a copy of the history. Each (repository, commit) is checked out once per machine, in
the checkout cache beside the clone cache, and workspaces link to it (`_checkout_cache`). The cache's
objects are never written through a checkout and never pruned (the git runner pins `gc.auto=0`). The
sandbox sees them through read-only binds: `shared_object_dirs`.

Without a cache (a scenario materialized on its own), a repository is a full, self-contained copy.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from pathlib import Path

from agentcore.errors import StorageError
from agentcore.git import GitError, run_git

CLONE_TIMEOUT_S = 600.0
"""Longest one clone, fetch or checkout may run (a big repository)."""

_CHECKOUT = ("-c", "checkout.workers=0", "checkout", "--quiet", "--force", "--detach")


class RepositoryRestoreError(StorageError):
    """A repository could not be fetched again at its recorded commit."""


def cache_path(source: Path, cache_dir: Path) -> Path:
    """Where the bare clone of `source` lives in the cache (one per resolved source path)."""
    key = hashlib.sha256(str(source.resolve()).encode()).hexdigest()[:24]
    return cache_dir / f"{key}.git"


def cached_clone(source: Path, cache_dir: Path) -> Path:
    """The bare clone of `source` in the cache, made on first use (atomically: clone aside, rename)."""
    cache = cache_path(source, cache_dir)
    if cache.is_dir():
        return cache
    if not source.exists():
        raise RepositoryRestoreError(f"{source}: the repository's source is not on this machine")
    cache_dir.mkdir(parents=True, exist_ok=True)
    staging = cache_dir / f".{cache.stem}.{uuid.uuid4().hex[:8]}.partial"
    try:
        run_git(None, "clone", "--bare", "--quiet", str(source), str(staging), timeout_s=CLONE_TIMEOUT_S)
        staging.rename(cache)
    except OSError:
        if not cache.is_dir():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return cache


def has_commit(repository: Path, commit: str) -> bool:
    return full_sha(repository, commit) is not None


def full_sha(repository: Path, commit: str) -> str | None:
    """The full sha of the commit `commit` names in `repository`, or None when it has no such commit."""
    try:
        return run_git(repository, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}").strip()
    except GitError:
        return None


def check_out_shared(cache: Path, destination: Path, commit: str) -> None:
    """`destination` as a clone of every branch of `cache` that borrows its objects, without a remote,
    detached at `commit`."""
    git_dir = destination / ".git"
    destination.mkdir(parents=True, exist_ok=True)
    run_git(None, "clone", "--bare", "--shared", "--quiet", str(cache), str(git_dir), timeout_s=CLONE_TIMEOUT_S)
    run_git(git_dir, "config", "core.bare", "false")
    # The next commit's checkout may hard-link these files, which moves their ctime: git need not re-read them.
    run_git(git_dir, "config", "core.trustctime", "false")
    run_git(destination, "remote", "remove", "origin")
    run_git(destination, *_CHECKOUT, commit, timeout_s=CLONE_TIMEOUT_S)


def check_out_bundle(bundle: Path, destination: Path, commit: str) -> None:
    """A full, self-contained clone of every ref in `bundle` at `destination`, without a remote, detached
    at `commit` (the bundle's host path stays out of the workspace)."""
    destination.mkdir(parents=True)
    run_git(None, "init", "--quiet", "--template=", str(destination))
    run_git(
        destination, "fetch", "--quiet", "--update-head-ok", "--no-tags", str(bundle), "+refs/*:refs/*",
        timeout_s=CLONE_TIMEOUT_S,
    )  # fmt: skip
    run_git(destination, *_CHECKOUT, commit, timeout_s=CLONE_TIMEOUT_S)


def clone_local(source: Path, destination: Path) -> None:
    """A full, self-contained clone of a local repository at its HEAD (no hard links into the source)."""
    run_git(
        None, "clone", "--quiet", "--no-hardlinks", str(source.resolve()), str(destination), timeout_s=CLONE_TIMEOUT_S
    )


def head_commit(repository: Path) -> str:
    return run_git(repository, "rev-parse", "HEAD").strip()


def shared_object_dirs(root: Path, cache_dir: Path) -> tuple[Path, ...]:
    """The clone cache's object stores that the repositories under `root/repos` borrow, for the sandbox
    to bind read-only. The alternates files are in the workspace, which the sandbox writes: only
    entries that are the object store of a clone in `cache_dir` are returned, anything else is ignored."""
    cache_root = cache_dir.resolve()
    found: set[Path] = set()
    repos = root / "repos"
    if not repos.is_dir():
        return ()
    for alternates in sorted(repos.glob("*/.git/objects/info/alternates")):
        if alternates.is_symlink() or not alternates.is_file():
            continue
        for line in alternates.read_text(encoding="utf-8", errors="replace").splitlines():
            candidate = Path(line.strip()).resolve()
            clone = candidate.parent
            if (
                clone.parent == cache_root
                and clone.suffix == ".git"
                and candidate.name == "objects"
                and candidate.is_dir()
            ):
                found.add(candidate)
    return tuple(sorted(found))
