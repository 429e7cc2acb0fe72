"""Azure Monitor common-alert-schema payloads become one frozen Alert, or one clear error line."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from agentcore.alerts import MAX_ALERT_PAYLOAD_BYTES, Alert, parse_alert
from agentcore.errors import UserInputError

PAYLOADS = Path(__file__).parent / "payloads"


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def test_metric_alert_parses_essentials_and_condition() -> None:
    alert = parse_alert((PAYLOADS / "metric.json").read_bytes())
    assert alert.family == "metric"
    assert alert.rule == "WCUS-R2-Gen2"
    assert alert.severity == "Sev3"
    assert alert.signal_type == "Metric"
    assert alert.monitor_condition == "Resolved"
    assert alert.monitoring_service == "Platform"
    assert alert.fired_at == datetime(2019, 3, 22, 13, 58, 24, 371321, tzinfo=UTC)
    assert alert.resolved_at == datetime(2019, 3, 22, 14, 3, 16, 224631, tzinfo=UTC)
    assert alert.configuration_items == ("wcus-r2-gen2",)
    assert alert.target_ids[0].endswith("/virtualmachines/wcus-r2-gen2")
    (condition,) = alert.conditions
    assert condition.metric_name == "Percentage CPU"
    assert condition.threshold == "25"
    assert condition.observed_value == pytest.approx(7.727)
    assert condition.dimensions == {"ResourceId": "3efad9dc-3d50-4eac-9c87-8b3fd6f97e4e"}
    assert alert.window_end == datetime(2019, 3, 22, 13, 45, 3, 64000, tzinfo=UTC)
    assert alert.custom_properties == {"Key1": "Value1", "Key2": "Value2"}


def test_log_alert_v2_exposes_query_window_and_dimensions() -> None:
    alert = parse_alert((PAYLOADS / "log_v2.json").read_text())
    assert alert.family == "log"
    assert alert.monitoring_service == "Log Alerts V2"
    (condition,) = alert.conditions
    assert condition.search_query == "Heartbeat"
    assert condition.operator == "LowerThan"
    assert condition.dimensions["Computer"] == "test-VM"
    assert alert.window_start == datetime(2022, 9, 26, 7, 58, 33, tzinfo=UTC)
    assert alert.window_end == datetime(2022, 9, 26, 8, 8, 33, tzinfo=UTC)
    assert alert.resolved_at is None
    assert alert.custom_properties == {}
    assert alert.alert_context["conditionType"] == "LogQueryCriteria"


def test_legacy_log_alert_reads_pascal_case_and_us_style_dates() -> None:
    alert = parse_alert(load("log_legacy"))
    assert alert.family == "log_legacy"
    (condition,) = alert.conditions
    assert condition.search_query is not None
    assert condition.search_query.startswith("search *")
    assert condition.threshold == "10000"
    assert condition.observed_value == 15
    assert alert.window_start == datetime(2019, 3, 22, 13, 36, 31, tzinfo=UTC)
    assert alert.window_end == datetime(2019, 3, 22, 13, 51, 31, tzinfo=UTC)
    assert alert.configuration_items == ()


def test_activity_log_alert_parses_without_configuration_items() -> None:
    alert = parse_alert(load("activity_log"))
    assert alert.family == "activity_log"
    assert alert.conditions == ()
    assert alert.configuration_items == ()
    assert alert.alert_context["operationName"] == "Microsoft.Compute/virtualMachines/delete"


def test_us_style_fired_date_in_essentials_is_accepted() -> None:
    payload = load("log_legacy")
    payload["data"]["essentials"]["firedDateTime"] = "3/22/2019 1:51:31 PM"
    assert parse_alert(payload).fired_at == datetime(2019, 3, 22, 13, 51, 31, tzinfo=UTC)


def test_pascal_case_essentials_keys_are_accepted() -> None:
    payload = load("metric")
    essentials = payload["data"]["essentials"]
    payload["data"]["essentials"] = {key[0].upper() + key[1:]: value for key, value in essentials.items()}
    assert parse_alert(payload).rule == "WCUS-R2-Gen2"


def test_fired_date_with_offset_is_normalized_to_utc() -> None:
    payload = load("metric")
    payload["data"]["essentials"]["firedDateTime"] = "2019-03-22T15:58:24+02:00"
    assert parse_alert(payload).fired_at == datetime(2019, 3, 22, 13, 58, 24, tzinfo=UTC)


def test_fingerprint_is_stable_across_firings_and_target_order_and_case() -> None:
    first = load("log_v2")
    second = copy.deepcopy(first)
    essentials = second["data"]["essentials"]
    essentials["alertId"] = "/subscriptions/x/providers/Microsoft.AlertsManagement/alerts/another-firing"
    essentials["firedDateTime"] = "2022-09-27T08:08:33Z"
    essentials["alertTargetIDs"] = [t.upper() for t in essentials["alertTargetIDs"]]
    assert parse_alert(first).fingerprint == parse_alert(second).fingerprint


def test_fingerprint_differs_for_another_rule() -> None:
    other = load("log_v2")
    other["data"]["essentials"]["alertRule"] = "another-rule"
    assert parse_alert(load("log_v2")).fingerprint != parse_alert(other).fingerprint


def test_dedupe_key_is_alert_id_plus_monitor_condition() -> None:
    fired = load("metric")
    fired["data"]["essentials"]["monitorCondition"] = "Fired"
    resolved = parse_alert(load("metric"))
    assert resolved.dedupe_key == f"{resolved.alert_id}:Resolved"
    assert parse_alert(fired).dedupe_key != resolved.dedupe_key


def test_alert_is_frozen_and_serializes_fingerprint() -> None:
    alert = parse_alert(load("metric"))
    with pytest.raises(ValidationError):
        alert.rule = "changed"  # type: ignore[misc]
    dumped = json.loads(alert.model_dump_json())
    assert dumped["fingerprint"] == alert.fingerprint
    assert dumped["dedupe_key"] == alert.dedupe_key
    assert Alert.model_validate({k: v for k, v in dumped.items() if k not in {"fingerprint", "dedupe_key"}}) == alert


def test_severity_spelled_as_a_number_is_normalized() -> None:
    payload = load("metric")
    payload["data"]["essentials"]["severity"] = 2
    assert parse_alert(payload).severity == "Sev2"


def _with(change: str) -> dict[str, Any]:
    payload = load("log_v2")
    essentials = payload["data"]["essentials"]
    if change == "no alertRule":
        del essentials["alertRule"]
    elif change == "no firedDateTime":
        del essentials["firedDateTime"]
    elif change == "bad firedDateTime":
        essentials["firedDateTime"] = "yesterday at noon"
    elif change == "bad severity":
        essentials["severity"] = "Critical"
    elif change == "bad monitorCondition":
        essentials["monitorCondition"] = "Flapping"
    elif change == "no essentials":
        del payload["data"]["essentials"]
    elif change == "targets not a list":
        essentials["alertTargetIDs"] = {"id": 1}
    return payload


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ("no alertRule", "data.essentials.alertRule is missing"),
        ("no firedDateTime", "data.essentials.firedDateTime is missing"),
        ("bad firedDateTime", "data.essentials.firedDateTime is not a date"),
        ("bad severity", "data.essentials.severity"),
        ("bad monitorCondition", "data.essentials.monitorCondition"),
        ("no essentials", "data.essentials is missing"),
        ("targets not a list", "data.essentials.alertTargetIDs"),
    ],
)
def test_malformed_essentials_give_one_line_naming_the_field(change: str, named: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_alert(_with(change))
    assert named in str(caught.value)
    assert "\n" not in str(caught.value)


def test_wrong_schema_id_is_refused_with_a_hint() -> None:
    payload = load("metric")
    payload["schemaId"] = "Microsoft.Insights/activityLogs"
    with pytest.raises(UserInputError, match="schemaId is 'Microsoft.Insights/activityLogs'.*common alert schema"):
        parse_alert(payload)


def test_missing_schema_id_is_refused() -> None:
    payload = load("metric")
    del payload["schemaId"]
    with pytest.raises(UserInputError, match="schemaId is None"):
        parse_alert(payload)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{not json", "payload is not JSON"),
        (b"\xff\xfe\x00", "payload is not UTF-8"),
        (b"[1, 2]", "must be a JSON object"),
        ("", "payload is not JSON"),
    ],
)
def test_non_json_bodies_are_refused(raw: bytes | str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        parse_alert(raw)


def test_payload_over_256_kb_is_refused_before_parsing() -> None:
    payload = load("metric")
    payload["data"]["customProperties"] = {"padding": "x" * MAX_ALERT_PAYLOAD_BYTES}
    with pytest.raises(UserInputError, match="over the 262144 byte limit"):
        parse_alert(json.dumps(payload).encode())
    with pytest.raises(UserInputError, match="over the 262144 byte limit"):
        parse_alert(payload)


def test_byte_order_mark_is_tolerated() -> None:
    raw = b"\xef\xbb\xbf" + (PAYLOADS / "metric.json").read_bytes()
    assert parse_alert(raw).rule == "WCUS-R2-Gen2"
