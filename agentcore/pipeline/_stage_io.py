"""What every stage does around its piece of work: read state, bring the workspace, commit, send on.

A commit is one conditional write of `state.json` (if its ETag is still the one read). Side blobs
(session, snapshot) are written before it under fresh names, so a commit that loses the race leaves
nothing the winner relies on. The message the commit owes is recorded in the state itself and sent
after it; a redelivered message that finds its stage already committed sends it again (duplicate
detection drops the copy), so a crash between the two loses nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.errors import BlobNotFoundError, PreconditionFailedError, StorageError
from agentcore.pipeline._checkpoint import checkpoint_workspace
from agentcore.pipeline._pr_policy import AWAITING_APPROVAL
from agentcore.pipeline.state import (
    InvestigationState,
    Stage,
    StageMessage,
    investigation_prefix,
    state_blob,
)
from agentcore.pipeline.wiring import Dependencies
from agentcore.queues import Queue
from agentcore.workspace import (
    WorkspaceCheckpoint,
    is_restored,
    mark_restored,
    restore_workspace,
    telemetry_cache_dir,
)

if TYPE_CHECKING:  # an evidence-only run never imports the agent loop, its session or their redaction
    from agentcore.agent.loop import StepEvent
    from agentcore.agent.session import Session

logger = logging.getLogger(__name__)

STAGES_QUEUE = "stages"
ALERTS_QUEUE = "alerts"
_JSON = "application/json; charset=utf-8"


@dataclass(frozen=True)
class Loaded:
    """A state as read, with the ETag a commit must still find."""

    state: InvestigationState
    etag: str


@dataclass(frozen=True)
class StageContext:
    """What a stage handler runs with: the adapters, the queue to send on, progress reporting."""

    deps: Dependencies
    queue: Queue
    on_step: Callable[[StepEvent], None] | None = None

    def workspace_root(self, name: str) -> Path:
        return (self.deps.settings.data_dir / "workspaces" / name).resolve()

    @property
    def clone_cache(self) -> Path:
        return (self.deps.settings.data_dir / "clone-cache").resolve()

    @property
    def telemetry_cache(self) -> Path:
        return telemetry_cache_dir(self.deps.settings.cache_dir)


def load_state(deps: Dependencies, investigation_id: str) -> Loaded | None:
    """The investigation's state and its ETag, or None when there is no such investigation."""
    try:
        blob = deps.blob_store.get(state_blob(investigation_id))
    except BlobNotFoundError:
        return None
    try:
        return Loaded(InvestigationState.model_validate_json(blob.data), blob.etag)
    except ValueError as e:
        raise StorageError(f"state of {investigation_id} is not valid: {e}") from e


def create_state(deps: Dependencies, state: InvestigationState) -> bool:
    """Write a new investigation's first state; False when it exists already (a redelivery)."""
    try:
        deps.blob_store.put(state_blob(state.id), state.to_json_bytes(), if_none_match=True, content_type=_JSON)
    except PreconditionFailedError:
        return False
    return True


def commit(ctx: StageContext, loaded: Loaded, new_state: InvestigationState) -> bool:
    """Write `new_state` if nobody committed a step since `loaded`, then send the message it owes.

    A write that finds the same step and stage with only side fields changed (a follow-up question, an
    attached alert, an approval) merges them in and writes again. False when another delivery
    committed this step: this one's work is dropped.
    """
    store = ctx.deps.blob_store
    etag, base, target = loaded.etag, loaded.state, new_state
    for _attempt in range(MERGE_ATTEMPTS):
        try:
            store.put(state_blob(target.id), target.to_json_bytes(), if_match=etag, content_type=_JSON)
        except PreconditionFailedError:
            current = load_state(ctx.deps, target.id)
            if current is None or current.state.step != base.step or current.state.stage is not base.stage:
                logger.info("investigation=%s step=%d: another delivery committed first", target.id, base.step)
                return False
            target = merge_side_fields(base, target, current.state)
            etag, base = current.etag, current.state
            continue
        logger.info("investigation=%s step=%d stage=%s committed", target.id, target.step, target.stage.value)
        send_owed(ctx.queue, target)
        return True
    raise StorageError(f"state of {target.id} kept changing under the commit of step {base.step}")


MERGE_ATTEMPTS = 8


def merge_side_fields(
    loaded: InvestigationState, committing: InvestigationState, current: InvestigationState
) -> InvestigationState:
    """`committing` plus what was added to `current` beside the stage since `loaded` was read."""
    added = current.follow_ups[len(loaded.follow_ups) :]
    compaction = committing.compact_requested or (current.compact_requested and not loaded.compact_requested)
    merged = (
        committing.with_follow_ups((*committing.follow_ups, *added))
        .with_attached_alerts(current.attached_alerts)
        .with_pr_approval(current.pr_approved_by)
        .with_compaction_requested(compaction)
    )
    if added and committing.stage is Stage.DONE and committing.mode == "agent":
        return merged.redirected(Stage.TURNS)
    if current.pr_approved_by and not loaded.pr_approved_by and committing.pr_note == AWAITING_APPROVAL:
        return merged.redirected(Stage.PR)  # approved while the `pr` stage refused for want of it: decide again
    return merged


def update_state(
    deps: Dependencies, investigation_id: str, change: Callable[[InvestigationState], InvestigationState | None]
) -> InvestigationState | None:
    """Apply `change` to the current state outside any stage (retried from a fresh read on a lost ETag).

    For side fields (follow-ups, attached alerts), and for moving an ended investigation back to work.
    `change` returns None to leave the state as it is. Returns the state written, or None.
    """
    for _attempt in range(MERGE_ATTEMPTS):
        loaded = load_state(deps, investigation_id)
        if loaded is None:
            return None
        updated = change(loaded.state)
        if updated is None:
            return None
        try:
            deps.blob_store.put(state_blob(investigation_id), updated.to_json_bytes(), if_match=loaded.etag,
                                content_type=_JSON)  # fmt: skip
        except PreconditionFailedError:
            continue
        return updated
    raise StorageError(f"state of {investigation_id} kept changing; try again")


_held_messages: ContextVar[list[StageMessage] | None] = ContextVar("held_stage_messages", default=None)
"""While a stage holds its investigation's lease: the stage messages it sends, sent once it lets go."""


@contextmanager
def sending_when_done(queue: Queue) -> Iterator[None]:
    """Hold the stage messages sent inside the block (in this thread), and send them as it ends.

    A stage runs under its investigation's lease; sent from inside, the next stage's message (what a commit owes,
    or a fan-out's `fanout_done`) is delivered while the lease is still held, and that delivery waits for it.
    Once committed, a step has no side effects left but the send, so sending after the lease is released loses
    nothing: a crash in between leaves the same owed message that `resume` and a stale delivery re-send.
    Messages are sent even when the block raised after committing them: the state owes them either way.
    """
    held: list[StageMessage] = []
    token = _held_messages.set(held)
    try:
        yield
    finally:
        _held_messages.reset(token)
        for message in held:
            _send_now(queue, message)


def send_owed(queue: Queue, state: InvestigationState) -> None:
    """Send the message `state` owes, if any (idempotent: the message id is deterministic)."""
    if state.next_message is not None:
        send_stage_message(queue, state.next_message)


def send_stage_message(queue: Queue, message: StageMessage) -> None:
    """Send `message` on the stages queue; inside `sending_when_done`, as that block ends."""
    held = _held_messages.get()
    if held is not None:
        held.append(message)
    else:
        _send_now(queue, message)


def _send_now(queue: Queue, message: StageMessage) -> None:
    queue.send(STAGES_QUEUE, message.model_dump_json().encode(), message_id=message.message_id)


def put_session(deps: Dependencies, investigation_id: str, step: int, session: Session) -> str:
    """Store the session, redacted (a no-op when the loop has redacted it), under a fresh name for `step`."""
    from agentcore.agent.redact import redact_session

    redact_session(session)
    name = f"{investigation_prefix(investigation_id)}session/{step}-{uuid.uuid4().hex[:8]}.json"
    deps.blob_store.put(name, session.to_json().encode(), content_type=_JSON)
    return name


def get_session(deps: Dependencies, name: str | None) -> Session:
    if name is None:
        raise StorageError("the investigation has no session (it runs in evidence-only mode)")
    from agentcore.agent.session import Session

    return Session.from_json(deps.blob_store.get(name).data)


def previous_checkpoint(state: InvestigationState) -> WorkspaceCheckpoint:
    return WorkspaceCheckpoint(state.workspace_blob, state.workspace_digest, dict(state.outputs))


def ensure_workspace(ctx: StageContext, state: InvestigationState) -> Path:
    """The investigation's workspace on this instance, exactly as of `state`: kept if it is, else restored."""
    root = ctx.workspace_root(state.id)
    if not is_restored(root, state.workspace_blob, state.outputs):
        logger.info("investigation=%s restoring the workspace of step %d", state.id, state.step)
        restore_workspace(
            ctx.deps.blob_store,
            root,
            workspace_blob=state.workspace_blob,
            repos=state.repos,
            outputs=state.outputs,
            clone_cache=ctx.clone_cache,
        )
        mark_restored(root, state.workspace_blob, state.outputs)
    return root


def save_workspace(ctx: StageContext, state: InvestigationState, root: Path) -> WorkspaceCheckpoint:
    """Checkpoint the workspace for the step after `state`'s."""
    return checkpoint_workspace(
        ctx.deps.blob_store,
        state.id,
        root,
        step=state.step + 1,
        repos=state.repos,
        previous=previous_checkpoint(state),
        level=ctx.deps.settings.snapshot_zstd_level,
        quota_bytes=ctx.deps.settings.workspace_quota_bytes,
    )


def with_checkpoint(state: InvestigationState, checkpoint: WorkspaceCheckpoint) -> InvestigationState:
    """`state` naming the workspace snapshot and synced outputs of `checkpoint`."""
    return state.with_workspace(checkpoint.workspace_blob, checkpoint.workspace_digest, checkpoint.outputs)
