"""RemoteSandbox: commands run in a session of an Azure Container Apps dynamic-sessions pool.

The pipeline keeps each investigation's workspace on the Function App's disk (restored from its checkpoint,
checkpointed after each stage). Here that local folder is a mirror of the session's workspace, kept exact:
- the whole workspace goes up to the session (the pipeline's tar.zst format) before the first write or
  command, under a fresh key, each linked repository (`read_only`: `repos/<name>` -> its shared checkout)
  as the folder it links to; a session that lost it (recycled after its idle timeout: 409) gets it again
  from the mirror and the request is repeated. A later stage's sandbox over an unchanged mirror goes on with
  the session's copy instead (`_session_record`);
- `write_bytes` writes in the session (confinement and quota checked there) and then in the mirror;
- `run` runs the command in the session; its result names the paths the command changed or deleted, which
  are fetched (tar.zst) or removed here before `run` returns;
- `stat`, `read_bytes` and `iter_files` read the mirror, which is what the session holds: grep reading every
  file of a repository costs no round trip a file.
Commands run under the same `SandboxLimits` as locally, enforced by the server in the session. The host's
environment is never sent: only the values of the names in `env_allowlist`, which the operator chose.

Connector commands (`logs`) in the session talk to the workspace's broker socket as they do locally; the
server relays each request over the session channel (in the command's events) and this adapter answers it
from the host's broker at `<mirror>/.connectors/broker.sock`, the one the pipeline runs for this
investigation with its limits. The session needs no egress and holds no credential.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import httpx
from pydantic import BaseModel

from agentcore.connectors._broker_protocol import SOCKET_PATH
from agentcore.connectors._unix_socket import connected
from agentcore.errors import SandboxError
from agentcore.sandbox import CommandResult, SandboxLimits, format_size
from agentcore.sandbox._archive import content_bytes, pack_workspace, remove_path, unpack
from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox._local_reads import LocalReads
from agentcore.sandbox._pool_client import SessionPoolClient, TokenCredential
from agentcore.sandbox._process import effective_timeout, parent_environment
from agentcore.sandbox._session_record import SessionRecord, forget_record, load_record, mirror_digest, save_record
from agentcore.sandbox._wire import (
    KEY_HEADER,
    PARAMS_HEADER,
    WORKSPACE_MISSING,
    CommandEvent,
    ExportRequest,
    PollRequest,
    RelayRequest,
    RunRequest,
    WireError,
    WorkspaceParams,
    raise_wire_error,
)

logger = logging.getLogger(__name__)

NOT_UPLOADED = (SOCKET_PATH.parts[0],)
"""The host broker's socket folder stays on the host."""
_CHUNK = 1024**2
_DEFAULT_LIMITS = SandboxLimits()
_RELAY_TIMEOUT_S = 300.0
_UNAVAILABLE = (
    b'{"v":1,"ok":false,"error":{"code":"unavailable","message":"no connector broker runs for this investigation"}}\n'
)


class RemoteSandbox(LocalReads):
    """The workspace mirrored at `root`, with commands and writes in the pool session `client` talks to."""

    def __init__(
        self,
        root: Path,
        client: SessionPoolClient,
        limits: SandboxLimits = _DEFAULT_LIMITS,
        *,
        env_allowlist: Sequence[str] = (),
        snapshot_level: int = 3,
        shared_objects_within: Sequence[Path] = (),
        read_only: Mapping[str, Path] | None = None,
    ) -> None:
        self.files = LocalWorkspaceFiles(root, read_only=read_only)
        self.shared_objects_within = tuple(shared_objects_within)
        """Where git object stores that repositories share may live (the clone cache): they are uploaded too."""
        self.client = client
        self.limits = limits
        self._params = WorkspaceParams(limits=limits, environment=parent_environment(env_allowlist))
        self._level = snapshot_level
        self._key: str | None = None
        self._most_changed_bytes = 2 * limits.workspace_bytes
        self.uploads = 0
        """How many times the workspace was uploaded (the first time, and after each recycled session)."""

    # -- reads: the mirror (LocalReads): every command brings its changes back, so reads and searches
    # answer locally, with the same rules and results as the local sandboxes.

    # -- writes and commands: the session, then the mirror -------------------------------------

    def write_bytes(self, path: str, data: bytes) -> None:
        relative = self.files.relative_of(self.files.resolve(path))  # refused here first when it leads out
        self._call("PUT", "/files/write", data, params={"path": relative})
        self.files.write_bytes(relative, data)
        self._remember()

    def run(self, command: str, *, timeout_s: float | None = None, cwd: str = ".") -> CommandResult:
        timeout_s = effective_timeout(self.limits, timeout_s)
        workdir = self.files.relative_of(self.files.resolve_directory(cwd))
        command_id = uuid.uuid4().hex
        event = self._event(f"/commands/{command_id}", RunRequest(command=command, timeout_s=timeout_s, cwd=workdir))
        while event.state != "done":
            replies = tuple(self._answer(request) for request in event.relay)
            event = self._event(f"/commands/{command_id}/poll", PollRequest(replies=replies))
        if event.result is None:
            raise SandboxError("the sandbox session ended a command without a result")
        kept = self._take_changes(event.changed, event.deleted)
        if kept:
            self._remember()
            return event.result
        note = (
            "the command's changes to the workspace were not kept: together they hold more than twice the "
            f"workspace quota of {format_size(self.limits.workspace_bytes)}; the workspace is as it was before"
        )
        return dataclasses.replace(event.result, notes=(*event.result.notes, note))

    def upload(self) -> None:
        """Send the whole mirror to the session, under a fresh key."""
        key = secrets.token_urlsafe(32)
        relay = (self.files.root / SOCKET_PATH).exists()
        digest = mirror_digest(self.files.root, NOT_UPLOADED, relay_connectors=relay)
        with tempfile.TemporaryFile(prefix="sre-agent-upload-") as archive:
            pack_workspace(
                self.files.root,
                archive,
                excluded_top=NOT_UPLOADED,
                level=self._level,
                shared_objects_within=self.shared_objects_within,
                linked={m.path: Path(m.host) for m in self.files.mounts.all},
            )
            params = self._params.model_copy(update={"relay_connectors": relay})
            headers = {KEY_HEADER: key, PARAMS_HEADER: params.model_dump_json()}

            def body() -> Iterator[bytes]:
                archive.seek(0)
                while chunk := archive.read(_CHUNK):
                    yield chunk

            _check(self.client.request("PUT", "/workspace", body=body, headers=headers))
        self._key = key
        self.uploads += 1
        save_record(self.files.root, SessionRecord(self.client.identifier, key, digest))

    def _connect(self, *, resume: bool) -> None:
        """Go on with the workspace an earlier sandbox gave the session, when the mirror is still that; else upload."""
        record = load_record(self.files.root, self.client.identifier) if resume else None
        relay = (self.files.root / SOCKET_PATH).exists()
        if record is not None and record.digest == mirror_digest(self.files.root, NOT_UPLOADED, relay_connectors=relay):
            self._key = record.key
            return
        self.upload()

    def _remember(self) -> None:
        """Record the key with the mirror as it is now, which the session holds too."""
        if self._key is not None:
            relay = (self.files.root / SOCKET_PATH).exists()
            digest = mirror_digest(self.files.root, NOT_UPLOADED, relay_connectors=relay)
            save_record(self.files.root, SessionRecord(self.client.identifier, self._key, digest))

    def _event(self, path: str, request: BaseModel) -> CommandEvent:
        return CommandEvent.model_validate_json(self._call("POST", path, request.model_dump_json().encode()).content)

    def _call(self, method: str, path: str, body: bytes, *, params: dict[str, str] | None = None) -> httpx.Response:
        """A request that needs the workspace: uploaded first if it is not (any longer) in the session."""
        for attempt in range(2):
            if self._key is None:
                self._connect(resume=attempt == 0)
            headers = {KEY_HEADER: self._key or ""}
            response = self.client.request(method, path, body=body, headers=headers, params=params)
            if response.status_code == 409 and _wire_error(response).kind == WORKSPACE_MISSING:
                logger.info(
                    "sandbox session %s lost its workspace (recycled); uploading it again", self.client.identifier
                )
                self._key = None
                continue
            return _check(response)
        raise SandboxError(f"the sandbox session {self.client.identifier} lost its workspace twice in a row")

    def _take_changes(self, changed: Sequence[str], deleted: Sequence[str]) -> bool:
        """Make the mirror what the session holds after a command; False when the changes are too big to take.

        The session is not trusted with the host: its changes cannot touch the broker's socket folder, nor
        bring more than twice the workspace quota (a command may pass the quota, and is told so, as locally).
        Past that nothing is taken, and the session gets the mirror again at the next request: both are as
        they were before the command."""
        with tempfile.TemporaryFile(prefix="sre-agent-changes-") as archive:
            if changed:
                wanted = ExportRequest(paths=tuple(changed)).model_dump_json().encode()
                archive.write(self._call("POST", "/workspace/export", wanted).content)
                archive.seek(0)
                if content_bytes(archive) > self._most_changed_bytes:
                    logger.warning("sandbox session %s: a command's changes are too big", self.client.identifier)
                    self._key = None
                    forget_record(self.files.root)
                    return False
            for relative in deleted:
                normal = self.files.to_relative(relative)
                if normal.split("/", 1)[0] not in NOT_UPLOADED:
                    remove_path(self.files.root, normal)
            if changed:
                archive.seek(0)
                unpack(archive, self.files.root, excluded_top=NOT_UPLOADED, max_bytes=self._most_changed_bytes)
        return True

    def _answer(self, request: RelayRequest) -> RelayRequest:
        """The host broker's answer to a connector request a command made in the session."""
        socket_path = self.files.root / SOCKET_PATH
        if not socket_path.exists():
            return RelayRequest(id=request.id, data=_UNAVAILABLE)
        try:
            with connected(socket_path, _RELAY_TIMEOUT_S) as conn:
                conn.sendall(request.data)
                reply = bytearray()
                while piece := conn.recv(65536):
                    reply += piece
        except OSError as e:
            logger.warning("connector request from the sandbox session failed on the host broker: %s", e)
            return RelayRequest(id=request.id, data=_UNAVAILABLE)
        return RelayRequest(id=request.id, data=bytes(reply))


def managed_identity_credential(client_id: str | None = None) -> TokenCredential:
    """The Function App's managed identity (a user-assigned one by client id), or a developer login."""
    from azure.identity import DefaultAzureCredential

    credential: TokenCredential = DefaultAzureCredential(managed_identity_client_id=client_id)
    return credential


def _wire_error(response: httpx.Response) -> WireError:
    try:
        return WireError.model_validate_json(response.content)
    except ValueError:
        return WireError(kind="SandboxError", message=f"the sandbox session answered {response.status_code}")


def _check(response: httpx.Response) -> httpx.Response:
    if response.is_success:
        return response
    raise_wire_error(_wire_error(response))
    return response  # unreachable: raise_wire_error always raises


__all__ = ["RemoteSandbox", "managed_identity_credential"]
