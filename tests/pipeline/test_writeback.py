"""A finished report is posted back once per investigation: duplicates and crashes never post twice."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from agentcore.storage import BlobStore
from tests.pipeline.pipeline_harness import (
    ConversationModel,
    CrashingStore,
    Driver,
    example_request,
    new_broker,
    pipeline_settings,
)


@pytest.fixture
def webhook() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """An incoming webhook on loopback that records what it is sent."""
    received: list[dict[str, Any]] = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


def run(tmp_path: Path, url: str, *, twice: bool = False, crash_after_post: bool = False) -> tuple[Driver, str]:
    settings = pipeline_settings(
        tmp_path, writeback_webhook_url=url, public_base_url="https://agent.example", writeback_format="generic"
    )
    driver = Driver(settings=settings, model=ConversationModel(), queue=new_broker(settings, twice=twice))
    if crash_after_post:
        crashed: list[str] = []  # shared by every process the driver starts: crash only once
        driver.store_wrapper = lambda store: _crash_on_the_commit_after_the_post(store, crashed)
    investigation_id = driver.start(example_request())
    driver.run()
    return driver, investigation_id


def _crash_on_the_commit_after_the_post(store: BlobStore, crashed: list[str]) -> BlobStore:
    """Dies once, just before the report stage commits: after the webhook got its post."""

    def crash(name: str, count: int, when: str) -> bool:
        if crashed or when != "before" or not name.endswith("/state.json"):
            return False
        if any(n.endswith("/writeback.json") for n in store.list("investigations/")):
            crashed.append(name)
            return True
        return False

    return CrashingStore(store, crash, {})


def test_the_report_summary_and_link_are_posted_once(tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]) -> None:
    url, received = webhook
    _, investigation_id = run(tmp_path, url)
    assert len(received) == 1
    assert received[0]["investigation_id"] == investigation_id
    assert received[0]["link"] == f"https://agent.example/api/investigations/{investigation_id}/report"
    assert "completed" in received[0]["summary"]


def test_every_message_delivered_twice_still_posts_once(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    run(tmp_path, url, twice=True)
    assert len(received) == 1


def test_a_crash_after_posting_and_before_the_commit_does_not_post_again(
    tmp_path: Path, webhook: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = webhook
    driver, investigation_id = run(tmp_path, url, crash_after_post=True)
    assert driver.restarts == 1
    assert driver.state(investigation_id).stage.value == "done"
    assert len(received) == 1
