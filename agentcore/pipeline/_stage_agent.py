"""The agent's stages: `turns` (a slice of the session), `compact`, `fanout` and `fanout_done`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from agentcore.agent.loop import AgentRuntime, run_slice
from agentcore.agent.outcome import FanOutRequested, Finished, RunOutcome, Suspended
from agentcore.agent.session import Session, SessionStatus
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
    with_checkpoint,
)
from agentcore.pipeline.agent_setup import build_agent_runtime
from agentcore.pipeline.child_memory import apply_child_memory
from agentcore.pipeline.child_outcome import ChildOutcome
from agentcore.pipeline.fanout import (
    FanOutOrder,
    deferred_fan_out,
    fan_out_order,
    fan_out_record,
    recorded_fan_out,
)
from agentcore.pipeline.report_builder import usage_of
from agentcore.pipeline.state import FanOutRecord, InvestigationState, Stage
from agentcore.redaction import Redactor
from agentcore.workspace import directory_lock, forget_restored, mark_restored, restore_outputs

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SliceResult:
    """What one bounded piece of agent work did: how the loop ended, and what it took over from the state."""

    outcome: RunOutcome
    follow_ups_taken: bool = False
    """The follow-up questions in state are now user messages in the session."""
    compaction_taken: bool = False
    """The compaction asked for in state is now the session's own request."""


Work = Callable[[Session, AgentRuntime], SliceResult]
"""One bounded piece of agent work on a session."""


def run_turns(ctx: StageContext, loaded: Loaded, *, compact: bool = False) -> None:
    """Run the session for one slice (time and step bounded), or to its end, or to a `spawn`."""
    settings = ctx.deps.settings
    state = loaded.state

    def work(session: Session, runtime: AgentRuntime) -> SliceResult:
        follow_ups_taken = _hand_over_follow_ups(session, state.follow_ups)
        compaction_taken = (compact or state.compact_requested) and _hand_over_compaction(session, runtime)
        outcome = run_slice(session, runtime, slice_s=settings.turn_slice_s, max_steps=settings.turn_slice_max_steps)
        return SliceResult(outcome, follow_ups_taken, compaction_taken)

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

    def work(session: Session, runtime: AgentRuntime) -> SliceResult:
        root = ctx.workspace_root(state.id)
        restore_outputs(ctx.deps.blob_store, root, merged_outputs)
        by_child = [(f"subagent {i}", child.memory) for i, child in enumerate(children)]
        apply_child_memory(root / "memory", by_child, now=ctx.deps.now())
        return SliceResult(run_slice(session, runtime, max_steps=1))

    fan_out = recorded_fan_out([c.session for c in children])
    _agent_stage(ctx, loaded, work, fan_out)


def _agent_stage(ctx: StageContext, loaded: Loaded, work: Work, fan_out: FanOut) -> None:
    """Restore, run `work`, checkpoint, commit, and name the next stage from how the slice ended."""
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
        with connector_broker(deps, root, Redactor(session.redaction)):
            result = work(session, runtime)
        checkpoint = save_workspace(ctx, state, root)
        next_stage, fan_out_waiting = _after_slice(session, result.outcome, checkpoint.workspace_blob)
        new_state = with_checkpoint(
            state.next_step(deps.now(), next_stage)
            .with_session(put_session(deps, state.id, state.step + 1, session), usage_of(session))
            .with_fan_out(fan_out_waiting),
            checkpoint,
        )
        new_state = _taken_over(new_state, result)
        if commit(ctx, loaded, new_state):
            mark_restored(root, new_state.workspace_blob, new_state.outputs)


def _after_slice(
    session: Session, outcome: RunOutcome, workspace_blob: str | None
) -> tuple[Stage, FanOutRecord | None]:
    """The next stage, and the fan-out the parent now waits on (if any)."""
    match outcome:
        case FanOutRequested():
            return Stage.FANOUT, fan_out_record(session, outcome, workspace_blob)
        case Suspended():
            return Stage.TURNS, None
        case Finished():
            return Stage.REPORT, None


def _taken_over(state: InvestigationState, result: SliceResult) -> InvestigationState:
    """`state` without the requests the session took over (they are in the session now)."""
    if result.follow_ups_taken:
        state = state.with_follow_ups(())
    if result.compaction_taken:
        state = state.with_compaction_requested(False)
    return state


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


def _hand_over_compaction(session: Session, runtime: AgentRuntime) -> bool:
    """Ask the session's context keeper to compact before its next model call; a finished session runs again.

    True when the request is handed over (or cannot ever be: no context keeper).
    """
    if runtime.context is None:
        logger.warning("investigation=%s: compaction asked for, but the runtime has none", session.investigation_id)
        return True
    session.context.compaction_requested = True
    if session.status is SessionStatus.COMPLETED:
        session.status = SessionStatus.RUNNING
        session.final_answer = None
    return True


def _load_child(ctx: StageContext, name: str) -> ChildOutcome:
    return ChildOutcome.model_validate_json(ctx.deps.blob_store.get(name).data)
