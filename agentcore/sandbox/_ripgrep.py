"""Searching a local workspace with ripgrep (`rg`), run on the host over the workspace folder.

ripgrep comes from the `ripgrep` wheel (its `rg` lands in the environment's scripts folder); without it
the local sandboxes search in Python (`_file_search`) with the same results in the same order. Only the
search uses rg: listing files, `os.scandir` in Python is as fast or faster than `rg --files --sort path`
(119 ms against 149 ms on 50,000 files, bench/tools.py's repository), and it needs no process.

How rg is made to answer exactly what the Python walk answers:
- `--sort path`: each folder's entries by name (bytes), entered where they fall; single-threaded, and
  streamed, so closing the search early stops rg early.
- `-uu --no-config`: no ignore files (.gitignore, .ignore), hidden files included, no user config.
- No `--follow`: symlinks met on the way are neither listed nor followed (so none leads out), and
  FIFOs and other special files are skipped. The folders in `skip_dirs` are excluded by glob.
- Searching: `--text --encoding none` reads every byte as it is (no binary cut-off, no BOM transcoding);
  the text comes as a fixed string (`-F -e TEXT --`), or with `ignore_case` as a regex that folds ASCII
  letters only (`[aA]`, the rest as `\\x{...}` escapes), as `bytes.lower()` does.
- Paths are NUL-separated (`--null`), read as they come, a path at most MAX_PATH_BYTES; rg is killed
  after TIMEOUT_S.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sysconfig
import threading
from collections.abc import Collection, Generator, Sequence
from pathlib import Path

from agentcore.errors import ToolError

TIMEOUT_S = 120.0
"""A search that runs longer is stopped with a ToolError."""

MAX_PATH_BYTES = 64 * 1024
"""Longer than any path a filesystem holds: more without a separator means rg misbehaves."""

_READ_BYTES = 64 * 1024
_COMMON = ("--no-config", "-uu", "--sort", "path", "--null", "--no-messages")


@functools.cache
def ripgrep_path() -> str | None:
    """The `rg` of this environment's `ripgrep` package, else one on PATH, else None."""
    scripts = sysconfig.get_path("scripts")
    bundled = Path(scripts, "rg") if scripts else None
    if bundled is not None and os.access(bundled, os.X_OK):
        return str(bundled)
    return shutil.which("rg")


class Ripgrep:
    """Runs `rg` over the workspace at `root` (a real, resolved folder)."""

    def __init__(self, executable: str, root: str) -> None:
        self._executable = executable
        self._root = root

    def files_containing(
        self,
        relative: str,
        text: str,
        *,
        ignore_case: bool,
        skip_dirs: Collection[str],
        cwd: str | None = None,
        prefix: str = "",
    ) -> Generator[str, None, None]:
        """The regular files below the folder `relative`, in walk order, whose bytes hold `text` (UTF-8; ASCII
        letters in either case with `ignore_case`). `relative` is below `cwd` (the workspace root unless
        given: a read-only mount's folder), and each path found gets `prefix` (the mount's workspace path)."""
        how = ["-e", _ascii_fold_regex(text)] if ignore_case else ["-F", "-e", text]
        search = ["--files-with-matches", "--text", "--encoding", "none", "--case-sensitive", *how]
        arguments = [*search, *_skip_globs(skip_dirs), "--", relative]
        return self._paths(arguments, relative, cwd or self._root, prefix)

    def _paths(self, arguments: Sequence[str], relative: str, cwd: str, prefix: str) -> Generator[str, None, None]:
        strip = "./" if relative == "." else ""
        process = subprocess.Popen(
            [self._executable, *_COMMON, *arguments],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,  # with --no-messages, only what stops rg: its arguments, its own failures
            env={"PATH": os.defpath, "LANG": "C.UTF-8"},
        )
        timed_out = threading.Event()
        timer = threading.Timer(TIMEOUT_S, _kill, (process, timed_out))
        timer.start()
        stdout, stderr = process.stdout, process.stderr
        assert stdout is not None
        assert stderr is not None
        try:
            found = _split_paths(stdout.fileno(), strip)
            yield from ((prefix + path for path in found) if prefix else found)
            complaint = stderr.read(_READ_BYTES).decode("utf-8", errors="replace").strip()
            process.wait()
        finally:
            timer.cancel()
            _kill(process, None)
            stdout.close()
            stderr.close()
        if timed_out.is_set():
            raise ToolError(f"the search of {prefix}{relative} took longer than {TIMEOUT_S:.0f} s; narrow path or glob")
        # 1: nothing found; 2 and silent: a file or folder could not be read (skipped, as in Python)
        if process.returncode not in (0, 1, 2) or complaint:
            raise ToolError(f"searching {relative} failed (rg exited with {process.returncode}: {complaint[:500]})")


def _split_paths(fd: int, strip: str) -> Generator[str, None, None]:
    """The NUL-separated paths rg writes to `fd`, as they come, decoded as the os module decodes file names."""
    pending = b""
    while chunk := os.read(fd, _READ_BYTES):
        *paths, pending = (pending + chunk).split(b"\0")
        if len(pending) > MAX_PATH_BYTES:
            raise ToolError("rg wrote a path longer than any file system allows; the search was stopped")
        for raw in paths:
            path = os.fsdecode(raw)
            yield path.removeprefix(strip) if strip else path


def _kill(process: subprocess.Popen[bytes], flag: threading.Event | None) -> None:
    if process.poll() is None:
        if flag is not None:
            flag.set()
        process.kill()
        process.wait()


def _skip_globs(skip_dirs: Collection[str]) -> list[str]:
    globs: list[str] = []
    for name in sorted(skip_dirs):
        if not name or any(char in name for char in "/\\*?[]{}!"):
            raise ValueError(f"skip_dirs holds folder names, not globs: {name!r}")
        globs += ["--glob", f"!{name}/"]
    return globs


def _ascii_fold_regex(text: str) -> str:
    """A regex matching `text` with ASCII letters in either case and every other character as it is."""
    return "".join(
        f"[{char.lower()}{char.upper()}]" if char.isascii() and char.isalpha() else f"\\x{{{ord(char):X}}}"
        for char in text
    )
