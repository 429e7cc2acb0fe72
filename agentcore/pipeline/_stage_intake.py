"""Starting an investigation, and its first stage: lay the workspace out, triage, build the session."""

from __future__ import annotations

import logging
import secrets
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType

from agentcore.connectors.logs import LogStore
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.connectors.logs.kql_cache import KqlTranslations
from agentcore.errors import ConfigError
from agentcore.memory.content_cache import memory_content_cache
from agentcore.pipeline._stage_io import (
    Loaded,
    StageContext,
    commit,
    create_state,
    load_state,
    put_session,
    save_workspace,
    send_owed,
    with_checkpoint,
)
from agentcore.pipeline.memory_session import open_memory
from agentcore.pipeline.response_plans import load_response_plans
from agentcore.pipeline.state import InvestigationState, RequestSpec, Stage, stage_message
from agentcore.redaction import redact_model, redact_text
from agentcore.scenarios import Scenario, load_scenario
from agentcore.skills import install_skills, load_skill_layers, workspace_skills_index
from agentcore.triage import Triage, run_triage
from agentcore.workspace import (
    PreparedWorkspace,
    directory_lock,
    forget_restored,
    loaded_telemetry,
    mark_restored,
    prepare_from_repos,
    prepare_from_scenario,
    remove_workspace,
)

logger = logging.getLogger(__name__)


def new_investigation_id(now: datetime) -> str:
    return f"inv-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def start_investigation(
    ctx: StageContext,
    spec: RequestSpec,
    *,
    title: str,
    investigation_id: str | None = None,
    fingerprint: str | None = None,
) -> InvestigationState:
    """Record a new investigation and send its intake message. Idempotent for a given id."""
    now = ctx.deps.now()
    investigation_id = investigation_id or new_investigation_id(now)
    state = InvestigationState(
        id=investigation_id,
        mode="agent" if ctx.deps.model is not None else "evidence-only",
        request=redact_model(spec),  # state.json is stored: the alert or question may carry a secret
        title=redact_text(title[:200]) or "investigation",
        started_at=now,
        updated_at=now,
        fingerprint=fingerprint,
        next_message=stage_message(Stage.INTAKE, investigation_id, 0),
    )
    if not create_state(ctx.deps, state):
        loaded = load_state(ctx.deps, state.id)
        assert loaded is not None
        state = loaded.state
    if state.step == 0:
        send_owed(ctx.queue, state)
    logger.info("investigation=%s started (%s, %s)", state.id, spec.trigger.kind, state.mode)
    return state


def run_intake(ctx: StageContext, loaded: Loaded) -> None:
    """Workspace, triage and (with a model) the parent session; then `turns`, or `report` without a model."""
    state = loaded.state
    deps = ctx.deps
    if state.mode == "agent" and deps.model is None:
        raise ConfigError("this investigation was started with a model, and none is configured now")
    root = ctx.workspace_root(state.id)
    with directory_lock(root):
        remove_workspace(root)
        spec = state.request
        cache_dir = deps.settings.cache_dir
        scenario = load_scenario(Path(spec.scenario_dir), cache_dir=cache_dir) if spec.scenario_dir else None
        translations = KqlTranslations(cache_dir)
        with _OpeningTelemetry(scenario, ctx.telemetry_cache, translations) as opening:
            prepared = _prepare(spec, scenario, root, state.started_at, ctx, warm_kql=not translations.holds_any())
            install_skills(root, load_skill_layers(deps.settings, deps.blob_store))
            triage = _triage(prepared, deps.log_store, translations, opening)
        alert = scenario.alert if scenario else spec.alert
        plans = load_response_plans(deps.settings)
        plan = plans.choose(alert, state.title) if plans is not None else None
        memory_base = open_memory(
            deps.blob_store, root, state.id, seed=scenario.memory_dir if scenario else None,
            seed_by=f"scenario:{scenario.name}" if scenario else "scenario", now=deps.now(),
            for_session=state.mode == "agent", content_cache=memory_content_cache(cache_dir),
        )  # fmt: skip
        session_blob = None
        if state.mode == "agent" and deps.model is not None:
            # Imported here: an evidence-only run never builds a session, and never pays for these imports.
            from agentcore.context.orientation import render_orientation
            from agentcore.pipeline.agent_setup import new_parent_session
            from agentcore.pipeline.task import task_message

            task = task_message(state.id, prepared.incident_time, alert, spec.question, triage, scope=spec.scope)
            if plan is not None:
                task += "\n\n" + plan.guidance()
            sandbox = deps.sandbox_factory(root)
            orientation = render_orientation(sandbox, incident_time=prepared.incident_time)
            session = new_parent_session(
                state.id, model=deps.model, orientation=orientation, task=task,
                settings=plan.budgeted(deps.settings) if plan is not None else deps.settings,
                skills_index=workspace_skills_index(sandbox),
            )  # fmt: skip
            session_blob = put_session(deps, state.id, state.step + 1, session)
        with_repos = state.with_repos(prepared.repos)
        checkpoint = save_workspace(ctx, with_repos, root)
        next_stage = Stage.TURNS if session_blob else Stage.REPORT
        new_state = with_checkpoint(
            with_repos.next_step(deps.now(), next_stage)
            .with_triage(prepared.incident_time, triage)
            .with_session(session_blob)
            .with_response_plan(plan)
            .with_memory_base(memory_base),
            checkpoint,
        )
        if plan is not None:
            logger.info("investigation=%s response plan %s (%s)", state.id, plan.name, plan.autonomy)
        if commit(ctx, loaded, new_state):
            mark_restored(root, new_state.workspace_blob, new_state.outputs)
        else:
            forget_restored(root)


def _prepare(
    spec: RequestSpec, scenario: Scenario | None, root: Path, now: datetime, ctx: StageContext, *, warm_kql: bool
) -> PreparedWorkspace:
    if scenario is not None:
        return prepare_from_scenario(
            scenario, root, clone_cache=ctx.clone_cache, telemetry_cache=ctx.telemetry_cache, warm_kql=warm_kql
        )
    incident_time = spec.alert.fired_at if spec.alert else now
    return prepare_from_repos([Path(r) for r in spec.repos], root, incident_time, clone_cache=ctx.clone_cache)


def _triage(
    prepared: PreparedWorkspace, log_store: LogStore | None, translations: KqlTranslations, opening: _OpeningTelemetry
) -> Triage:
    """Triage over the workspace's own telemetry when it has some (its KQL translations cached), else the
    deployment's log store."""
    if prepared.telemetry_database is None:
        return run_triage(prepared.incident_time, prepared.services, prepared.deployments, log_store)
    opened = opening.store()
    if opened is not None:
        return run_triage(prepared.incident_time, prepared.services, prepared.deployments, opened)
    logs = DuckDbLogStore(prepared.telemetry_database, query_now=prepared.incident_time, translations=translations)
    try:
        return run_triage(prepared.incident_time, prepared.services, prepared.deployments, logs)
    finally:
        logs.close()


class _OpeningTelemetry:
    """A scenario's loaded telemetry, opened while its workspace is laid out.

    Opening a DuckDB file costs about 30 ms, nearly all of it outside the GIL, and laying the workspace out
    does not need it: the cache entry it opens is the file the workspace gets a copy of (entries are named by
    their content and never change). With no loaded entry there is nothing to open early, and triage opens
    the workspace's copy as before. The store is closed as the block ends.
    """

    def __init__(self, scenario: Scenario | None, cache: Path, translations: KqlTranslations) -> None:
        self._scenario, self._cache, self._translations = scenario, cache, translations
        self._pool: ThreadPoolExecutor | None = None
        self._opened: Future[DuckDbLogStore | None] | None = None

    def __enter__(self) -> _OpeningTelemetry:
        if self._scenario is not None and self._scenario.telemetry:
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="open-telemetry")
            self._opened = self._pool.submit(self._open, self._scenario)
        return self

    def _open(self, scenario: Scenario) -> DuckDbLogStore | None:
        entry = loaded_telemetry(scenario, self._cache)
        if entry is None:
            return None
        return DuckDbLogStore(entry, query_now=scenario.incident_time, translations=self._translations)

    def store(self) -> DuckDbLogStore | None:
        """The opened store, None when there was nothing to open; an error opening it is raised here."""
        return self._opened.result() if self._opened is not None else None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._opened is None or self._pool is None:
            return
        self._pool.shutdown(wait=True)
        if self._opened.exception() is None:
            opened = self._opened.result()
            if opened is not None:
                opened.close()
