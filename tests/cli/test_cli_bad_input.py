"""Bad input to `sre-agent`: one line on stderr naming the problem, exit 2, nothing started, nothing retried.

`USER_ERRORS` lists every user-input failure the CLI knows; each row builds its input in a temp dir
and says which words the one line must contain. "Nothing started" is checked on the data directory:
no investigation state and no report in it (a failed report is what bad input used to leave).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from agentcore.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "scenarios" / "checkout-bad-deploy"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    err = capsys.readouterr().err
    return code, err


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


def git_repo(path: Path, *, commits: int = 1) -> Path:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(path), *args], check=True, capture_output=True)

    path.mkdir(parents=True)
    git("init", "-q")
    for number in range(commits):
        (path / "app.py").write_text(f"VERSION = {number}\n")
        git("add", "app.py")
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", f"change {number}")
    return path


def scenario_copy(tmp: Path, change: Callable[[Path], None]) -> Path:
    scenario = tmp / "scenario"
    shutil.copytree(EXAMPLE, scenario)
    change(scenario)
    return scenario


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


@dataclass(frozen=True)
class UserError:
    name: str
    argv: Callable[[Path], list[str]]
    words: tuple[str, ...]
    environment: Callable[[Path], dict[str, str]] = lambda t: {}


def question(*more: str) -> list[str]:
    return ["investigate", "--question", "why?", *more]


USER_ERRORS = [
    UserError("malformed alert JSON", lambda t: ["investigate", "--alert", str(write(t / "a.json", "{not json"))],
              ("JSON",)),
    UserError("alert without essentials", lambda t: ["investigate", "--alert", str(write(t / "a.json", json.dumps(
        {"schemaId": "azureMonitorCommonAlertSchema", "data": {}})))], ("essentials",)),
    UserError("missing alert file", lambda t: ["investigate", "--alert", str(t / "nope.json")], ("nope.json",)),
    UserError("alert path is a directory", lambda t: ["investigate", "--alert", str(t)], ("--alert", "directory")),
    UserError("blank question", lambda t: ["investigate", "--question", "  "], ("--question",)),
    UserError("unknown model provider", lambda t: question("--model", "frobnicator:big-1"), ("frobnicator",)),
    UserError("model without its key", lambda t: question("--model", "anthropic:claude-sonnet-4-6"),
              ("ANTHROPIC_API_KEY",)),
    UserError("model not provider:model", lambda t: question("--model", "anthropic"), ("provider:model",)),
    UserError("empty model", lambda t: question("--model", ""), ("--model", "empty")),
    UserError("missing repo", lambda t: question("--repo", str(t / "gone")), ("gone", "no such directory")),
    UserError("repo not a git repository", lambda t: question("--repo", str(t)), ("not a git repository",)),
    UserError("empty git repository", lambda t: question("--repo", str(git_repo(t / "fresh", commits=0))),
              ("fresh", "no commits")),
    UserError("same repo twice", lambda t: question("--repo", str(git_repo(t / "svc")), "--repo", f"{t}/svc/"),
              ("svc", "given twice")),
    UserError("two repos with one folder name", lambda t: question(
        "--repo", str(git_repo(t / "a" / "svc")), "--repo", str(git_repo(t / "b" / "svc"))), ("repos/svc",)),
    UserError("data dir is a file", lambda t: question("--data-dir", str(write(t / "f", ""))),
              ("--data-dir", "not a directory")),
    UserError("data dir cannot be created", lambda t: question("--data-dir", str(write(t / "f", "")) + "/sub"),
              ("--data-dir", "cannot create")),
    UserError("data dir not writable", lambda t: question("--data-dir", "/proc"), ("/proc", "cannot write")),
    UserError("data dir from the environment is a file", lambda t: question(),
              ("data directory", "not a directory"), lambda t: {"SRE_AGENT_DATA_DIR": str(write(t / "data", ""))}),
    UserError("missing scenario directory", lambda t: ["investigate", "--scenario", str(t / "nowhere")],
              ("nowhere",)),
    UserError("scenario.json broken", lambda t: ["investigate", "--scenario", str(scenario_copy(t, lambda s: write(
        s / "scenario.json", '{"name": "x", "incident_time": "not a time", "services": []}')))], ("scenario.json",)),
    UserError("scenario.json missing", lambda t: ["investigate", "--scenario", str(scenario_copy(
        t, lambda s: (s / "scenario.json").unlink()))], ("scenario.json", "missing")),
    UserError("scenario alert missing", lambda t: ["investigate", "--scenario", str(scenario_copy(
        t, lambda s: (s / "alert.json").unlink()))], ("alert.json",)),
    UserError("scenario bundle missing", lambda t: ["investigate", "--scenario", str(scenario_copy(
        t, lambda s: (s / "repos" / "checkout.bundle").unlink()))], ("checkout.bundle",)),
    UserError("broken telemetry line", lambda t: ["investigate", "--scenario", str(scenario_copy(t, lambda s: write(
        s / "telemetry" / "AppTraces.jsonl", '{"TimeGenerated": "2026-01-01T00:00:00Z"}\n{broken\n')))],
              ("telemetry/AppTraces.jsonl", "line 2")),
    UserError("serve with a data dir that is a file", lambda t: ["serve", "--port", "0", "--data-dir",
                                                                 str(write(t / "f", ""))], ("--data-dir",)),
    UserError("serve on a port out of range", lambda t: ["serve", "--port", "70000"], ("--port 70000",)),
]  # fmt: skip


@pytest.mark.parametrize("case", USER_ERRORS, ids=[case.name for case in USER_ERRORS])
def test_a_user_error_is_one_line_exit_2_and_starts_nothing(
    case: UserError, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in case.environment(tmp_path).items():
        monkeypatch.setenv(name, value)
    code, err = run_cli(capsys, *case.argv(tmp_path), "--sandbox", "subprocess")
    lines = [line for line in err.splitlines() if line.strip()]
    assert (code, len(lines)) == (2, 1), err
    assert lines[0].startswith("sre-agent: error: ")
    assert all(word in lines[0] for word in case.words), (case.words, lines[0])
    assert not list(tmp_path.rglob("state.json")), "an investigation was started"
    assert not list(tmp_path.rglob("reports")), "a report was written"


def test_a_good_repo_given_once_still_runs_to_a_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    repo = git_repo(tmp_path / "svc", commits=2)
    code, err = run_cli(capsys, *question("--repo", str(repo), "--sandbox", "subprocess"))
    assert code == 0, err
    assert "status: inconclusive" in err
    assert list((tmp_path / "data" / "blobs" / "reports").rglob("*.json"))
