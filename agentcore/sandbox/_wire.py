"""The remote sandbox's wire format, shared by `RemoteSandbox` (the client) and the sandbox server.

Every request but `GET /health` and `PUT /workspace` names the workspace it expects with the key the client
chose when it uploaded that workspace (header `x-sandbox-key`). A server without that workspace (a fresh
session: the pool recycled the old one after its idle timeout) answers 409 `workspace_missing`, and the
client uploads the workspace again from its mirror and repeats the request.

Errors cross as `WireError` and are raised again on the client as the same kind: an OSError keeps its errno
and the path as the caller gave it; ToolError, PathOutsideWorkspaceError and WorkspaceQuotaError keep their
message (the model reads it); anything else is a SandboxError.
"""

from __future__ import annotations

import errno as errno_mod
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from agentcore.errors import AgentCoreError, PathOutsideWorkspaceError, SandboxError, ToolError
from agentcore.sandbox import CommandResult, FileStat, SandboxLimits
from agentcore.sandbox.quota import WorkspaceQuotaError

KEY_HEADER = "x-sandbox-key"
"""The workspace key: a secret the client made for the workspace it uploaded."""
PARAMS_HEADER = "x-sandbox-params"
"""`PUT /workspace`: the WorkspaceParams of the uploaded workspace, as JSON."""
WORKSPACE_MISSING = "workspace_missing"

_ERROR_KINDS: dict[str, type[AgentCoreError]] = {
    "PathOutsideWorkspaceError": PathOutsideWorkspaceError,
    "WorkspaceQuotaError": WorkspaceQuotaError,
    "ToolError": ToolError,
}


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", ser_json_bytes="base64", val_json_bytes="base64")


class WorkspaceParams(_Wire):
    """How commands run in an uploaded workspace: the limits, and the allowlisted variables' values."""

    limits: SandboxLimits
    environment: dict[str, str] = Field(default_factory=dict)
    relay_connectors: bool = False
    """Whether the host runs a connector broker for this workspace: then the session relays its socket."""


class PathRequest(_Wire):
    path: str
    offset: int = 0
    length: int = 0
    skip_dirs: tuple[str, ...] = ()


class RunRequest(_Wire):
    command: str
    timeout_s: float | None = None
    cwd: str = "."


class RelayRequest(_Wire):
    """A connector request a command made on the workspace's broker socket, for the client to answer."""

    id: str
    data: bytes


class PollRequest(_Wire):
    replies: tuple[RelayRequest, ...] = ()


class CommandEvent(_Wire):
    """Where a command stands: still running, waiting for connector replies, or done (with what it changed)."""

    state: Literal["running", "relay", "done"]
    relay: tuple[RelayRequest, ...] = ()
    result: CommandResult | None = None
    changed: tuple[str, ...] = ()
    deleted: tuple[str, ...] = ()


class ExportRequest(_Wire):
    paths: tuple[str, ...]


class Listing(_Wire):
    files: tuple[FileStat, ...]


class WireError(_Wire):
    kind: str
    message: str
    errno: int | None = None
    filename: str | None = None


def error_of(exc: Exception) -> tuple[int, WireError]:
    """The HTTP status and body that carry `exc` to the client."""
    if isinstance(exc, OSError):
        status = 404 if isinstance(exc, FileNotFoundError) else 400
        message = exc.strerror or str(exc)
        filename = exc.filename if isinstance(exc.filename, str) else None
        return status, WireError(kind="OSError", message=message, errno=exc.errno, filename=filename)
    for kind, cls in _ERROR_KINDS.items():
        if type(exc) is cls:
            return 400, WireError(kind=kind, message=str(exc))
    if isinstance(exc, ToolError):
        return 400, WireError(kind="ToolError", message=str(exc))
    return 500, WireError(kind="SandboxError", message=f"the sandbox server failed: {type(exc).__name__}")


def raise_wire_error(error: WireError) -> None:
    """Raise the exception `error` stands for (an OSError subclass by errno, or one of ours)."""
    if error.kind == "OSError":
        number = error.errno if error.errno is not None else errno_mod.EIO
        if error.filename is None:
            raise OSError(number, error.message)
        raise OSError(number, error.message, error.filename)
    cls = _ERROR_KINDS.get(error.kind, SandboxError)
    raise cls(error.message)


__all__ = [
    "KEY_HEADER",
    "PARAMS_HEADER",
    "WORKSPACE_MISSING",
    "CommandEvent",
    "ExportRequest",
    "Listing",
    "PathRequest",
    "PollRequest",
    "RelayRequest",
    "RunRequest",
    "WireError",
    "WorkspaceParams",
    "error_of",
    "raise_wire_error",
]
