"""Running one command under limits, shared by SubprocessSandbox and BubblewrapSandbox.

- A small bash launcher joins the command's cgroups (when the host has writable ones: processes and
  memory of the whole command, see `_command_cgroup`), sets the rlimits (CPU seconds, address space,
  file size, and processes where RLIMIT_NPROC applies), drops PWD (a host path) and execs the real
  argv. The cgroup paths reach it through the environment, so `ps` shows no host path for it.
  Rlimits are set by a shell rather than a Python `preexec_fn`, which is unsafe in a threaded parent.
- The launcher runs in a new session, so its process group holds the command and its children.
- stdout and stderr share one pipe that is read as it fills: the first `output_bytes` are kept, the
  rest is counted and dropped, so no more than the cap is ever held.
- At the wall-clock deadline, as soon as a fork is refused by the pids cgroup, or as soon as the kernel
  OOM-kills a member of the memory cgroup (a command that reaches a cap is treated as a runaway, not
  merely refused more), the process group and the cgroup's members are killed with SIGKILL and
  `exit_code` is None; the result's notes say which cap of the whole command was reached. When the
  command's shell exits, whatever it left running in its group is killed too, so nothing outlives `run`.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import resource
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Literal

from agentcore.errors import SandboxError, ToolError
from agentcore.sandbox import CommandResult, SandboxLimits, format_size
from agentcore.sandbox._command_cgroup import CommandCgroup, caps

logger = logging.getLogger(__name__)

BASE_ENV_NAMES = ("PATH", "HOME", "LANG", "TZ")
"""Variables every command gets; more are passed by name through `env_allowlist`."""

_PIPE_BYTES = 1024 * 1024
_POLL_S = 0.1
_DRAIN_S = 1.0
"""After the command's shell exits, how long output from processes that left its group is awaited."""

_CGROUPS_VARIABLE = "SRE_SANDBOX_CGROUP_PROCS"
"""The launcher's input: the command's `cgroup.procs` files, one a line; it unsets the variable before exec."""
_LAUNCHER = (
    "set -f; IFS='\n'\n"
    f'for procs in ${_CGROUPS_VARIABLE}; do echo $$ > "$procs" || exit 125; done\n'
    f"unset IFS {_CGROUPS_VARIABLE} PWD OLDPWD; set +f\n"
    'ulimit -t "$2" && ulimit -S -t "$1" && ulimit -v "$3" && ulimit -f "$4" || exit 125\n'
    'if [ -n "$5" ]; then ulimit -u "$5" || exit 125; fi\n'
    'shift 5\nexec "$@"\n'
)


def parent_environment(names: Iterable[str]) -> dict[str, str]:
    """The values of `names` that are set in this process's environment.

    Passing chosen variables through to a command is the point here; configuration is still read only
    by agentcore.settings.
    """
    environ = os.environ  # noqa: TID251 - pass-through of allowlisted names, not configuration
    return {name: environ[name] for name in names if name in environ}


def bash_path() -> str:
    found = shutil.which("bash")
    if found is None:
        raise SandboxError("bash is not on PATH; the local sandboxes run commands with `bash -c`")
    return found


def process_cap() -> Literal["cgroup", "rlimit", "none"]:
    """How the `max_processes` limit is enforced on this host.

    `cgroup`: a pids cgroup per command, for every user. `rlimit`: RLIMIT_NPROC, which the kernel
    enforces only for a non-root real uid. `none`: root without a writable pids cgroup; a fork bomb
    then runs until the wall-clock limit kills it.
    """
    if caps("pids"):
        return "cgroup"
    return "rlimit" if os.getuid() != 0 else "none"


def effective_timeout(limits: SandboxLimits, timeout_s: float | None) -> float:
    """The caller's timeout, never above the sandbox's wall-clock limit."""
    if timeout_s is None:
        return limits.wall_time_s
    if timeout_s <= 0:
        raise ToolError(f"timeout must be positive, got {timeout_s}")
    return min(timeout_s, limits.wall_time_s)


def run_command(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    limits: SandboxLimits,
    timeout_s: float,
    pass_fds: Sequence[int] = (),
) -> CommandResult:
    """Run `argv` under `limits`, capturing interleaved output, and say which limit ended it.

    `pass_fds` stay open in the command (bwrap reads its arguments from one)."""
    started = time.monotonic()
    cgroup = CommandCgroup.create(max_processes=limits.max_processes, memory_bytes=limits.memory_bytes)
    read_fd, write_fd = os.pipe2(os.O_CLOEXEC)
    try:
        with suppress(OSError):
            fcntl.fcntl(read_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        launcher = _launcher_argv(argv, limits, cgroup)
        procs_files = "\n".join(str(f) for f in cgroup.procs_files) if cgroup is not None else ""
        try:
            process = subprocess.Popen(
                launcher,
                stdin=subprocess.DEVNULL,
                stdout=write_fd,
                stderr=write_fd,
                cwd=cwd,
                env={**env, _CGROUPS_VARIABLE: procs_files},
                start_new_session=True,
                close_fds=True,
                pass_fds=tuple(pass_fds),
            )
        except OSError as e:
            if e.errno == errno.E2BIG:
                raise ToolError("the command is too long to run; write it to a script file first") from e
            raise SandboxError(f"could not start {argv[0]}: {e}") from e
        finally:
            os.close(write_fd)
        command = _RunningCommand(process, read_fd, cgroup, limits.output_bytes)
        ending: str | None = "interrupted"  # stays so only when pump raises, and the command is killed
        try:
            ending = command.pump(deadline=started + timeout_s)
        finally:
            if ending is not None:
                command.kill()
            exit_code, cpu_s = command.reap()
        cgroup_limit = _cgroup_limit(cgroup)
    finally:
        os.close(read_fd)
        if cgroup is not None:
            cgroup.remove()
    limit_hit = ending or _limit_from_exit(exit_code, cpu_s, limits) or cgroup_limit
    result = CommandResult(
        exit_code=None if ending else exit_code,
        output=bytes(command.kept),
        output_bytes_total=command.total,
        timed_out=ending == "wall_time",
        duration_s=time.monotonic() - started,
        limit_hit=limit_hit,
        notes=_limit_notes(limit_hit, limits),
    )
    logger.debug(
        "command ended: exit=%s limit=%s output=%d bytes in %.2fs",
        result.exit_code,
        result.limit_hit,
        result.output_bytes_total,
        result.duration_s,
    )
    return result


def _cgroup_limit(cgroup: CommandCgroup | None) -> str | None:
    """The cgroup cap the command reached, if any: an OOM kill or a refused fork."""
    if cgroup is None:
        return None
    if cgroup.memory_exhausted():
        return "memory"
    return "processes" if cgroup.processes_refused() else None


def _limit_notes(limit_hit: str | None, limits: SandboxLimits) -> tuple[str, ...]:
    """A sentence for the agent about a cgroup cap, which holds for the command and its children together."""
    if limit_hit == "memory":
        return (f"command killed: memory limit {format_size(limits.memory_bytes)} for the command and its children",)
    if limit_hit == "processes":
        return (f"command killed: process limit {limits.max_processes} for the command and its children",)
    return ()


def _launcher_argv(argv: Sequence[str], limits: SandboxLimits, cgroup: CommandCgroup | None) -> list[str]:
    cpu_hard = _within_hard_limit(resource.RLIMIT_CPU, max(1, limits.cpu_time_s) + 1)
    cpu_soft = min(max(1, limits.cpu_time_s), cpu_hard)
    memory_kib = _within_hard_limit(resource.RLIMIT_AS, limits.memory_bytes) // 1024
    file_size_kib = _within_hard_limit(resource.RLIMIT_FSIZE, limits.file_size_bytes) // 1024
    nproc = "" if caps("pids") or os.getuid() == 0 else str(_nproc_rlimit(limits.max_processes))
    limits_args = [str(cpu_soft), str(cpu_hard), str(memory_kib), str(file_size_kib), nproc]
    return [bash_path(), "-c", _LAUNCHER, "sre-sandbox-launcher", *limits_args, *argv]


def _within_hard_limit(limit: int, wanted: int) -> int:
    _, hard = resource.getrlimit(limit)
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)


def _nproc_rlimit(max_processes: int) -> int:
    """RLIMIT_NPROC counts every task of the real uid, so the cap is the uid's current count plus ours."""
    uid = str(os.getuid())
    tasks = 0
    for status_file in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status_file.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("Uid", "").split()[:1] == [uid]:
            tasks += int(fields.get("Threads", "1").strip() or 1)
    return _within_hard_limit(resource.RLIMIT_NPROC, tasks + max_processes)


def _limit_from_exit(exit_code: int, cpu_s: float, limits: SandboxLimits) -> str | None:
    """The rlimit that killed the command, read from its signal (shells report 128 + signal).

    SIGXCPU and SIGXFSZ come from the kernel at the soft limit (a command could fake them with
    `exit 152`, misleading only itself). SIGKILL counts as the CPU limit only when the measured CPU
    time reached it; under bwrap that time is often not collected, so such a kill stays unexplained.
    """
    signal_number = exit_code - 128
    if signal_number == signal.SIGXFSZ:
        return "file_size"
    if signal_number == signal.SIGXCPU or (signal_number == signal.SIGKILL and cpu_s >= limits.cpu_time_s):
        return "cpu_time"
    return None


class _RunningCommand:
    """A started launcher, its output pipe and its pidfd, until it is reaped."""

    def __init__(
        self, process: subprocess.Popen[bytes], read_fd: int, cgroup: CommandCgroup | None, output_cap: int
    ) -> None:
        self.process = process
        self.read_fd = read_fd
        self.cgroup = cgroup
        self.output_cap = output_cap
        self.pidfd = os.pidfd_open(process.pid)
        self.kept = bytearray()
        self.total = 0
        self._chunk = bytearray(_PIPE_BYTES)

    def pump(self, deadline: float) -> str | None:
        """Read output until the command has exited and its pipe is closed; the limit that ended it, if any."""
        poller = select.poll()
        poller.register(self.read_fd, select.POLLIN)
        poller.register(self.pidfd, select.POLLIN)
        pipe_open, exited, until = True, False, deadline
        while pipe_open or not exited:
            now = time.monotonic()
            if now >= until:
                return None if exited else "wall_time"
            if not exited and (reached := _cgroup_limit(self.cgroup)) is not None:
                return reached
            for fd, _ in poller.poll(max(1, int(min(until - now, _POLL_S) * 1000))):
                if fd == self.pidfd:
                    exited = True
                    poller.unregister(fd)
                    self.kill()  # what the shell left behind does not outlive it
                    until = min(deadline, now + _DRAIN_S)
                elif not self._read():
                    pipe_open = False
                    poller.unregister(fd)
        return None

    def _read(self) -> bool:
        count = os.readv(self.read_fd, [self._chunk])
        room = self.output_cap - len(self.kept)
        if room > 0:
            self.kept += memoryview(self._chunk)[: min(count, room)]
        self.total += count
        return count > 0

    def kill(self) -> None:
        """SIGKILL the process group, whose leader is not reaped yet, so its id cannot have been reused."""
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.cgroup is not None:
            self.cgroup.kill_all()

    def reap(self) -> tuple[int, float]:
        """Exit code (128 + signal when killed, as shells report it) and CPU seconds of the whole tree."""
        os.close(self.pidfd)
        _, status, usage = os.wait4(self.process.pid, 0)
        exit_code = os.waitstatus_to_exitcode(status)
        if exit_code < 0:
            exit_code = 128 - exit_code
        self.process.returncode = exit_code
        return exit_code, usage.ru_utime + usage.ru_stime
