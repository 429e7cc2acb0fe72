"""The review web app's routes, answered through `api.dispatch` (so `sre-agent serve`) and the Functions app.

| route | what |
| --- | --- |
| GET /api/review | investigations: status, title, service, started, duration, cost, verdict; filter, search |
| GET /api/review/investigations/{id} | the report page |
| POST /api/review/investigations/{id}/feedback | a form: the reviewer's verdict, stored beside the report |
| POST /api/review/investigations/{id}/follow-up | a form: a follow-up question (`api.post_message`) |
| POST /api/review/investigations/{id}/pr-approval | a form: approve the draft pull request (`pr_approval`) |

Pages are HTML with no script (see `agentcore.review.pages`); forms post urlencoded and are answered
with a 303 to the page (post/redirect/get), or with the page and the error when refused. A POST that
a browser marks as coming from another site (`Sec-Fetch-Site`) is refused: a page elsewhere must not
be able to ask the agent questions or record verdicts in a reviewer's name. Links keep the
Functions key (`code`) the page was opened with.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import parse_qsl

from pydantic import ValidationError

from agentcore.errors import BlobNotFoundError, StorageError
from agentcore.pipeline._review_views import list_page, report_page
from agentcore.pipeline._stage_io import StageContext, load_state
from agentcore.pipeline.api import NOT_FOUND, ApiResponse, json_response, post_message
from agentcore.pipeline.pr_approval import post_pr_approval
from agentcore.pipeline.state import INVESTIGATION_ID, InvestigationState, Stage, state_blob
from agentcore.review.feedback import (
    Culprit,
    Feedback,
    FeedbackConflictError,
    FeedbackRecord,
    read_feedback_at,
    record_feedback,
)
from agentcore.review.pages import (
    PAGE_HEADERS,
    STATUSES,
    VERDICTS,
    Links,
    ListFilters,
    render_list,
    render_not_found,
    render_report,
)
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

_HTML = "text/html; charset=utf-8"
_FORM = "application/x-www-form-urlencoded"
_DAYS = (1, 7, 30, 90)
_NOTICES = {
    "feedback": "Your feedback is recorded.",
    "follow-up": "Your question is queued: the agent continues the investigation with it.",
    "pr-approval": "Your approval is recorded: the pull request stage decides again.",
}


@dataclass(frozen=True)
class ReviewRequest:
    """The parts of an HTTP request the review routes read."""

    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    fetch_site: str = ""
    """The `Sec-Fetch-Site` header: browsers say `cross-site` for a form posted from another site."""

    @property
    def links(self) -> Links:
        return Links(self.query.get("code") or None)


def _page(status: int, html: str, headers: tuple[tuple[str, str], ...] = ()) -> ApiResponse:
    return ApiResponse(status, html.encode("utf-8"), _HTML, (*PAGE_HEADERS, *headers))


def _redirect(location: str) -> ApiResponse:
    return ApiResponse(303, b"", _HTML, (*PAGE_HEADERS, ("Location", location)))


def read_feedback(store: BlobStore, investigation_id: str) -> FeedbackRecord | None:
    """The feedback on an investigation's report (every version), or None: no such report or no feedback yet.

    Raises StorageError when the state or the feedback blob does not parse.
    """
    if not isinstance(investigation_id, str) or not INVESTIGATION_ID.fullmatch(investigation_id):
        return None
    try:
        data = store.get(state_blob(investigation_id)).data
    except BlobNotFoundError:
        return None
    try:
        report_json = InvestigationState.model_validate_json(data).report_json
    except ValueError as e:
        raise StorageError(f"state of {investigation_id} is not valid: {e}") from e
    return read_feedback_at(store, report_json) if report_json else None


def parse_filters(query: Mapping[str, str]) -> ListFilters:
    """The list's filters from query parameters; an unknown value means "any"."""
    days = int(query["days"]) if query.get("days", "").isdigit() else 7
    status, verdict = query.get("status", ""), query.get("verdict", "")
    return ListFilters(
        status=status if status in STATUSES else "",
        verdict=verdict if verdict in (*VERDICTS, "none") else "",
        service=query.get("service", "")[:200],
        q=query.get("q", "").strip()[:200],
        days=days if days in _DAYS else 7,
    )


def review_list(ctx: StageContext, request: ReviewRequest) -> ApiResponse:
    """GET /api/review: the investigations list."""
    page = list_page(ctx.deps, parse_filters(request.query))
    return _page(200, render_list(page, request.links))


def _refusal(state: InvestigationState) -> str | None:
    if state.mode != "agent":
        return "Follow-ups need the agent, and no model was configured for this investigation."
    if state.stage is Stage.FAILED:
        return "The investigation failed; start a new one to ask more."
    return None


def _report(
    ctx: StageContext, state: InvestigationState, request: ReviewRequest, *, status: int = 200, error: str = "",
    form: Mapping[str, str] | None = None,
) -> ApiResponse:  # fmt: skip
    page = report_page(ctx.deps, state, refusal=_refusal(state))
    notice = _NOTICES.get(request.query.get("done", ""), "")
    page = replace(page, notice=notice, error=error, form=dict(form or {}))
    return _page(status, render_report(page, request.links))


def _not_found(request: ReviewRequest) -> ApiResponse:
    return _page(404, render_not_found(NOT_FOUND, request.links))


def _state(ctx: StageContext, investigation_id: str) -> InvestigationState | None:
    if not INVESTIGATION_ID.fullmatch(investigation_id):
        return None
    loaded = load_state(ctx.deps, investigation_id)
    return loaded.state if loaded else None


def review_report(ctx: StageContext, investigation_id: str, request: ReviewRequest) -> ApiResponse:
    """GET /api/review/investigations/{id}: the report page."""
    state = _state(ctx, investigation_id)
    return _not_found(request) if state is None else _report(ctx, state, request)


def _form(request: ReviewRequest) -> dict[str, str] | tuple[int, str]:
    """The urlencoded form, or the status and reason it is refused with."""
    if request.fetch_site.lower() in {"cross-site", "same-site"}:
        return 403, "Refused: the form was posted from another site."
    if request.content_type.split(";")[0].strip().lower() != _FORM:
        return 415, f"Expected a form ({_FORM})."
    try:
        return dict(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True, max_num_fields=20))
    except (UnicodeDecodeError, ValueError) as e:
        return 400, f"The form could not be read: {e}"


def _feedback_of(form: Mapping[str, str], now: datetime) -> Feedback:
    repo, commit = form.get("culprit_repo", "").strip(), form.get("culprit_commit", "").strip()
    return Feedback.model_validate({
        "verdict": form.get("verdict", ""),
        "human_root_cause": form.get("human_root_cause", "").strip(),
        "culprit": Culprit(repo=repo, commit=commit) if repo or commit else None,
        "notes": form.get("notes", "").strip(),
        "by": form.get("by", "").strip(),
        "at": now,
    })  # fmt: skip


def _first_problem(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or "form"
    return f"{where}: {first['msg']}"


def post_review_feedback(ctx: StageContext, investigation_id: str, request: ReviewRequest) -> ApiResponse:
    """POST .../feedback: append the reviewer's feedback beside the report, or show why not."""
    state = _state(ctx, investigation_id)
    if state is None:
        return _not_found(request)
    form = _form(request)
    if isinstance(form, tuple):
        return _report(ctx, state, request, status=form[0], error=form[1])
    if state.report_json is None:
        return _report(ctx, state, request, status=409, error="There is no report to review yet.", form=form)
    try:
        feedback = _feedback_of(form, ctx.deps.now())
    except ValidationError as e:
        return _report(ctx, state, request, status=400, error=_first_problem(e), form=form)
    based_on = int(form["based_on"]) if form.get("based_on", "").isdigit() else 0
    try:
        record_feedback(ctx.deps.blob_store, state.id, state.report_json, feedback, based_on=based_on)
    except FeedbackConflictError as e:
        message = f"Not recorded: {e}. Read theirs below, then submit again if you still disagree."
        return _report(ctx, state, request, status=409, error=message, form=form)
    logger.info("investigation=%s feedback %s by %s", state.id, feedback.verdict.value, feedback.by)
    return _redirect(request.links.url(f"/api/review/investigations/{state.id}", {"done": "feedback"}))


def post_review_follow_up(ctx: StageContext, investigation_id: str, request: ReviewRequest) -> ApiResponse:
    """POST .../follow-up: hand the question to the investigation (as `POST .../messages` does)."""

    def ask(state: InvestigationState, form: Mapping[str, str]) -> ApiResponse:
        return post_message(ctx, state.id, json.dumps({"message": form.get("message", "")}).encode())

    return _relayed_form(ctx, investigation_id, request, ask, done="follow-up")


def post_review_pr_approval(ctx: StageContext, investigation_id: str, request: ReviewRequest) -> ApiResponse:
    """POST .../pr-approval: record the reviewer's approval of the draft pull request (as the API does)."""

    def approve(state: InvestigationState, form: Mapping[str, str]) -> ApiResponse:
        return post_pr_approval(ctx, state.id, json.dumps({"approved_by": form.get("approved_by", "")}).encode())

    return _relayed_form(ctx, investigation_id, request, approve, done="pr-approval")


def _relayed_form(
    ctx: StageContext, investigation_id: str, request: ReviewRequest,
    relay: Callable[[InvestigationState, Mapping[str, str]], ApiResponse], *, done: str,
) -> ApiResponse:  # fmt: skip
    """A form handed to its API route: a 303 to the page with `done`'s notice, or the page with the API's refusal."""
    state = _state(ctx, investigation_id)
    if state is None:
        return _not_found(request)
    form = _form(request)
    if isinstance(form, tuple):
        return _report(ctx, state, request, status=form[0], error=form[1])
    answer = relay(state, form)
    if answer.status not in (200, 202):
        current = _state(ctx, investigation_id) or state
        error = str(json.loads(answer.body).get("error", "refused"))
        return _report(ctx, current, request, status=answer.status, error=error)
    return _redirect(request.links.url(f"/api/review/investigations/{state.id}", {"done": done}))


_ROUTES = [
    ("GET", "list", re.compile(r"^/api/review/?$")),
    ("GET", "report", re.compile(r"^/api/review/investigations/(?P<id>[^/]+)/?$")),
    ("POST", "feedback", re.compile(r"^/api/review/investigations/(?P<id>[^/]+)/feedback/?$")),
    ("POST", "follow-up", re.compile(r"^/api/review/investigations/(?P<id>[^/]+)/follow-up/?$")),
    ("POST", "pr-approval", re.compile(r"^/api/review/investigations/(?P<id>[^/]+)/pr-approval/?$")),
]


def dispatch_review(ctx: StageContext, method: str, path: str, request: ReviewRequest) -> ApiResponse | None:
    """Answer a review route; None when `path` is not one (`api.dispatch` goes on with its own)."""
    matches = [(route_method, name, m) for route_method, name, pattern in _ROUTES if (m := pattern.match(path))]
    for route_method, name, match in matches:
        if route_method != method:
            continue
        investigation_id = match.groupdict().get("id", "")
        if name == "list":
            return review_list(ctx, request)
        if name == "report":
            return review_report(ctx, investigation_id, request)
        if name == "feedback":
            return post_review_feedback(ctx, investigation_id, request)
        if name == "pr-approval":
            return post_review_pr_approval(ctx, investigation_id, request)
        return post_review_follow_up(ctx, investigation_id, request)
    return json_response(405, {"error": "method not allowed"}) if matches else None
