"""An investigation from scenario to stored report, on the embedded default, in both modes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from agentcore.cli import main
from agentcore.models import ModelRequest, ModelResponse
from agentcore.pipeline import InvestigationOutcome, InvestigationRequest, run_investigation
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.reports import EVIDENCE_ONLY_BANNER, load_report
from agentcore.sandbox.factory import bubblewrap_available
from agentcore.scenarios import load_scenario
from agentcore.settings import Settings
from agentcore.testing import ScriptedModel, call, calls, reply

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", model=None, sandbox="bubblewrap")


def investigate(settings: Settings, **overrides: Any) -> InvestigationOutcome:
    request = InvestigationRequest.from_cli(scenario=EXAMPLE, alert_file=None, question=None, repos=[])
    with override(**overrides):
        return run_investigation(request, build_dependencies(settings))


def test_evidence_only_mode_ranks_the_true_culprit_first_and_says_no_agent_reasoned(settings: Settings) -> None:
    outcome = investigate(settings, model=None)
    truth = load_scenario(EXAMPLE).truth
    assert truth is not None
    assert truth.culprit is not None
    report = outcome.report
    assert report.mode == "evidence-only"
    assert report.status == "inconclusive"
    assert report.root_cause is None
    assert report.suspects[0].commit == truth.culprit.commit
    assert outcome.markdown.splitlines()[0] == EVIDENCE_ONLY_BANNER.splitlines()[0]
    assert report.summary.startswith("No agent reasoned")


def test_the_report_is_stored_as_json_and_markdown_under_the_dated_path(settings: Settings) -> None:
    outcome = investigate(settings, model=None)
    day = outcome.report.started_at
    expected = settings.data_dir / "blobs" / "reports" / f"{day:%Y/%m/%d}" / f"{outcome.report.id}.json"
    assert Path(outcome.report_path_json) == expected
    assert Path(outcome.report_path_md).read_text().startswith(EVIDENCE_ONLY_BANNER.splitlines()[0])
    stored = load_report(build_dependencies(settings).blob_store, f"reports/{day:%Y/%m/%d}/{outcome.report.id}.json")
    assert stored == outcome.report


def test_the_truth_never_enters_the_workspace(settings: Settings) -> None:
    outcome = investigate(settings, model=None)
    assert not list(outcome.workspace.rglob("truth.json"))
    culprit_note = "coupons: accept marketing campaign codes' which"
    assert all(culprit_note not in p.read_text(errors="ignore") for p in outcome.workspace.rglob("*.md"))


def _child(request: ModelRequest) -> ModelResponse:
    hypothesis = request.messages[0].content
    verdict = "confirmed" if "coupon" in hypothesis else "refuted"
    return reply(json.dumps({"verdict": verdict, "answer": f"{verdict}: {hypothesis[:40]}", "confidence": 0.8}))


CONCLUSION = {
    "title": "SPRING26 coupons crash checkout",
    "status": "completed",
    "summary": "Release 1.5.0 made campaign coupons without an end date raise TypeError.",
    "root_cause": {"statement": "8a33d36 sets expires_at=None for open campaigns", "category": "code-defect",
                   "confidence": 0.9},
    "evidence": [{"claim": "TypeError is new", "source": {"kind": "log_query", "ref": "AppExceptions | summarize"},
                  "excerpt": "TypeError 31"}],
    "hypotheses": [{"statement": "the coupon change broke checkout", "status": "confirmed", "evidence": [0]}],
    "mitigations": [{"action": "roll back to 1.4.0", "risk": "low", "automated": False}],
    "recommendation": {"auto_mitigate": False, "transfer_to": "checkout team", "reason": "code fix needed"},
    "culprit": {"repo": "checkout", "commit": "8a33d36e299e"},
    "signals": {"what_worked": "triage", "what_was_hard": "nothing", "skill_gaps": [], "self_score": 4},
}  # fmt: skip


EXCEPTIONS_BY_TYPE = "AppExceptions | summarize n=count() by ExceptionType | order by n desc"


def agent_script() -> list[Any]:
    return [
        call("write", {"path": "notes/plan.md", "content": "# Plan\n- [ ] new errors\n- [ ] suspects\n"}),
        call("shell", {"command": f"logs query '{EXCEPTIONS_BY_TYPE}'"}),
        call("grep", {"pattern": "expires_at", "path": "repos/checkout", "glob": "*.py"}),
        call("spawn", {"hypotheses": [{"statement": "the coupon change broke checkout"},
                                      {"statement": "the payment gateway is down"}]}),
        _child,
        _child,
        calls([("write", {"path": "report/conclusion.json", "content": json.dumps(CONCLUSION)})]),
        reply("Done: the coupon change of release 1.5.0 is the root cause."),
    ]  # fmt: skip


@pytest.fixture
def needs_bwrap() -> None:
    if not bubblewrap_available():
        pytest.skip("bubblewrap is not installed: `make test` installs it (apt-get, as root)")


@pytest.mark.usefixtures("needs_bwrap")
def test_agent_mode_investigates_in_the_sandbox_and_reports_its_conclusion(settings: Settings) -> None:
    model = ScriptedModel(agent_script())
    outcome = investigate(settings, model=model)
    report = outcome.report
    assert model.remaining == 0
    assert report.mode == "agent"
    assert report.status == "completed"
    assert report.root_cause is not None
    assert report.root_cause.category == "code-defect"
    assert report.evidence[0].claim == "TypeError is new"
    assert len(report.evidence) > 1, "the deterministic evidence follows the agent's own"
    truth = load_scenario(EXAMPLE).truth
    assert truth is not None
    assert truth.culprit is not None
    assert report.suspects[0].commit == truth.culprit.commit
    assert report.usage.model_calls == 8
    assert report.data_egress[0].bytes_sent > 0


@pytest.mark.usefixtures("needs_bwrap")
def test_the_agent_sees_real_command_output_from_inside_the_sandbox(settings: Settings) -> None:
    model = ScriptedModel(agent_script())
    outcome = investigate(settings, model=model)
    after_logs = model.requests[2].messages[-1]
    assert after_logs.role == "tool"
    assert "TypeError\t31" in after_logs.content
    after_grep = model.requests[3].messages[-1]
    assert "expires_at" in after_grep.content
    findings = (outcome.workspace / "notes" / "findings.md").read_text()
    assert "verdict: confirmed" in findings
    assert "verdict: refuted" in findings


@pytest.mark.usefixtures("needs_bwrap")
def test_an_agent_that_never_writes_a_conclusion_is_nudged_then_reported_inconclusive(settings: Settings) -> None:
    model = ScriptedModel([reply("I think it is the coupons."), reply("Still the coupons."), reply("Coupons.")])
    outcome = investigate(settings, model=model)
    assert outcome.report.status == "inconclusive"
    assert outcome.report.summary == "Coupons."
    assert any(e.error_class == "ConclusionMissing" for e in outcome.report.errors)


@pytest.fixture
def unseen_scenario(tmp_path: Path) -> Path:
    """A minimal scenario the project has never seen: required files and one repo only."""
    repo = tmp_path / "src"
    repo.mkdir()
    when = "2026-01-01T10:00:00Z"
    when = "2026-01-01T10:00:00Z"
    env = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x",
           "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "PATH": "/usr/bin:/bin"}  # fmt: skip
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    (repo / "app.py").write_text("print('hi')\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True, env=env)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "first"], check=True, env=env)
    scenario = tmp_path / "unseen"
    (scenario / "repos").mkdir(parents=True)
    subprocess.run(["git", "-C", str(repo), "bundle", "create", str(scenario / "repos" / "web.bundle"), "--all"],
                   check=True, capture_output=True)  # fmt: skip
    (scenario / "scenario.json").write_text(json.dumps({
        "name": "unseen", "incident_time": "2026-01-02T00:00:00Z",
        "services": [{"name": "web", "repo": "web", "app_role": "web-api"}]}))  # fmt: skip
    shutil.copyfile(EXAMPLE / "alert.json", scenario / "alert.json")
    (scenario / "NOTES.txt").write_text("extra files are ignored")
    return scenario


def test_the_cli_investigates_a_scenario_it_has_never_seen(
    unseen_scenario: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in (
        "ANTHROPIC_API_KEY",
        "OPENAI_API_KEY",
        "AZURE_OPENAI_ENDPOINT",
        "SRE_AGENT_MODEL",
        "SRE_AGENT_BASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    code = main(["investigate", "--scenario", str(unseen_scenario), "--data-dir", str(tmp_path / "d"), "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    report = json.loads(captured.out)
    assert report["mode"] == "evidence-only"
    assert report["suspects"][0]["title"] == "first"
    assert "report:" in captured.err
