"""A local STAND-IN for an Azure Container Apps dynamic-sessions pool, for tests and benchmarks only.

It is not the pool and not a sandbox boundary. It does the two things of the pool that `RemoteSandbox`
depends on, on loopback:
- routing: `<endpoint>/<path>?identifier=<id>` goes to `/<path>` of the session `<id>`, a sandbox server
  process of its own (started on first use, as the pool allocates a session), with the `identifier`
  parameter and the Authorization header removed;
- the token check: a request without `Authorization: Bearer <token>` is answered 401.
`failures` holds statuses to answer the next requests with (a transient 503, say).
`recycle(identifier)` ends a session's process, as the pool does after the idle timeout: the next request
starts a fresh one with an empty workspace. Session servers get a scrubbed environment (PATH and LANG), as a
container would have its own. Everything else of the pool (scale, egress policy, Entra, Hyper-V isolation)
is out of its scope.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from agentcore.errors import SandboxError
from agentcore.sandbox._process import parent_environment

_START_TIMEOUT_S = 30.0
_DROPPED_HEADERS = {"authorization", "host", "transfer-encoding", "connection", "content-length"}


@dataclass(frozen=True)
class StaticToken:
    token: str
    expires_on: int


class StaticTokenCredential:
    """A credential that always gives the same token: the stand-in pool's counterpart of managed identity."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.requests: list[tuple[str, ...]] = []

    def get_token(self, *scopes: str) -> StaticToken:
        self.requests.append(scopes)
        return StaticToken(self.token, int(time.time()) + 3600)


class _Session:
    def __init__(self, workspace: Path, sandbox: str) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        self.port: int = listener.getsockname()[1]
        argv = [sys.executable, "-m", "agentcore.sandbox.server", "--fd", str(listener.fileno())]
        argv += ["--workspace", str(workspace), "--sandbox", sandbox]
        env = parent_environment(("PATH", "LANG"))
        self.process = subprocess.Popen(argv, pass_fds=(listener.fileno(),), env=env, stdin=subprocess.DEVNULL)
        listener.close()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + _START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SandboxError(f"the sandbox server exited at start with {self.process.returncode}")
            with contextlib.suppress(OSError):
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/health")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            time.sleep(0.05)
        raise SandboxError("the sandbox server did not become ready")

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()


class StandinPool:
    """The stand-in pool: start it, point a SessionPoolClient at `endpoint` with `token`, close it."""

    def __init__(self, base_dir: Path, *, token: str, sandbox: str = "auto") -> None:
        self.base_dir = base_dir
        self.token = token
        self.sandbox = sandbox
        self.sessions: dict[str, _Session] = {}
        self.started_sessions = 0
        self.failures: list[int] = []
        """Statuses to answer the next requests with instead of forwarding them (transient failures, for tests)."""
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, name="standin-pool", daemon=True)

    @property
    def endpoint(self) -> str:
        port: int = self._http.server_address[1]
        return f"http://127.0.0.1:{port}"

    def __enter__(self) -> StandinPool:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def session_port(self, identifier: str) -> int:
        """The port of the session's server, started first if the pool has no session by that identifier."""
        with self._lock:
            session = self.sessions.get(identifier)
            if session is None or session.process.poll() is not None:
                workspace = self.base_dir / f"session-{len(self.sessions)}-{self.started_sessions}" / "workspace"
                session = self.sessions[identifier] = _Session(workspace, self.sandbox)
                self.started_sessions += 1
            return session.port

    def recycle(self, identifier: str) -> None:
        """End the session as the idle timeout would: its workspace is gone with it."""
        with self._lock:
            session = self.sessions.pop(identifier, None)
        if session is not None:
            session.stop()

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()
        for identifier in list(self.sessions):
            self.recycle(identifier)
        shutil.rmtree(self.base_dir, ignore_errors=True)


def _handler(pool: StandinPool) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            return

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without this, Nagle's algorithm and the client's
            # delayed ACK hold the body back ~40 ms.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _forward(self) -> None:
            body = self._body()
            if pool.failures:
                self._answer(pool.failures.pop(0), b'{"error": "injected failure"}', "application/json")
                return
            if self.headers.get("authorization") != f"Bearer {pool.token}":
                self._answer(401, b'{"error": "missing or wrong bearer token"}', "application/json")
                return
            parts = urlsplit(self.path)
            query = parse_qsl(parts.query, keep_blank_values=True)
            identifier = next((v for k, v in query if k == "identifier"), None)
            if not identifier:
                self._answer(400, b'{"error": "the identifier query parameter is required"}', "application/json")
                return
            rest = urlencode([(k, v) for k, v in query if k != "identifier"])
            target = parts.path + (f"?{rest}" if rest else "")
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _DROPPED_HEADERS}
            upstream = http.client.HTTPConnection("127.0.0.1", pool.session_port(identifier), timeout=600)
            try:
                upstream.request(self.command, target, body=body, headers=headers)
                response = upstream.getresponse()
                self._answer(response.status, response.read(), response.getheader("content-type", ""))
            finally:
                upstream.close()

        def _body(self) -> bytes:
            if self.headers.get("transfer-encoding", "").lower() == "chunked":
                return _read_chunked(self.rfile)
            return self.rfile.read(int(self.headers.get("content-length") or 0))

        def _answer(self, status: int, data: bytes, content_type: str) -> None:
            self.send_response(status)
            if content_type:
                self.send_header("content-type", content_type)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _forward

    return Handler


def _read_chunked(stream: object) -> bytes:
    read_line = stream.readline  # type: ignore[attr-defined]
    read = stream.read  # type: ignore[attr-defined]
    body = bytearray()
    while True:
        size = int(read_line().split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while read_line() not in (b"\r\n", b"\n", b""):
                pass
            return bytes(body)
        body += read(size)
        read_line()


__all__ = ["StandinPool", "StaticTokenCredential"]
