"""The review app's routes through `api.dispatch`, as `sre-agent serve` calls them, and the Functions app."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from agentcore.pipeline._pr_policy import AWAITING_APPROVAL
from agentcore.pipeline._stage_io import load_state, update_state
from agentcore.pipeline.api import ApiResponse, dispatch
from agentcore.pipeline.review_app import read_feedback
from agentcore.pipeline.state import Stage
from tests.review.agent_investigation import IMAGE, SCRIPT, store_agent_investigation
from tests.review.conftest import Review

FORM = "application/x-www-form-urlencoded"


def get(review: Review, path: str, query: str = "") -> ApiResponse:
    return dispatch(review.ctx, "GET", path, query=query)


def post_form(review: Review, path: str, fields: dict[str, str], *, query: str = "", site: str = "") -> ApiResponse:
    body = urlencode(fields).encode()
    return dispatch(review.ctx, "POST", path, body=body, query=query, content_type=FORM, fetch_site=site)


def html(response: ApiResponse) -> str:
    return response.body.decode("utf-8")


def header(response: ApiResponse, name: str) -> str:
    return dict(response.headers)[name]


def feedback_fields(**changes: str) -> dict[str, str]:
    fields = {"verdict": "correct", "human_root_cause": "naive campaign expiry", "culprit_repo": "checkout",
              "culprit_commit": "b12894d2a204", "notes": "rolled back at 14:40", "by": "ana",
              "based_on": "0"}  # fmt: skip
    return {**fields, **changes}


def test_the_list_shows_both_investigations_with_status_service_and_cost(review: Review) -> None:
    page = html(get(review, "/api/review"))
    assert review.evidence_only in page
    assert review.agent in page
    assert "checkout-api exception spike (Sev2)" in page
    assert "$0.4172" in page
    assert "completed" in page
    assert "inconclusive" in page


def test_the_list_is_filtered_by_status_on_the_server(review: Review) -> None:
    page = html(get(review, "/api/review", "status=completed"))
    assert review.agent in page
    assert review.evidence_only not in page


def test_the_list_is_searched_by_title_on_the_server(review: Review) -> None:
    page = html(get(review, "/api/review", "q=coupons+deploy"))
    assert review.agent in page
    assert review.evidence_only not in page


def test_the_list_filters_by_verdict_once_feedback_is_recorded(review: Review) -> None:
    post_form(review, f"/api/review/investigations/{review.agent}/feedback", feedback_fields())
    reviewed = html(get(review, "/api/review", "verdict=correct"))
    not_reviewed = html(get(review, "/api/review", "verdict=none"))
    assert (review.agent in reviewed, review.evidence_only in reviewed) == (True, False)
    assert (review.agent in not_reviewed, review.evidence_only in not_reviewed) == (False, True)


def test_an_investigation_older_than_the_window_is_not_listed(review: Review) -> None:
    old = store_agent_investigation(review.store, datetime.now(UTC) - timedelta(days=3), suffix="0dd0dd")
    assert old not in html(get(review, "/api/review", "days=1"))
    assert old in html(get(review, "/api/review", "days=7"))


def test_an_unknown_or_malformed_investigation_is_a_404_page(review: Review) -> None:
    for path in ("/api/review/investigations/inv-20990101-000000-abcdef", "/api/review/investigations/..%2Fstate"):
        response = get(review, path)
        assert (response.status, response.content_type) == (404, "text/html; charset=utf-8"), path


def test_pages_allow_no_script_at_all(review: Review) -> None:
    for path in ("/api/review", f"/api/review/investigations/{review.agent}"):
        policy = header(get(review, path), "Content-Security-Policy")
        assert "default-src 'none'" in policy
        assert "script-src" not in policy


def test_hostile_log_text_is_escaped_in_the_report_page(review: Review) -> None:
    page = html(get(review, f"/api/review/investigations/{review.agent}"))
    assert SCRIPT not in page
    assert IMAGE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "<script" not in page


def test_the_report_page_shows_each_evidence_source_and_what_settled_each_hypothesis(review: Review) -> None:
    page = html(get(review, f"/api/review/investigations/{review.agent}"))
    assert "python scripts/compare_rounding.py --last 10000" in page
    assert "AppExceptions | where AppRoleName == &#39;checkout-api&#39;" in page
    assert 'href="#evidence-3">evidence 4</a>' in page
    assert "rounding is unchanged" in page  # a subagent's answer
    assert "1,480,221" in page  # bytes that left for the model provider
    assert '<svg class="timeline"' in page


def test_links_and_forms_carry_the_functions_key(review: Review) -> None:
    page = html(get(review, "/api/review", "code=k3y"))
    assert f'href="/api/review/investigations/{review.agent}?code=k3y"' in page
    report = html(get(review, f"/api/review/investigations/{review.agent}", "code=k3y"))
    assert f'action="/api/review/investigations/{review.agent}/feedback?code=k3y"' in report


def test_feedback_from_the_form_is_stored_beside_the_report_and_answered_with_a_redirect(review: Review) -> None:
    response = post_form(review, f"/api/review/investigations/{review.agent}/feedback", feedback_fields())
    assert response.status == 303
    assert header(response, "Location") == f"/api/review/investigations/{review.agent}?done=feedback"
    record = read_feedback(review.store, review.agent)
    assert record is not None
    assert record.report_blob.replace(".json", ".feedback.json") in set(review.store.list("reports/"))
    assert (record.latest.verdict.value, record.latest.by, record.latest.culprit and record.latest.culprit.commit) == (
        "correct", "ana", "b12894d2a204")  # fmt: skip


def test_feedback_without_a_verdict_is_refused_and_the_form_kept(review: Review) -> None:
    response = post_form(review, f"/api/review/investigations/{review.agent}/feedback", feedback_fields(verdict=""))
    assert response.status == 400
    assert "verdict" in html(response)
    assert 'value="naive campaign expiry"' in html(response)
    assert read_feedback(review.store, review.agent) is None


def test_feedback_based_on_an_older_version_is_refused_not_overwritten(review: Review) -> None:
    path = f"/api/review/investigations/{review.agent}/feedback"
    post_form(review, path, feedback_fields(by="ana"))
    response = post_form(review, path, feedback_fields(by="ben", verdict="wrong", based_on="0"))
    assert response.status == 409
    assert "ana recorded feedback" in html(response)
    record = read_feedback(review.store, review.agent)
    assert record is not None
    assert [v.by for v in record.versions] == ["ana"]


def test_a_form_posted_from_another_site_is_refused(review: Review) -> None:
    path = f"/api/review/investigations/{review.agent}/follow-up"
    response = post_form(review, path, {"message": "delete everything"}, site="cross-site")
    assert response.status == 403
    loaded = load_state(review.ctx.deps, review.agent)
    assert loaded is not None
    assert loaded.state.follow_ups == ()
    assert loaded.state.stage is Stage.DONE


def test_a_follow_up_from_the_page_continues_the_investigation(review: Review) -> None:
    path = f"/api/review/investigations/{review.agent}/follow-up"
    response = post_form(review, path, {"message": "did the mobile clients fail too?"})
    assert response.status == 303
    loaded = load_state(review.ctx.deps, review.agent)
    assert loaded is not None
    assert (loaded.state.stage, loaded.state.follow_ups) == (Stage.TURNS, ("did the mobile clients fail too?",))
    assert [json.loads(m.body)["type"] for m in review.ctx.queue.receive("stages")] == ["turns"]


def test_a_follow_up_on_an_evidence_only_investigation_is_refused_with_the_reason(review: Review) -> None:
    page = html(get(review, f"/api/review/investigations/{review.evidence_only}"))
    assert "no model was configured" in page
    path = f"/api/review/investigations/{review.evidence_only}/follow-up"
    response = post_form(review, path, {"message": "and now?"})
    assert response.status == 409


def test_a_json_body_is_not_taken_for_a_form(review: Review) -> None:
    body = json.dumps(feedback_fields()).encode()
    path = f"/api/review/investigations/{review.agent}/feedback"
    response = dispatch(review.ctx, "POST", path, body=body, content_type="application/json")
    assert response.status == 415


def test_a_hostile_title_is_escaped_in_the_list(review: Review) -> None:
    store_agent_investigation(review.store, datetime.now(UTC), suffix="bad001", title=f"checkout {SCRIPT} {IMAGE}")
    page = html(get(review, "/api/review"))
    assert "<script>" not in page
    assert "checkout &lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(2)&gt;" in page


def test_a_running_investigation_has_a_page_that_says_the_report_is_not_written_yet(review: Review) -> None:
    response = dispatch(review.ctx, "POST", "/api/investigations", body=b'{"question": "why is checkout slow?"}')
    investigation_id = json.loads(response.body)["id"]
    page = html(get(review, f"/api/review/investigations/{investigation_id}"))
    assert "The report is not written yet" in page
    assert '<span class="badge running">running</span>' in page
    assert investigation_id in html(get(review, "/api/review", "status=running"))


def test_a_wrong_method_on_a_review_route_is_a_405(review: Review) -> None:
    assert dispatch(review.ctx, "DELETE", f"/api/review/investigations/{review.agent}").status == 405


def test_a_pull_request_awaiting_approval_is_approved_from_the_page(review: Review) -> None:
    update_state(review.ctx.deps, review.agent, lambda state: state.with_pr_note(AWAITING_APPROVAL))
    page = html(get(review, f"/api/review/investigations/{review.agent}"))
    assert "approval is required and none is recorded" in page
    assert 'action="/api/review/investigations/' + review.agent + '/pr-approval"' in page
    response = post_form(review, f"/api/review/investigations/{review.agent}/pr-approval", {"approved_by": "ana"})
    assert response.status == 303
    loaded = load_state(review.ctx.deps, review.agent)
    assert loaded is not None
    assert (loaded.state.stage, loaded.state.pr_approved_by) == (Stage.PR, "ana")
    assert [json.loads(m.body)["type"] for m in review.ctx.queue.receive("stages")] == ["pr"]
    assert "Approve the draft pull request" not in html(get(review, f"/api/review/investigations/{review.agent}"))


def test_an_approval_without_a_name_is_refused_on_the_page(review: Review) -> None:
    update_state(review.ctx.deps, review.agent, lambda state: state.with_pr_note(AWAITING_APPROVAL))
    response = post_form(review, f"/api/review/investigations/{review.agent}/pr-approval", {"approved_by": " "})
    assert response.status == 400
    assert "approved_by" in html(response)
    loaded = load_state(review.ctx.deps, review.agent)
    assert loaded is not None
    assert loaded.state.pr_approved_by is None
