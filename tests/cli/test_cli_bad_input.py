"""Bad input to `sre-agent`: one clear line on stderr naming the problem, a non-zero exit, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


def assert_one_clear_line(err: str, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for word in words:
        assert word in lines[0]


@pytest.fixture(autouse=True)
def _no_model_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "SRE_AGENT_MODEL",
        "SRE_AGENT_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SRE_AGENT_DATA_DIR", str(tmp_path / "data"))


def test_a_malformed_alert_file_is_one_line_naming_the_problem(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    alert = tmp_path / "alert.json"
    alert.write_text("{not json")
    code, err = run_cli(capsys, "investigate", "--alert", str(alert))
    assert code == 2
    assert_one_clear_line(err, "sre-agent: error:", "JSON")


def test_an_alert_without_essentials_names_the_missing_part(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    alert = tmp_path / "alert.json"
    alert.write_text(json.dumps({"schemaId": "azureMonitorCommonAlertSchema", "data": {}}))
    code, err = run_cli(capsys, "investigate", "--alert", str(alert))
    assert code == 2
    assert_one_clear_line(err, "essentials")


def test_a_missing_alert_file_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run_cli(capsys, "investigate", "--alert", str(tmp_path / "nope.json"))
    assert code == 2
    assert_one_clear_line(err, "nope.json")


def test_an_unknown_model_provider_is_a_configuration_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(capsys, "investigate", "--question", "why?", "--model", "frobnicator:big-1")
    assert code == 2
    assert_one_clear_line(err, "frobnicator")


def test_a_provider_without_its_key_says_what_to_set(capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run_cli(capsys, "investigate", "--question", "why?", "--model", "anthropic:claude-sonnet-4-6")
    assert code == 2
    assert_one_clear_line(err, "ANTHROPIC_API_KEY")


def test_a_missing_repo_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run_cli(capsys, "investigate", "--question", "why?", "--repo", str(tmp_path / "gone"))
    assert code == 2
    assert_one_clear_line(err, "gone")


def test_a_directory_that_is_not_a_git_repo_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    code, err = run_cli(capsys, "investigate", "--question", "why?", "--repo", str(tmp_path / "plain"))
    assert code == 2
    assert_one_clear_line(err, "not a git repository")


def test_a_missing_scenario_directory_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, err = run_cli(capsys, "investigate", "--scenario", str(tmp_path / "nowhere"))
    assert code == 2
    assert_one_clear_line(err, "nowhere")


def test_a_scenario_with_a_broken_file_names_the_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    scenario = tmp_path / "broken"
    scenario.mkdir()
    (scenario / "scenario.json").write_text('{"name": "x", "incident_time": "not a time", "services": []}')
    (scenario / "alert.json").write_text("{}")
    code, err = run_cli(capsys, "investigate", "--scenario", str(scenario))
    assert code == 2
    assert_one_clear_line(err, "scenario.json")
