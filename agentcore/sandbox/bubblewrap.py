"""BubblewrapSandbox: shell commands run under bubblewrap (bwrap); the default on a VM.

What the boundary is:
- Network: a fresh network namespace holding only its own loopback. No route to the host's
  interfaces, its 127.0.0.1, the cloud metadata or managed-identity endpoints.
- Filesystem: a new root, read-only after setup, holding read-only binds of /usr, /bin, /sbin, /lib*
  and a few files from /etc (not /etc/shadow, ssl keys or the rest), the Python interpreter prefix and
  venv, and `extra_ro_binds`; the workspace read-write at /workspace, except its linked repositories
  (`read_only`, the shared checkouts `repos/<name>` link to), each a read-only directory at its workspace
  path in a read-only `repos/` (see `_read_only_mount_args`); /tmp, HOME and /dev/shm on
  private tmpfs, each capped at `file_size_bytes`; /dev read-only. The host's /root, /home, /run,
  /var, /sys and /tmp and the project's tree are not there (only the interpreter prefix and venv
  inside them, read-only).
- Processes: own PID namespace and private /proc (the agent and its environment are invisible), own
  user namespace running as uid 1000 with no capabilities (and, where bwrap supports
  `--disable-userns`, no nested user namespaces), own IPC and UTS namespaces, a new session (no
  TIOCSTI into a terminal). bwrap itself runs with a scrubbed environment (its init is /proc/1 inside)
  and clears it again for the command, which gets PATH, HOME, LANG, TZ and the allowlisted names only.
- No host paths shown: bwrap reads its arguments (the bind list, the workspace's host path among
  them) from a file descriptor (`--args FD`), so its argv, which `ps` on the host and /proc/1/cmdline
  inside show, is `bwrap --args N -- bash -c COMMAND`; it starts from `/` and its environment holds no
  PWD, so /proc/1/environ and /proc/1/cwd name no host path either.
- Limits (shared with SubprocessSandbox, see `_process`): CPU seconds and address space per process,
  file size, wall time, output bytes, and processes and memory per command (a cgroup per command
  where the host has writable ones), and a size quota for the whole workspace. Killing bwrap kills
  everything inside (`--die-with-parent`, and the PID namespace dies with its init); nothing outlives
  `run`.

What it is not:
- Not a VM: the host kernel is shared and there is no seccomp filter, so a kernel bug is an escape.
- uid 1000 inside maps to the agent's uid outside: files it writes belong to the agent's user, and
  everything bound in is readable with that user's rights — hence the short, explicit bind list.
  /etc/passwd and /etc/group are the host's, so uid 1000 shows the name of the host's uid 1000.
- The process cap needs a writable pids cgroup when the agent runs as root (RLIMIT_NPROC does not
  apply to uid 0); without one a fork bomb runs until the wall-clock limit ends it.
- The workspace quota is checked before file operations write and after each command, not while a
  command runs: a command may pass it (up to RLIMIT_FSIZE per file) and is then told so. CPU time is
  limited per process. Without writable cgroups memory is limited per process only, and files in the
  private tmpfs (/tmp, HOME) count against no memory limit.
- /proc/self/mountinfo inside lists the mounts' sources within their filesystems, which can name
  host folders.
- File operations check symlinks on the host and then use the path. Nothing inside outlives `run`, so
  this holds between commands; a command running at the same time as file operations on the same
  workspace could race a symlink swap.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from agentcore.errors import SandboxError
from agentcore.sandbox import WORKSPACE_MOUNT, CommandResult, SandboxLimits
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox._local_reads import LocalReads
from agentcore.sandbox._process import bash_path, effective_timeout, parent_environment, process_cap, run_command

logger = logging.getLogger(__name__)

SANDBOX_UID = 1000
SANDBOX_HOME = "/home/sandbox"
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_ENTRIES = (
    "alternatives",
    "gitconfig",
    "group",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "magic",
    "mime.types",
    "nsswitch.conf",
    "os-release",
    "passwd",
    "timezone",
)
_SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin"
_BWRAP_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
"""bwrap's own environment: its init is visible inside as /proc/1, environ included."""
_PROBE_TIMEOUT_S = 15.0
_DEFAULT_LIMITS = SandboxLimits()


class BubblewrapSandbox(LocalReads):
    """The workspace at `root`, with commands run inside bubblewrap. See the module docstring."""

    def __init__(
        self,
        root: Path,
        limits: SandboxLimits = _DEFAULT_LIMITS,
        *,
        env_allowlist: Sequence[str] = (),
        bwrap: str = "bwrap",
        extra_ro_binds: Sequence[Path] = (),
        environment: Mapping[str, str] | None = None,
        read_only: Mapping[str, Path] | None = None,
    ) -> None:
        self.files = LocalWorkspaceFiles(root, quota_bytes=limits.workspace_bytes, read_only=read_only)
        self.limits = limits
        self.env_allowlist = tuple(env_allowlist)
        self.environment = dict(environment or {})
        """Values given explicitly (a remote client's allowlisted variables); they win over this process's."""
        self.bwrap = _find_bwrap(bwrap)
        self._mounts = _mount_args(self.bwrap, limits, [Path(p) for p in extra_ro_binds])
        _probe(self.bwrap, self._options("."))
        if process_cap() == "none":
            logger.warning(
                "no process cap for sandboxed commands: running as root without a writable pids cgroup, "
                "so a fork bomb runs until the wall-clock limit (%.0f s) kills it",
                limits.wall_time_s,
            )

    def write_bytes(self, path: str, data: bytes) -> None:
        self.files.write_bytes(path, data)

    def run(self, command: str, *, timeout_s: float | None = None, cwd: str = ".") -> CommandResult:
        workdir = self.files.relative_of(self.files.resolve_directory(cwd))
        timeout_s = effective_timeout(self.limits, timeout_s)
        with _arguments_file(self._options(workdir)) as fd:
            result = run_command(
                [self.bwrap, "--args", str(fd), "--", bash_path(), "-c", command],
                env=_BWRAP_ENV,
                cwd=Path("/"),
                limits=self.limits,
                timeout_s=timeout_s,
                pass_fds=(fd,),
            )
        return result if self.files.quota is None else self.files.quota.after_command(result)

    def _options(self, workdir: str) -> list[str]:
        """bwrap's options (everything before the command), which name host paths and so go through a descriptor."""
        inside_cwd = WORKSPACE_MOUNT if workdir == "." else f"{WORKSPACE_MOUNT}/{workdir}"
        options = [*self._mounts, "--bind", str(self.files.root), WORKSPACE_MOUNT]
        options += [*_read_only_mount_args(self.files), "--remount-ro", "/"]
        options += ["--chdir", inside_cwd, "--clearenv"]
        for name, value in self._environment().items():
            options += ["--setenv", name, value]
        return options

    def _environment(self) -> dict[str, str]:
        env = parent_environment(("LANG", "TZ", *self.env_allowlist)) | self.environment
        venv_bin = Path(sys.prefix) / "bin"
        env["PATH"] = f"{WORKSPACE_MOUNT}/bin:{venv_bin}:{_SYSTEM_PATH}"
        env["HOME"] = SANDBOX_HOME
        env.setdefault("LANG", "C.UTF-8")
        return env


def _read_only_mount_args(files: LocalWorkspaceFiles) -> list[str]:
    """The read-only mounts at their workspace paths: each folder holding one (`repos/`) becomes a private
    tmpfs, remounted read-only, that shows its host entries again: a mount read-only from its host folder,
    a real folder or file read-write as before; other symlinks are not shown. The host's folder and its
    symlinks are not changed, and no host path is visible at a workspace path."""
    args: list[str] = []
    for folder in sorted({m.path.rpartition("/")[0] for m in files.mounts.all}):
        host_folder = files.root / folder if folder else files.root
        inside = f"{WORKSPACE_MOUNT}/{folder}" if folder else WORKSPACE_MOUNT
        if not folder or host_folder.is_symlink() or not host_folder.is_dir():
            continue  # a mount at the top, or under a folder that is not there: not shown
        args += ["--tmpfs", inside]
        for entry in sorted(host_folder.iterdir()):
            relative, destination = f"{folder}/{entry.name}", f"{inside}/{entry.name}"
            mount = files.mounts.at(relative)
            if mount is not None:
                args += ["--dir", destination, "--ro-bind", mount.host, destination]
            elif entry.is_symlink():
                continue
            elif entry.is_dir():
                args += ["--dir", destination, "--bind", str(entry), destination]
            elif entry.is_file():
                args += ["--bind", str(entry), destination]
        args += ["--remount-ro", inside]
    return args


@functools.cache
def bubblewrap_available(bwrap: str = "bwrap") -> bool:
    """Whether bwrap is installed and can create this module's sandbox here."""
    try:
        with tempfile.TemporaryDirectory(prefix="sre-agent-bwrap-probe-") as workspace:
            BubblewrapSandbox(Path(workspace), bwrap=bwrap)
    except SandboxError:
        return False
    return True


def _find_bwrap(bwrap: str) -> str:
    found = shutil.which(bwrap)
    if found is None:
        raise SandboxError(
            f"bubblewrap was not found ({bwrap!r} is not an executable on PATH). Install it "
            "(`apt-get install bubblewrap`), or set sandbox=subprocess for development only."
        )
    return found


def _mount_args(bwrap: str, limits: SandboxLimits, extra_ro_binds: Sequence[Path]) -> list[str]:
    flags = _supported_flags(bwrap)
    args = ["--unshare-all", "--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    args += ["--cap-drop", "ALL", "--die-with-parent", "--new-session"]
    if "--disable-userns" in flags:
        args.append("--disable-userns")
    for source in [Path(d) for d in _SYSTEM_DIRS] + [Path("/etc", name) for name in _ETC_ENTRIES]:
        if source.is_symlink():
            args += ["--symlink", str(source.readlink()), str(source)]
        elif source.exists():
            args += ["--ro-bind", str(source), str(source)]
    size = ["--size", str(limits.file_size_bytes)] if "--size" in flags else []
    args += ["--proc", "/proc", "--dev", "/dev", *size, "--tmpfs", "/dev/shm", "--remount-ro", "/dev"]
    args += [*size, "--tmpfs", "/tmp", *size, "--tmpfs", SANDBOX_HOME]
    # After the private /tmp: mounts stack in order, so a venv or package under /tmp stays visible.
    for source in [*_python_prefixes(), *extra_ro_binds]:
        args += ["--ro-bind", str(source), str(source)]
    return args


def _supported_flags(bwrap: str) -> set[str]:
    try:
        shown = subprocess.run([bwrap, "--help"], capture_output=True, text=True, timeout=_PROBE_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SandboxError(f"bubblewrap ({bwrap}) does not run: {e}") from e
    return {word for word in shown.stdout.split() if word.startswith("--")}


def _python_prefixes() -> list[Path]:
    """The interpreter's prefix and the venv, so in-sandbox commands written in Python run."""
    covered = [Path(d) for d in _SYSTEM_DIRS]
    chosen: list[Path] = []
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for raw in sorted(candidates | {os.path.realpath(c) for c in candidates}):
        prefix = Path(raw)
        if prefix == Path("/") or not prefix.is_dir():
            continue
        if any(prefix == c or c in prefix.parents for c in [*covered, *chosen]):
            continue
        chosen.append(prefix)
    return chosen


@contextmanager
def _arguments_file(arguments: Sequence[str]) -> Iterator[int]:
    """A descriptor holding `arguments` NUL-terminated, read from the start, for `bwrap --args FD`."""
    fd = os.memfd_create("bwrap-args", 0)
    try:
        os.write(fd, b"".join(os.fsencode(a) + b"\0" for a in arguments))
        os.lseek(fd, 0, os.SEEK_SET)
        yield fd
    finally:
        os.close(fd)


def _probe(bwrap: str, options: Sequence[str]) -> None:
    """Raise SandboxError with bwrap's own words when it cannot build the sandbox here."""
    try:
        with _arguments_file(options) as fd:
            probe = subprocess.run(
                [bwrap, "--args", str(fd), "--", "true"],
                env=_BWRAP_ENV,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=_PROBE_TIMEOUT_S,
                check=False,
                pass_fds=(fd,),
            )
    except (OSError, subprocess.TimeoutExpired) as e:
        raise SandboxError(f"bubblewrap ({bwrap}) could not be started: {e}") from e
    if probe.returncode != 0:
        said = (probe.stderr or probe.stdout).strip() or f"exit status {probe.returncode}"
        raise SandboxError(
            f"bubblewrap ({bwrap}) cannot create a sandbox here: {said}. It needs user namespaces "
            "(or root with CAP_SYS_ADMIN); set sandbox=subprocess for development only."
        )
