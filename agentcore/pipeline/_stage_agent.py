"""The agent's stages: `turns` (a slice of the session), `compact`, `fanout` and `fanout_done`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from agentcore.agent.loop import AgentRuntime, advance, run_session
from agentcore.agent.session import COMPACT_COMMAND, Session, SessionStatus
from agentcore.agent.spawn import FanOut
from agentcore.errors import ConfigError, StorageError
from agentcore.models import Message
from agentcore.models.pricing import estimate_cost_usd
from agentcore.pipeline._connectors import connector_broker
from agentcore.pipeline._stage_io import (
    Loaded,
    StageContext,
    commit,
    ensure_workspace,
    get_session,
    put_session,
    save_workspace,
    workspace_fields,
)
from agentcore.pipeline.agent_setup import build_agent_runtime
from agentcore.pipeline.fanout import (
    FanOutOrder,
    FanOutRequested,
    deferred_fan_out,
    fan_out_order,
    fan_out_record,
    recorded_fan_out,
)
from agentcore.pipeline.report_builder import usage_of
from agentcore.pipeline.state import ChildOutcome, Stage, stage_message
from agentcore.redaction import Redactor
from agentcore.workspace import directory_lock, forget_restored, mark_restored, restore_outputs

logger = logging.getLogger(__name__)

Work = Callable[[Session, AgentRuntime], dict[str, object]]
"""One bounded piece of agent work on a session, returning state changes; may raise FanOutRequested."""


def run_turns(ctx: StageContext, loaded: Loaded, *, compact: bool = False) -> None:
    """Run the session for one slice (time and step bounded), or to its end, or to a `spawn`."""
    settings = ctx.deps.settings
    state = loaded.state

    def work(session: Session, runtime: AgentRuntime) -> dict[str, object]:
        changes: dict[str, object] = {}
        if _hand_over_follow_ups(session, state.follow_ups):
            changes["follow_ups"] = ()
        if (compact or state.compact_requested) and _ask_for_compaction(session, runtime):
            changes["compact_requested"] = False
        run_session(session, runtime, slice_s=settings.turn_slice_s, max_steps=settings.turn_slice_max_steps)
        return changes

    _agent_stage(ctx, loaded, work, deferred_fan_out)


def fan_out_stage(loaded: Loaded) -> FanOutOrder:
    """The `fanout` stage changes nothing: it names the children for the edge (or local threads) to start."""
    return fan_out_order(loaded.state)


def run_fanout_done(ctx: StageContext, loaded: Loaded) -> None:
    """Merge the children into the parent: replay its pending spawn with the stored children."""
    state = loaded.state
    record = state.fan_out
    if record is None:
        raise StorageError(f"investigation {state.id} has no fan-out to finish")
    children = [_load_child(ctx, name) for name in record.child_blobs(state.id)]
    merged_outputs = dict(state.outputs)
    for child in children:
        for path, blob in child.outputs.items():
            merged_outputs.setdefault(path, blob)

    def work(session: Session, runtime: AgentRuntime) -> dict[str, object]:
        restore_outputs(ctx.deps.blob_store, ctx.workspace_root(state.id), merged_outputs)
        advance(session, runtime)
        return {}

    fan_out = recorded_fan_out([c.session for c in children])
    _agent_stage(ctx, loaded, work, fan_out)


def _agent_stage(ctx: StageContext, loaded: Loaded, work: Work, fan_out: FanOut) -> None:
    """Restore, run `work`, checkpoint, commit, and name the next stage from how the session stands."""
    state = loaded.state
    deps = ctx.deps
    if deps.model is None:
        raise ConfigError("this investigation runs an agent, and no model is configured now")
    root = ctx.workspace_root(state.id)
    with directory_lock(root):
        ensure_workspace(ctx, state)
        session = get_session(deps, state.session_blob)
        forget_restored(root)
        runtime = build_agent_runtime(
            session, model=deps.model, sandbox=deps.sandbox_factory(root), settings=deps.settings, clock=deps.clock,
            estimate_cost_usd=estimate_cost_usd, on_step=ctx.on_step, fan_out=fan_out,
        )  # fmt: skip
        requested: FanOutRequested | None = None
        changes: dict[str, object] = {"fan_out": None}
        with connector_broker(deps, root, Redactor(session.redaction)):
            try:
                changes.update(work(session, runtime))
            except FanOutRequested as e:
                requested = e
        checkpoint = save_workspace(ctx, state, root)
        changes.update(workspace_fields(checkpoint))
        if requested is not None:
            changes["fan_out"] = fan_out_record(session, requested, checkpoint.workspace_blob)
        next_stage = _next_stage(session, requested)
        new_state = state.advanced(
            deps.now(), stage=next_stage, session_blob=put_session(deps, state.id, state.step + 1, session),
            usage=usage_of(session),
            next_message=stage_message(next_stage, state.id, state.step + 1),
            **changes,
        )  # fmt: skip
        if commit(ctx, loaded, new_state):
            mark_restored(root, new_state.workspace_blob, new_state.outputs)


def _next_stage(session: Session, requested: FanOutRequested | None) -> Stage:
    if requested is not None:
        return Stage.FANOUT
    if session.status is SessionStatus.RUNNING:
        return Stage.TURNS
    return Stage.REPORT


def _hand_over_follow_ups(session: Session, follow_ups: Sequence[str]) -> bool:
    """Questions asked meanwhile become user messages; a finished session runs again to answer them.

    Not while tool calls are pending (they would split a turn from its results): False, kept for later.
    """
    if not follow_ups or session.pending_tool_calls():
        return False
    for text in follow_ups:
        session.messages.append(Message(role="user", content=text))
    if session.status is SessionStatus.COMPLETED:
        session.status = SessionStatus.RUNNING
        session.final_answer = None
        session.finish_nudges = 0
    return True


def _ask_for_compaction(session: Session, runtime: AgentRuntime) -> bool:
    """Compaction lives in the loop: the context keeper compacts when the last message is `/compact`.

    True when the request is handed over (or cannot ever be: no context keeper), False to keep it.
    """
    if runtime.context is None:
        logger.warning("investigation=%s: compaction asked for, but the runtime has none", session.investigation_id)
        return True
    if session.pending_tool_calls():
        return False
    if not (session.messages and session.messages[-1].content == COMPACT_COMMAND):
        session.messages.append(Message(role="user", content=COMPACT_COMMAND))
    if session.status is SessionStatus.COMPLETED:
        session.status = SessionStatus.RUNNING
        session.final_answer = None
    return True


def _load_child(ctx: StageContext, name: str) -> ChildOutcome:
    return ChildOutcome.model_validate_json(ctx.deps.blob_store.get(name).data)
