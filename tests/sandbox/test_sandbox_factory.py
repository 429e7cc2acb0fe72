"""Choosing a sandbox, and what happens when bubblewrap is missing or broken."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agentcore.errors import ConfigError, SandboxError
from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox.bubblewrap import BubblewrapSandbox
from agentcore.sandbox.factory import bubblewrap_available, build_sandbox
from agentcore.sandbox.subprocess import SubprocessSandbox


def test_subprocess_sandbox_is_built_on_request_and_warns_it_is_no_boundary(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="agentcore.sandbox.subprocess"):
        sandbox = build_sandbox("subprocess", tmp_path, SandboxLimits())

    assert isinstance(sandbox, SubprocessSandbox)
    assert isinstance(sandbox, Sandbox)
    assert "not a security boundary" in caplog.text


@pytest.mark.bwrap
def test_bubblewrap_sandbox_is_built_on_request(tmp_path: Path) -> None:
    if not bubblewrap_available():
        pytest.skip("bubblewrap (bwrap) is missing or cannot create a sandbox here")

    sandbox = build_sandbox("bubblewrap", tmp_path, SandboxLimits(), env_allowlist=["TZ"])

    assert isinstance(sandbox, BubblewrapSandbox)
    assert sandbox.run("echo ok").output == b"ok\n"


def test_an_unknown_kind_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown sandbox 'docker'"):
        build_sandbox("docker", tmp_path, SandboxLimits())  # type: ignore[arg-type]


def test_a_missing_bwrap_is_a_clear_sandbox_error(tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match=r"bubblewrap was not found.*apt-get install bubblewrap"):
        BubblewrapSandbox(tmp_path, bwrap=str(tmp_path / "no-such-bwrap"))

    assert not bubblewrap_available(str(tmp_path / "no-such-bwrap"))


def test_a_bwrap_that_cannot_build_the_sandbox_is_a_clear_sandbox_error(tmp_path: Path) -> None:
    broken = tmp_path / "bwrap"
    broken.write_text("#!/bin/sh\necho 'bwrap: setting up uid map: Permission denied' >&2\nexit 1\n")
    broken.chmod(0o755)
    workspace = tmp_path / "workspace"
    workspace.mkdir()

    with pytest.raises(SandboxError, match="cannot create a sandbox here: bwrap: setting up uid map"):
        BubblewrapSandbox(workspace, bwrap=str(broken))


def test_the_remote_sandbox_is_chosen_when_the_pool_endpoint_is_set(tmp_path: Path) -> None:
    from agentcore.pipeline.wiring import build_dependencies
    from agentcore.sandbox.factory import RemoteSandboxFactory
    from agentcore.settings import Settings

    settings = Settings(
        data_dir=tmp_path / "data",
        model=None,
        sandbox_pool_endpoint="https://pool.example.westeurope.azurecontainerapps.io",
        command_timeout_s=42.0,
    )

    factory = build_dependencies(settings).sandbox_factory

    assert isinstance(factory, RemoteSandboxFactory)
    assert (factory.endpoint, factory.audience, factory.limits.wall_time_s) == (
        "https://pool.example.westeurope.azurecontainerapps.io",
        "https://dynamicsessions.io",
        42.0,
    )
    factory.http.close()


def test_the_local_sandbox_stays_the_default(tmp_path: Path) -> None:
    from agentcore.pipeline.wiring import build_dependencies
    from agentcore.settings import Settings

    factory = build_dependencies(Settings(data_dir=tmp_path / "data", model=None, sandbox="subprocess")).sandbox_factory

    assert isinstance(factory(tmp_path), SubprocessSandbox)


def test_a_pool_endpoint_that_is_not_https_is_a_config_error() -> None:
    from agentcore.sandbox.factory import RemoteSandboxFactory
    from agentcore.sandbox.server.standin_pool import StaticTokenCredential

    with pytest.raises(ConfigError, match="https"):
        RemoteSandboxFactory("http://pool.example.net", StaticTokenCredential("t"), SandboxLimits())


def test_each_workspace_gets_a_session_named_after_it(tmp_path: Path) -> None:
    from agentcore.sandbox.factory import RemoteSandboxFactory
    from agentcore.sandbox.remote import RemoteSandbox
    from agentcore.sandbox.server.standin_pool import StaticTokenCredential

    factory = RemoteSandboxFactory("https://pool.example.net", StaticTokenCredential("t"), SandboxLimits())
    first, child = tmp_path / "inv-2026-01", tmp_path / "inv-2026-01.child-1"
    first.mkdir()
    child.mkdir()

    sandboxes = [factory(first), factory(child), factory(first)]

    assert all(isinstance(s, RemoteSandbox) for s in sandboxes)
    identifiers = [s.client.identifier for s in sandboxes if isinstance(s, RemoteSandbox)]
    assert identifiers == ["sre-agent-inv-2026-01", "sre-agent-inv-2026-01-child-1", "sre-agent-inv-2026-01"]
    factory.http.close()
