"""The rg process behind a search: stopped when the search is closed early, killed when it runs too long."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agentcore.errors import ToolError
from agentcore.sandbox import Sandbox
from agentcore.sandbox import _ripgrep as ripgrep_module
from agentcore.sandbox._ripgrep import Ripgrep
from agentcore.sandbox.subprocess import SubprocessSandbox
from tests.tools.conftest import FilesOnlySandbox


def _fake_rg(tmp_path: Path, body: str) -> str:
    script = tmp_path / "fake-rg"
    script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    script.chmod(0o755)
    return str(script)


def test_closing_a_search_early_ends_the_rg_process(tmp_path: Path, workspace: Path) -> None:
    pid_file = tmp_path / "pid"
    fake = _fake_rg(tmp_path, f"echo $$ > {pid_file}; printf 'first\\0'; exec sleep 60")
    search = Ripgrep(fake, str(workspace)).files_containing(".", "x", ignore_case=False, skip_dirs=())

    assert next(search) == "first"
    search.close()

    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text(encoding="utf-8")), 0)


def test_a_search_that_runs_past_the_timeout_is_a_tool_error(
    tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ripgrep_module, "TIMEOUT_S", 0.2)
    fake = _fake_rg(tmp_path, "exec sleep 60")

    with pytest.raises(ToolError, match="took longer than"):
        list(Ripgrep(fake, str(workspace)).files_containing(".", "x", ignore_case=False, skip_dirs=()))


def test_the_search_text_reaches_rg_as_an_argument_after_its_options(tmp_path: Path, workspace: Path) -> None:
    (workspace / "dash.txt").write_text("--files\n", encoding="utf-8")
    (workspace / "other.txt").write_text("-e\n", encoding="utf-8")
    sandbox = FilesOnlySandbox(workspace)

    assert list(sandbox.files_containing(".", "--files")) == ["dash.txt"]
    assert list(sandbox.files_containing(".", "-E", ignore_case=True)) == ["other.txt"]


def test_the_subprocess_sandbox_walks_and_searches_through_the_port(workspace: Path) -> None:
    (workspace / "b.txt").write_text("needle\n", encoding="utf-8")
    (workspace / "a").mkdir()
    (workspace / "a" / "c.txt").write_text("hay\n", encoding="utf-8")
    sandbox: Sandbox = SubprocessSandbox(workspace)

    assert list(sandbox.list_files(".")) == ["a/c.txt", "b.txt"]
    assert list(sandbox.files_containing(".", "needle")) == ["b.txt"]


def test_an_error_rg_reports_is_a_tool_error_not_an_empty_answer(tmp_path: Path, workspace: Path) -> None:
    fake = _fake_rg(tmp_path, "echo 'regex parse error' >&2; exit 2")

    with pytest.raises(ToolError, match="regex parse error"):
        list(Ripgrep(fake, str(workspace)).files_containing(".", "x", ignore_case=True, skip_dirs=()))
