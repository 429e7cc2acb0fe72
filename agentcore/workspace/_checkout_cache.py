"""The checkout cache: one read-only working tree per (repository, commit), shared by every workspace.

`<data_dir>/checkouts/<clone-cache key>-<commit>/` sits next to the clone cache (`<data_dir>/clone-cache/`).
Each is a full working tree whose `.git` borrows the clone cache's objects (`checkout.check_out_shared`),
made once and never modified afterwards: a workspace's `repos/<name>` is a symlink to it, so a restore
costs a symlink instead of writing every file of the repository. Workspace snapshots leave `repos/` out,
so writes into a repository were never kept across stages: it holds the code as deployed.

A new commit of a repository that already has a checkout here (the next deploy) is made from that one: its
files are hard-linked into the staging folder (no file data written), and git checks out only what differs
between the two commits. Git replaces a file it changes (a new file, never a write into the old one), so the
sibling stays as it was; the links' inodes keep their read-only modes. A repository's first checkout on a
machine writes every file.

Made atomically: in a staging folder beside it (`.<name>.<token>.partial`), made read-only on disk, then
renamed into place. Of two workers racing, the one whose rename fails discards its copy and uses the
winner's; a staging folder left by a crash is never used (only final names are), and
`remove_stale_checkouts` clears it later. Using a checkout touches `<name>.used` beside it, which is what
`remove_stale_checkouts` reads to tell a checkout nobody restored for a while.

The sandbox and the file tools see a linked repository read-only (see `agentcore.sandbox`): the read-only
modes on disk are a second fence for processes that do not run as root.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from agentcore.git import GitError, run_git, run_git_bytes
from agentcore.sandbox._read_only import linked_repositories
from agentcore.workspace._models import RepoSource
from agentcore.workspace.checkout import (
    CLONE_TIMEOUT_S,
    RepositoryRestoreError,
    cached_clone,
    check_out_shared,
    full_sha,
)

logger = logging.getLogger(__name__)

CHECKOUTS_FOLDER = "checkouts"
"""The checkout cache's folder, beside the clone cache's."""

_NAME = re.compile(r"^[0-9a-f]{24}-[0-9a-f]{40,64}$")
_USED_SUFFIX = ".used"
_FULL_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_STAGING_GRACE_S = 24 * 3600.0
"""A staging folder this old is left over from a crash (a checkout takes minutes at most)."""
_WRITE_BITS = stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH


def checkouts_dir(clone_cache: Path) -> Path:
    """The checkout cache that goes with the clone cache `clone_cache` (its sibling folder)."""
    return clone_cache.parent / CHECKOUTS_FOLDER


def shared_checkout(cache: Path, commit: str, checkouts: Path) -> Path:
    """The shared working tree of `commit` of the repository cloned in `cache` (the clone cache), made on first use.

    `commit` is a full sha. The result is never modified; callers link to it, they do not write in it."""
    if not re.fullmatch(r"[0-9a-f]{40,64}", commit):
        raise ValueError(f"a shared checkout needs a full commit sha, not {commit!r}")
    final = checkouts / f"{cache.stem}-{commit}"
    if not final.is_dir():
        _make(cache, commit, final)
    _touch(final.with_name(final.name + _USED_SUFFIX))
    return final


def restore_repository(repo: RepoSource, root: Path, cache_dir: Path) -> None:
    """Put `repo` at `root/repo.path`: a symlink to the shared, read-only checkout of its recorded commit
    (`_checkout_cache`), which has every branch and all history (borrowed from the clone cache)."""
    destination = root / repo.path
    if not destination.resolve().is_relative_to((root / "repos").resolve()):
        raise RepositoryRestoreError(f"{repo.path}: a repository must live under repos/")
    try:
        cache = cached_clone(Path(repo.source), cache_dir)
        commit = full_sha(cache, repo.commit)
        if commit is None:
            run_git(
                cache, "fetch", "--quiet", "--no-tags", str(Path(repo.source)), "+refs/heads/*:refs/heads/*",
                timeout_s=CLONE_TIMEOUT_S,
            )  # fmt: skip
            commit = full_sha(cache, repo.commit)
        if commit is None and _FULL_SHA.fullmatch(repo.commit):  # on no branch (a detached HEAD): ask for it
            source = str(Path(repo.source))
            run_git(cache, "fetch", "--quiet", "--no-tags", source, repo.commit, timeout_s=CLONE_TIMEOUT_S)
            commit = full_sha(cache, repo.commit)
        commit = commit or repo.commit
        link_checkout(shared_checkout(cache, commit, checkouts_dir(cache_dir)), destination)
    except (GitError, ValueError, OSError) as e:
        raise RepositoryRestoreError(f"{repo.path}: cannot check out {repo.commit}: {e}") from e


def _make(cache: Path, commit: str, final: Path) -> None:
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = final.with_name(f".{final.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        sibling = _sibling(final)
        if sibling is None or not _derive(sibling, cache, staging, commit):
            if staging.exists():
                remove_tree(staging)
            check_out_shared(cache, staging, commit)
            make_read_only(staging)
        try:
            staging.rename(final)
        except OSError:
            if not final.is_dir():  # not a lost race: a real failure
                raise
    finally:
        if staging.exists():
            remove_tree(staging)


def _sibling(final: Path) -> Path | None:
    """The most recently used finished checkout of the same repository (another commit), if there is one."""
    key = final.name.split("-", 1)[0]
    found = [
        entry
        for entry in final.parent.glob(f"{key}-*")
        if entry != final and _NAME.match(entry.name) and entry.is_dir() and not entry.is_symlink()
    ]
    return max(found, key=_last_used, default=None)


def _last_used(checkout: Path) -> float:
    marker = checkout.with_name(checkout.name + _USED_SUFFIX)
    with contextlib.suppress(OSError):
        return marker.stat().st_mtime
    return checkout.stat().st_mtime


def _derive(sibling: Path, cache: Path, staging: Path, commit: str) -> bool:
    """Make `staging` the checkout of `commit` from `sibling`'s files (see the module docstring); False when it
    cannot (no GNU `cp`, a sibling not detached at a commit, git refusing), for a checkout of every file."""
    copy = shutil.which("cp")
    sibling_commit = _detached_at(sibling)
    if copy is None or not sys.platform.startswith("linux") or sibling_commit is None:
        return False
    try:
        # -a keeps modes and times, -l links instead of copying; the sibling's .git is not borrowed (its
        # reflog and index are appended and rewritten by git), the staging folder gets its own.
        staging.mkdir()
        _link_tree(copy, sibling, staging)
        _set_folders_writable(staging)
        git_dir = staging / ".git"
        run_git(None, "clone", "--bare", "--shared", "--quiet", str(cache), str(git_dir), timeout_s=CLONE_TIMEOUT_S)
        run_git(git_dir, "config", "core.bare", "false")
        run_git(git_dir, "config", "core.trustctime", "false")  # a link's ctime moves with its link count
        run_git(staging, "remote", "remove", "origin")
        shutil.copyfile(sibling / ".git" / "index", git_dir / "index")  # its stat data matches the links
        run_git(staging, "update-ref", "--no-deref", "HEAD", sibling_commit)
        # Not --force: should the links not match the index, git refuses rather than overwrite anything.
        run_git(
            staging, "-c", "checkout.workers=0", "checkout", "--quiet", "--detach", commit, timeout_s=CLONE_TIMEOUT_S
        )
        changed = run_git_bytes(
            staging, "diff", "--name-only", "--no-renames", "--diff-filter=d", "-z", sibling_commit, commit
        )
    except (GitError, OSError, subprocess.SubprocessError) as e:
        logger.info("checkout of %s not made from %s (%s); checking out every file", commit, sibling.name, e)
        return False
    for name in changed.decode("utf-8", errors="surrogateescape").split("\0"):
        if name:
            _set_write_bits(staging / name, writable=False)
    make_read_only(git_dir)
    _set_folders_writable(staging, writable=False)
    return True


_BATCHES = 8
"""Trees are handed out in at least this many parts, to as many `cp` or `chmod` processes at once as there are
cores (at most 4): making hard links and changing modes is system time in the file system, one core per process."""


def _spread(top: Path, *, leave_out: str = "") -> tuple[list[Path], list[Path]]:
    """The entries below `top` to hand out (at least _BATCHES where the tree allows), and the folders opened to
    find them (in the order opened; not among the entries). Symlinks are entries, never opened."""
    entries = [entry for entry in sorted(top.iterdir()) if entry.name != leave_out]
    opened: list[Path] = []
    while len(entries) < _BATCHES:
        folders = [entry for entry in entries if entry.is_dir() and not entry.is_symlink()]
        if not folders:
            break
        for folder in folders:
            entries.remove(folder)
            opened.append(folder)
            entries += sorted(folder.iterdir())
    return entries, opened


def _on_every_core(commands: list[list[str]]) -> None:
    """Run the commands, as many at once as there are cores (at most 4); the first failure is raised."""
    workers = _cores()

    def run(command: list[str]) -> None:
        subprocess.run(command, check=True, capture_output=True, timeout=600)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="checkout-files") as pool:
        list(pool.map(run, commands))


def _cores() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def _dealt(entries: list[Path]) -> list[list[Path]]:
    """`entries` dealt into one hand per core (at most 4), empty hands left out."""
    hands = _cores()
    return [hand for hand in (entries[start::hands] for start in range(hands)) if hand]


def _link_tree(copy: str, source: Path, target: Path) -> None:
    """Hard-link every file below `source` (its `.git` aside) into the existing folder `target`."""
    entries, opened = _spread(source, leave_out=".git")
    for folder in opened:  # their entries are linked one by one, into a copy of the folder made here
        (target / folder.relative_to(source)).mkdir()
    groups: dict[Path, list[Path]] = {}
    for entry in entries:
        groups.setdefault(target / entry.parent.relative_to(source), []).append(entry)
    hands = [(parent, hand) for parent, group in groups.items() for hand in _dealt(group)]
    _on_every_core([[copy, "-al", "--", *map(str, hand), str(parent)] for parent, hand in hands])


def _detached_at(checkout: Path) -> str | None:
    with contextlib.suppress(OSError):
        head = (checkout / ".git" / "HEAD").read_text(encoding="ascii").strip()
        if _FULL_SHA.fullmatch(head):
            return head
    return None


def _set_folders_writable(top: Path, *, writable: bool = True) -> None:
    """Set the write bit of `top` and every folder below it (files are left alone: they may be links)."""
    for current, directories, _ in os.walk(top):
        for name in directories:
            _set_write_bits(Path(current, name), writable=writable)
    _set_write_bits(top, writable=writable)


def make_read_only(top: Path) -> None:
    """Clear the write bits of `top` and everything below it (symlinks are left alone).

    With a `chmod` at hand, `chmod -R a-w` on parts of the tree at once; it ignores the symlinks it meets
    below an entry, and no entry given to it is a symlink (it would follow that one). Without one, or should
    it fail, every entry is walked here."""
    change_mode = shutil.which("chmod")
    try:
        if change_mode is None or os.name != "posix":
            raise FileNotFoundError("no chmod")
        entries, opened = _spread(top)
        parts = [entry for entry in entries if not entry.is_symlink()]
        _on_every_core([[change_mode, "-R", "a-w", "--", *map(str, hand)] for hand in _dealt(parts)])
        for folder in opened:
            _set_write_bits(folder, writable=False)
    except (OSError, subprocess.SubprocessError):
        for current, directories, files in os.walk(top):
            for name in [*files, *directories]:
                _set_write_bits(Path(current, name), writable=False)
    _set_write_bits(top, writable=False)


def remove_tree(top: Path) -> None:
    """Remove a (possibly read-only) checkout or staging folder: its folders are made writable first."""
    _set_folders_writable(top)
    shutil.rmtree(top, ignore_errors=True)


def _set_write_bits(path: Path, *, writable: bool) -> None:
    with contextlib.suppress(OSError):
        mode = path.lstat().st_mode
        if stat.S_ISLNK(mode):
            return
        wanted = stat.S_IMODE(mode) | stat.S_IWUSR if writable else stat.S_IMODE(mode) & ~_WRITE_BITS
        if wanted != stat.S_IMODE(mode):
            path.chmod(wanted)


def _touch(marker: Path) -> None:
    with contextlib.suppress(OSError):
        marker.touch()


def link_checkout(checkout: Path, destination: Path) -> None:
    """Make `destination` (a workspace's `repos/<name>`) a symlink to the shared `checkout`."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    destination.symlink_to(checkout.resolve(), target_is_directory=True)


def linked_checkouts(root: Path, checkouts: Path) -> dict[str, Path]:
    """`repos/<name>` -> the shared checkout it links to, for the workspace at `root`.

    Only symlinks directly under `root/repos` whose target is a checkout in `checkouts` count; any other
    link is not a linked repository (the file tools refuse it as a link leading out). Each use is recorded
    (the `.used` marker), so a checkout a workspace still links to is not taken for stale."""
    found = {
        path: target for path, target in linked_repositories(root, (checkouts,)).items() if _NAME.match(target.name)
    }
    for target in found.values():
        _touch(target.with_name(target.name + _USED_SUFFIX))
    return found


def remove_stale_checkouts(checkouts: Path, *, unused_for_s: float, now_s: float | None = None) -> list[str]:
    """Remove the checkouts nobody used for `unused_for_s` seconds, and staging folders left by crashes.

    Returns the names removed. A workspace still linking to a removed checkout gets it again at its next
    restore (a stage restores the checkpoint when the workspace on disk is not known to match it)."""
    if not checkouts.is_dir():
        return []
    now = time.time() if now_s is None else now_s
    removed = []
    for entry in sorted(checkouts.iterdir()):
        if entry.is_symlink() or not entry.is_dir():
            continue
        if _NAME.match(entry.name):
            marker = entry.with_name(entry.name + _USED_SUFFIX)
            last_used = marker.stat().st_mtime if marker.exists() else entry.stat().st_mtime
            stale = now - last_used > unused_for_s
        else:
            stale = entry.name.endswith(".partial") and now - entry.stat().st_mtime > _STAGING_GRACE_S
        if stale:
            remove_tree(entry)
            if _NAME.match(entry.name):
                entry.with_name(entry.name + _USED_SUFFIX).unlink(missing_ok=True)
            removed.append(entry.name)
    return removed


__all__ = [
    "CHECKOUTS_FOLDER",
    "checkouts_dir",
    "link_checkout",
    "linked_checkouts",
    "make_read_only",
    "remove_stale_checkouts",
    "remove_tree",
    "restore_repository",
    "shared_checkout",
]
