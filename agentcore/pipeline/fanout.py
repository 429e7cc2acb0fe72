"""Subagents across stages: a `spawn` suspends the parent, children run apart, the parent resumes.

In a `turns` stage the spawn tool's fan-out is `deferred_fan_out`: the tool returns a spawn request,
the loop ends the slice with a `FanOutRequested` outcome, and the stage commits the parent (its spawn
call still pending) in stage FANOUT. The `fanout` message then starts the children, one
`run_child_hypothesis` each — as Durable Functions activities in Azure, on threads in the local
runner — and `finish_fan_out` sends `fanout_done`. That stage replays the pending spawn with
`recorded_fan_out`, which hands back the stored children, so the spawn tool merges them exactly as it
would in-process.

Orchestrator and activities exchange only blob references (`ChildRef`, blob names), never sessions.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from agentcore.agent.hypothesis import Hypothesis
from agentcore.agent.outcome import FanOutRequested
from agentcore.agent.session import Session
from agentcore.agent.spawn import ChildRunner, FanOut
from agentcore.errors import AgentCoreError, StorageError
from agentcore.models.pricing import estimate_cost_usd
from agentcore.pipeline._checkpoint import sync_outputs
from agentcore.pipeline._connectors import connector_broker
from agentcore.pipeline._stage_io import StageContext, get_session, load_state, send_stage_message
from agentcore.pipeline.agent_setup import child_runner
from agentcore.pipeline.child_memory import memory_changes, memory_texts
from agentcore.pipeline.child_outcome import ChildOutcome
from agentcore.pipeline.state import (
    INVESTIGATION_ID,
    FanOutRecord,
    InvestigationState,
    Stage,
    StageMessage,
    child_blob,
)
from agentcore.redaction import Redactor
from agentcore.workspace import directory_lock, remove_workspace, restore_workspace

logger = logging.getLogger(__name__)

ORCHESTRATOR_NAME = "fan_out_hypotheses"
"""The Durable Functions orchestrator that runs one fan-out (functions/fanout.py)."""


def deferred_fan_out(_hypotheses: Sequence[Hypothesis], _run_child: ChildRunner) -> None:
    """Run no children here: the spawn call becomes a request the stage records (stage FANOUT)."""
    return


def recorded_fan_out(children: Sequence[Session]) -> FanOut:
    """A fan-out that returns children that already ran, once; a second spawn defers again."""
    remaining = [list(children)]

    def fan_out(hypotheses: Sequence[Hypothesis], _run_child: ChildRunner) -> list[Session] | None:
        if not remaining:
            return None
        done = remaining.pop()
        if len(done) != len(hypotheses):
            raise StorageError(f"{len(done)} stored children for {len(hypotheses)} hypotheses")
        return done

    return fan_out


def fan_out_record(session: Session, request: FanOutRequested, workspace_blob: str | None) -> FanOutRecord:
    """What the parent waits on: its pending spawn call, the hypotheses, the workspace the children start from."""
    return FanOutRecord(
        call_id=request.call_id, session_step=session.step, hypotheses=request.hypotheses, workspace_blob=workspace_blob
    )


class ChildRef(BaseModel):
    """One child of one fan-out: the activity's whole input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    investigation_id: str = Field(pattern=INVESTIGATION_ID.pattern)
    step: int = Field(ge=0)
    index: int = Field(ge=0, lt=64)


class FanOutOrder(BaseModel):
    """Start these children; the orchestrator's input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    investigation_id: str = Field(pattern=INVESTIGATION_ID.pattern)
    step: int = Field(ge=0)
    children: tuple[ChildRef, ...]

    @property
    def instance_id(self) -> str:
        """Deterministic, so that a redelivered `fanout` message finds the orchestration it started."""
        return f"{self.investigation_id}-fanout-{self.step}"


class FanIn(BaseModel):
    """The orchestrator's result: the children's blobs, or why they could not all run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    investigation_id: str = Field(pattern=INVESTIGATION_ID.pattern)
    step: int = Field(ge=0)
    children: tuple[str, ...] = ()
    error: str | None = None


def fan_out_order(state: InvestigationState) -> FanOutOrder:
    record = _record(state)
    children = tuple(
        ChildRef(investigation_id=state.id, step=state.step, index=i) for i in range(len(record.hypotheses))
    )
    return FanOutOrder(investigation_id=state.id, step=state.step, children=children)


def _record(state: InvestigationState) -> FanOutRecord:
    if state.fan_out is None:
        raise StorageError(f"investigation {state.id} is in stage {state.stage} with no fan-out recorded")
    return state.fan_out


def run_child_hypothesis(ctx: StageContext, ref: ChildRef) -> str:
    """Run one child of a fan-out to its end and store it; return its blob. Idempotent."""
    loaded = load_state(ctx.deps, ref.investigation_id)
    if loaded is None:
        raise StorageError(f"no investigation {ref.investigation_id}")
    state = loaded.state
    record = _record(state) if state.stage is Stage.FANOUT and state.step == ref.step else None
    if record is None:
        logger.info("investigation=%s child %d of step %d: the parent moved on", state.id, ref.index, ref.step)
        return ""
    name = child_blob(state.id, record.session_step, ref.index)
    if _exists(ctx, name):
        return name
    root = ctx.workspace_root(f"{state.id}.s{record.session_step}.h{ref.index}")
    with directory_lock(root):
        if _exists(ctx, name):
            return name
        outcome = _run_child(ctx, state, record, ref.index, root)
        ctx.deps.blob_store.put(name, outcome.model_dump_json().encode(), content_type="application/json")
        remove_workspace(root)
    return name


def _exists(ctx: StageContext, name: str) -> bool:
    return any(n == name for n in ctx.deps.blob_store.list(name))


def _run_child(
    ctx: StageContext, state: InvestigationState, record: FanOutRecord, index: int, root: Path
) -> ChildOutcome:
    """Run hypothesis `index` of the parent's pending spawn over a copy of its workspace, as the spawn would."""
    deps = ctx.deps
    if deps.model is None:
        raise AgentCoreError("subagents need a model, and none is configured")
    restore_workspace(
        deps.blob_store,
        root,
        workspace_blob=record.workspace_blob,
        repos=state.repos,
        outputs=state.outputs,
        clone_cache=ctx.clone_cache,
    )
    memory_before = memory_texts(root / "memory")
    parent = get_session(deps, state.session_blob)
    run_child = child_runner(
        parent, model=deps.model, sandbox=deps.sandbox_factory(root), settings=deps.settings, clock=deps.clock,
        estimate_cost_usd=estimate_cost_usd, on_step=ctx.on_step,
    )  # fmt: skip
    numbering = parent.redaction.model_copy(deep=True, update={"counts": {}})
    with connector_broker(deps, root, Redactor(numbering)):
        child = run_child(record.hypotheses[index], index)
    outputs = sync_outputs(deps.blob_store, state.id, root, state.outputs)
    new_outputs = {path: blob for path, blob in outputs.items() if state.outputs.get(path) != blob}
    return ChildOutcome(session=child, outputs=new_outputs, memory=memory_changes(memory_before, root / "memory"))


def finish_fan_out(ctx: StageContext, fan_in: FanIn) -> None:
    """Tell the parent its children are done (or could not run): send `fanout_done`."""
    message = StageMessage(type="fanout_done", investigation_id=fan_in.investigation_id, step=fan_in.step,
                           error=fan_in.error[:2000] if fan_in.error else None)  # fmt: skip
    send_stage_message(ctx.queue, message)


def run_fan_out_on_threads(ctx: StageContext, order: FanOutOrder) -> None:
    """The local runner's fan-out: every child on its own thread, then fan in. Raises if a child failed."""
    parallelism = max(1, ctx.deps.settings.subagent_parallelism)
    run: Callable[[ChildRef], str] = lambda ref: run_child_hypothesis(ctx, ref)  # noqa: E731
    with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="subagent") as pool:
        names = list(pool.map(run, order.children))
    finish_fan_out(ctx, FanIn(investigation_id=order.investigation_id, step=order.step, children=tuple(names)))
