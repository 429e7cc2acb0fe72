"""The connector broker's socket inside a remote session, relayed to the client over the session channel.

The session holds no credential and has no egress. A command's `logs` connects to
`/workspace/.connectors/broker.sock` exactly as it does locally; here the sandbox server listens there, reads
the one request line, and hands it to the client in its next command event. The client answers it from the
host's own broker (with that investigation's limits) and posts the reply back, which goes to the command.
Nothing else crosses: the relay carries broker protocol bytes, at most MAX_REQUEST_BYTES a request.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from agentcore.connectors._broker_protocol import MAX_REQUEST_BYTES
from agentcore.connectors._unix_socket import listen_in_folder, remove_socket

logger = logging.getLogger(__name__)

_READ_TIMEOUT_S = 10.0
_REPLY_TIMEOUT_S = 300.0
"""How long a command's connector request waits for the client's reply before it gets `unavailable`."""
_MAX_CONNECTIONS = 16
_UNAVAILABLE = b'{"v": 1, "ok": false, "error": {"code": "unavailable", "message": "the connector relay is closed"}}\n'
_BUSY = b'{"v": 1, "ok": false, "error": {"code": "busy", "message": "too many connector requests at once"}}\n'


@dataclass
class _Pending:
    request: bytes
    handed_out: bool = False
    reply: bytes | None = None
    answered: threading.Event = field(default_factory=threading.Event)


class BrokerRelay:
    """Listens on the workspace's broker socket; requests wait in `pending` until `answer` is called."""

    def __init__(self, socket_path: Path, wake: threading.Condition) -> None:
        self._wake = wake
        self._pending: dict[str, _Pending] = {}
        self._closed = False
        self._path = socket_path
        self._listener, self._identity = listen_in_folder(socket_path)
        self._thread = threading.Thread(target=self._accept_loop, name="broker-relay", daemon=True)
        self._thread.start()

    def take(self) -> dict[str, bytes]:
        """Requests not handed out yet, by id. Call with the wake condition held."""
        fresh = {rid: p.request for rid, p in self._pending.items() if not p.handed_out}
        for rid in fresh:
            self._pending[rid].handed_out = True
        return fresh

    def answer(self, request_id: str, reply: bytes) -> None:
        pending = self._pending.get(request_id)
        if pending is not None:
            pending.reply = reply
            pending.answered.set()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        remove_socket(self._path, self._identity)
        for pending in list(self._pending.values()):
            pending.answered.set()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            if len(self._pending) >= _MAX_CONNECTIONS:
                with contextlib.suppress(OSError):
                    conn.sendall(_BUSY)
                conn.close()
                continue
            threading.Thread(target=self._serve, args=(conn,), name="broker-relay-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        request_id = uuid.uuid4().hex
        try:
            request = _read_line(conn)
            pending = _Pending(request)
            with self._wake:
                self._pending[request_id] = pending
                self._wake.notify_all()
            answered = pending.answered.wait(_REPLY_TIMEOUT_S)
            conn.sendall(pending.reply if answered and pending.reply is not None else _UNAVAILABLE)
        except OSError as e:
            logger.debug("connector relay connection ended: %s", e)
        finally:
            with self._wake:
                self._pending.pop(request_id, None)
            conn.close()


def _read_line(conn: socket.socket) -> bytes:
    """The request line (with its newline), or as much as arrived: the broker judges it, too long or not."""
    conn.settimeout(_READ_TIMEOUT_S)
    data = bytearray()
    while b"\n" not in data and len(data) <= MAX_REQUEST_BYTES:
        piece = conn.recv(65536)
        if not piece:
            break
        data += piece
    return bytes(data[: MAX_REQUEST_BYTES + 2])
