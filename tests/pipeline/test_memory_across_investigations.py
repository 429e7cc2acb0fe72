"""Memory carries from one investigation to the next: the insight note one writes, and a fact the agent was
taught, reach the next investigation on the same service through the index in its first request; a file
whose cited code was deleted at a later deployed commit is shown stale there."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from agentcore.cli import main
from agentcore.memory import MemoryStatus, MemoryStore, parse_document
from agentcore.models import ModelRequest, ModelResponse
from agentcore.pipeline import InvestigationOutcome, InvestigationRequest, run_investigation
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.settings import Settings
from agentcore.storage.local import LocalBlobStore
from tests.pipeline.pipeline_harness import CONCLUSION, EXAMPLE, ConversationModel, Turn

TEAM_NOTE = (
    "---\ncreated: 2026-03-14T09:00:00Z\nupdated: 2026-03-14T09:00:00Z\nby: user\nstatus: active\n"
    "summary: 'checkout on-call: the Aurora team, escalate in #checkout-oncall'\nevidence: []\n---\n"
    "# Team\nThe Aurora team owns checkout.\n"
)


@dataclass
class RecordingModel:
    """The conversation model, keeping every request it was shown."""

    turns: list[Turn]
    requests: list[ModelRequest] = field(default_factory=list)
    provider: str = "scripted"
    model: str = "conversation"

    def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        return ConversationModel(turns=self.turns).complete(request)

    def first_request_text(self) -> str:
        return json.dumps(self.requests[0].model_dump(mode="json"))


def concluding(*before: tuple[str, dict[str, Any]]) -> list[Turn]:
    return [*before, ("write", {"path": "report/conclusion.json", "content": json.dumps(CONCLUSION)}), "Done."]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", model=None, sandbox="bubblewrap")


def investigate(settings: Settings, model: RecordingModel | None) -> InvestigationOutcome:
    request = InvestigationRequest.from_cli(scenario=EXAMPLE, alert_file=None, question=None, repos=[])
    with override(model=model):
        return run_investigation(request, build_dependencies(settings))


def store_of(settings: Settings) -> MemoryStore:
    return MemoryStore(LocalBlobStore(settings.data_dir / "blobs"))


def test_an_insight_note_from_one_investigation_reaches_the_next_on_the_same_service(settings: Settings) -> None:
    first = investigate(settings, RecordingModel(concluding()))
    store = store_of(settings)
    [note] = [n for n in store.names() if n.startswith("incidents/")]
    debugging = store.read("services/checkout/debugging.md")
    assert debugging is not None
    assert f"]({'../../' + note})" in debugging.text
    assert first.report.root_cause is not None
    assert first.report.root_cause.statement in (store.read(note) or debugging).text
    second = RecordingModel(concluding())
    investigate(settings, second)
    assert f"- {note}: " in second.first_request_text()


def test_a_taught_fact_reaches_the_next_investigation_through_the_index(settings: Settings) -> None:
    taught = ("write", {"path": "memory/services/checkout/team.md", "content": TEAM_NOTE})
    investigate(settings, RecordingModel(concluding(taught)))
    second = RecordingModel(concluding())
    investigate(settings, second)
    assert "services/checkout/team.md: checkout on-call: the Aurora team" in second.first_request_text()


def test_the_scenario_seeds_memory_but_never_overwrites_the_teams_file(settings: Settings) -> None:
    store = store_of(settings)
    ours = TEAM_NOTE.replace("# Team\n", "# Checkout errors, our version\n")
    store.write("runbooks/checkout-errors.md", parse_document(ours, name="r"), now=parse_document(ours, name="r")
                .front.created)  # fmt: skip
    investigate(settings, None)
    kept = store.read("runbooks/checkout-errors.md")
    assert kept is not None
    assert "our version" in kept.text
    assert store.read("overview.md") is not None  # the scenario's hand-written MEMORY.md, seeded


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


def deployed_twice(tmp_path: Path) -> tuple[Path, str]:
    """The checkout example's repository, plus a later deployed commit that deletes the file the memory cites
    (the payments client moves out of the service)."""
    from agentcore.scenarios import load_scenario
    from agentcore.workspace.checkout import check_out_bundle

    bundle = load_scenario(EXAMPLE).repos["checkout"]
    repo = tmp_path / "checkout-repo"
    check_out_bundle(bundle.bundle, repo, bundle.head)
    git(repo, "rm", "-q", "checkout/payments.py")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "payments: move the client out")
    return repo, git(repo, "rev-parse", "HEAD")


def test_an_entry_citing_code_deleted_at_the_deployed_commit_is_shown_stale_in_the_next_knowledge_map(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo, deployed = deployed_twice(tmp_path)
    cited = TEAM_NOTE.replace(
        "evidence: []\n", "evidence:\n- repo: checkout\n  path: checkout/payments.py\n  symbol: capture\n"
    )
    store_of(settings).write("services/checkout/logs.md", parse_document(cited, name="x"),
                             now=parse_document(cited, name="x").front.created)  # fmt: skip
    data = str(settings.data_dir)
    assert main(["memory", "--data-dir", data, "check", "--repo", f"checkout={repo}@{deployed}", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in result["stale"]] == ["services/checkout/logs.md"]
    document = store_of(settings).documents()["services/checkout/logs.md"]
    assert document.front.status is MemoryStatus.STALE
    second = RecordingModel(concluding())
    investigate(settings, second)
    text = second.first_request_text()
    assert "services/checkout/logs.md: checkout on-call: the Aurora team, escalate in #checkout-oncall [stale: " in text
    assert "checkout/checkout/payments.py no longer exists at the deployed commit]" in text
