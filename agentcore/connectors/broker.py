"""`ConnectorBroker`: the host side of the connectors the sandbox may use, served on a Unix socket.

The sandbox has no network and no credentials, so `logs` inside it cannot reach Kusto. The agent process
holds the LogStore (with the managed identity's credential) and serves a tiny request/response protocol
(`_broker_protocol`) on `<workspace>/.connectors/broker.sock`; the bind-mounted workspace makes the socket
reachable at `/workspace/.connectors/broker.sock` from inside bubblewrap, across its mount and network
namespaces. The sandbox gets exactly what the broker answers, read-only log queries, the table list and a
table's schema, and never a credential.

- One request per connection; each connection has its own thread, at most `max_connections` at once (more
  are answered `busy`). The request line must arrive within `read_timeout_s` and be at most 64 KB.
- Each operation runs in its own thread, at most `max_running_requests` at once; the broker stops waiting
  after `request_timeout_s` and answers `timeout`. (A store call cannot be killed: it ends by the store's
  own timeout, and its slot frees then.)
- A query answers at most min(`max_rows`, `max_rows_limit`) rows and `max_response_bytes` of JSON; rows
  past the byte cap are cut, `truncated` is set and `note` says why.
- LogQueryError messages go to the client as they are. Any other failure is answered with a generic
  message and logged here at WARNING as its type and a redacted first line.
- With a redactor, every string cell of a result is redacted before it is sent: the sandbox's files
  (a command's full result in `outputs/`, say) and its views hold placeholders, never the secret.
- The socket and its folder are the agent user's only (0600 / 0700). The folder is opened without
  following a symlink, so a link planted in the workspace cannot move the socket out of it. `close()`
  removes the socket (when it is still ours) and the folder when empty.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import selectors
import socket
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeoutError
from pathlib import Path
from types import TracebackType

from pydantic import TypeAdapter, ValidationError

from agentcore.connectors._broker_protocol import (
    MAX_REQUEST_BYTES,
    PROTOCOL_VERSION,
    SOCKET_PATH,
    BrokerError,
    BrokerQueryResult,
    BrokerRequest,
    ErrorCode,
    QueryRequest,
    SchemaRequest,
    UnknownTableError,
    table_named,
)
from agentcore.connectors._unix_socket import linger, listen_in_folder, remove_socket
from agentcore.connectors.logs import LogQueryError, LogStore, QueryResult
from agentcore.errors import AgentCoreError
from agentcore.redaction import Redactor

logger = logging.getLogger(__name__)

_REQUEST = TypeAdapter[BrokerRequest](BrokerRequest)
_NOTE_RESERVE_BYTES = 1024
"""Room kept in a cut response for the envelope and the note."""
_AUTH_HEADER = re.compile(r"(?i)\b(bearer|basic)\s+\S+")
_SECRET_PARAMETER = re.compile(r"(?i)\b([\w-]*(?:key|sig|token|secret|password|pwd)[\w-]*=)[^\s&;,]+")
INTERNAL_MESSAGE = "the connector failed; the details are in the agent's log"


class _Refusal(AgentCoreError):
    """A request the broker answers with an error instead of a result (never leaves the broker)."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def broker_socket_path(workspace: Path) -> Path:
    """Where the broker of the workspace at `workspace` listens."""
    return workspace / SOCKET_PATH


class ConnectorBroker:
    """Serves the connectors it is given to the sandbox of one workspace. See the module docstring."""

    def __init__(
        self,
        socket_path: Path,
        *,
        logs: LogStore | None,
        request_timeout_s: float = 90.0,
        read_timeout_s: float = 10.0,
        write_timeout_s: float = 30.0,
        max_connections: int = 8,
        max_running_requests: int = 4,
        max_rows_limit: int = 500_000,
        max_response_bytes: int = 32 * 1024**2,
        redactor: Redactor | None = None,
    ) -> None:
        self.socket_path = socket_path
        self.redactor = redactor
        """Redacts every string cell before it leaves for the sandbox (so no file there holds a secret)."""
        self.logs = logs
        self.request_timeout_s = request_timeout_s
        self.read_timeout_s = read_timeout_s
        self.write_timeout_s = write_timeout_s
        self.max_rows_limit = max_rows_limit
        self.max_response_bytes = max_response_bytes
        self._connection_slots = threading.BoundedSemaphore(max_connections)
        self._request_slots = threading.BoundedSemaphore(max_running_requests)
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._listener: socket.socket | None = None
        self._identity: tuple[int, int] | None = None
        self._acceptor: threading.Thread | None = None

    def __enter__(self) -> ConnectorBroker:
        self.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def start(self) -> None:
        """Create the socket and serve it on a background thread until close()."""
        if self._listener is not None or self._stopping.is_set():
            raise RuntimeError("a connector broker starts once")
        self._listener, self._identity = listen_in_folder(self.socket_path)
        self._acceptor = threading.Thread(target=self._accept_loop, name="connector-broker", daemon=True)
        self._acceptor.start()
        logger.info("connector broker listening at %s (logs: %s)", self.socket_path, type(self.logs).__name__)

    def close(self) -> None:
        """Stop accepting, cut open connections, and remove the socket. Idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._acceptor is not None:
            self._acceptor.join()
        with self._lock:
            for conn in self._open:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        if self._listener is not None:
            self._listener.close()
            remove_socket(self.socket_path, self._identity)
        self._wake_r.close()
        self._wake_w.close()

    def _accept_loop(self) -> None:
        assert self._listener is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            selector.register(self._wake_r, selectors.EVENT_READ)
            while not self._stopping.is_set():
                if not any(key.fileobj is self._listener for key, _ in selector.select()):
                    continue
                try:
                    conn, _ = self._listener.accept()
                except OSError:  # out of descriptors, say: wait rather than spin
                    self._stopping.wait(0.05)
                    continue
                self._admit(conn)

    def _admit(self, conn: socket.socket) -> None:
        if not self._connection_slots.acquire(blocking=False):
            conn.settimeout(1.0)
            with contextlib.suppress(OSError):
                conn.sendall(_error_line("busy", "too many connections to the connector broker; try again"))
            conn.close()
            return
        with self._lock:
            self._open.add(conn)
        threading.Thread(target=self._serve, args=(conn,), name="connector-broker-conn", daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            try:
                answer = self._answer(_read_request(conn, self.read_timeout_s))
            except _Refusal as refusal:
                answer = _error_line(refusal.code, refusal.message)
            except OSError:
                raise
            except Exception as e:
                logger.warning("connector broker: answering failed with %s: %s", type(e).__name__, _redacted(e))
                answer = _error_line("internal", INTERNAL_MESSAGE)
            conn.settimeout(self.write_timeout_s)
            conn.sendall(answer)
            linger(conn)
        except OSError as e:
            logger.debug("connector broker: a client went away: %s", type(e).__name__)
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()
            self._connection_slots.release()

    def _answer(self, line: bytes) -> bytes:
        request = _parse(line)
        if self.logs is None:
            raise _Refusal("unavailable", "no log store is connected to this investigation")
        logs = self.logs
        started = time.monotonic()
        if isinstance(request, QueryRequest):
            max_rows = min(request.max_rows, self.max_rows_limit)
            body = self._bounded(lambda: self._query_json(logs.query(request.kql, max_rows=max_rows)))
        elif isinstance(request, SchemaRequest):
            body = self._bounded(lambda: _json(table_named(logs.tables(), request.table).model_dump(mode="json")))
        else:
            body = self._bounded(lambda: _json([table.model_dump(mode="json") for table in logs.tables()]))
        logger.debug("connector broker: %s answered in %.3f s", request.op, time.monotonic() - started)
        return b'{"v":%d,"ok":true,"result":%s}\n' % (PROTOCOL_VERSION, body)

    def _bounded(self, work: Callable[[], bytes]) -> bytes:
        """Run `work` on its own thread; give up waiting after request_timeout_s."""
        deadline = time.monotonic() + self.request_timeout_s
        if not self._request_slots.acquire(timeout=self.request_timeout_s):
            raise _Refusal("busy", "the connector broker is busy with other requests; try again")
        outcome: Future[bytes] = Future()

        def run() -> None:
            try:
                outcome.set_result(work())
            except BaseException as e:  # handed over to the waiting thread
                outcome.set_exception(e)
            finally:
                self._request_slots.release()

        threading.Thread(target=run, name="connector-broker-request", daemon=True).start()
        try:
            return outcome.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeoutError:
            raise _Refusal(
                "timeout", f"the request took longer than {self.request_timeout_s:g} s and was abandoned"
            ) from None
        except UnknownTableError as e:
            raise _Refusal("no_table", str(e)) from e
        except LogQueryError as e:
            raise _Refusal("query_error", str(e)) from e
        except Exception as e:
            logger.warning("connector broker: the request failed with %s: %s", type(e).__name__, _redacted(e))
            raise _Refusal("internal", INTERNAL_MESSAGE) from e

    def _query_json(self, result: QueryResult) -> bytes:
        """The result as JSON, its rows cut so that the whole fits in max_response_bytes."""
        if self.redactor is not None:
            redact = self.redactor.redact_json
            result = result.model_copy(update={"rows": tuple(tuple(redact(v) for v in row) for row in result.rows)})
        body = _json(result.model_dump())
        if len(body) <= self.max_response_bytes:
            return body
        total = result.total_rows if result.truncated else len(result.rows)
        empty = BrokerQueryResult(columns=result.columns, rows=(), truncated=True, total_rows=total)
        budget = self.max_response_bytes - len(_json(empty.model_dump())) - _NOTE_RESERVE_BYTES
        kept = 0
        for row in result.rows:
            budget -= len(_json(row)) + 1
            if budget < 0:
                break
            kept += 1
        of = f" of {total}" if total is not None else ""
        limit = f"{self.max_response_bytes / 1024**2:g} MiB"
        note = (
            f"result cut at {kept} rows{of} to fit the connector broker's {limit} response limit: "
            "project fewer columns or aggregate with summarize"
        )
        return _json(empty.model_copy(update={"rows": result.rows[:kept], "note": note}).model_dump())


def _read_request(conn: socket.socket, timeout_s: float) -> bytes:
    """The first line a client sends (or all it sent before closing), within `timeout_s` in all."""
    deadline = time.monotonic() + timeout_s
    received = bytearray()
    while b"\n" not in received:
        if len(received) > MAX_REQUEST_BYTES:
            raise _Refusal("too_large", f"the request is larger than {MAX_REQUEST_BYTES} bytes")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Refusal("bad_request", f"no complete request within {timeout_s:g} s")
        conn.settimeout(remaining)
        try:
            chunk = conn.recv(MAX_REQUEST_BYTES + 1 - len(received))
        except TimeoutError:
            raise _Refusal("bad_request", f"no complete request within {timeout_s:g} s") from None
        if not chunk:
            break
        received += chunk
    return bytes(received.split(b"\n", 1)[0])


def _parse(line: bytes) -> BrokerRequest:
    if not line.strip():
        raise _Refusal("bad_request", "the request is empty")
    try:
        request = json.loads(line)
    except (ValueError, RecursionError):
        request = None
    if not isinstance(request, dict):
        raise _Refusal("bad_request", "the request is not a JSON object")
    version = request.get("v")
    if type(version) is not int or version != PROTOCOL_VERSION:
        raise _Refusal("unsupported_version", f"protocol version {version!r}; this broker speaks {PROTOCOL_VERSION}")
    try:
        return _REQUEST.validate_python(request)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'request'}: {err['msg']}" for err in e.errors())
        raise _Refusal("bad_request", f"malformed request: {problems[:500]}") from None


def _error_line(code: ErrorCode, message: str) -> bytes:
    error = _json(BrokerError(code=code, message=message).model_dump())
    return b'{"v":%d,"ok":false,"error":%s}\n' % (PROTOCOL_VERSION, error)


def _json(value: object) -> bytes:
    """JSON as the wire carries it: ASCII, compact, NaN/Infinity and lone surrogates kept (stdlib json both ways)."""
    return json.dumps(value, separators=(",", ":")).encode("ascii")


def _redacted(error: BaseException) -> str:
    """The first line of the error's message, without what looks like a token, key or signature."""
    lines = str(error).strip().splitlines()
    text = _AUTH_HEADER.sub(r"\1 <redacted>", lines[0] if lines else "")
    return _SECRET_PARAMETER.sub(r"\1<redacted>", text)[:300]


__all__ = ["ConnectorBroker", "broker_socket_path"]
