"""`sre-agent serve`: the Functions app's HTTP routes on this machine, with the local runner behind them.

The ASGI app (`agentcore.pipeline.asgi`) runs on uvicorn with limits a public endpoint needs:
- a backlog of `http_backlog_connections`, so a burst of connections waits in the kernel instead of
  being reset;
- `http_max_concurrency` connections and requests at once; a request beyond them is answered 503;
- `http_read_timeout_s` for a request's headers (counted from the connection, or from the previous
  response on a kept-alive one) and again for its body: a client that sends nothing, or dribbles its
  headers, is answered 408 and cut, so idle sockets cannot use up the concurrency;
- `http_max_body_bytes` per body, enforced while it streams (413).
There are no keys: bind it to loopback (the default).
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.asgi import BodyLimits, api_app

logger = logging.getLogger(__name__)

_TIMED_OUT = b"HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


class _ServerConfig(uvicorn.Config):
    """uvicorn's configuration, plus the deadline for a request's headers."""

    def __init__(self, app: object, *, header_timeout_s: float, **options: object) -> None:
        super().__init__(app, **options)  # type: ignore[arg-type]
        self.header_timeout_s = header_timeout_s


class _HeaderDeadlineProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for a request's headers, which uvicorn lacks.

    The deadline starts when the connection opens and again after each response; it ends when h11
    has a whole request line and headers. A client past it gets a bare 408 and the connection closes.
    """

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._header_timeout_s = config.header_timeout_s if isinstance(config, _ServerConfig) else 10.0
        self._header_deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._stop_header_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._start_header_deadline()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_deadline()
        super().connection_lost(exc)

    def _start_header_deadline(self) -> None:
        self._stop_header_deadline()
        self._header_deadline = self.loop.call_later(self._header_timeout_s, self._headers_too_slow)

    def _stop_header_deadline(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _headers_too_slow(self) -> None:
        self._header_deadline = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        logger.info("%s sent no complete request headers within %g s; closing", self.client, self._header_timeout_s)
        self.transport.write(_TIMED_OUT)
        self.transport.close()


class ApiServer:
    """The HTTP API on uvicorn, listening from construction (so a port in use fails here, as OSError)."""

    def __init__(self, context: StageContext, host: str, port: int) -> None:
        settings = context.deps.settings
        self._socket = _listening_socket(host, port, settings.http_backlog_connections)
        limits = BodyLimits(max_bytes=settings.http_max_body_bytes, read_timeout_s=settings.http_read_timeout_s)
        config = _ServerConfig(
            api_app(context, limits),
            header_timeout_s=settings.http_read_timeout_s,
            http=_HeaderDeadlineProtocol,
            limit_concurrency=settings.http_max_concurrency,
            backlog=settings.http_backlog_connections,
            timeout_keep_alive=5,
            timeout_graceful_shutdown=5,
            lifespan="off",
            log_config=None,
            access_log=False,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._socket.getsockname()[:2]
        return str(host), int(port)

    def serve_forever(self) -> None:
        """Serve until Ctrl-C / SIGTERM (in the main thread) or `stop()`; then close the socket."""
        try:
            self._server.run(sockets=[self._socket])
        finally:
            self._socket.close()

    def start(self) -> None:
        """Serve on a background thread; return once it accepts connections."""
        self._thread = threading.Thread(target=self.serve_forever, name="sre-agent-http", daemon=True)
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.01)

    def stop(self) -> None:
        """Stop serving (open requests get a few seconds to finish) and wait for the server thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join()
        self._socket.close()


def _listening_socket(host: str, port: int, backlog: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError:
        sock.close()
        raise
    return sock
