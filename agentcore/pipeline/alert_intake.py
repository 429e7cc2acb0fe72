"""Alerts in: validate and queue (the webhook), then start or attach an investigation (the `alerts` queue).

The webhook stores the raw alert in a blob and queues its name (alerts can be close to Service
Bus's size limit). The consumer dedupes on `Alert.dedupe_key` (Azure may notify twice) and attaches an
alert to an open investigation with the same `Alert.fingerprint` (one rule, one set of targets)
started within `alert_attach_window_s`; otherwise it starts one. A resolution with nothing open to
attach to starts nothing.

Every decision is written down before it is acted on (`alerts/dedupe/<key>.json`), and acting on it
is idempotent, so a redelivered message finishes what a crashed one began.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentcore.alerts import Alert, parse_alert
from agentcore.errors import BlobNotFoundError, PreconditionFailedError
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import ALERTS_QUEUE, StageContext, load_state, update_state
from agentcore.pipeline.stages import StageOutcome
from agentcore.pipeline.state import INVESTIGATION_ID, AttachedAlert, InvestigationState, RequestSpec, Stage
from agentcore.reports import Trigger

logger = logging.getLogger(__name__)

_INCOMING = re.compile(r"^alerts/incoming/[0-9a-f]{40}\.json$")
_JSON = "application/json; charset=utf-8"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def enqueue_alert(ctx: StageContext, body: bytes) -> Alert:
    """Validate a common-alert-schema payload, keep it in a blob, and queue its name. Raises UserInputError."""
    alert = parse_alert(body)
    key = _key(alert.dedupe_key)
    name = f"alerts/incoming/{key}.json"
    ctx.deps.blob_store.put(name, body, content_type=_JSON)
    ctx.queue.send(ALERTS_QUEUE, json.dumps({"alert_blob": name}).encode(), message_id=f"alert-{key}")
    logger.info("alert %s (%s, %s) queued", alert.rule, alert.severity, alert.monitor_condition)
    return alert


class _AlertMessage(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_blob: str = Field(pattern=_INCOMING.pattern)


class AlertDecision(BaseModel):
    """What became of one alert notification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    action: Literal["start", "attach", "ignore"]
    investigation_id: str | None = Field(default=None, pattern=INVESTIGATION_ID.pattern)


class _OpenInvestigation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    investigation_id: str = Field(pattern=INVESTIGATION_ID.pattern)
    claimed_at: datetime


CLAIM_GRACE_S = 600.0
"""A fingerprint claimed this recently by an investigation that has not started yet still counts as open."""


def alert_investigation_id(alert: Alert) -> str:
    """The id an alert's own investigation gets: derived from it, so a redelivery finds its own claim."""
    return f"inv-{alert.fired_at:%Y%m%d-%H%M%S}-{_key(alert.dedupe_key)[:6]}"


def handle_alert_message(ctx: StageContext, body: bytes) -> StageOutcome:
    """Consume one `alerts` message: dedupe, then start or attach. Poison is dead-lettered."""
    try:
        message = _AlertMessage.model_validate_json(body)
    except ValidationError as e:
        return StageOutcome("dead_letter", "MalformedMessage", f"not an alert message: {e.errors()[0]['msg']}")
    try:
        alert = parse_alert(ctx.deps.blob_store.get(message.alert_blob).data)
    except BlobNotFoundError:
        return StageOutcome("dead_letter", "AlertMissing", f"{message.alert_blob} does not exist")
    decision = _recorded_or_new_decision(ctx, alert)
    _act(ctx, alert, decision)
    return StageOutcome("complete")


def _recorded_or_new_decision(ctx: StageContext, alert: Alert) -> AlertDecision:
    store = ctx.deps.blob_store
    marker = f"alerts/dedupe/{_key(alert.dedupe_key)}.json"
    try:
        return AlertDecision.model_validate_json(store.get(marker).data)
    except BlobNotFoundError:
        pass
    decision = _decide(ctx, alert)
    try:
        store.put(marker, decision.model_dump_json().encode(), if_none_match=True, content_type=_JSON)
    except PreconditionFailedError:
        return AlertDecision.model_validate_json(store.get(marker).data)
    return decision


def _decide(ctx: StageContext, alert: Alert) -> AlertDecision:
    """Attach to the open investigation of this fingerprint, or claim the fingerprint for a new one."""
    store = ctx.deps.blob_store
    index = f"alerts/open/{alert.fingerprint}.json"
    own_id = alert_investigation_id(alert)
    for _attempt in range(8):
        try:
            blob = store.get(index)
        except BlobNotFoundError:
            blob = None
        if blob is not None:
            claim = _OpenInvestigation.model_validate_json(blob.data)
            if claim.investigation_id == own_id:
                return AlertDecision(action="start", investigation_id=own_id)
            if _is_open(ctx, claim):
                return AlertDecision(action="attach", investigation_id=claim.investigation_id)
        if alert.monitor_condition == "Resolved":
            return AlertDecision(action="ignore")
        data = _OpenInvestigation(investigation_id=own_id, claimed_at=ctx.deps.now()).model_dump_json().encode()
        try:
            if blob is None:
                store.put(index, data, if_none_match=True, content_type=_JSON)
            else:
                store.put(index, data, if_match=blob.etag, content_type=_JSON)
        except PreconditionFailedError:
            continue  # another alert of this fingerprint claimed it first: look again
        return AlertDecision(action="start", investigation_id=own_id)
    return AlertDecision(action="start", investigation_id=own_id)


def _is_open(ctx: StageContext, claim: _OpenInvestigation) -> bool:
    now = ctx.deps.now()
    loaded = load_state(ctx.deps, claim.investigation_id)
    if loaded is None:
        return (now - claim.claimed_at).total_seconds() <= CLAIM_GRACE_S
    state = loaded.state
    age_s = (now - state.started_at).total_seconds()
    return state.stage is not Stage.FAILED and age_s <= ctx.deps.settings.alert_attach_window_s


def _act(ctx: StageContext, alert: Alert, decision: AlertDecision) -> None:
    if decision.action == "ignore" or decision.investigation_id is None:
        logger.info("alert %s resolved with no open investigation: nothing to do", alert.rule)
        return
    if decision.action == "start":
        spec = RequestSpec(trigger=Trigger(kind="alert", ref=alert.alert_id[:500]), alert=alert)
        start_investigation(
            ctx, spec, title=f"{alert.rule} ({alert.severity})", investigation_id=decision.investigation_id,
            fingerprint=alert.fingerprint,
        )  # fmt: skip
        return
    attached = AttachedAlert(
        dedupe_key=alert.dedupe_key[:500], fired_at=alert.fired_at, monitor_condition=alert.monitor_condition
    )

    def attach(state: InvestigationState) -> InvestigationState | None:
        if any(a.dedupe_key == attached.dedupe_key for a in state.attached_alerts):
            return None
        return state.with_attached_alerts((*state.attached_alerts, attached)).updated(ctx.deps.now())

    update_state(ctx.deps, decision.investigation_id, attach)
    logger.info("alert %s attached to investigation %s", alert.rule, decision.investigation_id)
