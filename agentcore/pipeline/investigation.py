"""Runs one investigation in-process: the local runner drives the same stages the Functions app runs.

`run_investigation` records the investigation, then worker threads take its stage messages (intake,
turns, fan-out, report) from a LocalQueue until it ends; state and reports go to the configured
BlobStore. The CLI's `investigate` is this.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.alerts import Alert, parse_alert
from agentcore.errors import StorageError, UserInputError
from agentcore.pipeline._stage_intake import new_investigation_id, start_investigation
from agentcore.pipeline.local_runner import LocalRunner
from agentcore.pipeline.state import RequestSpec
from agentcore.pipeline.wiring import Dependencies
from agentcore.reports import Report, Trigger, load_report
from agentcore.scenarios import Scenario, load_scenario
from agentcore.storage.local import LocalBlobStore

if TYPE_CHECKING:  # an evidence-only run never imports the agent loop
    from agentcore.agent.loop import StepEvent

logger = logging.getLogger(__name__)

__all__ = ["InvestigationOutcome", "InvestigationRequest", "new_investigation_id", "run_investigation"]


@dataclass(frozen=True)
class InvestigationRequest:
    """What to investigate: a scenario, an alert, or a question, with optional local repositories."""

    trigger: Trigger
    scenario: Scenario | None = None
    alert: Alert | None = None
    question: str | None = None
    repos: tuple[Path, ...] = ()

    @classmethod
    def from_cli(
        cls,
        *,
        scenario: Path | None,
        alert_file: Path | None,
        question: str | None,
        repos: Sequence[Path],
        cache_dir: Path | None = None,
    ) -> InvestigationRequest:
        """The request the CLI's options describe; a scenario is loaded with what `cache_dir` kept of it."""
        for repo in repos:
            if not repo.is_dir():
                raise UserInputError(f"--repo {repo}: no such directory")
            if not (repo / ".git").exists() and not (repo / "HEAD").is_file():
                raise UserInputError(f"--repo {repo}: not a git repository")
        if scenario is not None:
            if not scenario.is_dir():
                raise UserInputError(f"--scenario {scenario}: no such directory")
            loaded = load_scenario(scenario, cache_dir=cache_dir)
            return cls(trigger=Trigger(kind="cli", ref=loaded.name), scenario=loaded, repos=tuple(repos))
        if alert_file is not None:
            try:
                payload = alert_file.read_bytes()
            except OSError as e:
                raise UserInputError(f"--alert {alert_file}: {e.strerror}") from e
            alert = parse_alert(payload)
            return cls(trigger=Trigger(kind="cli", ref=alert.alert_id), alert=alert, repos=tuple(repos))
        if not question or not question.strip():
            raise UserInputError("give --scenario, --alert or a non-empty --question")
        return cls(trigger=Trigger(kind="cli", ref="question"), question=question.strip(), repos=tuple(repos))

    def to_spec(self) -> RequestSpec:
        """The request as investigation state keeps it (paths, not loaded objects)."""
        return RequestSpec(
            trigger=self.trigger,
            scenario_dir=str(self.scenario.directory.resolve()) if self.scenario else None,
            alert=self.alert,
            question=self.question,
            repos=tuple(str(r.resolve()) for r in self.repos),
        )

    @property
    def title(self) -> str:
        alert = self.scenario.alert if self.scenario else self.alert
        if alert is not None:
            return f"{alert.rule} ({alert.severity})"
        return (self.question or "investigation")[:120]


@dataclass(frozen=True)
class InvestigationOutcome:
    """A finished investigation: its report, the report's Markdown, its workspace and report locations."""

    report: Report
    markdown: str
    workspace: Path
    report_path_md: str
    report_path_json: str


def run_investigation(
    request: InvestigationRequest, deps: Dependencies, *, on_step: Callable[[StepEvent], None] | None = None
) -> InvestigationOutcome:
    """Investigate on the local runner, to the end; return the stored report and where it is."""
    with LocalRunner(deps, on_step=on_step) as runner:
        started = start_investigation(runner.context, request.to_spec(), title=request.title)
        state = runner.wait_for([started.id])[0]
        workspace = runner.context.workspace_root(state.id)
    if state.report_json is None or state.report_markdown is None:
        raise StorageError(f"investigation {state.id} ended without a report: {state.failure}")
    report = load_report(deps.blob_store, state.report_json)
    markdown = deps.blob_store.get(state.report_markdown).data.decode("utf-8")
    store = deps.blob_store
    if isinstance(store, LocalBlobStore):
        md, js = str(store.root / state.report_markdown), str(store.root / state.report_json)
    else:
        md, js = state.report_markdown, state.report_json
    return InvestigationOutcome(
        report=report, markdown=markdown, workspace=workspace, report_path_md=md, report_path_json=js
    )
