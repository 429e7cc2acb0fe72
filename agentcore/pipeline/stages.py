"""The `stages` queue's consumer: one entry for every stage message, wherever it is delivered.

`handle_stage_message` parses a message, drops it when it is stale (its step is done, or the
investigation ended), runs the stage, and says how to settle it. Poison (malformed, oversized,
unknown type, no such investigation) is dead-lettered at once with a clear reason and touches no
investigation. A stage runs under its investigation's lease (`_stage_lease`): a second delivery of
the same step waits for the first and then finds its step done, or gives up having run nothing and
is delivered again. A failing stage raises, so that the queue delivers it again; on its last
delivery the investigation is marked failed with the reason and the message dead-lettered.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from pydantic import ValidationError

from agentcore.errors import ConfigError, UserInputError
from agentcore.pipeline._stage_intake import run_intake
from agentcore.pipeline._stage_io import Loaded, StageContext, load_state, send_owed, sending_when_done
from agentcore.pipeline._stage_lease import InvestigationBusyError, investigation_lease
from agentcore.pipeline._stage_report import fail_investigation, run_pr, run_report
from agentcore.pipeline.state import STAGE_OF_MESSAGE, StageMessage
from agentcore.sandbox.quota import WorkspaceQuotaError

if TYPE_CHECKING:  # the agent's stages are imported when first run: an evidence-only run never loads them
    from agentcore.pipeline.fanout import FanOutOrder

logger = logging.getLogger(__name__)

PERMANENT_ERRORS = (UserInputError, ConfigError, WorkspaceQuotaError)
"""Failures that no redelivery can fix: the investigation fails at once. (A workspace over its quota
stays over it on every redelivery, and each would repeat the step's model call first.)"""


@dataclass(frozen=True)
class StageOutcome:
    """How to settle the message. `fan_out`: children the edge must start (when no local runner was given)."""

    settle: Literal["complete", "dead_letter"]
    reason: str = ""
    description: str = ""
    fan_out: FanOutOrder | None = None


COMPLETE = StageOutcome("complete")

FanOutRunner = Callable[[StageContext, "FanOutOrder"], None]
"""Runs a fan-out to its end, synchronously (the local runner's threads)."""


class PoisonMessageError(UserInputError):
    """A message that can never be processed; `reason` is the dead-letter reason."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(f"{reason}: {description}")
        self.reason = reason
        self.description = description


def parse_stage_message(body: bytes, max_bytes: int) -> StageMessage:
    """The message in `body`, or PoisonMessageError saying what is wrong with it."""
    if len(body) > max_bytes:
        raise PoisonMessageError("MessageTooLarge", f"{len(body)} bytes, over the {max_bytes}-byte limit")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PoisonMessageError("MalformedMessage", f"not JSON: {e}") from e
    if not isinstance(data, dict):
        raise PoisonMessageError("MalformedMessage", "not a JSON object")
    kind = data.get("type")
    if kind not in STAGE_OF_MESSAGE:
        raise PoisonMessageError("UnknownMessageType", f"no stage handles messages of type {str(kind)[:80]!r}")
    try:
        return StageMessage.model_validate(data)
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc']))}: {err['msg']}" for err in e.errors()[:5])
        raise PoisonMessageError("MalformedMessage", problems) from e


def handle_stage_message(
    ctx: StageContext, body: bytes, *, delivery_count: int, fan_out_runner: FanOutRunner | None = None
) -> StageOutcome:
    """Process one delivery of a stage message; raise to have it delivered again."""
    try:
        message = parse_stage_message(body, ctx.deps.settings.stage_message_max_bytes)
    except PoisonMessageError as e:
        logger.error("dead-lettering a stage message: %s", e)
        return StageOutcome("dead_letter", e.reason, e.description)
    try:
        return _process(ctx, message, fan_out_runner)
    except PoisonMessageError as e:
        logger.error("dead-lettering %s: %s", message.message_id, e)
        return StageOutcome("dead_letter", e.reason, e.description)
    except PERMANENT_ERRORS as e:
        fail_investigation(ctx, message.investigation_id, stage=message.type, reason=f"{type(e).__name__}: {e}")
        return COMPLETE
    except InvestigationBusyError as e:
        if delivery_count < ctx.deps.settings.stage_max_delivery_count:
            logger.info("%s to be delivered again: %s", message.message_id, e)
            raise
        logger.warning("%s completed unrun on its last delivery (%s); the holder's delivery carries the step",
                       message.message_id, e)  # fmt: skip
        return COMPLETE
    except Exception as e:
        if delivery_count < ctx.deps.settings.stage_max_delivery_count:
            logger.warning("%s failed on delivery %d, to be retried: %s", message.message_id, delivery_count, e)
            raise
        reason = f"{type(e).__name__}: {e} (after {delivery_count} deliveries)"
        fail_investigation(ctx, message.investigation_id, stage=message.type, reason=reason)
        return StageOutcome("dead_letter", "StageFailed", reason[:4000])


def _process(ctx: StageContext, message: StageMessage, fan_out_runner: FanOutRunner | None) -> StageOutcome:
    """Run the message's stage under the investigation's lease, if it is still the current one."""
    if _current_state(ctx, message) is None:
        return COMPLETE
    settings = ctx.deps.settings
    # What the stage's commit owes is sent after the lease is released, so the next stage finds it free.
    with sending_when_done(ctx.queue), investigation_lease(
        ctx.deps.blob_store, message.investigation_id, duration_s=settings.stage_lease_s,
        wait_s=settings.stage_lease_wait_s,
    ):  # fmt: skip
        leased = _current_state(ctx, message)  # read again: what the last holder committed
        if leased is None:
            return COMPLETE
        return _run_stage(ctx, message, leased, fan_out_runner)


def _current_state(ctx: StageContext, message: StageMessage) -> Loaded | None:
    """The state if `message` is its current one; None for a stale message (re-sending what may be lost)."""
    loaded = load_state(ctx.deps, message.investigation_id)
    if loaded is None:
        raise PoisonMessageError("UnknownInvestigation", f"no investigation {message.investigation_id}")
    if not _is_current(loaded, message):
        _resend_if_lost(ctx, loaded, message)
        return None
    return loaded


def _run_stage(
    ctx: StageContext, message: StageMessage, loaded: Loaded, fan_out_runner: FanOutRunner | None
) -> StageOutcome:
    logger.info("investigation=%s step=%d running stage %s", message.investigation_id, message.step, message.type)
    if message.type == "fanout":
        from agentcore.pipeline._stage_agent import fan_out_stage

        order = fan_out_stage(loaded)
        if fan_out_runner is None:
            return StageOutcome("complete", fan_out=order)
        fan_out_runner(ctx, order)
        return COMPLETE
    if message.type == "fanout_done" and message.error:
        fail_investigation(ctx, message.investigation_id, stage="fanout", reason=f"subagents failed: {message.error}")
        return COMPLETE
    _HANDLERS[message.type](ctx, loaded)
    return COMPLETE


def _is_current(loaded: Loaded, message: StageMessage) -> bool:
    state = loaded.state
    return not state.stage.is_terminal and state.step == message.step and state.stage is STAGE_OF_MESSAGE[message.type]


def _resend_if_lost(ctx: StageContext, loaded: Loaded, message: StageMessage) -> None:
    """A stale message whose stage committed just before: the crash may have eaten what it owed."""
    state = loaded.state
    logger.info(
        "investigation=%s: %s is stale (state at step %d, stage %s); completing it",
        state.id, message.message_id, state.step, state.stage.value,
    )  # fmt: skip
    if state.step == message.step + 1 and not state.stage.is_terminal:
        send_owed(ctx.queue, state)


def _turns(ctx: StageContext, loaded: Loaded) -> None:
    from agentcore.pipeline._stage_agent import run_turns

    run_turns(ctx, loaded)


def _compact(ctx: StageContext, loaded: Loaded) -> None:
    from agentcore.pipeline._stage_agent import run_turns

    run_turns(ctx, loaded, compact=True)


def _fanout_done(ctx: StageContext, loaded: Loaded) -> None:
    from agentcore.pipeline._stage_agent import run_fanout_done

    run_fanout_done(ctx, loaded)


_HANDLERS: dict[str, Callable[[StageContext, Loaded], None]] = {
    "intake": run_intake,
    "turns": _turns,
    "compact": _compact,
    "fanout_done": _fanout_done,
    "report": run_report,
    "pr": run_pr,
}


def handle_dead_lettered_stage(ctx: StageContext, body: bytes, *, reason: str, description: str) -> bool:
    """A stage message Service Bus gave up on: mark its investigation failed if it still waited on it."""
    try:
        message = parse_stage_message(body, ctx.deps.settings.stage_message_max_bytes)
    except PoisonMessageError:
        return False
    loaded = load_state(ctx.deps, message.investigation_id)
    if loaded is None or not _is_current(loaded, message):
        return False
    detail = f"{reason}: {description}".strip(": ")
    return fail_investigation(ctx, message.investigation_id, stage=message.type, reason=f"dead-lettered ({detail})")


def record_refusal(ctx: StageContext, queue: str, message_id: str, reason: str, description: str) -> str:
    """Keep why a message was refused (`deadletters/<queue>/<yyyy>/<mm>/<dd>/<hash>.json`), for an edge
    that cannot dead-letter with a reason itself. Returns the blob name."""
    now = ctx.deps.now()
    key = hashlib.sha256(message_id.encode()).hexdigest()[:32]
    name = f"deadletters/{queue}/{now:%Y/%m/%d}/{key}.json"
    record = {
        "message_id": message_id[:200],
        "reason": reason,
        "description": description[:4000],
        "at": now.isoformat(),
    }
    ctx.deps.blob_store.put(name, json.dumps(record, indent=1).encode(), content_type="application/json")
    return name
