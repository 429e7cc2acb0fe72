"""RemoteSandbox against the real sandbox server, behind the loopback stand-in pool (routing and token only).

What the contract suite does not cover: the pool's token, recycled sessions, transient failures, the mirror
kept exact, the host's environment and paths staying home, and the limits that end runaway commands.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import PathOutsideWorkspaceError, SandboxError
from agentcore.sandbox import SandboxLimits
from agentcore.sandbox.remote import RemoteSandbox
from agentcore.sandbox.server.standin_pool import StaticTokenCredential
from agentcore.workspace import RepoSource, checkouts_dir, linked_checkouts, restore_repository
from tests.remote_sandbox_fixture import RemotePool, remote_sandbox

LIMITS = SandboxLimits(wall_time_s=5.0, cpu_time_s=2, max_processes=64, output_bytes=256 * 1024)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def sandbox(standin_pool: RemotePool, workspace: Path) -> RemoteSandbox:
    return remote_sandbox(standin_pool, workspace, LIMITS)


def test_requests_carry_a_token_for_the_dynamic_sessions_audience(standin_pool: RemotePool, workspace: Path) -> None:
    credential = StaticTokenCredential("stand-in-pool-token-not-a-secret")
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, credential=credential)

    assert sandbox.run("echo ok").output == b"ok\n"
    assert credential.requests == [("https://dynamicsessions.io/.default",)], "one token, cached across requests"


def test_a_wrong_token_is_refused_by_the_pool(standin_pool: RemotePool, workspace: Path) -> None:
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, credential=StaticTokenCredential("not-the-token"))

    with pytest.raises(SandboxError, match="401"):
        sandbox.run("echo ok")


def test_a_recycled_session_gets_the_workspace_again_from_the_mirror(
    standin_pool: RemotePool, sandbox: RemoteSandbox
) -> None:
    sandbox.write_bytes("notes/plan.md", b"# Plan\n")
    sandbox.run("echo made by a command > notes/made.txt")

    standin_pool.pool.recycle(sandbox.client.identifier)
    result = sandbox.run("cat notes/plan.md notes/made.txt")

    assert result.output == b"# Plan\nmade by a command\n"
    assert sandbox.uploads == 2


def test_transient_failures_are_retried(standin_pool: RemotePool, workspace: Path) -> None:
    waits: list[float] = []
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, sleep=waits.append)
    standin_pool.pool.failures.extend([503, 429])

    assert sandbox.run("echo ok").output == b"ok\n"
    assert len(waits) == 2


def test_a_session_that_keeps_failing_is_a_sandbox_error(standin_pool: RemotePool, workspace: Path) -> None:
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, sleep=lambda _s: None)
    standin_pool.pool.failures.extend([503] * 5)

    with pytest.raises(SandboxError, match="503"):
        sandbox.run("echo ok")


def test_what_a_command_changes_reaches_the_mirror(sandbox: RemoteSandbox, workspace: Path) -> None:
    (workspace / "notes").mkdir()
    (workspace / "notes" / "old.md").write_text("old")
    (workspace / "notes" / "gone.md").write_text("gone")
    (workspace / "scratch").mkdir()
    (workspace / "scratch" / "tmp.txt").write_text("tmp")

    sandbox.run(
        "echo new > notes/old.md; rm notes/gone.md; rm -r scratch; mkdir -p outputs/empty; "
        "echo made > outputs/made.txt; ln -s made.txt outputs/link"
    )

    assert (workspace / "notes" / "old.md").read_text() == "new\n"
    assert not (workspace / "notes" / "gone.md").exists()
    assert not (workspace / "scratch").exists()
    assert (workspace / "outputs" / "empty").is_dir()
    assert (workspace / "outputs" / "made.txt").read_text() == "made\n"
    assert (workspace / "outputs" / "link").readlink() == Path("made.txt")


def test_reads_come_from_the_mirror_without_a_request(sandbox: RemoteSandbox, workspace: Path) -> None:
    (workspace / "a.txt").write_text("local")

    assert sandbox.read_bytes("a.txt", 0, 100) == b"local"
    assert sandbox.uploads == 0


def test_a_symlink_a_command_points_out_of_the_workspace_never_reaches_the_mirror(
    sandbox: RemoteSandbox, workspace: Path
) -> None:
    result = sandbox.run("ln -s /etc etc-link; ln -s ../../.. up-link; ls -l etc-link up-link | wc -l")

    assert result.output == b"2\n", "both links exist in the session"
    assert not (workspace / "etc-link").is_symlink()
    assert not (workspace / "up-link").is_symlink()
    with pytest.raises((PathOutsideWorkspaceError, FileNotFoundError)):
        sandbox.read_bytes("etc-link/passwd", 0, 100)


def test_the_hosts_environment_never_reaches_the_session(
    standin_pool: RemotePool, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRE_REMOTE_TEST_SECRET", "host-secret-4711")
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS)

    result = sandbox.run("env; cat /proc/1/environ 2>/dev/null | tr '\\0' '\\n'")

    assert b"host-secret-4711" not in result.output
    assert b"SRE_REMOTE_TEST_SECRET" not in result.output


def test_the_hosts_paths_never_reach_the_session(sandbox: RemoteSandbox, workspace: Path) -> None:
    result = sandbox.run("pwd; env; cat /proc/self/cmdline")

    assert str(workspace).encode() not in result.output


@pytest.mark.parametrize(
    "bomb", [":(){ :|:& };:; sleep 30", "python3 -c 'import os\nwhile True: os.fork()'"], ids=["bash", "python"]
)
def test_a_fork_bomb_ends_within_the_limits(sandbox: RemoteSandbox, bomb: str) -> None:
    result = sandbox.run(bomb)

    assert result.exit_code != 0
    assert result.duration_s < LIMITS.wall_time_s + 3
    assert sandbox.run("echo still alive").output == b"still alive\n"


def test_a_command_past_its_timeout_is_ended_in_the_session(sandbox: RemoteSandbox) -> None:
    result = sandbox.run("echo before; sleep 30", timeout_s=0.5)

    assert (result.limit_hit, result.exit_code, result.output) == ("wall_time", None, b"before\n")


def test_a_cwd_leaving_the_workspace_is_refused_before_anything_is_sent(
    sandbox: RemoteSandbox, workspace: Path
) -> None:
    (workspace / "link-out").symlink_to(workspace.parent)

    with pytest.raises(PathOutsideWorkspaceError):
        sandbox.run("touch escaped", cwd="link-out")
    assert sandbox.uploads == 0


_ASK_TABLES = (
    "python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('.connectors/broker.sock'); "
    's.sendall(b\'{\\"v\\": 1, \\"op\\": \\"tables\\"}\\n\'); print(s.makefile().read())"'
)


def test_a_session_has_no_broker_socket_when_the_host_runs_no_broker(sandbox: RemoteSandbox) -> None:
    result = sandbox.run("test -S .connectors/broker.sock && echo socket || echo none")

    assert result.output == b"none\n"


def test_a_connector_request_in_the_session_is_answered_by_the_hosts_broker(
    sandbox: RemoteSandbox, workspace: Path, tmp_path: Path
) -> None:
    source = tmp_path / "AppRequests.jsonl"
    source.write_text('{"TimeGenerated": "2026-03-02T13:30:00Z", "Name": "GET /", "Success": true}\n')
    now = datetime(2026, 3, 2, 14, tzinfo=UTC)
    store = DuckDbLogStore.load({"AppRequests": source}, tmp_path / "host.duckdb", query_now=now)

    with ConnectorBroker(broker_socket_path(workspace), logs=store):
        result = sandbox.run(_ASK_TABLES)

    answer = json.loads(result.output)
    assert answer["ok"] is True
    assert [table["name"] for table in answer["result"]] == ["AppRequests"]


def test_a_session_cannot_replace_the_hosts_broker_socket(sandbox: RemoteSandbox, workspace: Path) -> None:
    with ConnectorBroker(broker_socket_path(workspace), logs=None):
        sandbox.run("rm -f .connectors/broker.sock; echo planted > .connectors/broker.sock; rm -rf .connectors")

        assert broker_socket_path(workspace).is_socket()


def test_changes_past_the_workspace_quota_are_not_kept_on_either_side(
    standin_pool: RemotePool, workspace: Path
) -> None:
    # The session's own quota check only notes a command that passes it; the mirror refuses to take in more
    # than twice the quota, and the session is given the mirror again.
    sandbox = remote_sandbox(standin_pool, workspace, dataclasses.replace(LIMITS, workspace_bytes=256 * 1024))

    result = sandbox.run("head -c 600K /dev/urandom > big")

    assert result.notes[-1].startswith("the command's changes to the workspace were not kept")
    assert not (workspace / "big").exists()
    assert sandbox.run("ls").output == b""


def test_an_export_of_a_path_outside_the_workspace_is_refused(sandbox: RemoteSandbox) -> None:
    sandbox.run("ln -s / root-link")

    for path in ("../../etc/passwd", "root-link/etc/passwd"):
        response = sandbox.client.request(
            "POST",
            "/workspace/export",
            body=json.dumps({"paths": [path]}).encode(),
            headers={"x-sandbox-key": sandbox._key or ""},
        )
        assert (response.status_code, response.json()["kind"]) == (400, "PathOutsideWorkspaceError"), path


def test_a_file_replaced_by_a_folder_and_back_reaches_the_mirror(sandbox: RemoteSandbox, workspace: Path) -> None:
    (workspace / "swap").write_text("file")
    (workspace / "other").mkdir()
    (workspace / "other" / "inside.txt").write_text("x")

    sandbox.run("rm swap && mkdir swap && echo in > swap/x; rm -r other && echo now a file > other")

    assert (workspace / "swap" / "x").read_text() == "in\n"
    assert (workspace / "other").read_text() == "now a file\n"


def _git(*args: str, cwd: Path | None = None) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def _one_commit_source(tmp_path: Path) -> Path:
    """A repository at `tmp_path/source` whose one commit ("first commit") holds app.py."""
    source = tmp_path / "source"
    source.mkdir()
    _git("init", "-q", "-b", "main", cwd=source)
    (source / "app.py").write_text("print('v1')\n")
    _git("add", ".", cwd=source)
    _git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "first commit", cwd=source)
    return source


@pytest.fixture
def shared_clone(tmp_path: Path, workspace: Path) -> Path:
    """repos/service in the workspace as `git clone --shared` makes it: its objects live in the clone cache."""
    source = _one_commit_source(tmp_path)
    cache = tmp_path / "clone-cache" / "service.git"
    _git("clone", "--bare", "-q", str(source), str(cache))
    _git("clone", "--shared", "-q", str(cache), str(workspace / "repos" / "service"))
    return tmp_path / "clone-cache"


def test_a_repository_sharing_the_clone_caches_objects_is_whole_in_the_session(
    standin_pool: RemotePool, workspace: Path, shared_clone: Path
) -> None:
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, shared_objects_within=(shared_clone,))

    result = sandbox.run("git -C repos/service log --format=%s")

    assert (result.exit_code, result.output) == (0, b"first commit\n")


def test_object_stores_outside_the_clone_cache_are_never_uploaded(
    standin_pool: RemotePool, workspace: Path, shared_clone: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "elsewhere" / "objects"
    secret.mkdir(parents=True)
    (secret / "host-secret.txt").write_text("not for the session")
    (workspace / "planted" / "objects" / "info").mkdir(parents=True)
    (workspace / "planted" / "objects" / "info" / "alternates").write_text(f"{secret}\n")
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, shared_objects_within=(shared_clone,))

    result = sandbox.run("find . -name host-secret.txt; cat planted/objects/info/alternates")

    assert result.output == f"{secret}\n".encode(), "the planted file went up as it is, and nothing it names"


@pytest.fixture
def linked_repository(tmp_path: Path, workspace: Path) -> tuple[Path, dict[str, Path]]:
    """repos/service linked to its shared checkout, as a restore makes it; returns the clone cache and the mounts."""
    source = _one_commit_source(tmp_path)
    head = subprocess.run(["git", "-C", str(source), "rev-parse", "HEAD"], capture_output=True, text=True, check=True)
    cache = tmp_path / "clone-cache"
    restore_repository(
        RepoSource(path="repos/service", source=str(source), commit=head.stdout.strip()), workspace, cache
    )
    return cache, linked_checkouts(workspace, checkouts_dir(cache))


def test_a_linked_repository_goes_up_as_the_folder_it_links_to(
    standin_pool: RemotePool, workspace: Path, linked_repository: tuple[Path, dict[str, Path]]
) -> None:
    cache, mounts = linked_repository
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, shared_objects_within=(cache,), read_only=mounts)

    result = sandbox.run("test -d repos/service && ! test -L repos/service && cat repos/service/app.py && "
                         "git -C repos/service log --format=%s")  # fmt: skip

    assert (result.exit_code, result.output) == (0, b"print('v1')\nfirst commit\n"), result.output
    assert sandbox.read_bytes("repos/service/app.py", 0, 100) == b"print('v1')\n"


def test_what_a_session_command_writes_in_a_linked_repository_never_reaches_the_shared_checkout(
    standin_pool: RemotePool, workspace: Path, linked_repository: tuple[Path, dict[str, Path]]
) -> None:
    cache, mounts = linked_repository
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, shared_objects_within=(cache,), read_only=mounts)

    sandbox.run("echo changed > repos/service/app.py; echo new > repos/service/new.py")

    checkout = mounts["repos/service"]
    assert (checkout / "app.py").read_text() == "print('v1')\n"
    assert not (checkout / "new.py").exists()
    assert (workspace / "repos" / "service").is_symlink()


def test_a_symlink_that_is_not_a_linked_repository_goes_up_as_a_symlink(
    standin_pool: RemotePool, workspace: Path, linked_repository: tuple[Path, dict[str, Path]], tmp_path: Path
) -> None:
    cache, mounts = linked_repository
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "host-secret.txt").write_text("not for the session")
    (workspace / "repos" / "other").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    sandbox = remote_sandbox(standin_pool, workspace, LIMITS, shared_objects_within=(cache,), read_only=mounts)

    result = sandbox.run("find . -name host-secret.txt; ls repos")

    assert result.output == b"service\n"


def test_the_next_stages_sandbox_goes_on_with_the_session_when_the_mirror_is_unchanged(
    standin_pool: RemotePool, workspace: Path
) -> None:
    first = remote_sandbox(standin_pool, workspace, LIMITS, identifier="next-stage")
    first.run("echo from the first stage > notes.txt")

    second = remote_sandbox(standin_pool, workspace, LIMITS, identifier="next-stage")
    result = second.run("cat notes.txt")

    assert result.output == b"from the first stage\n"
    assert (first.uploads, second.uploads) == (1, 0)


def test_a_mirror_changed_between_stages_is_uploaded_again(standin_pool: RemotePool, workspace: Path) -> None:
    remote_sandbox(standin_pool, workspace, LIMITS, identifier="changed-between").run("true")
    (workspace / "restored.txt").write_text("put back by the pipeline")

    second = remote_sandbox(standin_pool, workspace, LIMITS, identifier="changed-between")

    assert second.run("cat restored.txt").output == b"put back by the pipeline"
    assert second.uploads == 1


def test_a_remembered_session_that_was_recycled_gets_the_workspace_again(
    standin_pool: RemotePool, workspace: Path
) -> None:
    remote_sandbox(standin_pool, workspace, LIMITS, identifier="recycled-between").run("echo kept > kept.txt")
    standin_pool.pool.recycle("recycled-between")

    second = remote_sandbox(standin_pool, workspace, LIMITS, identifier="recycled-between")

    assert second.run("cat kept.txt").output == b"kept\n"
    assert second.uploads == 1
