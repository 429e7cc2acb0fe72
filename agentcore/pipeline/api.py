"""The HTTP API, without HTTP: each route is a function of the request's parts that returns a response.

The Functions app (functions/http_api.py) and `sre-agent serve` map the same routes onto these:

| route | what |
| --- | --- |
| POST /api/alerts | an Azure Monitor action-group webhook (common alert schema): 202, queued |
| POST /api/investigations | `{"question": ..., "scope": {...}}`: 202 with the id and the status URL |
| GET /api/investigations/{id} | status, stage, step, usage, report links |
| GET /api/investigations/{id}/report | the report, Markdown or JSON by `Accept` |
| POST /api/investigations/{id}/messages | `{"message": ..., "compact": true}`: a follow-up, compaction, or both |
| POST /api/investigations/{id}/pr-approval | `{"approved_by": ...}`: a person approves the draft pull request |
| GET, POST /api/review/... | the review web app's pages and forms (`agentcore.pipeline.review_app`) |

Ids are checked against the one id pattern before they name any blob, and every blob an answer
reads is named by the investigation's own state: no route can reach another investigation's data.
An unknown and a malformed id get the same 404.

Compaction is asked for with `"compact": true`, kept in state as a typed flag. Older clients sent the
message `/compact` instead; `_follow_up_request` reads that, here and nowhere else, as the same request,
so that they keep working. Nothing past this edge looks at message text for control.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentcore.errors import BlobNotFoundError, UserInputError
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import StageContext, load_state, send_owed, update_state
from agentcore.pipeline.alert_intake import enqueue_alert
from agentcore.pipeline.memory_teach import NEEDS_AGENT, is_teaching, teaching_message
from agentcore.pipeline.state import INVESTIGATION_ID, InvestigationState, RequestSpec, Stage
from agentcore.redaction import redact_text
from agentcore.reports import Trigger

logger = logging.getLogger(__name__)

_JSON = "application/json; charset=utf-8"
_MARKDOWN = "text/markdown; charset=utf-8"


@dataclass(frozen=True)
class ApiResponse:
    status: int
    body: bytes
    content_type: str = _JSON
    headers: tuple[tuple[str, str], ...] = ()


def json_response(status: int, payload: Mapping[str, Any], *, headers: tuple[tuple[str, str], ...] = ()) -> ApiResponse:
    return ApiResponse(status, json.dumps(payload, indent=1, default=str).encode(), _JSON, headers)


def _error(status: int, message: str) -> ApiResponse:
    return json_response(status, {"error": message})


NOT_FOUND = "no such investigation"


def status_url(investigation_id: str) -> str:
    return f"/api/investigations/{investigation_id}"


def _too_big(ctx: StageContext, body: bytes) -> ApiResponse | None:
    limit = ctx.deps.settings.http_max_body_bytes
    return _error(413, f"the body is over {limit} bytes") if len(body) > limit else None


def post_alert(ctx: StageContext, body: bytes) -> ApiResponse:
    """Validate an alert and queue it: 202, or 400 saying what is wrong with it."""
    if (too_big := _too_big(ctx, body)) is not None:
        return too_big
    try:
        alert = enqueue_alert(ctx, body)
    except UserInputError as e:
        return _error(400, str(e))
    return json_response(202, {"accepted": True, "fingerprint": alert.fingerprint, "dedupe_key": alert.dedupe_key})


class _Ask(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    question: str = Field(min_length=1, max_length=4000)
    scope: dict[str, str | list[str]] | None = Field(default=None, max_length=20)


class _FollowUp(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    message: str | None = Field(default=None, min_length=1, max_length=4000)
    compact: bool = Field(default=False, strict=True)


LEGACY_COMPACT_MESSAGE = "/compact"
"""What older clients sent to ask for compaction; read at this edge as `{"compact": true}`."""


@dataclass(frozen=True)
class FollowUpRequest:
    """What a POST to /messages asks for: a question for the agent, compaction of its history, or both."""

    question: str | None
    compact: bool


def _follow_up_request(body: _FollowUp) -> FollowUpRequest | str:
    """The typed request in `body`, or what is wrong with it."""
    text = (body.message or "").strip()
    if text == LEGACY_COMPACT_MESSAGE:
        return FollowUpRequest(question=None, compact=True)
    if not text and not body.compact:
        return 'message: must not be blank (or ask for compaction with "compact": true)'
    return FollowUpRequest(question=text or None, compact=body.compact)


def _parse(model: type[_Ask] | type[_FollowUp], body: bytes) -> _Ask | _FollowUp | str:
    try:
        return model.model_validate_json(body)
    except ValidationError as e:
        first = e.errors()[0]
        return f"{'.'.join(map(str, first['loc'])) or 'body'}: {first['msg']}"


def post_investigation(ctx: StageContext, body: bytes) -> ApiResponse:
    """Start an investigation of a question (optionally scoped): 202 with its id and status URL."""
    if (too_big := _too_big(ctx, body)) is not None:
        return too_big
    ask = _parse(_Ask, body)
    if isinstance(ask, str):
        return _error(400, ask)
    assert isinstance(ask, _Ask)
    question = ask.question.strip()
    if not question:
        return _error(400, "question: must not be blank")
    scope = json.dumps(ask.scope, indent=1, sort_keys=True, ensure_ascii=False) if ask.scope else None
    spec = RequestSpec(trigger=Trigger(kind="http", ref="question"), question=question, scope=scope)
    state = start_investigation(ctx, spec, title=question[:120])
    url = status_url(state.id)
    return json_response(202, {"id": state.id, "status_url": url}, headers=(("Location", url),))


def _state_of(ctx: StageContext, investigation_id: str) -> InvestigationState | None:
    if not isinstance(investigation_id, str) or not INVESTIGATION_ID.fullmatch(investigation_id):
        return None
    loaded = load_state(ctx.deps, investigation_id)
    return loaded.state if loaded else None


def get_investigation(ctx: StageContext, investigation_id: str) -> ApiResponse:
    """Where the investigation stands."""
    state = _state_of(ctx, investigation_id)
    if state is None:
        return _error(404, NOT_FOUND)
    return json_response(200, describe(state))


def describe(state: InvestigationState) -> dict[str, Any]:
    report = None
    if state.report_json is not None:
        report = {"url": f"{status_url(state.id)}/report", "json_blob": state.report_json,
                  "markdown_blob": state.report_markdown}  # fmt: skip
    status = state.report_status if state.stage is Stage.DONE else state.stage.value
    if not state.stage.is_terminal:
        status = "running"
    return {
        "id": state.id,
        "title": state.title,
        "status": status,
        "stage": state.stage.value,
        "step": state.step,
        "mode": state.mode,
        "started_at": state.started_at.isoformat(),
        "updated_at": state.updated_at.isoformat(),
        "usage": state.usage.model_dump(),
        "attached_alerts": len(state.attached_alerts),
        "pending_follow_ups": len(state.follow_ups),
        "failure": state.failure,
        "pull_request": state.pr_note,
        "report": report,
    }


def get_report(ctx: StageContext, investigation_id: str, accept: str) -> ApiResponse:
    """The report as Markdown (the default) or JSON (`Accept: application/json`)."""
    state = _state_of(ctx, investigation_id)
    if state is None:
        return _error(404, NOT_FOUND)
    if state.report_json is None or state.report_markdown is None:
        return _error(404, "the report is not written yet")
    wants_json = _prefers_json(accept)
    name = state.report_json if wants_json else state.report_markdown
    try:
        data = ctx.deps.blob_store.get(name).data
    except BlobNotFoundError:
        return _error(404, "the report is not written yet")
    return ApiResponse(200, data, _JSON if wants_json else _MARKDOWN)


def _prefers_json(accept: str) -> bool:
    types = [part.split(";")[0].strip().lower() for part in (accept or "").split(",")]
    for media in types:
        if media in {"application/json", "application/*"}:
            return True
        if media in {"text/markdown", "text/*", "text/plain"}:
            return False
    return False


def post_message(ctx: StageContext, investigation_id: str, body: bytes) -> ApiResponse:
    """A follow-up question: the session resumes (now if it had ended, else at its next slice)."""
    if (too_big := _too_big(ctx, body)) is not None:
        return too_big
    state = _state_of(ctx, investigation_id)
    if state is None:
        return _error(404, NOT_FOUND)
    parsed = _parse(_FollowUp, body)
    if isinstance(parsed, str):
        return _error(400, parsed)
    assert isinstance(parsed, _FollowUp)
    follow_up = _follow_up_request(parsed)
    if isinstance(follow_up, str):
        return _error(400, follow_up)
    if state.mode != "agent" and follow_up.question is not None and is_teaching(follow_up.question):
        return _error(409, NEEDS_AGENT)
    if state.mode != "agent":
        return _error(409, "no model is configured for this investigation, so there is no agent to ask")
    if state.stage is Stage.FAILED:
        return _error(409, "the investigation failed; start a new one")
    resumed: list[bool] = []

    def change(current: InvestigationState) -> InvestigationState:
        resumed.clear()
        updated = _with_follow_up(ctx, current, follow_up)
        resumed.append(updated.step != current.step)
        return updated

    written = update_state(ctx.deps, state.id, change)
    if written is not None and resumed and resumed[0]:
        send_owed(ctx.queue, written)
    url = status_url(state.id)
    return json_response(202, {"id": state.id, "status_url": url}, headers=(("Location", url),))


def _with_follow_up(ctx: StageContext, state: InvestigationState, request: FollowUpRequest) -> InvestigationState:
    """A running investigation keeps the request for its next slice; an ended one moves to `turns` (or `compact`)."""
    now = ctx.deps.now()
    follow_ups = state.follow_ups
    if request.question is not None:
        follow_ups = (*follow_ups, teaching_message(redact_text(request.question)))  # stored in state.json
    updated = state.with_follow_ups(follow_ups).with_compaction_requested(state.compact_requested or request.compact)
    if state.stage is not Stage.DONE:
        return updated.updated(now)
    return updated.next_step(now, Stage.COMPACT if request.compact else Stage.TURNS)


_ROUTES = [
    ("POST", "alerts", re.compile(r"^/api/alerts/?$")),
    ("POST", "investigations", re.compile(r"^/api/investigations/?$")),
    ("GET", "status", re.compile(r"^/api/investigations/(?P<id>[^/]+)/?$")),
    ("GET", "report", re.compile(r"^/api/investigations/(?P<id>[^/]+)/report/?$")),
    ("POST", "messages", re.compile(r"^/api/investigations/(?P<id>[^/]+)/messages/?$")),
    ("POST", "pr-approval", re.compile(r"^/api/investigations/(?P<id>[^/]+)/pr-approval/?$")),
]


def dispatch(
    ctx: StageContext, method: str, path: str, *, body: bytes = b"", accept: str = "", query: str = "",
    content_type: str = "", fetch_site: str = "",
) -> ApiResponse:  # fmt: skip
    """Route one request by method and path (`sre-agent serve`; the Functions app routes by itself).

    `query` is the raw query string, `content_type` and `fetch_site` the request's `Content-Type` and
    `Sec-Fetch-Site` headers: the review app's pages and forms read them.
    """
    if path == "/api/review" or path.startswith("/api/review/"):
        # imported here: the review app builds on this module's responses and routes
        from agentcore.pipeline.review_app import ReviewRequest, dispatch_review

        params = dict(parse_qsl(query, keep_blank_values=True, max_num_fields=20))
        request = ReviewRequest(query=params, body=body, content_type=content_type, fetch_site=fetch_site)
        answer = dispatch_review(ctx, method, path, request)
        if answer is not None:
            return answer
    matches = [(route_method, name, match) for route_method, name, pattern in _ROUTES if (match := pattern.match(path))]
    for route_method, name, match in matches:
        if route_method != method:
            continue
        investigation_id = match.groupdict().get("id", "")
        if name == "alerts":
            return post_alert(ctx, body)
        if name == "investigations":
            return post_investigation(ctx, body)
        if name == "status":
            return get_investigation(ctx, investigation_id)
        if name == "report":
            return get_report(ctx, investigation_id, accept)
        if name == "pr-approval":
            from agentcore.pipeline.pr_approval import post_pr_approval  # it answers with this module's responses

            return post_pr_approval(ctx, investigation_id, body)
        return post_message(ctx, investigation_id, body)
    return _error(405, "method not allowed") if matches else _error(404, "no such route")
