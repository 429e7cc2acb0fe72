"""Run the `git` CLI on a local repository: a pinned environment, no hooks, no user config, a timeout.

Clones may come from outside (scenario bundles, a model's workspace), so git reads no system or
global config, runs no hook or fsmonitor, never prompts, and prints in a fixed locale and time zone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from agentcore.connectors.code import CodeHostError
from agentcore.errors import ConfigError

GIT_TIMEOUT_S = 60.0
"""Longest one git command may run."""

_PINNED_CONFIG = (
    "-c",
    f"core.hooksPath={os.devnull}",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.quotepath=off",
    "-c",
    "log.showSignature=false",
    "-c",
    "diff.noprefix=false",
    "-c",
    "color.ui=false",
)


class GitCommandError(CodeHostError):
    """A git command exited non-zero; `stderr` holds git's first line of complaint."""

    def __init__(self, message: str, *, returncode: int, stderr: str) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.stderr = stderr


def git_executable() -> str:
    executable = shutil.which("git")
    if executable is None:
        raise ConfigError("the git executable is not installed or not on PATH")
    return executable


def git_environment(executable: str, repo: Path) -> dict[str, str]:
    """The whole environment git runs with (nothing is inherited). Git never looks for a repository
    above `repo`'s parent, so a plain folder inside some other checkout is not mistaken for a clone."""
    return {
        "PATH": os.pathsep.join([str(Path(executable).parent), os.defpath]),
        "GIT_CEILING_DIRECTORIES": str(repo.resolve().parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
        "LC_ALL": "C",
        "TZ": "UTC",
    }


def git_command(repo: Path, *args: str) -> list[str]:
    """The argv for `git -C repo <pinned config> args`."""
    return [git_executable(), "-C", str(repo), *_PINNED_CONFIG, *args]


def run_git(repo: Path, *args: str, ok_codes: tuple[int, ...] = (0,), timeout_s: float = GIT_TIMEOUT_S) -> str:
    """Run git in `repo` and return stdout (UTF-8, undecodable bytes replaced).

    An exit code outside `ok_codes` raises GitCommandError naming the subcommand and git's first
    stderr line; a timeout raises CodeHostError.
    """
    command = git_command(repo, *args)
    try:
        done = subprocess.run(
            command,
            env=git_environment(command[0], repo),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
    except subprocess.TimeoutExpired as e:
        raise CodeHostError(f"git {args[0]} in {repo} took longer than {timeout_s:g} s") from e
    except OSError as e:
        raise CodeHostError(f"cannot run git in {repo}: {e}") from e
    stderr = done.stderr.decode("utf-8", errors="replace")
    if done.returncode not in ok_codes:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        first = lines[0] if lines else f"exit code {done.returncode}"
        raise GitCommandError(f"git {args[0]} failed in {repo}: {first}", returncode=done.returncode, stderr=first)
    return done.stdout.decode("utf-8", errors="replace")


def git_output_head(
    repo: Path, *args: str, max_lines: int, max_line_chars: int = 500, timeout_s: float = GIT_TIMEOUT_S
) -> tuple[list[str], int]:
    """The first `max_lines` lines of a git command's stdout (each cut at `max_line_chars`) and the
    total line count, read as a stream so that a huge diff never sits in memory."""
    command = git_command(repo, *args)
    kept: list[str] = []
    total = 0
    with (
        tempfile.TemporaryFile() as errors,
        subprocess.Popen(
            command,
            env=git_environment(command[0], repo),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=errors,
        ) as process,
    ):
        fired = threading.Event()

        def stop() -> None:
            fired.set()
            process.kill()

        timer = threading.Timer(timeout_s, stop)
        timer.start()
        try:
            for raw in process.stdout or ():
                total += 1
                if len(kept) < max_lines:
                    line = raw.decode("utf-8", errors="replace").rstrip("\n")
                    kept.append(line if len(line) <= max_line_chars else line[:max_line_chars] + " …(line cut)")
            process.wait()
        finally:
            timer.cancel()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", errors="replace")
    if fired.is_set():
        raise CodeHostError(f"git {args[0]} in {repo} took longer than {timeout_s:g} s")
    if process.returncode != 0:
        lines = [line.strip() for line in stderr.splitlines() if line.strip()]
        first = lines[0] if lines else f"exit code {process.returncode}"
        raise GitCommandError(f"git {args[0]} failed in {repo}: {first}", returncode=process.returncode, stderr=first)
    return kept, total
