"""Runs one investigation in-process: workspace, triage, the agent (or evidence-only), the report."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from agentcore.agent.loop import StepEvent, run_session
from agentcore.agent.session import Session
from agentcore.alerts import Alert, parse_alert
from agentcore.connectors.logs import LogStore
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.context.orientation import render_orientation
from agentcore.errors import UserInputError
from agentcore.models.pricing import estimate_cost_usd
from agentcore.pipeline.agent_setup import build_agent_runtime, new_parent_session
from agentcore.pipeline.report_builder import agent_report, evidence_only_report
from agentcore.pipeline.task import task_message
from agentcore.pipeline.triage import Triage, run_triage
from agentcore.pipeline.wiring import Dependencies
from agentcore.pipeline.workspace_setup import PreparedWorkspace, prepare_from_repos, prepare_from_scenario
from agentcore.reports import Report, Trigger, render_markdown, report_to_json, save_report
from agentcore.reports.conclusion import ConclusionError, read_conclusion
from agentcore.scenarios import Scenario, load_scenario
from agentcore.storage.local import LocalBlobStore

logger = logging.getLogger(__name__)


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
        cls, *, scenario: Path | None, alert_file: Path | None, question: str | None, repos: Sequence[Path]
    ) -> InvestigationRequest:
        for repo in repos:
            if not repo.is_dir():
                raise UserInputError(f"--repo {repo}: no such directory")
            if not (repo / ".git").exists() and not (repo / "HEAD").is_file():
                raise UserInputError(f"--repo {repo}: not a git repository")
        if scenario is not None:
            if not scenario.is_dir():
                raise UserInputError(f"--scenario {scenario}: no such directory")
            loaded = load_scenario(scenario)
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


@dataclass(frozen=True)
class InvestigationOutcome:
    report: Report
    markdown: str
    workspace: Path
    report_path_md: str
    report_path_json: str


def new_investigation_id(now: datetime) -> str:
    return f"inv-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def run_investigation(
    request: InvestigationRequest, deps: Dependencies, *, on_step: Callable[[StepEvent], None] | None = None
) -> InvestigationOutcome:
    started_at = deps.now()
    investigation_id = new_investigation_id(started_at)
    root = (deps.settings.data_dir / "workspaces" / investigation_id).resolve()
    scenario = request.scenario
    prepared = _prepare(request, scenario, root, started_at)
    logs = _open_logs(prepared)
    triage = run_triage(prepared.incident_time, prepared.services, prepared.deployments, logs)
    title = _title(request, scenario)
    if deps.model is None:
        report = evidence_only_report(
            investigation_id, title=title, trigger=request.trigger, started_at=started_at,
            finished_at=deps.now(), triage=triage,
        )  # fmt: skip
    else:
        report = _run_agent(investigation_id, request, scenario, prepared, triage, deps, title, started_at, on_step)
    return _store(report, deps, root)


def _prepare(request: InvestigationRequest, scenario: Scenario | None, root: Path, now: datetime) -> PreparedWorkspace:
    if scenario is not None:
        return prepare_from_scenario(scenario, root)
    incident_time = request.alert.fired_at if request.alert else now
    return prepare_from_repos(request.repos, root, incident_time)


def _open_logs(prepared: PreparedWorkspace) -> LogStore | None:
    if prepared.telemetry_database is None:
        return None
    return DuckDbLogStore(prepared.telemetry_database, query_now=prepared.incident_time)


def _title(request: InvestigationRequest, scenario: Scenario | None) -> str:
    alert = scenario.alert if scenario else request.alert
    if alert is not None:
        return f"{alert.rule} ({alert.severity})"
    return (request.question or "investigation")[:120]


def _run_agent(
    investigation_id: str,
    request: InvestigationRequest,
    scenario: Scenario | None,
    prepared: PreparedWorkspace,
    triage: Triage,
    deps: Dependencies,
    title: str,
    started_at: datetime,
    on_step: Callable[[StepEvent], None] | None,
) -> Report:
    assert deps.model is not None
    sandbox = deps.sandbox_factory(prepared.root)
    alert = scenario.alert if scenario else request.alert
    task = task_message(investigation_id, prepared.incident_time, alert, request.question, triage)
    session = new_parent_session(
        investigation_id, model=deps.model, orientation=render_orientation(sandbox), task=task, settings=deps.settings
    )
    state_blob = f"investigations/{investigation_id}/session.json"

    def checkpoint(current: Session) -> None:
        deps.blob_store.put(state_blob, current.to_json().encode())

    runtime = build_agent_runtime(
        session, model=deps.model, sandbox=sandbox, settings=deps.settings, clock=deps.clock,
        estimate_cost_usd=estimate_cost_usd, checkpoint=checkpoint, on_step=on_step,
    )  # fmt: skip
    run_session(session, runtime)
    try:
        conclusion, problem = read_conclusion(sandbox), None
    except ConclusionError as e:
        conclusion, problem = None, str(e)
    return agent_report(
        investigation_id, title=title, trigger=request.trigger, started_at=started_at, finished_at=deps.now(),
        triage=triage, session=session, conclusion=conclusion, conclusion_problem=problem,
    )  # fmt: skip


def _store(report: Report, deps: Dependencies, root: Path) -> InvestigationOutcome:
    markdown = render_markdown(report)
    location = save_report(deps.blob_store, report)
    (root / "report").mkdir(parents=True, exist_ok=True)
    (root / "report" / "report.json").write_text(report_to_json(report), encoding="utf-8")
    (root / "report" / "report.md").write_text(markdown, encoding="utf-8")
    store = deps.blob_store
    if isinstance(store, LocalBlobStore):
        md, js = str(store.root / location.markdown_name), str(store.root / location.json_name)
    else:
        md, js = location.markdown_name, location.json_name
    logger.info("investigation=%s report=%s status=%s", report.id, location.json_name, report.status)
    return InvestigationOutcome(
        report=report, markdown=markdown, workspace=root, report_path_md=md, report_path_json=js
    )
