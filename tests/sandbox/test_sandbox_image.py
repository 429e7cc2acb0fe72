"""The sandbox server's image, as far as it can be checked without a Docker engine (there is none here).

The Dockerfile copies only files that exist, runs as a non-root user, and starts the console script that
pyproject declares; that same entry point starts a working server here.
"""

from __future__ import annotations

import http.client
import json
import re
import shlex
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def _instructions(name: str) -> list[str]:
    return re.findall(rf"^{name}\s+(.+)$", DOCKERFILE, flags=re.MULTILINE)


def _entrypoint() -> list[str]:
    [entry] = _instructions("ENTRYPOINT")
    argv: list[str] = json.loads(entry)
    return argv


def test_every_file_the_dockerfile_copies_exists_and_is_in_the_build_context() -> None:
    ignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    sources = [source for line in _instructions("COPY") for source in shlex.split(line)[:-1]]

    assert sources, "no COPY found: has the Dockerfile's layout changed?"
    for source in sources:
        assert (ROOT / source).exists(), source
        assert f"!{source.rstrip('/')}" in {entry.rstrip("/") for entry in ignore}, f"{source} is ignored"


def test_the_image_runs_as_a_non_root_user() -> None:
    users = _instructions("USER")

    assert users
    assert users[-1].strip() not in {"root", "0"}


def test_the_entry_point_is_the_console_script_of_the_sandbox_server() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]

    assert scripts[_entrypoint()[0]] == "agentcore.sandbox.server.__main__:main"


def test_the_server_starts_from_the_images_entry_point_and_answers_health(tmp_path: Path) -> None:
    port = _free_port()
    # The console script itself where this environment has it installed, else the module it points at.
    script = Path(sys.executable).parent / _entrypoint()[0]
    start = [str(script)] if script.exists() else [sys.executable, "-m", "agentcore.sandbox.server"]
    argv = [*start, *_entrypoint()[1:]]
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--workspace") + 1] = str(tmp_path / "workspace")
    server = subprocess.Popen(argv, stdin=subprocess.DEVNULL)
    try:
        status, body = _health(port)
    finally:
        server.terminate()
        server.wait(timeout=10)

    assert status == 200
    assert json.loads(body) == {"ok": True, "sandbox": None}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _health(port: int) -> tuple[int, bytes]:
    deadline = time.monotonic() + 30
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            try:
                conn.request("GET", "/health")
                response = conn.getresponse()
                return response.status, response.read()
            finally:
                conn.close()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
