"""A person's approval of the agent's pull request: `POST /api/investigations/{id}/pr-approval`.

With `pr_approval_required` (the default), the `pr` stage opens a draft pull request only when a person's
approval is recorded on the investigation. The approval may come before the stage runs (it is kept, and the
stage finds it) or after the stage refused for want of it (the investigation goes back to the `pr` stage).
An approval that lands while the stage is deciding is merged into its commit, which then runs the stage
again (`merge_side_fields`). Approving twice changes nothing. The approver's name is what the caller gives,
behind the edge's own authentication (a function key, or Easy Auth in front of the app).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentcore.pipeline._pr_policy import AWAITING_APPROVAL
from agentcore.pipeline._stage_io import StageContext, load_state, send_owed, update_state
from agentcore.pipeline.api import NOT_FOUND, ApiResponse, json_response, status_url
from agentcore.pipeline.state import INVESTIGATION_ID, InvestigationState, Stage
from agentcore.redaction import redact_text


class _Approval(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    approved_by: str = Field(min_length=1, max_length=200, pattern=r"\S")


def awaits_approval(state: InvestigationState) -> bool:
    """The investigation ended with the `pr` stage refusing only for want of a person's approval."""
    return state.stage is Stage.DONE and state.pr_note == AWAITING_APPROVAL


def post_pr_approval(ctx: StageContext, investigation_id: str, body: bytes) -> ApiResponse:
    """Record who approves the pull request: 202 (and the `pr` stage runs again when it was waiting),
    200 when this approval is recorded already, 409 when the stage decided for another reason."""
    limit = ctx.deps.settings.http_max_body_bytes
    if len(body) > limit:
        return json_response(413, {"error": f"the body is over {limit} bytes"})
    loaded = load_state(ctx.deps, investigation_id) if INVESTIGATION_ID.match(investigation_id) else None
    if loaded is None:
        return json_response(404, {"error": NOT_FOUND})
    try:
        approver = redact_text(_Approval.model_validate_json(body).approved_by.strip())
    except ValidationError as e:
        first = e.errors()[0]
        return json_response(400, {"error": f"{'.'.join(map(str, first['loc'])) or 'body'}: {first['msg']}"})
    state = loaded.state
    if state.stage is Stage.FAILED:
        return json_response(409, {"error": "the investigation failed; there is no patch to approve"})
    if state.pr_approved_by is not None and not awaits_approval(state):
        return _answer(200, state)
    if state.stage is Stage.DONE and not awaits_approval(state):
        return json_response(409, {"error": f"the pull request stage has decided: {state.pr_note or 'no patch'}"})

    def approve(current: InvestigationState) -> InvestigationState | None:
        if current.pr_approved_by is not None and not awaits_approval(current):
            return None
        approved = current.with_pr_approval(current.pr_approved_by or approver)
        return approved.next_step(ctx.deps.now(), Stage.PR) if awaits_approval(current) else approved

    written = update_state(ctx.deps, state.id, approve)
    if written is None:
        current = load_state(ctx.deps, state.id)
        return _answer(200, current.state if current else state)
    send_owed(ctx.queue, written)
    return _answer(202, written)


def _answer(status: int, state: InvestigationState) -> ApiResponse:
    url = status_url(state.id)
    payload = {"id": state.id, "approved_by": state.pr_approved_by, "stage": state.stage.value,
               "pull_request": state.pr_note, "status_url": url}  # fmt: skip
    return json_response(status, payload, headers=(("Location", url),))


__all__ = ["AWAITING_APPROVAL", "awaits_approval", "post_pr_approval"]
