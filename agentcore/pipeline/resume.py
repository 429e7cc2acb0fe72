"""Picking up after a crash: re-send what the blob store says is still owed.

The local runner's queue lives in memory, so `kill -9` of `sre-agent serve` loses every message it
held: an investigation would stay at its stage for ever, an accepted alert would never start one.
But every stage commit records the message it owes (`InvestigationState.next_message`), and every
accepted alert is kept in a blob until its decision is acted on. `resume_unfinished` sends those
again when a runner starts. That is idempotent: message ids are deterministic (the queue drops a
copy), a stage that finds its step done does nothing, and one that finds another delivery running
waits for its lease.
"""

from __future__ import annotations

import logging
import re

from agentcore.alerts import parse_alert
from agentcore.errors import AgentCoreError, BlobNotFoundError
from agentcore.pipeline._stage_io import StageContext, load_state, send_stage_message
from agentcore.pipeline.alert_intake import AlertDecision, enqueue_alert
from agentcore.pipeline.state import INVESTIGATION_ID, stage_message

logger = logging.getLogger(__name__)

_STATE = re.compile(r"^investigations/(?P<id>[^/]+)/state\.json$")
_INCOMING_ALERT = re.compile(r"^alerts/incoming/(?P<key>[0-9a-f]{40})\.json$")


def resume_unfinished(ctx: StageContext) -> list[str]:
    """Re-send the message each unfinished investigation owes, and queue again each alert not acted on.

    Call it when a runner whose queue did not survive starts (`sre-agent serve`). Returns the ids of
    the investigations resumed. A state or alert that cannot be read is logged and skipped.
    """
    resumed = [i for i in _investigation_ids(ctx) if _resume_investigation(ctx, i)]
    alerts = sum(_resume_alert(ctx, name) for name in ctx.deps.blob_store.list("alerts/incoming/"))
    if resumed or alerts:
        logger.info("resumed %d unfinished investigations and %d alerts", len(resumed), alerts)
    return resumed


def _investigation_ids(ctx: StageContext) -> list[str]:
    ids = []
    for name in ctx.deps.blob_store.list("investigations/"):
        match = _STATE.match(name)
        if match and INVESTIGATION_ID.fullmatch(match["id"]):
            ids.append(match["id"])
    return ids


def _resume_investigation(ctx: StageContext, investigation_id: str) -> bool:
    try:
        loaded = load_state(ctx.deps, investigation_id)
    except AgentCoreError as e:
        logger.error("cannot resume investigation %s: %s", investigation_id, e)
        return False
    if loaded is None or loaded.state.stage.is_terminal:
        return False
    state = loaded.state
    owed = state.next_message or stage_message(state.stage, state.id, state.step)
    if owed is None:
        return False
    send_stage_message(ctx.queue, owed)
    logger.info("investigation=%s resumed at step %d (%s)", state.id, state.step, owed.type)
    return True


def _resume_alert(ctx: StageContext, name: str) -> bool:
    """Queue an accepted alert again unless what was decided for it is done."""
    match = _INCOMING_ALERT.match(name)
    if match is None:
        return False
    store = ctx.deps.blob_store
    try:
        payload = store.get(name).data
        if _alert_acted_on(ctx, match["key"], payload):
            return False
        enqueue_alert(ctx, payload)
    except AgentCoreError as e:
        logger.error("cannot resume alert %s: %s", name, e)
        return False
    return True


def _alert_acted_on(ctx: StageContext, key: str, payload: bytes) -> bool:
    """Its decision is recorded, and the investigation it starts exists, or it is attached to it."""
    try:
        decision = AlertDecision.model_validate_json(ctx.deps.blob_store.get(f"alerts/dedupe/{key}.json").data)
    except BlobNotFoundError:
        return False
    if decision.action == "ignore" or decision.investigation_id is None:
        return True
    loaded = load_state(ctx.deps, decision.investigation_id)
    if loaded is None:
        return False
    if decision.action == "start":
        return True
    dedupe_key = parse_alert(payload).dedupe_key[:500]
    return any(a.dedupe_key == dedupe_key for a in loaded.state.attached_alerts)
