"""The Service Bus functions and the Durable activities, with real ServiceBusMessage objects.

A `fanout` stage makes `on_stage` start the orchestration through the Durable client, against a
loopback stand-in for the host's API; the test then plays the orchestrator's part by calling the
two activity functions, and the investigation finishes through `on_stage`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from azure.functions.servicebus import ServiceBusMessage
from azure.functions.timer import TimerRequest

from agentcore.pipeline import FanIn, FanOutOrder
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.state import Stage, StageMessage
from agentcore.pipeline.wiring import override
from agentcore.queues import ReceivedMessage
from functions._edge import MessageRefusedError
from tests.functions.conftest import App, DurableHost, run_async, service_bus_message
from tests.pipeline.pipeline_harness import CONCLUSION, ConversationModel, Turn

Handler = Callable[[str], Callable[..., Any]]
PAYLOADS = Path(__file__).resolve().parents[1] / "alerts" / "payloads"

SPAWNING: list[Turn] = [
    ("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
    ("spawn", {"hypotheses": [{"statement": "the coupon change broke checkout"},
                              {"statement": "the payment gateway is down"}]}),
    ("write", {"path": "report/conclusion.json",
               "content": json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})}),
    "Done.",
]  # fmt: skip


@pytest.fixture
def agent_app(app: App) -> Iterator[tuple[App, ConversationModel]]:
    model = ConversationModel(turns=list(SPAWNING))
    with override(model=model):
        yield app, model


def deliver(app: App, handler: Handler, host: DurableHost) -> ReceivedMessage | None:
    """One stage message to `on_stage`; completed on return, abandoned on an exception (re-raised)."""
    received = app.queue.receive("stages")
    if not received:
        return None
    try:
        run_async(handler("on_stage")(msg=service_bus_message(received[0]), client=host.client_binding))
    except Exception:
        app.queue.abandon(received[0])
        raise
    app.queue.complete(received[0])
    return received[0]


def ask(app: App, handler: Handler) -> str:
    import azure.functions as func

    response = handler("post_investigation")(
        func.HttpRequest("POST", "/api/investigations", body=b'{"question": "why does checkout fail?"}')
    )
    return str(json.loads(response.get_body())["id"])


def test_a_spawn_runs_as_a_durable_fan_out_and_the_investigation_finishes(
    agent_app: tuple[App, ConversationModel], handler: Handler, durable_host: DurableHost
) -> None:
    app, model = agent_app
    investigation_id = ask(app, handler)
    while not durable_host.started:
        assert deliver(app, handler, durable_host) is not None
    [(orchestrator, instance, payload)] = durable_host.started
    order = FanOutOrder.model_validate_json(payload)
    assert (orchestrator, instance) == ("fan_out_hypotheses", order.instance_id)
    assert len(payload) < 1000, "the orchestrator gets references, never sessions"
    names = [handler("run_hypothesis")(ref=child.model_dump_json()) for child in order.children]
    assert all(name.startswith(f"investigations/{investigation_id}/children/") for name in names)
    fan_in = FanIn(investigation_id=investigation_id, step=order.step, children=tuple(names))
    assert handler("finish_fan_out")(result=fan_in.model_dump_json()) == "sent"
    while deliver(app, handler, durable_host) is not None:
        pass
    state = load_state(_deps(), investigation_id)
    assert state is not None
    assert state.state.stage is Stage.DONE
    # Its conclusion confirms no hypothesis with evidence, so the report abstains (issue 13.4).
    assert state.state.report_status == "inconclusive"
    assert sorted(k for k in model.calls if k.startswith("child:")) == [
        "child:Hypothesis to check: the coupon change broke checkout",
        "child:Hypothesis to check: the payment gateway is down",
    ]


def test_a_redelivered_fanout_message_does_not_start_the_orchestration_again(
    agent_app: tuple[App, ConversationModel], handler: Handler, durable_host: DurableHost
) -> None:
    app, _model = agent_app
    investigation_id = ask(app, handler)
    while not durable_host.started:
        deliver(app, handler, durable_host)
    step = load_state(_deps(), investigation_id).state.step  # type: ignore[union-attr]
    again = StageMessage(type="fanout", investigation_id=investigation_id, step=step)
    app.queue.send("stages", again.model_dump_json().encode(), message_id="the-same-message-again")
    deliver(app, handler, durable_host)
    assert len(durable_host.started) == 1


def test_a_poison_stage_message_is_refused_with_its_reason_recorded(
    app: App, handler: Handler, durable_host: DurableHost
) -> None:
    app.queue.send("stages", b'{"type": "self_destruct"}', message_id="poison-1")
    with pytest.raises(MessageRefusedError, match="UnknownMessageType"):
        deliver(app, handler, durable_host)
    [record] = list(app.store.list("deadletters/stages/"))
    assert json.loads(app.store.get(record).data)["reason"] == "UnknownMessageType"


def test_a_dead_lettered_stage_message_fails_its_investigation(
    app: App, handler: Handler, durable_host: DurableHost
) -> None:
    investigation_id = ask(app, handler)
    [received] = app.queue.receive("stages")
    dead = ServiceBusMessage(
        body=received.body,
        message_id=received.message_id,
        delivery_count=3,
        application_properties={},
        user_properties={},
        dead_letter_reason="MaxDeliveryCountExceeded",
        dead_letter_error_description="Message could not be consumed after 3 delivery attempts.",
    )
    handler("on_dead_stage")(msg=dead)
    state = load_state(_deps(), investigation_id)
    assert state is not None
    assert state.state.stage is Stage.FAILED
    assert "MaxDeliveryCountExceeded" in (state.state.failure or "")


def test_an_alert_message_starts_an_investigation(app: App, handler: Handler) -> None:
    import azure.functions as func

    handler("post_alert")(func.HttpRequest("POST", "/api/alerts", body=(PAYLOADS / "log_v2.json").read_bytes()))
    [received] = app.queue.receive("alerts")
    handler("on_alert")(msg=service_bus_message(received))
    assert [n for n in app.store.list("investigations/") if n.endswith("state.json")]
    [intake] = app.queue.receive("stages")
    assert json.loads(intake.body)["type"] == "intake"


def test_the_daily_timer_without_a_log_store_records_a_skipped_run(app: App, handler: Handler) -> None:
    before = datetime.now(UTC)
    handler("daily_error_clustering")(timer=TimerRequest(past_due=True))
    after = datetime.now(UTC)  # the run may cross midnight: its day is one of the two
    [marker] = list(app.store.list("clustering/runs/"))
    record = json.loads(app.store.get(marker).data)
    assert record["status"] == "skipped"
    assert record["past_due"] is True
    assert any(marker.startswith(f"clustering/runs/{day:%Y/%m/%d}/") for day in (before, after)), marker


def _deps() -> Any:
    from agentcore.pipeline.wiring import app_dependencies

    return app_dependencies()


def test_the_daily_timer_clusters_the_log_store_and_stores_the_report(
    app: App, handler: Handler, tmp_path: Path
) -> None:
    from agentcore.connectors.logs.duckdb import DuckDbLogStore
    from agentcore.pipeline.wiring import override
    from agentcore.scenarios import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy")
    store = DuckDbLogStore.load(scenario.telemetry, tmp_path / "logs.duckdb", query_now=scenario.incident_time)
    with override(log_store=store, now=lambda: scenario.incident_time):
        handler("daily_error_clustering")(timer=TimerRequest(past_due=False))
    [marker] = list(app.store.list("clustering/runs/"))
    record = json.loads(app.store.get(marker).data)
    assert (record["status"], record["records"]) == ("clustered", 42)
    report = json.loads(app.store.get(record["report"]).data)
    assert report["clusters"][0]["title"].startswith("TypeError at coupons:_is_expired")
    assert app.store.get(record["report"].replace(".json", ".md")).data.startswith(b"# Error clusters")
