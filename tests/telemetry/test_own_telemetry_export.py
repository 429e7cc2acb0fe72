"""With a connection string set, sre-agent's own spans and logs reach Application Insights through the
Azure Monitor distro: here a loopback ingestion endpoint stands in for the service."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


class _Ingestion(BaseHTTPRequestHandler):
    envelopes: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        if self.headers.get("content-encoding") == "gzip" or body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        text = body.decode()
        parsed = json.loads(text) if text.lstrip().startswith("[") else [json.loads(x) for x in text.splitlines() if x]
        self.envelopes.extend(parsed)
        answer = json.dumps({"itemsReceived": len(parsed), "itemsAccepted": len(parsed), "errors": []}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return


@pytest.fixture(scope="module")
def ingestion() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    _Ingestion.envelopes = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Ingestion)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", _Ingestion.envelopes
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("export") / "data"


@pytest.fixture(scope="module")
def exported(ingestion: tuple[str, list[dict[str, Any]]], data_dir: Path) -> list[dict[str, Any]]:
    """One run of the worker, whose spans and logs the loopback endpoint received."""
    endpoint, envelopes = ingestion
    env = {key: value for key, value in os.environ.items() if not key.startswith(("APPLICATIONINSIGHTS", "OTEL_"))}
    env |= {
        "APPLICATIONINSIGHTS_CONNECTION_STRING": (
            f"InstrumentationKey=00000000-0000-0000-0000-000000000001;IngestionEndpoint={endpoint}"
        ),
        "APPLICATIONINSIGHTS_STATSBEAT_DISABLED_ALL": "true",
        "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "",
        "PYTHONPATH": str(ROOT),
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.telemetry.azure_monitor_worker", str(data_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return envelopes


def by_type(envelopes: list[dict[str, Any]], base_type: str) -> list[dict[str, Any]]:
    return [e["data"]["baseData"] for e in envelopes if e.get("data", {}).get("baseType") == base_type]


def test_a_model_call_reaches_application_insights_as_a_genai_dependency(exported: list[dict[str, Any]]) -> None:
    # The exporter delivers at least once: a slow answer from the endpoint may bring the same envelope twice.
    dependencies = [d for d in by_type(exported, "RemoteDependencyData") if d["name"] == "chat claude-sonnet-4-6"]
    assert dependencies
    dependency = dependencies[0]
    assert all(d == dependency for d in dependencies)
    assert dependency["properties"]["gen_ai.usage.input_tokens"] == "900"
    assert dependency["properties"]["gen_ai.usage.cache_read.input_tokens"] == "700"
    assert dependency["properties"]["sre_agent.investigation.id"] == "inv-export-1"
    assert dependency["properties"]["sre_agent.investigation.step"] == "2"


def test_a_log_record_reaches_application_insights_with_the_investigation_and_step(
    exported: list[dict[str, Any]],
) -> None:
    messages = [m for m in by_type(exported, "MessageData") if m["message"] == "step 2 ran long"]
    assert messages
    message = messages[0]
    assert (message["properties"]["investigation_id"], message["properties"]["step"]) == ("inv-export-1", "2")


def test_with_a_connection_string_no_local_rows_are_written(exported: list[dict[str, Any]], data_dir: Path) -> None:
    assert exported
    assert (data_dir / "telemetry" / "model-calls.jsonl").exists()
    assert not (data_dir / "telemetry" / "AppDependencies.jsonl").exists()
