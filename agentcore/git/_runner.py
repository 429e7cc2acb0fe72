"""Run git with nothing inherited: no system, global or user config, no hooks, no prompts, no pager.

Repositories and bundles come from outside (scenario bundles, a user's clone, a model's workspace),
so git here:
- builds its environment from scratch (PATH to git, `GIT_CONFIG_NOSYSTEM`, `GIT_CONFIG_GLOBAL=/dev/null`,
  no HOME, `GIT_TERMINAL_PROMPT=0`, `LC_ALL=C`, `TZ=UTC`): a user's ~/.gitconfig, aliases, credential
  helpers, `safe.directory=*` or pager never apply;
- pins on its command line, over any repository's own config: no hooks (`core.hooksPath=/dev/null`),
  no fsmonitor, no pager, no colour, no signature checks, no automatic gc (a workspace borrows the
  clone cache's objects, which must never be pruned under it), and only the `file` transport (local
  paths and bundles; git never reaches the network);
- keeps git's own ownership check (`safe.directory` is not set): every repository it runs in is one
  this process created;
- ends after `timeout_s` and refuses more than `max_output_bytes` of output.
Every failure is a `GitError` naming the subcommand and git's first line of complaint.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

from agentcore.errors import AgentCoreError

GIT_TIMEOUT_S = 120.0
"""Longest one git command may run unless the caller says otherwise."""

MAX_OUTPUT_BYTES = 256 * 1024**2
"""Most stdout one `run_git` call keeps; more is an error (use `git_output_head` to read a head)."""

_CHUNK = 64 * 1024
_SAFE_CONFIG = (
    f"core.hooksPath={os.devnull}",
    "core.fsmonitor=false",
    "core.pager=cat",
    "core.quotepath=off",
    "color.ui=false",
    "log.showSignature=false",
    "diff.noprefix=false",
    "advice.detachedHead=false",
    "gc.auto=0",
    "maintenance.auto=false",
    "protocol.allow=never",
    "protocol.file.allow=always",
)


class GitError(AgentCoreError):
    """A git command could not run, failed, timed out or said too much.

    `returncode` is None when git did not exit by itself; `stderr` is git's first line of complaint.
    """

    def __init__(self, message: str, *, returncode: int | None, stderr: str = "", timed_out: bool = False) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr
        self.timed_out = timed_out


def _executable() -> str:
    executable = shutil.which("git")
    if executable is None:
        raise GitError("the git executable is not installed or not on PATH", returncode=None)
    return executable


def git_environment(executable: str, cwd: Path | None) -> dict[str, str]:
    """The whole environment git runs with. With a `cwd`, git never looks for a repository above its
    parent, so a plain folder inside some other checkout is not mistaken for a clone."""
    environment = {
        "PATH": os.pathsep.join([str(Path(executable).parent), os.defpath]),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",  # a read (status, diff) never rewrites the index of a repository it reads
        "GIT_PAGER": "cat",
        "PAGER": "cat",
        "LC_ALL": "C",
        "TZ": "UTC",
    }
    if cwd is not None:
        environment["GIT_CEILING_DIRECTORIES"] = str(cwd.resolve().parent)
    return environment


def _argv(executable: str, cwd: Path | None, args: tuple[str, ...]) -> list[str]:
    location = ["-C", str(cwd)] if cwd is not None else []
    pinned = [part for setting in _SAFE_CONFIG for part in ("-c", setting)]
    return [executable, *location, *pinned, *args]


def _subcommand(args: tuple[str, ...]) -> str:
    """The git subcommand in `args`, past any leading `-c name=value` pairs."""
    rest = list(args)
    while len(rest) > 2 and rest[0] == "-c":
        rest = rest[2:]
    return rest[0] if rest else "(nothing)"


def _where(cwd: Path | None) -> str:
    return f" in {cwd}" if cwd is not None else ""


def _first_line(stderr: bytes, returncode: int) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[0] if lines else f"exit code {returncode}"


@contextmanager
def _running(
    cwd: Path | None, args: tuple[str, ...], *, stdin: str | None, timeout_s: float, ok_codes: tuple[int, ...]
) -> Iterator[IO[bytes]]:
    """Start git and yield its stdout; on leaving, check how it ended and raise GitError if badly."""
    executable = _executable()
    fired = threading.Event()
    with ExitStack() as stack:
        errors = stack.enter_context(tempfile.TemporaryFile())
        source: IO[bytes] | int = subprocess.DEVNULL
        if stdin is not None:
            source = stack.enter_context(tempfile.TemporaryFile())
            source.write(stdin.encode("utf-8"))
            source.seek(0)
        try:
            process = subprocess.Popen(
                _argv(executable, cwd, args),
                env=git_environment(executable, cwd),
                stdin=source,
                stdout=subprocess.PIPE,
                stderr=errors,
                start_new_session=True,  # a timeout ends git's own children too (hooks are off, aliases are not)
            )
        except OSError as e:
            raise GitError(f"cannot run git{_where(cwd)}: {e}", returncode=None) from e

        def stop() -> None:
            fired.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

        timer = threading.Timer(timeout_s, stop)
        timer.start()
        try:
            with process:
                try:
                    yield process.stdout  # type: ignore[misc]  # stdout=PIPE: never None
                except BaseException:
                    process.kill()
                    raise
        finally:
            timer.cancel()
        errors.seek(0)
        stderr = errors.read()
    if fired.is_set():
        raise GitError(
            f"git {_subcommand(args)}{_where(cwd)} took longer than {timeout_s:g} s", returncode=None, timed_out=True
        )
    if process.returncode not in ok_codes:
        first = _first_line(stderr, process.returncode)
        raise GitError(
            f"git {_subcommand(args)} failed{_where(cwd)}: {first}", returncode=process.returncode, stderr=first
        )


def run_git(
    cwd: Path | None,
    *args: str,
    stdin: str | None = None,
    ok_codes: tuple[int, ...] = (0,),
    timeout_s: float = GIT_TIMEOUT_S,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
) -> str:
    """Run `git [-C cwd] <safe config> args` and return its stdout (UTF-8, undecodable bytes replaced).

    An exit code outside `ok_codes`, a timeout, or more than `max_output_bytes` of output raises GitError.
    """
    output = run_git_bytes(
        cwd, *args, stdin=stdin, ok_codes=ok_codes, timeout_s=timeout_s, max_output_bytes=max_output_bytes
    )
    return output.decode("utf-8", errors="replace")


def run_git_bytes(
    cwd: Path | None,
    *args: str,
    stdin: str | None = None,
    ok_codes: tuple[int, ...] = (0,),
    timeout_s: float = GIT_TIMEOUT_S,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
) -> bytes:
    """`run_git`'s stdout as bytes, for output measured in bytes (`cat-file --batch`)."""
    chunks: list[bytes] = []
    size = 0
    with _running(cwd, args, stdin=stdin, timeout_s=timeout_s, ok_codes=ok_codes) as stdout:
        for chunk in iter(lambda: stdout.read(_CHUNK), b""):
            size += len(chunk)
            if size > max_output_bytes:
                raise GitError(
                    f"git {_subcommand(args)}{_where(cwd)} wrote more than {max_output_bytes} bytes", returncode=None
                )
            chunks.append(chunk)
    return b"".join(chunks)


def git_output_head(
    cwd: Path, *args: str, max_lines: int, max_line_chars: int = 500, timeout_s: float = GIT_TIMEOUT_S
) -> tuple[list[str], int]:
    """The first `max_lines` lines of a git command's stdout (each cut at `max_line_chars`) and the
    total line count, read as a stream so that a huge diff never sits in memory."""
    kept: list[str] = []
    total = 0
    with _running(cwd, args, stdin=None, timeout_s=timeout_s, ok_codes=(0,)) as stdout:
        for raw in stdout:
            total += 1
            if len(kept) < max_lines:
                line = raw.decode("utf-8", errors="replace").rstrip("\n")
                kept.append(line if len(line) <= max_line_chars else line[:max_line_chars] + " …(line cut)")
    return kept, total
