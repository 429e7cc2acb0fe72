"""Unix-socket plumbing of the connector broker: listening safely inside the workspace, connecting to a path
of any length, and closing without losing the answer.

`sun_path` holds 108 bytes and a workspace path can be longer, so both sides go through a descriptor of the
socket's folder (`/proc/self/fd/N/<name>`, Linux). Listening opens that folder without following a symlink,
so a link planted in the (sandbox-writable) workspace cannot move the socket elsewhere.
"""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from agentcore.errors import AgentCoreError

MAX_SUN_PATH_BYTES = 100
"""Paths up to this many bytes are used as they are; longer ones go through the folder's descriptor."""
_LINGER_S = 1.0
_LINGER_BYTES = 1024**2


def listen_in_folder(path: Path) -> tuple[socket.socket, tuple[int, int]]:
    """A listening socket at `path`, made through a descriptor of its folder that is not a symlink."""
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as e:
        raise AgentCoreError(f"cannot use {path.parent} for the connector broker's socket: {e}") from e
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        os.fchmod(folder, 0o700)
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISDIR(os.stat(path.name, dir_fd=folder, follow_symlinks=False).st_mode):
                os.unlink(path.name, dir_fd=folder)  # a socket left by an earlier run, or anything planted
        # /proc/self/fd/N/name: short whatever the workspace path (sun_path holds 108 bytes), and no symlink.
        listener.bind(f"/proc/self/fd/{folder}/{path.name}")
        os.chmod(path.name, 0o600, dir_fd=folder)
        made = os.stat(path.name, dir_fd=folder, follow_symlinks=False)
        listener.listen(16)
    except OSError as e:
        listener.close()
        raise AgentCoreError(f"cannot listen at {path} for the connector broker: {e}") from e
    finally:
        os.close(folder)
    return listener, (made.st_dev, made.st_ino)


def remove_socket(path: Path, identity: tuple[int, int] | None) -> None:
    """Remove the socket at `path` when it is still the one `identity` names, then its folder when empty."""
    with contextlib.suppress(OSError):
        now = path.lstat()
        if identity == (now.st_dev, now.st_ino) and stat.S_ISSOCK(now.st_mode):
            path.unlink()
        path.parent.rmdir()


def linger(conn: socket.socket) -> None:
    """Read what the client still sends (briefly) before closing: unread input would reset the connection,
    and the client could lose the answer (`too_large` is sent before the request has been read)."""
    conn.shutdown(socket.SHUT_WR)
    deadline = time.monotonic() + _LINGER_S
    discarded = 0
    while discarded <= _LINGER_BYTES and (remaining := deadline - time.monotonic()) > 0:
        conn.settimeout(remaining)
        chunk = conn.recv(65536)
        if not chunk:
            return
        discarded += len(chunk)


@contextlib.contextmanager
def connected(path: Path, timeout_s: float) -> Iterator[socket.socket]:
    """A connection to the socket at `path`, reached through its folder's descriptor when the path is long."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    folder = None
    try:
        conn.settimeout(timeout_s)
        address = str(path)
        if len(os.fsencode(address)) > MAX_SUN_PATH_BYTES:
            folder = os.open(path.parent, os.O_PATH | os.O_DIRECTORY)
            address = f"/proc/self/fd/{folder}/{path.name}"
        conn.connect(address)
        yield conn
    finally:
        if folder is not None:
            os.close(folder)
        conn.close()
