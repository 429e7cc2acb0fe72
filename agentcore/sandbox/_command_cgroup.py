"""A cgroup per command: a process cap and a memory cap for the command and all its children together.

Rlimits are per process: RLIMIT_AS lets four processes of 1.5 GB each through a 2 GiB limit, and
RLIMIT_NPROC exempts uid 0 (also uid 0 reached through a user namespace). A cgroup bounds the whole
tree, for every user, and gives a way to kill every member.

Where the host lets us make cgroups below our own, each command gets one with:
- `pids`: `pids.max`; a refused fork shows in `pids.events`;
- `memory`: `memory.max` and `memory.swap.max = 0` (cgroup v2), or `memory.limit_in_bytes` and
  `memory.memsw.limit_in_bytes` (cgroup v1); an OOM kill shows in `memory.events` or
  `memory.oom_control` as `oom_kill N`.
On cgroup v2 both controllers are one directory; on cgroup v1 each has its own hierarchy, so a command
has one directory per controller and the launcher joins each. Where neither is writable there is no
cgroup: the caller falls back to rlimits alone.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import time
import uuid
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from agentcore.errors import SandboxError

logger = logging.getLogger(__name__)

Controller = Literal["pids", "memory"]

_NAME_PREFIX = "sre-agent-sandbox-"
_KILL_ROUNDS = 50
_REMOVE_ATTEMPTS = 100
_REMOVE_PAUSE_S = 0.02

_CONTROLLERS: frozenset[Controller] = frozenset({"pids", "memory"})
_LIMIT_FILES: dict[tuple[int, Controller], str] = {
    (2, "pids"): "pids.max",
    (2, "memory"): "memory.max",
    (1, "pids"): "pids.max",
    (1, "memory"): "memory.limit_in_bytes",
}
"""The file that caps a controller, by cgroup version; a probe child having it proves the controller works."""


@dataclass(frozen=True)
class CgroupParent:
    """A writable cgroup directory that command cgroups are made in, and what they can cap there."""

    path: Path
    version: int
    controllers: frozenset[Controller]


@functools.cache
def cgroup_parents() -> tuple[CgroupParent, ...]:
    """Where command cgroups are made on this host, each controller at most once; empty when none is writable."""
    try:
        memberships = Path("/proc/self/cgroup").read_text().splitlines()
        mounts = _cgroup_mounts()
    except OSError:
        return ()
    parents: list[CgroupParent] = []
    covered: set[Controller] = set()
    for line in memberships:
        hierarchy, listed, path = line.split(":", 2)
        version = 2 if hierarchy == "0" and not listed else 1
        wanted = (_CONTROLLERS if version == 2 else _CONTROLLERS & set(listed.split(","))) - covered
        if not wanted:
            continue
        key = "cgroup2" if version == 2 else min(wanted)
        for mount_root, mount_point in mounts.get(key, []):
            try:
                candidate = mount_point / PurePosixPath(path).relative_to(mount_root)
            except ValueError:
                continue
            usable = _controllers_below(candidate, version, wanted)
            if usable:
                parents.append(CgroupParent(candidate, version, usable))
                covered |= usable
                break
    return tuple(parents)


def caps(controller: Controller) -> bool:
    """Whether command cgroups on this host cap `controller`."""
    return any(controller in parent.controllers for parent in cgroup_parents())


def _cgroup_mounts() -> dict[str, list[tuple[str, Path]]]:
    """cgroup mounts from /proc/self/mountinfo as (root, mount point): `cgroup2`, and v1 ones by controller."""
    found: dict[str, list[tuple[str, Path]]] = {}
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        left, _, right = line.partition(" - ")
        fields, described = left.split(), right.split()
        if len(fields) < 5 or len(described) < 3:
            continue
        if described[0] == "cgroup2":
            found.setdefault("cgroup2", []).append((fields[3], Path(fields[4])))
        elif described[0] == "cgroup":
            for controller in _CONTROLLERS & set(described[2].split(",")):
                found.setdefault(controller, []).append((fields[3], Path(fields[4])))
    return found


def _controllers_below(directory: Path, version: int, wanted: Iterable[Controller]) -> frozenset[Controller]:
    probe = directory / f"{_NAME_PREFIX}probe-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        probe.mkdir()
    except OSError:
        return frozenset()
    try:
        return frozenset(c for c in wanted if (probe / _LIMIT_FILES[version, c]).exists())
    finally:
        with suppress(OSError):
            probe.rmdir()


class CommandCgroup:
    """One command's cgroup directories; the launcher writes its pid into each of `procs_files` before it execs."""

    def __init__(self, members: list[tuple[CgroupParent, Path]]) -> None:
        self._members = members

    @classmethod
    def create(cls, *, max_processes: int, memory_bytes: int) -> CommandCgroup | None:
        """Fresh cgroups capping the command's processes and memory, or None when this host has none to make."""
        name = f"{_NAME_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"
        made = cls([])
        try:
            for parent in cgroup_parents():
                path = parent.path / name
                path.mkdir()
                made._members.append((parent, path))
                if "pids" in parent.controllers:
                    (path / "pids.max").write_text(str(max_processes))
                if "memory" in parent.controllers:
                    _cap_memory(path, parent.version, memory_bytes)
        except OSError as e:
            made.remove()
            raise SandboxError(f"could not create the command's cgroup {name}: {e}") from e
        return made if made._members else None

    @property
    def procs_files(self) -> list[Path]:
        return [path / "cgroup.procs" for _, path in self._members]

    def processes_refused(self) -> bool:
        """Whether a fork has been refused because the process cap was reached."""
        return any(self._event(path, "pids.events", "max") for parent, path in self._members if _has(parent, "pids"))

    def memory_exhausted(self) -> bool:
        """Whether the kernel killed a member because the command's memory reached its cap."""
        return any(
            self._event(path, "memory.events" if parent.version == 2 else "memory.oom_control", "oom_kill")
            for parent, path in self._members
            if _has(parent, "memory")
        )

    def kill_all(self) -> None:
        """SIGKILL every member; members forking meanwhile are bounded by the cap and caught next round."""
        for _, path in self._members:
            kill_file = path / "cgroup.kill"
            if kill_file.exists():
                with suppress(OSError):
                    kill_file.write_text("1")
                    return
        for _ in range(_KILL_ROUNDS):
            members = self._pids()
            if not members:
                return
            for pid in members:
                with suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        """Remove the cgroups once their killed members are gone."""
        for _, path in self._members:
            for _ in range(_REMOVE_ATTEMPTS):
                try:
                    path.rmdir()
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(_REMOVE_PAUSE_S)
                else:
                    break
            else:
                logger.warning("could not remove the command cgroup %s: members are still exiting", path)

    def _pids(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs_files:
            with suppress(OSError):
                found.update(int(pid) for pid in procs.read_text().split())
        return found

    @staticmethod
    def _event(path: Path, file_name: str, key: str) -> bool:
        try:
            lines = (path / file_name).read_text().splitlines()
        except OSError:
            return False
        for line in lines:
            name, _, count = line.partition(" ")
            if name == key:
                return int(count or 0) > 0
        return False


def _has(parent: CgroupParent, controller: Controller) -> bool:
    return controller in parent.controllers


def _cap_memory(path: Path, version: int, memory_bytes: int) -> None:
    """Cap memory with no swap beyond it (swap would let the command use more than the cap)."""
    if version == 2:
        (path / "memory.max").write_text(str(memory_bytes))
        swap = path / "memory.swap.max"
        if swap.exists():
            swap.write_text("0")
        return
    (path / "memory.limit_in_bytes").write_text(str(memory_bytes))
    memsw = path / "memory.memsw.limit_in_bytes"  # memory plus swap; absent without swap accounting
    if memsw.exists():
        memsw.write_text(str(memory_bytes))
