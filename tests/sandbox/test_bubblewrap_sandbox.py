"""The bubblewrap boundary: network, environment, filesystem, processes. Real bwrap, no mocks."""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.sandbox import SandboxLimits
from agentcore.sandbox._process import process_cap
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.subprocess import SubprocessSandbox

pytestmark = [
    pytest.mark.bwrap,
    pytest.mark.skipif(
        not bubblewrap_available(), reason="bubblewrap (bwrap) is missing or cannot create a sandbox here"
    ),
]

LIMITS = SandboxLimits(wall_time_s=5.0, cpu_time_s=2, max_processes=64, output_bytes=256 * 1024)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture
def sandbox(workspace: Path) -> BubblewrapSandbox:
    return BubblewrapSandbox(workspace, LIMITS)


@pytest.fixture
def loopback_server() -> Iterator[socket.socket]:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def _connect_from_shell(port: int) -> str:
    return f"if exec 3<>/dev/tcp/127.0.0.1/{port}; then echo CONNECTED; else echo REFUSED; fi"


def test_the_hosts_loopback_server_is_unreachable(
    sandbox: BubblewrapSandbox, workspace: Path, loopback_server: socket.socket
) -> None:
    port = loopback_server.getsockname()[1]
    # Control: without the boundary the same command reaches the server, so the probe itself works.
    control = SubprocessSandbox(workspace, LIMITS).run(_connect_from_shell(port))
    assert control.output.endswith(b"CONNECTED\n")
    loopback_server.accept()[0].close()

    result = sandbox.run(_connect_from_shell(port))

    assert result.output.endswith(b"REFUSED\n")
    with pytest.raises(BlockingIOError):
        loopback_server.accept()


def test_only_a_private_loopback_interface_exists(sandbox: BubblewrapSandbox) -> None:
    result = sandbox.run("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' '")

    assert (result.exit_code, result.output) == (0, b"lo\n")


def test_a_secret_in_the_agents_environment_is_invisible(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = f"secret-{uuid.uuid4().hex}"
    monkeypatch.setenv("SRE_AGENT_TEST_SECRET", secret)
    monkeypatch.setenv("SRE_AGENT_TEST_ALLOWED", "allowed-marker")
    sandbox = BubblewrapSandbox(workspace, LIMITS, env_allowlist=["SRE_AGENT_TEST_ALLOWED"])

    result = sandbox.run(  # the section mark is built at run time, so no cmdline holds it
        "mark=SECTION; env; echo @@$mark; tr '\\0' '\\n' < /proc/$PPID/environ; "
        "echo @@$mark; cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline | tr '\\0' '\\n'"
    )

    own, parent, everything = result.output.split(b"@@SECTION\n")
    assert b"SRE_AGENT_TEST_ALLOWED=allowed-marker" in own
    assert b"PATH=" in parent  # the parent's environ was read: bwrap's own, scrubbed one
    assert b"SRE_AGENT_TEST_ALLOWED=allowed-marker" in everything  # ... and so were the others
    assert secret.encode() not in result.output


def test_nothing_outside_the_workspace_can_be_written(sandbox: BubblewrapSandbox, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("original")
    targets = [
        "/usr/probe",
        "/etc/probe",
        "/dev/probe",
        "/probe",
        "/home/probe",
        str(outside),
        "/workspace/../outside.txt",
    ]

    result = sandbox.run("; ".join(f"echo pwned > {t} && echo WROTE {t}" for t in targets))

    assert b"WROTE" not in result.output
    assert outside.read_text() == "original"
    assert not Path("/usr/probe").exists()
    assert not Path("/etc/probe").exists()


def test_tmp_inside_is_private(sandbox: BubblewrapSandbox) -> None:
    # Only mount points of read-only binds (a venv under /tmp, say) may appear in the private /tmp.
    host_file = Path("/tmp") / f"sre-agent-host-{uuid.uuid4().hex}"
    host_file.write_text("host secret\n")
    name = f"sre-agent-sandbox-test-{uuid.uuid4().hex}"
    try:
        result = sandbox.run(f"ls -A /tmp; echo inside > /tmp/{name} && cat /tmp/{name}")
    finally:
        host_file.unlink()

    assert result.exit_code == 0
    assert result.output.endswith(b"inside\n")
    assert host_file.name.encode() not in result.output
    assert not (Path("/tmp") / name).exists()


def test_a_read_only_bind_under_the_hosts_tmp_stays_visible_over_the_private_tmp(
    workspace: Path, tmp_path: Path
) -> None:
    # A clone (and its venv) may live under /tmp, as CI's does: the private /tmp must not hide it.
    package = tmp_path / "package-under-tmp"
    package.mkdir()
    (package / "marker.txt").write_text("visible\n")
    assert str(package).startswith("/tmp/"), "the test needs a bind source under /tmp"
    sandbox = BubblewrapSandbox(workspace, LIMITS, extra_ro_binds=(package,))

    result = sandbox.run(f"cat {package}/marker.txt; ls /tmp | wc -l")

    assert result.exit_code == 0
    assert result.output.decode().startswith("visible\n")


def test_writes_inside_the_workspace_reach_the_host(sandbox: BubblewrapSandbox, workspace: Path) -> None:
    result = sandbox.run("mkdir -p notes && echo from the sandbox > notes/plan.md")

    assert result.exit_code == 0
    written = workspace / "notes" / "plan.md"
    assert written.read_text() == "from the sandbox\n"
    assert written.stat().st_uid == os.getuid()


def test_the_project_tree_and_roots_home_are_not_visible(sandbox: BubblewrapSandbox) -> None:
    project = Path(__file__).resolve().parents[2]
    hidden = [Path(__file__).resolve(), project / "pyproject.toml", *Path("/root").glob("*")]
    hidden = [p for p in hidden if ".pyenv" not in p.parts and not p.is_relative_to(project / ".venv")]

    result = sandbox.run("; ".join(f"test -e '{p}' && echo VISIBLE '{p}'" for p in hidden) + "; true")

    assert result.output == b""


def test_proc_shows_only_the_sandboxes_processes(sandbox: BubblewrapSandbox) -> None:
    result = sandbox.run(f"ls /proc | grep -c '^[0-9]'; test -d /proc/{os.getpid()} && echo AGENT-VISIBLE")

    assert b"AGENT-VISIBLE" not in result.output
    assert int(result.output.split()[0]) <= 5


def test_commands_run_without_capabilities_as_an_unprivileged_user(sandbox: BubblewrapSandbox) -> None:
    result = sandbox.run("id -u; grep CapEff /proc/self/status")

    assert result.output.split() == [b"1000", b"CapEff:", b"0000000000000000"]


def test_a_process_that_left_the_group_still_dies_with_the_command(sandbox: BubblewrapSandbox, workspace: Path) -> None:
    result = sandbox.run("setsid sh -c 'touch started; sleep 0.5; touch survivor' & sleep 30", timeout_s=0.3)
    time.sleep(1.0)

    assert result.limit_hit == "wall_time"
    assert (workspace / "started").exists()
    assert not (workspace / "survivor").exists()


@pytest.mark.skipif(process_cap() == "none", reason="no process cap here: root without a writable pids cgroup")
@pytest.mark.parametrize(
    "bomb", [":(){ :|:& };:; sleep 30", "python3 -c 'import os\nwhile True: os.fork()'"], ids=["bash", "python"]
)
def test_a_fork_bomb_ends_within_the_limits(sandbox: BubblewrapSandbox, bomb: str) -> None:
    result = sandbox.run(bomb)

    # With a pids cgroup the refused fork ends the command at once; RLIMIT_NPROC (non-root) only
    # refuses the forks, so a bomb that keeps retrying runs into the wall-clock limit.
    assert result.limit_hit == ("processes" if process_cap() == "cgroup" else "wall_time")
    if process_cap() == "cgroup":
        assert result.notes == ("command killed: process limit 64 for the command and its children",)
    assert result.exit_code is None
    assert result.duration_s < LIMITS.wall_time_s + 1


def test_the_sandboxes_init_names_no_host_path(sandbox: BubblewrapSandbox, workspace: Path) -> None:
    # /proc/1 inside is bwrap's own init: its argv, environment and cwd are what a command can read of it.
    result = sandbox.run("cat /proc/1/cmdline /proc/1/environ; readlink /proc/1/cwd; env")

    assert result.exit_code == 0
    assert str(workspace).encode() not in result.output
    assert str(workspace.parent).encode() not in result.output
    assert b"PWD=/workspace\n" in result.output


def test_the_descriptor_holding_bwraps_arguments_is_not_open_in_the_command(sandbox: BubblewrapSandbox) -> None:
    result = sandbox.run("ls -l /proc/self/fd/ /proc/1/fd/ 2>&1")

    assert result.exit_code == 0
    assert b"bwrap-args" not in result.output


def test_bwrap_seen_from_the_host_names_no_host_path(sandbox: BubblewrapSandbox, workspace: Path) -> None:
    marker = f"marker-{uuid.uuid4().hex}"
    running = threading.Thread(target=sandbox.run, args=(f"sleep 3 # {marker}",))
    running.start()
    try:
        seen = _processes_mentioning(marker, within_s=2.0)
    finally:
        running.join()

    assert seen, "the sandboxed command was not found among the host's processes"
    for cmdline, environ in seen:
        assert str(workspace.parent) not in cmdline
        assert str(workspace.parent) not in environ


def _processes_mentioning(marker: str, within_s: float) -> list[tuple[str, str]]:
    """(argv, environment) of the host's processes whose argv holds `marker`, once bwrap runs the command."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        found = []
        for process in Path("/proc").glob("[0-9]*"):
            try:
                cmdline = (process / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                environ = (process / "environ").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmdline and process.name != str(os.getpid()):
                found.append((cmdline, environ))
        if any("bwrap" in cmdline for cmdline, _ in found):
            return found
        time.sleep(0.05)
    return []
