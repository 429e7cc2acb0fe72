"""The one git runner: nothing of the user's or the repository's config runs, failures are GitErrors."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from agentcore.errors import AgentCoreError
from agentcore.git import GitError, git_output_head, run_git

IDENTITY = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x"}


def plain_git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """git as a user's shell runs it: their environment, their config."""
    done = subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env or dict(os.environ)
    )
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with two commits on main, made without any user config."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    for name, value in IDENTITY.items():
        monkeypatch.setenv(name, value)
    repo = tmp_path / "repo"
    repo.mkdir()
    plain_git(repo, "init", "-q", "-b", "main")
    for n in range(2):
        (repo / "app.py").write_text(f"VERSION = {n}\n")
        plain_git(repo, "add", ".")
        plain_git(repo, "commit", "-qm", f"version {n}")
    return repo


def marker_script(path: Path, marker: Path) -> Path:
    path.write_text(f"#!/bin/sh\necho ran >> {marker}\n")
    path.chmod(0o755)
    return path


def test_a_hook_from_the_users_global_config_is_not_run(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hooks = tmp_path / "user-hooks"
    hooks.mkdir()
    marker = tmp_path / "hook-ran"
    marker_script(hooks / "post-checkout", marker)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(f"[core]\n\thooksPath = {hooks}\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL")
    plain_git(repo, "checkout", "-q", "--detach", "HEAD~1")
    assert marker.is_file(), "the user's git runs the global hook: the test's setup is live"
    marker.unlink()

    run_git(repo, "checkout", "-q", "--detach", "main")

    assert not marker.exists()
    assert run_git(repo, "rev-parse", "HEAD") == run_git(repo, "rev-parse", "main")


def test_a_hook_inside_the_repository_is_not_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "hook-ran"
    marker_script(repo / ".git" / "hooks" / "post-checkout", marker)

    run_git(repo, "checkout", "-q", "--detach", "HEAD~1")

    assert not marker.exists()


def test_an_fsmonitor_in_the_repositorys_config_is_not_run(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "fsmonitor-ran"
    monitor = marker_script(tmp_path / "monitor.sh", marker)
    plain_git(repo, "config", "core.fsmonitor", str(monitor))
    plain_git(repo, "status", "--short")
    assert marker.is_file(), "plain git runs the repository's fsmonitor: the test's setup is live"
    marker.unlink()

    run_git(repo, "status", "--short")

    assert not marker.exists()


def test_an_alias_from_the_users_global_config_is_unknown(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "user.gitconfig"
    config.write_text("[alias]\n\tlast = log -1\n")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(config))
    assert "version 1" in plain_git(repo, "last")

    with pytest.raises(GitError):
        run_git(repo, "last")


def test_a_network_transport_is_refused_before_any_connection(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="transport 'https' not allowed"):
        run_git(None, "ls-remote", "https://example.invalid/repo.git")


def test_a_failure_is_a_git_error_naming_the_subcommand_and_gits_complaint(repo: Path) -> None:
    with pytest.raises(GitError) as raised:
        run_git(repo, "rev-parse", "--verify", "no-such-branch")

    assert isinstance(raised.value, AgentCoreError)
    assert raised.value.returncode == 128
    assert str(raised.value).startswith(f"git rev-parse failed in {repo}: fatal: ")
    assert raised.value.stderr.startswith("fatal: ")


def test_an_accepted_exit_code_is_not_a_failure(repo: Path) -> None:
    assert run_git(repo, "diff", "--quiet", "HEAD~1", "HEAD", ok_codes=(0, 1)) == ""


def test_stdin_reaches_git(repo: Path) -> None:
    output = run_git(repo, "cat-file", "--batch-check", stdin="main\nnope\n")

    assert output.splitlines()[1] == "nope missing"


def test_output_beyond_the_cap_is_refused(repo: Path) -> None:
    with pytest.raises(GitError, match="wrote more than 10 bytes"):
        run_git(repo, "log", max_output_bytes=10)


def test_a_command_past_its_timeout_is_ended_with_its_children(repo: Path) -> None:
    with pytest.raises(GitError, match="took longer than 0.3 s") as raised:
        run_git(repo, "-c", "alias.slow=!sleep 30", "slow", timeout_s=0.3)

    assert raised.value.timed_out


def test_the_head_of_a_long_output_is_kept_and_every_line_counted(repo: Path) -> None:
    lines, total = git_output_head(repo, "log", "--format=%s", max_lines=1)

    assert (lines, total) == (["version 1"], 2)
