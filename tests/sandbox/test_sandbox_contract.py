"""The Sandbox port's contract, run against every adapter: one set of behaviours for each.

`remote` is RemoteSandbox against the real sandbox server on loopback, behind the stand-in pool (which only
routes by session identifier and checks a static token; see tests/remote_sandbox_fixture.py); the server runs
commands under bubblewrap where it can, and under the subprocess sandbox in `remote-subprocess`. All remote
tests share one session, as the stages of one investigation would: each sandbox uploads its workspace anew.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox._command_cgroup import caps
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.quota import WorkspaceQuotaError
from agentcore.sandbox.subprocess import SubprocessSandbox
from tests.remote_sandbox_fixture import remote_sandbox

LIMITS = SandboxLimits(
    wall_time_s=5.0,
    cpu_time_s=1,
    memory_bytes=1024**3,
    file_size_bytes=1024**2,
    max_processes=64,
    output_bytes=64 * 1024,
)

MakeSandbox = Callable[..., Sandbox]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    return root


@pytest.fixture(params=["subprocess", "bubblewrap", "remote", "remote-subprocess"])
def make_sandbox(request: pytest.FixtureRequest, workspace: Path) -> MakeSandbox:
    if request.param == "bubblewrap" and not bubblewrap_available():
        pytest.skip("bubblewrap (bwrap) is missing or cannot create a sandbox here")

    def make(limits: SandboxLimits = LIMITS, env_allowlist: Sequence[str] = ()) -> Sandbox:
        if request.param == "bubblewrap":
            return BubblewrapSandbox(workspace, limits, env_allowlist=env_allowlist)
        if request.param.startswith("remote"):
            pool = request.getfixturevalue("standin_pool" if request.param == "remote" else "standin_pool_subprocess")
            return remote_sandbox(pool, workspace, limits, identifier="contract", env_allowlist=tuple(env_allowlist))
        return SubprocessSandbox(workspace, limits, env_allowlist=env_allowlist)

    return make


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> Sandbox:
    return make_sandbox()


def test_adapter_satisfies_the_port(sandbox: Sandbox) -> None:
    assert isinstance(sandbox, Sandbox)


def test_exit_code_is_kept(sandbox: Sandbox) -> None:
    result = sandbox.run("echo partial; exit 7")

    assert (result.exit_code, result.output, result.limit_hit, result.timed_out) == (7, b"partial\n", None, False)


def test_stdout_and_stderr_are_interleaved_in_order(sandbox: Sandbox) -> None:
    result = sandbox.run("echo one; echo two >&2; echo three")

    assert result.exit_code == 0
    assert result.output == b"one\ntwo\nthree\n"


def test_output_beyond_the_cap_is_counted_but_not_kept(sandbox: Sandbox) -> None:
    result = sandbox.run("head -c 200000 /dev/zero")

    assert result.exit_code == 0
    assert len(result.output) == LIMITS.output_bytes
    assert result.output_bytes_total == 200_000
    assert result.output_truncated


def test_a_gibibyte_of_output_is_counted_while_only_the_cap_is_kept(make_sandbox: MakeSandbox) -> None:
    # Copying 1 GiB takes real CPU time; this test is about counting versus keeping, not CPU limits.
    roomy = dataclasses.replace(LIMITS, cpu_time_s=20, wall_time_s=60.0)
    result = make_sandbox(roomy).run("head -c 1G /dev/zero")

    assert result.exit_code == 0
    assert result.output_bytes_total == 1024**3
    assert len(result.output) == LIMITS.output_bytes
    assert result.output_truncated
    assert result.duration_s < roomy.wall_time_s


def test_wall_clock_timeout_ends_the_command(sandbox: Sandbox) -> None:
    result = sandbox.run("echo before; sleep 30", timeout_s=0.5)

    assert result.timed_out
    assert result.limit_hit == "wall_time"
    assert result.exit_code is None
    assert result.output == b"before\n"
    assert result.duration_s < 3


def test_a_timeout_longer_than_the_wall_limit_is_capped(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(SandboxLimits(wall_time_s=0.5))

    result = sandbox.run("sleep 30", timeout_s=60)

    assert result.limit_hit == "wall_time"
    assert result.duration_s < 3


def test_a_timeout_that_is_not_positive_is_refused(sandbox: Sandbox) -> None:
    with pytest.raises(ToolError, match="positive"):
        sandbox.run("true", timeout_s=0)


def test_timeout_kills_the_whole_process_group(sandbox: Sandbox, workspace: Path) -> None:
    result = sandbox.run("(touch started; sleep 0.5; touch survivor) & sleep 30", timeout_s=0.3)
    time.sleep(1.0)

    assert result.limit_hit == "wall_time"
    assert (workspace / "started").exists()
    assert not (workspace / "survivor").exists()


def test_background_children_do_not_outlive_the_command(sandbox: Sandbox, workspace: Path) -> None:
    result = sandbox.run("(touch started; sleep 0.5; touch survivor) & sleep 0.2")
    time.sleep(1.0)

    assert result.exit_code == 0
    assert (workspace / "started").exists()
    assert not (workspace / "survivor").exists()


def test_cpu_limit_ends_a_busy_loop(sandbox: Sandbox) -> None:
    result = sandbox.run("while :; do :; done")

    assert result.limit_hit == "cpu_time"
    assert result.exit_code == 128 + 24  # SIGXCPU, as a shell reports it
    assert not result.timed_out
    assert result.duration_s < LIMITS.wall_time_s


def test_file_size_limit_stops_a_big_write(sandbox: Sandbox, workspace: Path) -> None:
    result = sandbox.run("head -c 2M /dev/zero > big")

    assert result.limit_hit == "file_size"
    assert (workspace / "big").stat().st_size <= LIMITS.file_size_bytes


def test_memory_limit_refuses_a_big_allocation(sandbox: Sandbox) -> None:
    result = sandbox.run(f"{sys.executable} -c 'bytearray(2 * 1024**3)'")

    assert result.exit_code == 1
    assert b"MemoryError" in result.output


def test_environment_holds_only_allowlisted_variables(
    make_sandbox: MakeSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SRE_SANDBOX_TEST_SECRET", "secret-value-4711")
    monkeypatch.setenv("SRE_SANDBOX_TEST_ALLOWED", "allowed-value")
    sandbox = make_sandbox(env_allowlist=["SRE_SANDBOX_TEST_ALLOWED"])

    result = sandbox.run("env")

    assert result.exit_code == 0
    assert b"SRE_SANDBOX_TEST_ALLOWED=allowed-value" in result.output
    assert b"secret-value-4711" not in result.output
    names = {line.split(b"=", 1)[0] for line in result.output.splitlines()}
    assert names <= {b"PATH", b"HOME", b"LANG", b"TZ", b"SRE_SANDBOX_TEST_ALLOWED", b"PWD", b"SHLVL", b"_"}


def test_workspace_bin_comes_first_on_path(sandbox: Sandbox, workspace: Path) -> None:
    script = workspace / "bin" / "workspace-tool"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\necho from workspace bin\n")
    script.chmod(0o755)

    result = sandbox.run("workspace-tool")

    assert (result.exit_code, result.output) == (0, b"from workspace bin\n")


def test_commands_run_at_the_workspace_root_by_default(sandbox: Sandbox, workspace: Path) -> None:
    (workspace / "at-root.txt").write_text("x")

    assert sandbox.run("ls").output == b"at-root.txt\n"


@pytest.mark.parametrize("cwd", ["sub", "sub/", "./sub", "/workspace/sub"])
def test_cwd_inside_the_workspace_is_used(sandbox: Sandbox, workspace: Path, cwd: str) -> None:
    (workspace / "sub").mkdir()
    (workspace / "sub" / "in-sub.txt").write_text("x")

    result = sandbox.run("ls; pwd", cwd=cwd)

    listed, pwd = result.output.splitlines()
    assert listed == b"in-sub.txt"
    assert pwd.endswith(b"/sub")


@pytest.mark.parametrize("cwd", ["..", "../workspace", "sub/../..", "/etc", "/workspace/..", "link-out"])
def test_cwd_leaving_the_workspace_is_refused(sandbox: Sandbox, workspace: Path, cwd: str) -> None:
    (workspace / "sub").mkdir()
    (workspace / "link-out").symlink_to(workspace.parent)

    with pytest.raises(PathOutsideWorkspaceError):
        sandbox.run("touch escaped", cwd=cwd)
    assert not (workspace.parent / "escaped").exists()


def test_cwd_that_does_not_exist_is_a_tool_error(sandbox: Sandbox) -> None:
    with pytest.raises(ToolError, match="no such directory"):
        sandbox.run("true", cwd="missing")


def test_files_written_by_commands_and_file_operations_are_the_same_files(sandbox: Sandbox) -> None:
    sandbox.write_bytes("notes/from-tool.txt", b"written by the tool\n")

    result = sandbox.run("cat notes/from-tool.txt; echo written by the shell > outputs.txt")

    assert result.output == b"written by the tool\n"
    assert sandbox.read_bytes("outputs.txt", 0, 100) == b"written by the shell\n"


_HOG = "import sys, time\nhog = b'x' * (600 * 1024**2)\nopen(f'allocated-{sys.argv[1]}', 'w').close()\ntime.sleep(3)\n"
"""Touches 600 MB (bytes filled in, not a lazy allocation), says so, and holds it for a while."""


@pytest.mark.skipif(not caps("memory"), reason="no writable memory cgroup here: memory is capped per process only")
def test_memory_of_the_command_and_its_children_together_is_capped(make_sandbox: MakeSandbox, workspace: Path) -> None:
    # Each process alone fits under the 1 GiB address-space rlimit; only a cap on their sum stops four.
    (workspace / "hog.py").write_text(_HOG)
    roomy = dataclasses.replace(LIMITS, cpu_time_s=20, wall_time_s=30.0, memory_bytes=1024**3)

    result = make_sandbox(roomy).run(f"for i in 1 2 3 4; do {sys.executable} hog.py $i & done; wait; echo all done")

    assert result.limit_hit == "memory"
    assert result.exit_code is None
    assert b"all done" not in result.output
    assert result.notes == ("command killed: memory limit 1 GiB for the command and its children",)
    assert len(list(workspace.glob("allocated-*"))) < 4


def test_a_command_within_its_memory_cap_is_not_reported(make_sandbox: MakeSandbox) -> None:
    result = make_sandbox().run(f"{sys.executable} -c \"hog = b'x' * (100 * 1024**2)\"")

    assert (result.exit_code, result.limit_hit, result.notes) == (0, None, ())


def test_a_command_that_grows_the_workspace_past_its_quota_is_told_so(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(dataclasses.replace(LIMITS, workspace_bytes=512 * 1024))

    result = sandbox.run("mkdir -p outputs && head -c 800K /dev/zero > outputs/big")

    assert result.exit_code == 0
    assert result.notes == (
        "workspace over quota: it now holds 800 KiB, over its quota of 512 KiB (largest: outputs/ 800 KiB); "
        "delete what you do not need (e.g. `rm` big files you made), or the workspace cannot be checkpointed "
        "and further writes are refused",
    )


def test_a_command_within_the_workspace_quota_gets_no_note(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(dataclasses.replace(LIMITS, workspace_bytes=512 * 1024))

    assert sandbox.run("head -c 100K /dev/zero > small").notes == ()


def test_a_write_past_the_workspace_quota_is_refused(make_sandbox: MakeSandbox, workspace: Path) -> None:
    sandbox = make_sandbox(dataclasses.replace(LIMITS, workspace_bytes=1000))
    (workspace / "notes").mkdir()
    (workspace / "notes" / "old.md").write_bytes(b"x" * 600)

    with pytest.raises(
        WorkspaceQuotaError, match=r"notes/new\.md: writing 500 bytes would bring the workspace to 1.1 KiB"
    ):
        sandbox.write_bytes("notes/new.md", b"y" * 500)
    assert not (workspace / "notes" / "new.md").exists()


def test_replacing_a_file_counts_only_its_growth_against_the_quota(make_sandbox: MakeSandbox, workspace: Path) -> None:
    sandbox = make_sandbox(dataclasses.replace(LIMITS, workspace_bytes=1000))
    (workspace / "notes").mkdir()
    (workspace / "notes" / "plan.md").write_bytes(b"x" * 900)

    sandbox.write_bytes("notes/plan.md", b"y" * 950)

    assert (workspace / "notes" / "plan.md").read_bytes() == b"y" * 950
