"""`sre-agent serve` picks up what a killed server left: its queue died with it, the blob store did not."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.pipeline.pipeline_harness import ask, quick_runner

REPO_ROOT = Path(__file__).resolve().parents[2]


def get_json(port: int, path: str) -> dict[str, object]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200, response.status
        document = json.loads(response.read())
    finally:
        connection.close()
    assert isinstance(document, dict)
    return document


def test_serve_finishes_an_investigation_a_killed_server_had_accepted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    investigation_id = ask(quick_runner(data_dir))  # answered 202, then the process was killed
    environment = {k: v for k, v in os.environ.items() if not k.startswith("SRE_AGENT_")}
    command = [sys.executable, "-m", "agentcore.cli", "serve", "--port", "0", "--data-dir", str(data_dir),
               "--sandbox", "subprocess"]  # fmt: skip
    with subprocess.Popen(command, cwd=REPO_ROOT, env=environment, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            port = 0
            for line in server.stderr:
                if match := re.search(r"serving http://127\.0\.0\.1:(\d+)/api", line):
                    port = int(match[1])
                    break
            assert port, "the server never said where it listens"
            threading.Thread(target=server.stderr.read, daemon=True).start()  # keep its log from filling the pipe
            deadline = time.monotonic() + 60
            state = get_json(port, f"/api/investigations/{investigation_id}")
            while state["stage"] != "done" and time.monotonic() < deadline:
                time.sleep(0.1)
                state = get_json(port, f"/api/investigations/{investigation_id}")
        finally:
            server.send_signal(signal.SIGINT)
            server.wait(timeout=60)

    assert state["stage"] == "done"
    assert state["status"] == "inconclusive"
