"""An investigation whose logs hold five kinds of secret: none reaches the model, the session or the report.

The example scenario's traces get five extra lines (a storage connection string with AccountKey, an
`sk-proj-` key, a JWT, an AKIA key, `password=...`). A scripted agent queries them, then copies what it
saw into its conclusion and its final answer, as a model would.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from agentcore.models import ModelRequest, ModelResponse
from agentcore.pipeline import InvestigationOutcome, InvestigationRequest, run_investigation
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.redaction import unwrap_untrusted
from agentcore.sandbox.factory import bubblewrap_available
from agentcore.settings import Settings
from agentcore.testing import ScriptedModel, call, reply
from bench._redaction_corpus import Case, corpus

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"
FIVE_KINDS = ("azure-storage-key", "openai-key", "jwt", "aws-access-key", "password")
MARKER = "leak-check"


def _first_of_each_kind() -> list[Case]:
    cases = corpus()
    return [next(c for c in cases if c.kind == kind) for kind in FIVE_KINDS]


SECRETS = _first_of_each_kind()


@pytest.fixture(scope="module")
def leaky_scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = tmp_path_factory.mktemp("leaky") / "scenario"
    shutil.copytree(EXAMPLE, scenario)
    traces = scenario / "telemetry" / "AppTraces.jsonl"
    with traces.open("a", encoding="utf-8") as f:
        for minute, case in enumerate(SECRETS):
            row = {"TimeGenerated": f"2026-03-02T14:0{minute}:00.000Z", "AppRoleName": "checkout-api",
                   "Message": f"{MARKER} {case.line}", "SeverityLevel": 3,
                   "OperationId": f"{minute:032x}", "Properties": {}, "AppVersion": "1.5.0"}  # fmt: skip
            f.write(json.dumps(row) + "\n")
    return scenario


def _grep_the_full_result(request: ModelRequest) -> ModelResponse:
    saved = re.search(r"outputs/logs-[0-9a-f]+\.csv", request.messages[-1].content)
    assert saved is not None, "the logs command names the file holding its full result"
    return call("grep", {"pattern": MARKER, "path": saved.group(0)})


def _copy_what_it_saw(request: ModelRequest) -> ModelResponse:
    seen = unwrap_untrusted(request.messages[-1].content)
    conclusion = {
        "title": "Checkout leaks credentials into its traces",
        "status": "completed",
        "summary": f"The traces show credentials: {seen}",
        "root_cause": {"statement": f"checkout logs secrets: {seen}", "category": "code-defect", "confidence": 0.7},
        "evidence": [{"claim": "secrets in traces", "source": {"kind": "log_query", "ref": "AppTraces"},
                      "excerpt": seen}],
        "hypotheses": [{"statement": "the logger prints connection strings", "status": "confirmed", "evidence": [0]}],
        "mitigations": [{"action": "rotate the keys", "risk": "low", "automated": False}],
        "recommendation": {"auto_mitigate": False, "transfer_to": "checkout team", "reason": seen},
        "signals": {"what_worked": "grep", "what_was_hard": "nothing", "skill_gaps": [], "self_score": 4},
    }  # fmt: skip
    return call("write", {"path": "report/conclusion.json", "content": json.dumps(conclusion)})


def _final_answer(request: ModelRequest) -> ModelResponse:
    seen = [unwrap_untrusted(m.content) for m in request.messages if m.role == "tool"]
    return reply("Done. What I saw: " + "\n".join(seen))


@pytest.fixture(scope="module")
def outcome(
    leaky_scenario: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[InvestigationOutcome, ScriptedModel, Settings]:
    """One investigation, shared by the tests below (each checks one place a secret could end up)."""
    if not bubblewrap_available():
        pytest.skip("bubblewrap is not installed: `make test` installs it (apt-get, as root)")
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), model=None, sandbox="bubblewrap")
    model = ScriptedModel([
        call("shell", {"command": f"logs query 'AppTraces | where Message contains \"{MARKER}\" | project Message'"}),
        _grep_the_full_result,
        _copy_what_it_saw,
        _final_answer,
    ])  # fmt: skip
    request = InvestigationRequest.from_cli(scenario=leaky_scenario, alert_file=None, question=None, repos=[])
    with override(model=model):
        result = run_investigation(request, build_dependencies(settings))
    return result, model, settings


def _leaks(text: str) -> list[str]:
    return [case.kind or "" for case in SECRETS if case.value in text]


def _requests_text(model: ScriptedModel) -> str:
    return "\n".join(r.model_dump_json() for r in model.requests)


def test_the_agent_saw_placeholders_where_the_logs_hold_secrets(outcome: Any) -> None:
    _, model, _ = outcome
    seen = unwrap_untrusted(model.requests[2].messages[-1].content)
    assert seen.count(MARKER) == len(SECRETS)
    assert all(re.search(rf"\[REDACTED:{kind}#\d+\]", seen) for kind in FIVE_KINDS)


def test_no_secret_reaches_any_model_request(outcome: Any) -> None:
    _, model, _ = outcome
    assert _leaks(_requests_text(model)) == []


def test_no_secret_is_in_a_stored_session_blob(outcome: Any) -> None:
    result, _, settings = outcome
    sessions = list((settings.data_dir / "blobs" / "investigations" / result.report.id / "session").glob("*.json"))
    assert sessions
    assert [(p.name, _leaks(p.read_text())) for p in sessions if _leaks(p.read_text())] == []


def test_no_secret_is_in_the_tool_results_saved_to_the_workspace(outcome: Any) -> None:
    result, _, _ = outcome
    outputs = [p for p in (result.workspace / "outputs").rglob("*.txt") if p.is_file()]
    assert len(outputs) >= 2
    assert [p.name for p in outputs if _leaks(p.read_text(errors="ignore"))] == []


def test_no_secret_is_in_the_query_results_the_logs_command_saved(outcome: Any) -> None:
    result, _, _ = outcome
    saved = list((result.workspace / "outputs").glob("logs-*.csv"))
    assert saved
    assert [p.name for p in saved if _leaks(p.read_text(errors="ignore"))] == []


def test_no_secret_is_in_report_json_or_markdown(outcome: Any) -> None:
    result, _, _ = outcome
    json_text = Path(result.report_path_json).read_text()
    markdown = Path(result.report_path_md).read_text()
    assert "[REDACTED:azure-storage-key#1]" in json_text
    assert _leaks(json_text) == []
    assert _leaks(markdown) == []


def test_the_data_egress_section_counts_the_redactions_by_kind(outcome: Any) -> None:
    result, _, _ = outcome
    egress = result.report.data_egress[0]
    assert set(FIVE_KINDS) <= set(egress.redacted_kinds)
    assert egress.redactions == sum(egress.redacted_kinds.values())
    assert egress.redactions >= len(FIVE_KINDS)
    markdown = Path(result.report_path_md).read_text()
    assert "azure-storage-key \u00d7" in markdown
