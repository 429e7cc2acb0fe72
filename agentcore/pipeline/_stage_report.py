"""The last stages: `report` (build, store, decide on a PR), `pr` (policy-gated, in `_stage_pr`), failing for good."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from agentcore.connectors.incidents import IncidentPostError
from agentcore.errors import AgentCoreError, PreconditionFailedError
from agentcore.pipeline._stage_io import (
    Loaded,
    StageContext,
    commit,
    ensure_workspace,
    get_session,
    load_state,
)
from agentcore.pipeline._stage_pr import attach_patch, read_workspace_patch, run_pr
from agentcore.pipeline.memory_session import remember_report
from agentcore.pipeline.report_builder import agent_report, evidence_only_report
from agentcore.pipeline.state import InvestigationState, Stage, state_blob
from agentcore.pipeline.wiring import commands_location
from agentcore.reports import (
    Recommendation,
    Report,
    ReportedError,
    render_markdown,
    report_location,
    report_to_json,
    save_report,
)
from agentcore.reports.conclusion import ConclusionError, read_conclusion
from agentcore.settings import Settings
from agentcore.telemetry.signals import emit_agent_signals
from agentcore.triage import Triage
from agentcore.workspace import directory_lock, forget_restored

logger = logging.getLogger(__name__)

FAIL_ATTEMPTS = 8


def run_report(ctx: StageContext, loaded: Loaded) -> None:
    """Build the report from triage (and the agent's session and conclusion), store it, pick what is next."""
    state = loaded.state
    root = ctx.workspace_root(state.id)
    with directory_lock(root):
        report = _build_report(ctx, state)
        if state.response_plan is not None:
            report = report.model_copy(update={"response_plan": state.response_plan.name})
        report = remember_report(ctx.deps.blob_store, state, root, report, now=ctx.deps.now())
        next_stage = _after_report(state, report, ctx.deps.settings)
        patch = read_workspace_patch(root) if state.mode == "agent" else None
        report = attach_patch(ctx.deps.blob_store, report, report_location(report).json_name, patch,
                              ctx.deps.settings, pr_next=next_stage is Stage.PR)  # fmt: skip
        location = save_report(ctx.deps.blob_store, report)
        emit_agent_signals(report, ctx.deps.settings.data_dir / "telemetry")
        _post_back(ctx, report)
        forget_restored(root)
        _write_local_copy(root, report)
        new_state = state.next_step(ctx.deps.now(), next_stage).with_report(
            location.json_name, location.markdown_name, report.status
        )
        commit(ctx, loaded, new_state)
    logger.info("investigation=%s report=%s status=%s", state.id, location.json_name, report.status)


def _post_back(ctx: StageContext, report: Report) -> None:
    """Post the summary and link where people look, before the commit: a redelivery finds the marker."""
    sink, base = ctx.deps.incident_sink, ctx.deps.settings.public_base_url
    if sink is None or not base:
        return
    link = f"{base.rstrip('/')}/api/investigations/{report.id}/report"
    summary = f"{report.title} — {report.status}. {report.summary}"
    try:
        result = sink.post(report.id, summary, link)
    except IncidentPostError as e:
        logger.warning("investigation=%s write-back failed (may have posted: %s): %s", report.id, e.may_have_posted, e)
        return
    logger.info("investigation=%s write-back %s %s", report.id, result.outcome, result.ref or "")


def _build_report(ctx: StageContext, state: InvestigationState) -> Report:
    deps = ctx.deps
    triage = _triage_of(state)
    if state.mode == "evidence-only":
        return evidence_only_report(
            state.id, title=state.title, trigger=state.request.trigger, started_at=state.started_at,
            finished_at=deps.now(), triage=triage,
        )  # fmt: skip
    root = ensure_workspace(ctx, state)
    session = get_session(deps, state.session_blob)
    try:
        conclusion, problem = read_conclusion(deps.sandbox_factory(root)), None
    except ConclusionError as e:
        conclusion, problem = None, str(e)
    return agent_report(
        state.id, title=state.title, trigger=state.request.trigger, started_at=state.started_at,
        finished_at=deps.now(), triage=triage, session=session, conclusion=conclusion, conclusion_problem=problem,
        commands_ran_in=commands_location(deps),
        min_confidence=deps.settings.conclusion_min_confidence,
    )  # fmt: skip


def _triage_of(state: InvestigationState) -> Triage:
    if state.triage is None:
        return Triage(suspects=(), evidence=(), new_errors=(), onset=None, problems=("no triage was recorded",))
    return state.triage


def _write_local_copy(root: Path, report: Report) -> None:
    folder = root / "report"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(report_to_json(report), encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")


def _after_report(state: InvestigationState, report: Report, settings: Settings) -> Stage:
    if state.follow_ups and state.mode == "agent":
        return Stage.TURNS
    if _pull_request_wanted(report, settings):
        return Stage.PR
    return Stage.DONE


def _pull_request_wanted(report: Report, settings: Settings) -> bool:
    """A code defect found with confidence, and a policy that allows PRs at all."""
    return (
        bool(settings.pr_repo_allowlist)
        and report.status == "completed"
        and report.root_cause is not None
        and report.root_cause.category == "code-defect"
        and bool(report.suspects)
    )


def fail_investigation(ctx: StageContext, investigation_id: str, *, stage: str, reason: str) -> bool:
    """Mark the investigation failed with `reason`, with a failed report. False when it had ended already."""
    for _attempt in range(FAIL_ATTEMPTS):
        loaded = load_state(ctx.deps, investigation_id)
        if loaded is None or loaded.state.stage.is_terminal:
            return False
        state = loaded.state
        report = failed_report(state, stage=stage, reason=reason, finished_at=ctx.deps.now())
        location = save_report(ctx.deps.blob_store, report)
        failed = (
            state.next_step(ctx.deps.now(), Stage.FAILED)
            .with_failure(reason)
            .with_report(location.json_name, location.markdown_name, "failed")
        )
        try:
            ctx.deps.blob_store.put(state_blob(investigation_id), failed.to_json_bytes(), if_match=loaded.etag)
        except PreconditionFailedError:
            continue
        logger.error("investigation=%s failed in stage %s: %s", investigation_id, stage, reason)
        return True
    raise AgentCoreError(f"could not mark investigation {investigation_id} failed: its state kept changing")


def failed_report(state: InvestigationState, *, stage: str, reason: str, finished_at: datetime) -> Report:
    triage = _triage_of(state)
    return Report(
        id=state.id,
        title=state.title,
        status="failed",
        mode=state.mode,
        trigger=state.request.trigger,
        started_at=state.started_at,
        finished_at=finished_at,
        summary=f"The investigation failed in its {stage} stage and was stopped: {reason}",
        evidence=triage.evidence,
        suspects=triage.suspects,
        recommendation=Recommendation(
            auto_mitigate=False, transfer_to=None, reason="The investigation did not finish; an engineer should look."
        ),
        usage=state.usage,
        errors=(ReportedError(stage=stage, error_class="StageFailed", message=reason[:2000]),),
        response_plan=state.response_plan.name if state.response_plan is not None else None,
    )


__all__ = ["fail_investigation", "failed_report", "run_pr", "run_report"]
