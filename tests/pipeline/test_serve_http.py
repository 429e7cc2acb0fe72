"""`sre-agent serve`: the same routes over real HTTP on loopback, with the stages on worker threads."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.cli import main
from agentcore.pipeline import LocalRunner
from agentcore.pipeline.http_server import ApiServer
from tests.pipeline.pipeline_harness import quick_runner


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[ApiServer, LocalRunner]]:
    runner = quick_runner(tmp_path)
    runner.start()
    api = ApiServer(runner.context, "127.0.0.1", 0)
    api.start()
    try:
        yield api, runner
    finally:
        api.stop()
        runner.stop()


def request(api: ApiServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, str, bytes]:  # fmt: skip
    connection = http.client.HTTPConnection("127.0.0.1", api.address[1], timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type") or "", response.read()
    finally:
        connection.close()


def test_a_question_over_http_runs_to_a_report(server: tuple[ApiServer, LocalRunner]) -> None:
    api, _runner = server
    status, _, body = request(api, "POST", "/api/investigations", json.dumps({"question": "why?"}).encode())
    assert status == 202
    url = json.loads(body)["status_url"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        state = json.loads(request(api, "GET", url)[2])
        if state["stage"] == "done":
            break
        time.sleep(0.05)
    assert state["status"] == "inconclusive"
    status, content_type, report = request(api, "GET", f"{url}/report")
    assert (status, content_type.split(";")[0]) == (200, "text/markdown")
    assert report.startswith(b"> ")


def test_a_body_over_the_limit_is_refused_before_it_is_read(server: tuple[ApiServer, LocalRunner]) -> None:
    api, _runner = server
    status, _, _ = request(api, "POST", "/api/investigations", b"{}", {"Content-Length": str(10**9)})
    assert status == 413


def test_serve_on_a_port_in_use_is_one_clear_error(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     server: tuple[ApiServer, LocalRunner]) -> None:  # fmt: skip
    api, _runner = server
    code = main(["serve", "--port", str(api.address[1]), "--data-dir", str(tmp_path / "d"),
                 "--sandbox", "subprocess"])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2
    assert "cannot listen" in err


def test_sre_agent_serve_answers_on_the_port_it_prints_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    environment = {name: value for name, value in os.environ.items() if "KEY" not in name and "MODEL" not in name}
    command = [sys.executable, "-m", "agentcore.cli", "serve", "--port", "0", "--data-dir", str(tmp_path / "d"),
               "--sandbox", "subprocess"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=environment)
    try:
        assert process.stderr is not None
        banner = process.stderr.readline()
        port = int(re.findall(r"http://127\.0\.0\.1:(\d+)/api", banner)[0])
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/api/investigations/inv-20260101-000000-abcdef")
        assert connection.getresponse().status == 404
        connection.close()
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=30) == 130
    finally:
        process.kill()
        process.wait()
        if process.stderr is not None:
            process.stderr.close()
