"""The sandbox server's HTTP routes (starlette): one workspace, its files, its commands.

    GET  /health                      {"ok": true, "sandbox": "bubblewrap" | "subprocess"}
    PUT  /workspace                   body: the workspace as tar.zst; x-sandbox-key, x-sandbox-params
    POST /workspace/export            ExportRequest -> those paths as tar.zst
    POST /files/stat                  PathRequest -> FileStat
    POST /files/read                  PathRequest -> the bytes
    PUT  /files/write?path=P          body: the bytes
    POST /files/list                  PathRequest -> Listing
    POST /commands/{id}               RunRequest -> CommandEvent (starts the command once per id)
    POST /commands/{id}/poll          PollRequest -> CommandEvent

Every route but /health and PUT /workspace needs the key of the workspace held (else 409
`workspace_missing`). Blocking work runs on the threadpool, never on the event loop.
"""

from __future__ import annotations

import io
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, BinaryIO, cast

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from agentcore.errors import SandboxError
from agentcore.sandbox._wire import (
    KEY_HEADER,
    PARAMS_HEADER,
    WORKSPACE_MISSING,
    ExportRequest,
    Listing,
    PathRequest,
    PollRequest,
    RunRequest,
    WireError,
    WorkspaceParams,
    error_of,
)
from agentcore.sandbox.bubblewrap import BubblewrapSandbox
from agentcore.sandbox.server._workspace import SandboxKind, ServedWorkspace, receive_workspace

EVENT_WAIT_S = 20.0
"""Longest a command request is held open waiting for the command to end or ask for a connector."""
_SPOOL_BYTES = 16 * 1024**2
_ZSTD = "application/zstd"


class _Missing(SandboxError):
    """No workspace with the request's key: a fresh (or recycled) session."""


class SandboxServer:
    """The server's state: where the workspace lives, which local sandbox runs commands, the workspace held."""

    def __init__(self, root: Path, *, kind: SandboxKind = "auto", event_wait_s: float = EVENT_WAIT_S) -> None:
        self.root = root
        self.kind: SandboxKind = kind
        self.event_wait_s = event_wait_s
        self._held: ServedWorkspace | None = None
        self._lock = threading.Lock()

    def receive(self, key: str, params: WorkspaceParams, source: BinaryIO) -> ServedWorkspace:
        with self._lock:
            if self._held is not None:
                self._held.close()
                self._held = None
            receive_workspace(self.root, source)
            self._held = ServedWorkspace(self.root, key, params, self.kind)
            return self._held

    def workspace(self, request: Request) -> ServedWorkspace:
        held = self._held
        if held is None or not held.holds(request.headers.get(KEY_HEADER, "")):
            raise _Missing
        return held


def create_app(server: SandboxServer) -> Starlette:
    """The ASGI app serving `server`'s workspace."""
    routes = [
        Route("/health", _health(server), methods=["GET"]),
        Route("/workspace", _guarded(_upload(server)), methods=["PUT"]),
        Route("/workspace/export", _guarded(_export(server)), methods=["POST"]),
        Route("/files/stat", _guarded(_stat(server)), methods=["POST"]),
        Route("/files/read", _guarded(_read(server)), methods=["POST"]),
        Route("/files/write", _guarded(_write(server)), methods=["PUT"]),
        Route("/files/list", _guarded(_list(server)), methods=["POST"]),
        Route("/commands/{command_id}", _guarded(_start(server)), methods=["POST"]),
        Route("/commands/{command_id}/poll", _guarded(_poll(server)), methods=["POST"]),
    ]
    return Starlette(routes=routes)


Endpoint = Callable[[Request], Awaitable[Response]]


def _guarded(endpoint: Endpoint) -> Endpoint:
    """Errors become WireError bodies: 409 for a missing workspace, the error's own kind otherwise."""

    async def guarded(request: Request) -> Response:
        try:
            return await endpoint(request)
        except _Missing:
            body = WireError(kind=WORKSPACE_MISSING, message="this session holds no workspace with that key")
            return _json(body, status=409)
        except ValidationError as e:
            return _json(WireError(kind="bad_request", message=str(e)[:500]), status=400)
        except Exception as e:
            status, body = error_of(e)
            return _json(body, status=status)

    return guarded


def _json(model: Any, status: int = 200) -> Response:
    return Response(model.model_dump_json(), status_code=status, media_type="application/json")


def _health(server: SandboxServer) -> Endpoint:
    async def health(request: Request) -> Response:
        held = server._held
        kind = None if held is None else "bubblewrap" if isinstance(held.sandbox, BubblewrapSandbox) else "subprocess"
        return JSONResponse({"ok": True, "sandbox": kind})

    return health


def _upload(server: SandboxServer) -> Endpoint:
    async def upload(request: Request) -> Response:
        key = request.headers.get(KEY_HEADER, "")
        if len(key) < 16:
            return _json(
                WireError(kind="bad_request", message="a workspace key of 16 characters or more is needed"), 400
            )
        params = WorkspaceParams.model_validate_json(request.headers.get(PARAMS_HEADER, "{}"))
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES) as spool:
            async for chunk in request.stream():
                spool.write(chunk)
            spool.seek(0)
            await run_in_threadpool(server.receive, key, params, cast(BinaryIO, spool))
        return JSONResponse({"ok": True})

    return upload


def _export(server: SandboxServer) -> Endpoint:
    async def export(request: Request) -> Response:
        held = server.workspace(request)
        wanted = ExportRequest.model_validate_json(await request.body())
        buffer = io.BytesIO()
        await run_in_threadpool(held.export, wanted.paths, buffer)
        return Response(buffer.getvalue(), media_type=_ZSTD)

    return export


def _stat(server: SandboxServer) -> Endpoint:
    async def stat(request: Request) -> Response:
        held = server.workspace(request)
        wanted = PathRequest.model_validate_json(await request.body())
        found = await run_in_threadpool(held.sandbox.stat, wanted.path)
        return JSONResponse({"path": found.path, "kind": found.kind, "size": found.size})

    return stat


def _read(server: SandboxServer) -> Endpoint:
    async def read(request: Request) -> Response:
        held = server.workspace(request)
        wanted = PathRequest.model_validate_json(await request.body())
        data = await run_in_threadpool(held.sandbox.read_bytes, wanted.path, wanted.offset, wanted.length)
        return Response(data, media_type="application/octet-stream")

    return read


def _write(server: SandboxServer) -> Endpoint:
    async def write(request: Request) -> Response:
        held = server.workspace(request)
        data = await request.body()
        await run_in_threadpool(held.write, request.query_params.get("path", ""), data)
        return JSONResponse({"ok": True})

    return write


def _list(server: SandboxServer) -> Endpoint:
    async def listing(request: Request) -> Response:
        held = server.workspace(request)
        wanted = PathRequest.model_validate_json(await request.body())
        files = await run_in_threadpool(lambda: tuple(held.listing(wanted.path, wanted.skip_dirs)))
        return _json(Listing(files=files))

    return listing


def _start(server: SandboxServer) -> Endpoint:
    async def start(request: Request) -> Response:
        held = server.workspace(request)
        command_id = request.path_params["command_id"]
        run = RunRequest.model_validate_json(await request.body())
        held.start(command_id, run)
        return _json(await run_in_threadpool(held.event, command_id, (), server.event_wait_s))

    return start


def _poll(server: SandboxServer) -> Endpoint:
    async def poll(request: Request) -> Response:
        held = server.workspace(request)
        wanted = PollRequest.model_validate_json(await request.body())
        command_id = request.path_params["command_id"]
        return _json(await run_in_threadpool(held.event, command_id, wanted.replies, server.event_wait_s))

    return poll
