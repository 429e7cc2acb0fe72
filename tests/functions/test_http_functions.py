"""The HTTP functions, called with real `func.HttpRequest` objects as the host would call them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import azure.functions as func
import pytest

from tests.functions.conftest import App, DurableHost, run_async, service_bus_message

PAYLOADS = Path(__file__).resolve().parents[1] / "alerts" / "payloads"
Handler = Callable[[str], Callable[..., Any]]


def request(method: str, url: str, *, body: bytes = b"", route: dict[str, str] | None = None,
            headers: dict[str, str] | None = None) -> func.HttpRequest:  # fmt: skip
    return func.HttpRequest(method, url, headers=headers or {}, params={}, route_params=route or {}, body=body)


def run_stages(app: App, handler: Handler, host: DurableHost) -> int:
    """Deliver every queued stage message to the `on_stage` function, as Service Bus would."""
    count = 0
    while received := app.queue.receive("stages"):
        run_async(handler("on_stage")(msg=service_bus_message(received[0]), client=host.client_binding))
        app.queue.complete(received[0])
        count += 1
    return count


def test_an_alert_is_accepted_with_202_and_queued(app: App, handler: Handler) -> None:
    body = (PAYLOADS / "metric.json").read_bytes()
    response = handler("post_alert")(request("POST", "/api/alerts", body=body))
    assert response.status_code == 202
    assert len(app.queue.receive("alerts")) == 1


def test_a_malformed_alert_is_a_400(app: App, handler: Handler) -> None:
    response = handler("post_alert")(request("POST", "/api/alerts", body=b"{nope"))
    assert response.status_code == 400
    assert "JSON" in json.loads(response.get_body())["error"]


def test_a_question_runs_through_the_stage_function_to_a_report(
    app: App, handler: Handler, durable_host: DurableHost
) -> None:
    response = handler("post_investigation")(
        request("POST", "/api/investigations", body=json.dumps({"question": "why is checkout failing?"}).encode())
    )
    assert response.status_code == 202
    investigation_id = json.loads(response.get_body())["id"]
    assert response.headers["Location"] == f"/api/investigations/{investigation_id}"
    assert run_stages(app, handler, durable_host) == 2
    status = handler("get_investigation")(request("GET", "/", route={"id": investigation_id}))
    assert json.loads(status.get_body())["stage"] == "done"
    as_json = handler("get_report")(
        request("GET", "/", route={"id": investigation_id}, headers={"Accept": "application/json"})
    )
    assert (as_json.status_code, as_json.mimetype) == (200, "application/json")
    assert json.loads(as_json.get_body())["id"] == investigation_id
    markdown = handler("get_report")(request("GET", "/", route={"id": investigation_id}))
    assert markdown.mimetype == "text/markdown"


def test_a_malformed_id_is_a_404_from_every_route(app: App, handler: Handler) -> None:
    for name in ("get_investigation", "get_report", "post_message"):
        response = handler(name)(request("GET", "/", route={"id": "../../alerts"}, body=b'{"message": "x"}'))
        assert response.status_code == 404, name


def test_a_follow_up_without_a_model_is_a_409(app: App, handler: Handler, durable_host: DurableHost) -> None:
    response = handler("post_investigation")(request("POST", "/", body=b'{"question": "why?"}'))
    investigation_id = json.loads(response.get_body())["id"]
    run_stages(app, handler, durable_host)
    follow_up = handler("post_message")(
        request("POST", "/", route={"id": investigation_id}, body=b'{"message": "and now?"}')
    )
    assert follow_up.status_code == 409


def test_without_service_bus_configured_the_app_refuses_to_lose_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    from agentcore.errors import ConfigError
    from agentcore.pipeline import wiring

    monkeypatch.delenv("ServiceBusConnection", raising=False)
    monkeypatch.delenv("SRE_AGENT_SERVICEBUS_CONNECTION_STRING", raising=False)
    monkeypatch.setattr(wiring, "_app_dependencies", None)
    with pytest.raises(ConfigError, match="ServiceBusConnection"):
        wiring.app_dependencies()
