"""What the review pages show, read from the blob store: investigation rows, and one report page.

The list reads only the days it shows: one prefix listing per day of `investigations/inv-<yyyymmdd>`
(ids start with their day), then the states (and the feedback of finished ones) on a few threads.
The report page reads the state, the report, the feedback beside it and, for agent runs, the parent
session and the subagents' blobs, all named by the state.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from agentcore.agent.hypothesis import Hypothesis
from agentcore.agent.session import Session
from agentcore.agent.spawn import SubagentResult, parse_subagent_result
from agentcore.errors import AgentCoreError, BlobNotFoundError, StorageError
from agentcore.pipeline.child_outcome import ChildOutcome
from agentcore.pipeline.pr_approval import awaits_approval
from agentcore.pipeline.state import InvestigationState, Stage, investigation_prefix
from agentcore.pipeline.wiring import Dependencies
from agentcore.reports import Report, load_report
from agentcore.review.feedback import FeedbackRecord, read_feedback_at
from agentcore.review.pages import InvestigationRow, ListFilters, ListPage, ReportPage
from agentcore.review.timeline import TimelineEvent, layout_timeline
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

MAX_SCANNED = 500
"""The most investigations one list reads; a longer window is cut at the newest (and says so)."""
MAX_ROWS = 200
_REPLAY_GAP = timedelta(days=1)
_READERS = 8


def status_of(state: InvestigationState) -> str:
    """running, or how it ended: completed / inconclusive / failed."""
    if not state.stage.is_terminal:
        return "running"
    if state.stage is Stage.FAILED:
        return "failed"
    return state.report_status or "completed"


def service_of(state: InvestigationState) -> str:
    """The service the investigation is about: the alert's target, the scope's, or the erroring app's."""
    alert = state.request.alert
    if alert is not None and alert.configuration_items:
        return alert.configuration_items[0]
    if alert is not None and alert.target_ids:
        return alert.target_ids[0].rstrip("/").rsplit("/", 1)[-1]
    if state.request.scope:
        try:
            scope = json.loads(state.request.scope)
        except ValueError:
            scope = {}
        service = scope.get("service") if isinstance(scope, dict) else None
        if isinstance(service, str):
            return service
    if state.triage is not None and state.triage.new_errors:
        return state.triage.new_errors[0].app_role
    if state.triage is not None and state.triage.suspects:
        return state.triage.suspects[0].repo
    return ""


def _duration(state: InvestigationState) -> timedelta | None:
    return state.updated_at - state.started_at if state.stage.is_terminal else None


def _row(store: BlobStore, state: InvestigationState) -> InvestigationRow:
    feedback = read_feedback_at(store, state.report_json) if state.report_json else None
    return InvestigationRow(
        id=state.id,
        title=state.title,
        status=status_of(state),
        service=service_of(state),
        started_at=state.started_at,
        duration=_duration(state),
        cost_usd=state.usage.cost_usd,
        verdict=feedback.latest.verdict.value if feedback else None,
    )


def _state_names(store: BlobStore, now: datetime, days: int) -> Iterator[str]:
    """state.json blobs of investigations started in the last `days` days, newest first."""
    for back in range(days):
        day = now - timedelta(days=back)
        names = [n for n in store.list(f"investigations/inv-{day:%Y%m%d}-") if n.endswith("/state.json")]
        yield from sorted(names, reverse=True)


def _read_row(store: BlobStore, name: str) -> InvestigationRow | None:
    try:
        return _row(store, InvestigationState.model_validate_json(store.get(name).data))
    except BlobNotFoundError:
        return None
    except (ValueError, AgentCoreError) as e:
        logger.warning("review list: skipping %s: %s", name, e)
        return None


def _matches(row: InvestigationRow, filters: ListFilters) -> bool:
    if filters.status and row.status != filters.status:
        return False
    if filters.verdict and (row.verdict or "none") != filters.verdict:
        return False
    if filters.service and row.service != filters.service:
        return False
    needle = filters.q.casefold()
    return not needle or any(needle in text.casefold() for text in (row.title, row.id, row.service))


def list_page(deps: Dependencies, filters: ListFilters) -> ListPage:
    """The newest investigations of the window, filtered and searched here, on the server."""
    store = deps.blob_store
    names: list[str] = []
    for name in _state_names(store, deps.now(), filters.days):
        if len(names) == MAX_SCANNED:
            break
        names.append(name)
    with ThreadPoolExecutor(max_workers=_READERS, thread_name_prefix="review-list") as pool:
        rows = [row for row in pool.map(lambda n: _read_row(store, n), names) if row is not None]
    matching = [row for row in rows if _matches(row, filters)]
    return ListPage(
        rows=tuple(matching[:MAX_ROWS]),
        filters=filters,
        services=tuple(sorted({row.service for row in rows if row.service})),
        scanned=len(rows),
        truncated=len(matching) > MAX_ROWS or len(names) == MAX_SCANNED,
    )


def read_report(store: BlobStore, state: InvestigationState) -> Report | None:
    if state.report_json is None:
        return None
    try:
        return load_report(store, state.report_json)
    except BlobNotFoundError:
        return None


def timeline_events(state: InvestigationState, report: Report | None) -> list[TimelineEvent]:
    """Alerts, deployments of the suspects, first sightings of new errors and regressions, the run itself."""
    events: list[TimelineEvent] = []
    alert = state.request.alert
    if alert is not None:
        events.append(TimelineEvent("alert", alert.fired_at, f"fired: {alert.rule} ({alert.severity})"))
    events.extend(TimelineEvent("alert", a.fired_at, f"{a.monitor_condition.lower()}: attached alert")
                  for a in state.attached_alerts)  # fmt: skip
    if state.incident_time is not None:
        events.append(TimelineEvent("alert", state.incident_time, "incident time"))
    suspects = report.suspects if report else (state.triage.suspects if state.triage else ())
    events.extend(
        TimelineEvent("deployment", s.deployed_at, f"deployed {s.repo} {s.commit[:12]}: {s.title}")
        for s in suspects
        if s.deployed_at is not None
    )
    if state.triage is not None:
        events.extend(
            TimelineEvent("first_seen", e.first_seen, f"first seen: {e.exception_type} on {e.app_role} ({e.count}x)")
            for e in state.triage.new_errors
        )
        events.extend(
            TimelineEvent("first_seen", r.onset, f"regression began: {r.describe()}")
            for r in state.triage.regressions
            if r.onset is not None
        )
    return [*events, *_run_events(state, report, events)]


def _run_events(state: InvestigationState, report: Report | None, incident: list[TimelineEvent]) -> list[TimelineEvent]:
    """The run's own start and end, unless it ran long after the incident (a replayed scenario), which
    would squeeze everything else into one point."""
    latest = max((e.at for e in incident), default=state.started_at)
    if state.started_at - latest > _REPLAY_GAP:
        return []
    run = [TimelineEvent("investigation", state.started_at, "investigation started")]
    if report is not None:
        run.append(TimelineEvent("investigation", report.finished_at, f"report: {report.status}"))
    return run


def subagent_results(store: BlobStore, state: InvestigationState) -> tuple[SubagentResult, ...]:
    """Each subagent's structured result, read from its blob, its hypothesis from the parent session."""
    if state.session_blob is None:
        return ()
    names = list(store.list(f"{investigation_prefix(state.id)}children/"))
    if not names:
        return ()
    try:
        parent = Session.from_json(store.get(state.session_blob).data)
    except (BlobNotFoundError, ValueError) as e:
        raise StorageError(f"session of {state.id} is unreadable: {e}") from e
    hypotheses = {child.session_id: child.hypothesis for child in parent.children}
    results = []
    for name in names:
        try:
            child = ChildOutcome.model_validate_json(store.get(name).data).session
        except (BlobNotFoundError, ValueError) as e:
            logger.warning("review page: skipping subagent %s: %s", name, e)
            continue
        statement = hypotheses.get(child.id, "(hypothesis not recorded)")
        results.append(parse_subagent_result(Hypothesis(statement=statement), child))
    return tuple(results)


def report_page(deps: Dependencies, state: InvestigationState, *, refusal: str | None) -> ReportPage:
    """The report page of `state` (no notice, error or form values yet)."""
    store = deps.blob_store
    report = read_report(store, state)
    feedback: FeedbackRecord | None = read_feedback_at(store, state.report_json) if state.report_json else None
    return ReportPage(
        id=state.id,
        title=state.title,
        status=status_of(state),
        stage=state.stage.value,
        mode=state.mode,
        started_at=state.started_at,
        duration=_duration(state),
        usage=state.usage,
        report=report,
        timeline=layout_timeline(timeline_events(state, report)),
        subagents=subagent_results(store, state),
        feedback=feedback,
        pending_follow_ups=state.follow_ups,
        follow_up_refusal=refusal,
        pull_request=state.pr_note,
        awaiting_approval=awaits_approval(state),
    )
