"""The one workspace a sandbox server holds: its files, its local sandbox, its commands and its relay."""

from __future__ import annotations

import hmac
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

import agentcore
from agentcore.connectors._broker_protocol import SOCKET_PATH
from agentcore.errors import SandboxError
from agentcore.sandbox import CommandResult, FileStat, Sandbox
from agentcore.sandbox._archive import Manifest, changes_between, manifest_of, pack, unpack
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox._wire import CommandEvent, RelayRequest, RunRequest, WorkspaceParams
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.server._relay import BrokerRelay
from agentcore.sandbox.subprocess import SubprocessSandbox

logger = logging.getLogger(__name__)

SandboxKind = Literal["auto", "bubblewrap", "subprocess"]
NOT_SYNCED = (SOCKET_PATH.parts[0],)
"""Top-level entries whose changes never travel back to the client (the relay's socket folder)."""
_COMMANDS_PACKAGE = Path(agentcore.__file__).resolve().parent / "connectors" / "commands"
_KEPT_COMMANDS = 64
"""Finished commands remembered (by id) so a repeated request gets the same answer instead of a second run."""


@dataclass
class _Command:
    request: RunRequest
    done: threading.Event = field(default_factory=threading.Event)
    result: CommandResult | None = None
    error: Exception | None = None
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


class ServedWorkspace:
    """A workspace unpacked at `root`, with commands run by the local sandbox `kind` under `params.limits`."""

    def __init__(self, root: Path, key: str, params: WorkspaceParams, kind: SandboxKind) -> None:
        self.root = root
        self._key = key
        self.sandbox = _local_sandbox(root, params, kind)
        self.files = LocalWorkspaceFiles(root)
        """Confinement of the paths a client names for export (the sandbox's own files do the rest)."""
        self._wake = threading.Condition()
        self._run_lock = threading.Lock()
        self._commands: dict[str, _Command] = {}
        install_commands(root)
        self._manifest = manifest_of(root, NOT_SYNCED)
        self.relay = BrokerRelay(root / SOCKET_PATH, self._wake) if params.relay_connectors else None

    def holds(self, key: str) -> bool:
        return hmac.compare_digest(self._key.encode(), key.encode())

    def close(self) -> None:
        if self.relay is not None:
            self.relay.close()

    # -- files ---------------------------------------------------------------------------------

    def write(self, path: str, data: bytes) -> None:
        """Write through the sandbox (confinement, quota) and take the write into the manifest: the client has it."""
        self.sandbox.write_bytes(path, data)
        with self._run_lock:
            self._manifest.update(manifest_of_path(self.root, self.sandbox.stat(path).path))

    def export(self, paths: tuple[str, ...], destination: BinaryIO) -> None:
        """The workspace's `paths` as tar.zst: each one confined (no `..`, no folder above it a symlink out)."""
        pack(self.root, destination, [self._confined(path) for path in paths])

    def _confined(self, path: str) -> str:
        relative = self.files.to_relative(path)
        parent = relative.rpartition("/")[0] or "."
        self.files.resolve(parent)  # PathOutsideWorkspaceError when a folder on the way leads out
        return relative

    def listing(self, path: str, skip_dirs: tuple[str, ...]) -> Iterator[FileStat]:
        return self.sandbox.iter_files(path, skip_dirs=skip_dirs)

    # -- commands ------------------------------------------------------------------------------

    def start(self, command_id: str, request: RunRequest) -> None:
        """Start the command once; a repeated id (a retried request) starts nothing."""
        with self._wake:
            if command_id in self._commands:
                return
            self._forget_finished()
            command = self._commands[command_id] = _Command(request)
        threading.Thread(target=self._run, args=(command,), name=f"command-{command_id[:8]}", daemon=True).start()

    def event(self, command_id: str, replies: tuple[RelayRequest, ...], wait_s: float) -> CommandEvent:
        """Hand over connector replies, then wait up to `wait_s` for the command to end or ask for a connector."""
        for reply in replies:
            if self.relay is not None:
                self.relay.answer(reply.id, reply.data)
        deadline = time.monotonic() + wait_s
        with self._wake:
            command = self._commands.get(command_id)
            if command is None:
                raise SandboxError(f"no command {command_id} in this session")
            while True:
                if command.done.is_set():
                    return self._done_event(command)
                if self.relay is not None and (requests := self.relay.take()):
                    relay = tuple(RelayRequest(id=rid, data=data) for rid, data in requests.items())
                    return CommandEvent(state="relay", relay=relay)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return CommandEvent(state="running")
                self._wake.wait(remaining)

    def _done_event(self, command: _Command) -> CommandEvent:
        if command.error is not None:
            raise command.error
        return CommandEvent(state="done", result=command.result, changed=command.changed, deleted=command.deleted)

    def _run(self, command: _Command) -> None:
        request = command.request
        try:
            with self._run_lock:
                try:
                    command.result = self.sandbox.run(request.command, timeout_s=request.timeout_s, cwd=request.cwd)
                finally:
                    after = manifest_of(self.root, NOT_SYNCED)
                    changes = changes_between(self._manifest, after)
                    self._manifest = after
            command.changed, command.deleted = changes.changed, changes.deleted
        except Exception as e:  # carried to the client as a WireError
            command.error = e
        with self._wake:
            command.done.set()
            self._wake.notify_all()

    def _forget_finished(self) -> None:
        finished = [cid for cid, c in self._commands.items() if c.done.is_set()]
        for cid in finished[: max(0, len(finished) - _KEPT_COMMANDS)]:
            del self._commands[cid]


def manifest_of_path(root: Path, relative: str) -> Manifest:
    """The manifest entries of `relative` and the folders above it."""
    entries: Manifest = {}
    parts = relative.split("/")
    for end in range(1, len(parts) + 1):
        path = "/".join(parts[:end])
        info = os.lstat(root / path)
        entries[path] = (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    return entries


def receive_workspace(root: Path, source: BinaryIO) -> None:
    """Replace whatever is at `root` with the uploaded tar.zst."""
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    skipped = unpack(source, root)
    if skipped:
        logger.warning("%d workspace members were unsafe and not unpacked", skipped)


def install_commands(root: Path) -> None:
    """Point the uploaded `bin/<command>` wrappers at this server's interpreter and copy of the connector commands.

    The client's wrappers name the client's interpreter; each one the upload holds is written again here. A
    workspace uploaded without them gets none."""
    for module in sorted(_COMMANDS_PACKAGE.glob("[!_]*.py")):
        script = root / "bin" / module.stem
        if not script.is_file() or script.is_symlink():
            continue
        script.unlink()
        script.write_text(
            f'#!/bin/sh\ncd "$(dirname "$0")/.." || exit 1\n'
            f'exec {sys.executable} -m agentcore.connectors.commands.{module.stem} "$@"\n',
            encoding="utf-8",
        )
        script.chmod(0o755)


def _local_sandbox(root: Path, params: WorkspaceParams, kind: SandboxKind) -> Sandbox:
    use_bwrap = kind == "bubblewrap" or (kind == "auto" and bubblewrap_available())
    names = tuple(params.environment)
    if use_bwrap:
        package_dir = Path(agentcore.__file__).resolve().parent
        return BubblewrapSandbox(
            root, params.limits, env_allowlist=names, environment=params.environment, extra_ro_binds=(package_dir,)
        )
    return SubprocessSandbox(root, params.limits, env_allowlist=names, environment=params.environment)
