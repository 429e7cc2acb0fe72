"""`sre-agent serve`: the Functions app's HTTP routes on this machine, with the local runner behind them.

A stdlib `ThreadingHTTPServer` maps every request onto `agentcore.pipeline.api.dispatch`, the same
functions the Functions app's HTTP triggers call; stage messages go to the LocalRunner's queue and
run on its worker threads. There are no keys: bind it to loopback (the default).
"""

from __future__ import annotations

import logging
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.api import ApiResponse, dispatch, json_response

logger = logging.getLogger(__name__)


class ApiServer(ThreadingHTTPServer):
    """An HTTP server whose every request is answered by the pipeline's API functions."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], context: StageContext) -> None:
        super().__init__(address, _Handler)
        self.context = context


class _Handler(BaseHTTPRequestHandler):
    server: ApiServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's naming
        self._answer("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._answer("POST")

    def _answer(self, method: str) -> None:
        limit = self.server.context.deps.settings.http_max_body_bytes
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > limit:
            self._send(json_response(413, {"error": f"the body must be 0 to {limit} bytes"}), close=True)
            return
        body = self.rfile.read(length) if length else b""
        path = urlsplit(self.path).path
        try:
            response = dispatch(self.server.context, method, path, body=body, accept=self.headers.get("Accept", ""))
        except Exception:
            logger.exception("%s %s failed", method, path)
            response = json_response(500, {"error": "internal error; see the server log"})
        self._send(response)

    def _send(self, response: ApiResponse, *, close: bool = False) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in response.headers:
            self.send_header(name, value)
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(response.body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's signature
        logger.info("%s " + format, self.address_string(), *args)
