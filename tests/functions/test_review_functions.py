"""The review app's pages and forms through the Functions app's HTTP triggers (routes in review_app)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import azure.functions as func

from agentcore.pipeline.review_app import read_feedback
from tests.functions.conftest import App
from tests.review.agent_investigation import HOSTILE_LOG_LINE, TITLE, store_agent_investigation

FORM = "application/x-www-form-urlencoded"
FEEDBACK = {"verdict": "correct", "human_root_cause": "naive campaign expiry", "by": "ana", "based_on": "0"}


def test_the_functions_app_serves_the_review_pages(app: App, handler: Callable[[str], Callable[..., Any]]) -> None:
    investigation_id = store_agent_investigation(app.store, datetime.now(UTC))
    page = handler("review_report")(func.HttpRequest(
        "GET", f"/api/review/investigations/{investigation_id}", headers={}, params={"code": "k3y"},
        route_params={"id": investigation_id}, body=b""))  # fmt: skip
    assert (page.status_code, page.mimetype) == (200, "text/html")
    assert TITLE in page.get_body().decode()
    assert HOSTILE_LOG_LINE not in page.get_body().decode()
    form = func.HttpRequest(
        "POST", "/", headers={"Content-Type": FORM}, params={}, route_params={"id": investigation_id},
        body=urlencode(FEEDBACK).encode())  # fmt: skip
    assert handler("review_feedback")(form).status_code == 303
    assert read_feedback(app.store, investigation_id) is not None
