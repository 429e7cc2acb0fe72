"""A pids cgroup per command: a process cap that holds for root too, and a way to kill every member.

RLIMIT_NPROC counts processes per real uid and the kernel exempts uid 0 (also uid 0 reached through a
user namespace), so for an agent running as root only a pids cgroup stops a fork bomb. When our own
pids cgroup is writable (cgroup v1 `pids` hierarchy, or cgroup v2 with `pids` delegated to our
cgroup's children) each command gets a child cgroup with `pids.max` set; elsewhere there is none and
the caller falls back to RLIMIT_NPROC.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import time
import uuid
from contextlib import suppress
from pathlib import Path, PurePosixPath

from agentcore.errors import SandboxError

logger = logging.getLogger(__name__)

_NAME_PREFIX = "sre-agent-sandbox-"
_KILL_ROUNDS = 50
_REMOVE_ATTEMPTS = 100
_REMOVE_PAUSE_S = 0.02


@functools.cache
def pids_cgroup_parent() -> Path | None:
    """The writable pids cgroup directory that command cgroups are made in, or None when there is none."""
    try:
        memberships = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = _cgroup_mounts()
    except OSError:
        return None
    for line in memberships:
        hierarchy, controllers, path = line.split(":", 2)
        key = "cgroup2" if hierarchy == "0" and not controllers else "pids"
        if key == "pids" and "pids" not in controllers.split(","):
            continue
        for mount_root, mount_point in mounts.get(key, []):
            try:
                relative = PurePosixPath(path).relative_to(mount_root)
            except ValueError:
                continue
            candidate = mount_point / relative
            if _can_cap_processes_below(candidate):
                return candidate
    return None


def _cgroup_mounts() -> dict[str, list[tuple[str, Path]]]:
    """cgroup mounts from /proc/self/mountinfo: `pids` (v1) and `cgroup2`, each as (root, mount point)."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, described = left.split(), right.split()
        if len(fields) < 5 or len(described) < 3:
            continue
        fstype, super_options = described[0], described[2].split(",")
        if fstype == "cgroup2":
            found.setdefault("cgroup2", []).append((fields[3], Path(fields[4])))
        elif fstype == "cgroup" and "pids" in super_options:
            found.setdefault("pids", []).append((fields[3], Path(fields[4])))
    return found


def _can_cap_processes_below(directory: Path) -> bool:
    probe = directory / f"{_NAME_PREFIX}probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        probe.mkdir()
    except OSError:
        return False
    try:
        return (probe / "pids.max").exists()
    finally:
        with suppress(OSError):
            probe.rmdir()


class PidsCgroup:
    """One command's pids cgroup: the launcher writes its pid into `procs_file` before it execs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def create(cls, max_processes: int) -> PidsCgroup | None:
        """A fresh cgroup capped at `max_processes`, or None when this host has no writable pids cgroup."""
        parent = pids_cgroup_parent()
        if parent is None:
            return None
        path = parent / f"{_NAME_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
        try:
            path.mkdir()
            (path / "pids.max").write_text(str(max_processes))
        except OSError as e:
            with suppress(OSError):
                path.rmdir()
            raise SandboxError(f"could not create the pids cgroup {path}: {e}") from e
        return cls(path)

    @property
    def procs_file(self) -> Path:
        return self.path / "cgroup.procs"

    def limit_hit(self) -> bool:
        """Whether a fork has been refused because the cap was reached."""
        try:
            events = (self.path / "pids.events").read_text()
        except OSError:
            return False
        for line in events.splitlines():
            key, _, count = line.partition(" ")
            if key == "max":
                return int(count or 0) > 0
        return False

    def kill_all(self) -> None:
        """SIGKILL every member; members forking meanwhile are bounded by the cap and caught next round."""
        kill_file = self.path / "cgroup.kill"
        if kill_file.exists():
            with suppress(OSError):
                kill_file.write_text("1")
                return
        for _ in range(_KILL_ROUNDS):
            members = self._members()
            if not members:
                return
            for pid in members:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        """Remove the cgroup once its killed members are gone."""
        for _ in range(_REMOVE_ATTEMPTS):
            try:
                self.path.rmdir()
            except FileNotFoundError:
                return
            except OSError:
                time.sleep(_REMOVE_PAUSE_S)
            else:
                return
        logger.warning("could not remove the pids cgroup %s: members are still exiting", self.path)

    def _members(self) -> list[int]:
        try:
            return [int(pid) for pid in self.procs_file.read_text().split()]
        except OSError:
            return []
