"""`load_scenario` returns a scenario loaded before in the process while none of its files changed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agentcore.scenarios import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


def scenario_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "scenario"
    shutil.copytree(EXAMPLE, copy)
    return copy


def test_an_unchanged_scenario_is_not_read_again(tmp_path: Path) -> None:
    directory = scenario_copy(tmp_path)
    assert load_scenario(directory) is load_scenario(directory)


def test_a_changed_file_is_read_again(tmp_path: Path) -> None:
    directory = scenario_copy(tmp_path)
    first = load_scenario(directory)
    spec = json.loads((directory / "scenario.json").read_text())
    (directory / "scenario.json").write_text(json.dumps({**spec, "description": "rewritten, and longer than before"}))
    second = load_scenario(directory)
    assert second.description == "rewritten, and longer than before"
    assert first.description != second.description


def test_a_removed_file_is_noticed(tmp_path: Path) -> None:
    directory = scenario_copy(tmp_path)
    assert "AppTraces" in load_scenario(directory).telemetry
    (directory / "telemetry" / "AppTraces.jsonl").unlink()
    assert "AppTraces" not in load_scenario(directory).telemetry


def test_a_scenario_with_a_symlinked_directory_is_always_read_again(tmp_path: Path) -> None:
    directory = scenario_copy(tmp_path)
    (directory / "memory").rename(directory / "notes")
    (directory / "memory").symlink_to(directory / "notes")
    assert load_scenario(directory) is not load_scenario(directory)
