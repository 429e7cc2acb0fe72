"""The Functions app, built once per test session (its function index is stateful), and its parts.

Its handlers are called as the host would call them, with real `func.HttpRequest`,
`azure.functions.servicebus.ServiceBusMessage` and `azure.functions.timer.TimerRequest` objects; the
dependencies come from `wiring.override(...)`: a LocalBlobStore and a LocalQueue standing in for
Blob Storage and Service Bus.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from azure.durable_functions.models.utils import http_utils
from azure.functions.servicebus import ServiceBusMessage

from agentcore.pipeline.wiring import local_queue, override
from agentcore.queues import ReceivedMessage
from agentcore.queues.local import LocalQueue
from agentcore.settings import Settings
from agentcore.storage.local import LocalBlobStore


@pytest.fixture(scope="session")
def functions() -> dict[str, Any]:
    """Each function of the app by name: its indexed Function object."""
    import function_app

    return {f.get_function_name(): f for f in function_app.app.get_functions()}


@pytest.fixture(scope="session")
def handler(functions: dict[str, Any]) -> Callable[[str], Callable[..., Any]]:
    def user_function(name: str) -> Callable[..., Any]:
        function: Callable[..., Any] = functions[name].get_user_function()
        return function

    return user_function


@dataclass
class App:
    """The app's stand-in dependencies, as one test sees them."""

    settings: Settings
    store: LocalBlobStore
    queue: LocalQueue


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    settings = Settings(data_dir=tmp_path / "data", model=None, sandbox="subprocess", stage_max_delivery_count=3)
    store = LocalBlobStore(tmp_path / "data" / "blobs")
    queue = local_queue(settings)
    with override(settings=settings, blob_store=store, queue=queue, model=None):
        yield App(settings, store, queue)


def service_bus_message(received: ReceivedMessage) -> ServiceBusMessage:
    """What the host hands a Service Bus trigger for a message from the stand-in queue."""
    return ServiceBusMessage(
        body=received.body,
        message_id=received.message_id,
        delivery_count=received.delivery_count,
        application_properties={},
        user_properties={},
        dead_letter_reason=received.dead_letter_reason,
        dead_letter_error_description=received.dead_letter_description,
    )


@dataclass
class DurableHost:
    """A loopback stand-in for the Functions host's Durable Functions API (what the client calls)."""

    port: int
    started: list[tuple[str, str, Any]] = field(default_factory=list)
    """(orchestrator, instance id, input as the orchestrator gets it) per start."""
    running: set[str] = field(default_factory=set)

    @property
    def client_binding(self) -> str:
        base = f"http://127.0.0.1:{self.port}/runtime/webhooks/durabletask/"
        return json.dumps({"taskHubName": "sreagent", "creationUrls": {}, "managementUrls": {}, "rpcBaseUrl": base})


@pytest.fixture
def durable_host() -> Iterator[DurableHost]:
    host = DurableHost(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            instance = self.path.split("?")[0].rsplit("/", 1)[-1]
            if instance in host.running:
                self._json(200, {"instanceId": instance, "runtimeStatus": "Running"})
            else:
                self._json(404, None)

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            input_json = json.loads(self.rfile.read(length) or b"null")  # the body carries the input's JSON text
            payload = json.loads(input_json)  # what the orchestrator's `context.get_input()` returns
            parts = self.path.split("?")[0].rstrip("/").split("/")
            name, instance = parts[-2], parts[-1]
            host.started.append((name, instance, payload))
            host.running.add(instance)
            self._json(202, {"id": instance})

        def _json(self, status: int, payload: Any) -> None:
            body = b"" if payload is None else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()


def run_async(call: Any) -> Any:
    """Run one async function call in a fresh loop, closing the Durable client's shared HTTP session in it."""

    async def with_cleanup() -> Any:
        try:
            return await call
        finally:
            await http_utils._close_session()

    return asyncio.run(with_cleanup())
