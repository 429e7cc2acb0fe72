"""Alerts in: the webhook validates and queues; the `alerts` consumer dedupes, attaches or starts."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agentcore.pipeline import LocalRunner, handle_alert_message
from agentcore.pipeline._stage_io import load_state, update_state
from agentcore.pipeline.api import post_alert
from agentcore.pipeline.state import InvestigationState, Stage
from tests.pipeline.pipeline_harness import FIXED_NOW, drain, quick_runner

PAYLOADS = Path(__file__).resolve().parents[1] / "alerts" / "payloads"


def alert(alert_id: str = "a1", *, condition: str = "Fired", rule: str | None = None) -> bytes:
    document: dict[str, Any] = copy.deepcopy(json.loads((PAYLOADS / "metric.json").read_text()))
    essentials = document["data"]["essentials"]
    essentials.update(alertId=f"/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/{alert_id}",
                      monitorCondition=condition, firedDateTime=FIXED_NOW.isoformat())  # fmt: skip
    if rule:
        essentials["alertRule"] = rule
    return json.dumps(document).encode()


def investigations(runner: LocalRunner) -> list[InvestigationState]:
    deps = runner.context.deps
    ids = {name.split("/")[1] for name in deps.blob_store.list("investigations/") if name.endswith("/state.json")}
    states = [load_state(deps, i) for i in sorted(ids)]
    return [s.state for s in states if s is not None]


@pytest.fixture
def runner(tmp_path: Path) -> LocalRunner:
    return quick_runner(tmp_path)


def test_the_webhook_answers_202_and_queues_a_valid_alert(runner: LocalRunner) -> None:
    answer = post_alert(runner.context, alert())
    assert answer.status == 202
    [queued] = runner.queue.receive("alerts")
    assert json.loads(queued.body)["alert_blob"].startswith("alerts/incoming/")


def test_the_webhook_answers_400_naming_what_is_wrong(runner: LocalRunner) -> None:
    answer = post_alert(runner.context, b'{"schemaId": "azureMonitorCommonAlertSchema", "data": {}}')
    assert answer.status == 400
    assert b"essentials" in answer.body
    assert runner.queue.receive("alerts") == []


def test_a_fired_alert_starts_one_investigation_that_runs_to_a_report(runner: LocalRunner) -> None:
    post_alert(runner.context, alert())
    drain(runner)
    [state] = investigations(runner)
    assert state.request.trigger.kind == "alert"
    assert state.stage is Stage.DONE
    assert state.title == "WCUS-R2-Gen2 (Sev3)"
    assert state.report_json is not None


def test_the_same_notification_twice_starts_one_investigation(runner: LocalRunner) -> None:
    post_alert(runner.context, alert())
    body = runner.queue.receive("alerts")[0].body
    for _ in range(2):
        assert handle_alert_message(runner.context, body).settle == "complete"
    assert len(investigations(runner)) == 1


def test_another_alert_with_the_same_fingerprint_attaches_to_the_open_investigation(runner: LocalRunner) -> None:
    post_alert(runner.context, alert("first"))
    drain(runner)
    post_alert(runner.context, alert("second"))
    post_alert(runner.context, alert("first", condition="Resolved"))
    drain(runner)
    [state] = investigations(runner)
    assert [a.monitor_condition for a in state.attached_alerts] == ["Fired", "Resolved"]


def test_an_alert_of_another_rule_starts_its_own_investigation(runner: LocalRunner) -> None:
    post_alert(runner.context, alert("first"))
    post_alert(runner.context, alert("other", rule="Another rule"))
    drain(runner)
    assert len(investigations(runner)) == 2


def test_after_the_attach_window_the_same_fingerprint_starts_a_new_investigation(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, alert_attach_window_s=60)
    post_alert(runner.context, alert("first"))
    drain(runner)
    [old] = investigations(runner)
    update_state(runner.context.deps, old.id,
                 lambda s: s.model_copy(update={"started_at": FIXED_NOW - timedelta(hours=2)}))  # fmt: skip
    post_alert(runner.context, alert("second"))
    drain(runner)
    assert len(investigations(runner)) == 2


def test_a_resolution_with_nothing_open_starts_nothing(runner: LocalRunner) -> None:
    post_alert(runner.context, alert(condition="Resolved"))
    drain(runner)
    assert investigations(runner) == []


def test_a_failed_investigation_gets_no_attachments(runner: LocalRunner) -> None:
    post_alert(runner.context, alert("first"))
    drain(runner)
    [old] = investigations(runner)
    update_state(runner.context.deps, old.id, lambda s: s.next_step(s.updated_at, Stage.FAILED))
    post_alert(runner.context, alert("second"))
    drain(runner)
    assert len(investigations(runner)) == 2


def test_a_malformed_alerts_message_is_dead_lettered(runner: LocalRunner) -> None:
    outcome = handle_alert_message(runner.context, b'{"alert_blob": "investigations/inv-x/state.json"}')
    assert (outcome.settle, outcome.reason) == ("dead_letter", "MalformedMessage")
