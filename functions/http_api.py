"""HTTP triggers: the alert webhook, the investigations API (routes in `agentcore.pipeline.api`) and the
review web app (`agentcore.pipeline.review_app`).

Auth level FUNCTION: callers need a function key (Azure Monitor's action group puts it in the URL).
"""

from __future__ import annotations

import azure.functions as func

from agentcore.pipeline import api, pr_approval, review_app
from functions._edge import http_response, stage_context

bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.route(route="alerts", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def post_alert(req: func.HttpRequest) -> func.HttpResponse:
    """Azure Monitor action-group webhook (common alert schema): 202 and queued on `alerts`."""
    return http_response(api.post_alert(stage_context(), req.get_body()))


@bp.route(route="investigations", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def post_investigation(req: func.HttpRequest) -> func.HttpResponse:
    """A question (and optional scope): 202 with the investigation's id and status URL."""
    return http_response(api.post_investigation(stage_context(), req.get_body()))


@bp.route(route="investigations/{id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def get_investigation(req: func.HttpRequest) -> func.HttpResponse:
    """Status, stage, step, usage and report links."""
    return http_response(api.get_investigation(stage_context(), req.route_params.get("id", "")))


@bp.route(route="investigations/{id}/report", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def get_report(req: func.HttpRequest) -> func.HttpResponse:
    """The report: Markdown, or JSON with `Accept: application/json`."""
    accept = req.headers.get("Accept", "")
    return http_response(api.get_report(stage_context(), req.route_params.get("id", ""), accept))


@bp.route(route="investigations/{id}/messages", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def post_message(req: func.HttpRequest) -> func.HttpResponse:
    """A follow-up question that resumes the investigation's session."""
    return http_response(api.post_message(stage_context(), req.route_params.get("id", ""), req.get_body()))


@bp.route(route="investigations/{id}/pr-approval", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def post_pr_approval(req: func.HttpRequest) -> func.HttpResponse:
    """A person approves the draft pull request of the investigation's patch."""
    return http_response(pr_approval.post_pr_approval(stage_context(), req.route_params.get("id", ""), req.get_body()))


def _review_request(req: func.HttpRequest) -> review_app.ReviewRequest:
    return review_app.ReviewRequest(
        query=dict(req.params),
        body=req.get_body(),
        content_type=req.headers.get("Content-Type", ""),
        fetch_site=req.headers.get("Sec-Fetch-Site", ""),
    )


@bp.route(route="review", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def review_list(req: func.HttpRequest) -> func.HttpResponse:
    """The review app: investigations, filtered and searched (`?code=` carries the key through its links)."""
    return http_response(review_app.review_list(stage_context(), _review_request(req)))


@bp.route(route="review/investigations/{id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def review_report(req: func.HttpRequest) -> func.HttpResponse:
    """The review app: one investigation's report page."""
    investigation_id = req.route_params.get("id", "")
    return http_response(review_app.review_report(stage_context(), investigation_id, _review_request(req)))


@bp.route(route="review/investigations/{id}/feedback", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def review_feedback(req: func.HttpRequest) -> func.HttpResponse:
    """The review app's feedback form: the verdict, stored beside the report."""
    investigation_id = req.route_params.get("id", "")
    return http_response(review_app.post_review_feedback(stage_context(), investigation_id, _review_request(req)))


@bp.route(route="review/investigations/{id}/follow-up", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def review_follow_up(req: func.HttpRequest) -> func.HttpResponse:
    """The review app's follow-up form: a question that continues the investigation."""
    investigation_id = req.route_params.get("id", "")
    return http_response(review_app.post_review_follow_up(stage_context(), investigation_id, _review_request(req)))


@bp.route(route="review/investigations/{id}/pr-approval", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def review_pr_approval(req: func.HttpRequest) -> func.HttpResponse:
    """The review app's approval form: a person approves the draft pull request."""
    investigation_id = req.route_params.get("id", "")
    return http_response(review_app.post_review_pr_approval(stage_context(), investigation_id, _review_request(req)))
