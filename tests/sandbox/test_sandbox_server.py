"""The sandbox server's routes, called in-process (starlette's TestClient): files, keys and errors.

RemoteSandbox reads from its mirror; these routes are the server's file operations for any other client.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from agentcore.sandbox import SandboxLimits
from agentcore.sandbox._archive import pack_workspace
from agentcore.sandbox._wire import WorkspaceParams
from agentcore.sandbox.server import SandboxServer, create_app

KEY = "a-workspace-key-of-enough-length"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    source = tmp_path / "source"
    (source / "notes").mkdir(parents=True)
    (source / "notes" / "plan.md").write_text("# Plan\nstep one\n")
    archive = io.BytesIO()
    pack_workspace(source, archive)
    params = WorkspaceParams(limits=SandboxLimits(wall_time_s=5.0)).model_dump_json()
    with TestClient(create_app(SandboxServer(tmp_path / "session", kind="subprocess"))) as test_client:
        uploaded = test_client.put(
            "/workspace", content=archive.getvalue(), headers={"x-sandbox-key": KEY, "x-sandbox-params": params}
        )
        assert uploaded.status_code == 200
        test_client.headers["x-sandbox-key"] = KEY
        yield test_client


def test_stat_read_and_list_answer_from_the_uploaded_workspace(client: TestClient) -> None:
    stat = client.post("/files/stat", content=json.dumps({"path": "notes/plan.md"}))
    read = client.post("/files/read", content=json.dumps({"path": "notes/plan.md", "offset": 7, "length": 4}))
    listing = client.post("/files/list", content=json.dumps({"path": "."}))

    assert stat.json() == {"path": "notes/plan.md", "kind": "file", "size": 16}
    assert read.content == b"step"
    assert [f["path"] for f in listing.json()["files"]] == ["notes/plan.md"]


def test_a_write_lands_in_the_workspace(client: TestClient) -> None:
    assert client.put("/files/write", params={"path": "notes/new.md"}, content=b"new").status_code == 200

    read = client.post("/files/read", content=json.dumps({"path": "notes/new.md", "offset": 0, "length": 10}))
    assert read.content == b"new"


def test_a_missing_file_is_a_404_that_keeps_its_errno(client: TestClient) -> None:
    response = client.post("/files/stat", content=json.dumps({"path": "notes/none.md"}))

    assert response.status_code == 404
    assert response.json() == {
        "kind": "OSError",
        "message": "No such file or directory",
        "errno": 2,
        "filename": "notes/none.md",
    }


def test_a_path_out_of_the_workspace_is_refused_with_its_kind(client: TestClient) -> None:
    response = client.post("/files/read", content=json.dumps({"path": "../../etc/passwd", "length": 10}))

    assert (response.status_code, response.json()["kind"]) == (400, "PathOutsideWorkspaceError")


def test_a_request_without_the_workspace_key_is_told_the_workspace_is_missing(client: TestClient) -> None:
    response = client.post("/files/stat", content=json.dumps({"path": "."}), headers={"x-sandbox-key": "other"})

    assert (response.status_code, response.json()["kind"]) == (409, "workspace_missing")


def test_an_upload_with_a_short_key_is_refused(client: TestClient) -> None:
    response = client.put("/workspace", content=b"", headers={"x-sandbox-key": "short"})

    assert response.status_code == 400


def test_a_command_started_twice_with_one_id_runs_once(client: TestClient) -> None:
    run = json.dumps({"command": "echo run >> runs.txt", "cwd": "."})

    first = client.post("/commands/same-id", content=run).json()
    again = client.post("/commands/same-id", content=run).json()

    assert (first["state"], again["state"]) == ("done", "done")
    assert first["changed"] == ["runs.txt"]
    read = client.post("/files/read", content=json.dumps({"path": "runs.txt", "length": 100}))
    assert read.content == b"run\n"


def test_health_says_which_local_sandbox_runs_commands(client: TestClient) -> None:
    assert client.get("/health").json() == {"ok": True, "sandbox": "subprocess"}
