"""Azure Monitor alerts in the common alert schema, parsed into one frozen `Alert`.

The webhook and the scenario loader both call `parse_alert`. It is strict about what an investigation
cannot start without (the schema id, the alert's identity, its rule, severity, condition and fire
time) and lenient about the rest: metric alerts, Log Alerts V2, legacy log alerts (PascalCase keys,
US-style dates) and activity log alerts all parse, and each family's condition is summarized in
`conditions`. Anything malformed is a `UserInputError` with one line that names the field.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, JsonValue, TypeAdapter, ValidationError, computed_field

from agentcore.errors import UserInputError

COMMON_ALERT_SCHEMA_ID = "azureMonitorCommonAlertSchema"
MAX_ALERT_PAYLOAD_BYTES = 256 * 1024
"""Azure Monitor caps alert payloads at 256 KB; anything larger is not an alert we sent ourselves."""

AlertFamily = Literal["metric", "log", "log_legacy", "activity_log", "other"]
Severity = Literal["Sev0", "Sev1", "Sev2", "Sev3", "Sev4"]

_JSON_OBJECT: TypeAdapter[dict[str, JsonValue]] = TypeAdapter(dict[str, JsonValue])
_US_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M")
_FRACTION = re.compile(r"(\.\d{6})\d+")


class AlertCondition(BaseModel):
    """One criterion of the rule that fired, normalized across alert families."""

    model_config = ConfigDict(frozen=True)

    metric_name: str | None = None
    search_query: str | None = None
    operator: str | None = None
    threshold: str | None = None
    """As Azure sends it: a string, even for numbers."""
    observed_value: float | None = None
    time_aggregation: str | None = None
    dimensions: dict[str, str] = {}


class Alert(BaseModel):
    """An Azure Monitor alert, from the essentials plus a summary of its alert context."""

    model_config = ConfigDict(frozen=True)

    alert_id: str
    rule: str
    severity: Severity
    signal_type: str
    """`Metric`, `Log` or `Activity Log` (kept as sent, in case Azure adds more)."""
    monitor_condition: Literal["Fired", "Resolved"]
    monitoring_service: str
    family: AlertFamily
    fired_at: datetime
    """UTC."""
    resolved_at: datetime | None = None
    target_ids: tuple[str, ...] = ()
    configuration_items: tuple[str, ...] = ()
    origin_alert_id: str | None = None
    description: str = ""
    conditions: tuple[AlertCondition, ...] = ()
    window_start: datetime | None = None
    window_end: datetime | None = None
    alert_context: dict[str, JsonValue] = {}
    custom_properties: dict[str, JsonValue] = {}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def fingerprint(self) -> str:
        """Stable across firings of one rule on one set of targets: what attaches to an investigation."""
        key = json.dumps([self.rule.lower(), sorted(t.lower() for t in self.target_ids)])
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str:
        """One notification: Azure may deliver it more than once."""
        return f"{self.alert_id}:{self.monitor_condition}"


def parse_alert(payload: bytes | str | Mapping[str, Any]) -> Alert:
    """Parse a common-alert-schema payload (raw body or decoded JSON) into an `Alert`."""
    document = _decode(payload)
    schema_id = document.get("schemaId")
    if not isinstance(schema_id, str) or schema_id.lower() != COMMON_ALERT_SCHEMA_ID.lower():
        raise UserInputError(
            f"alert: schemaId is {schema_id!r}, expected {COMMON_ALERT_SCHEMA_ID!r} "
            "(turn on the common alert schema in the action group)"
        )
    data = _object(document, "data", "data")
    essentials = _CaseInsensitive(_object(data, "essentials", "data.essentials"))
    context = _object_or_empty(data, "alertContext", "data.alertContext")
    custom = _object_or_empty(data, "customProperties", "data.customProperties")
    service = _required_text(essentials, "monitoringService")
    family = _family(_required_text(essentials, "signalType"), service, context)
    window_start, window_end = _window(context)
    return Alert(
        alert_id=_required_text(essentials, "alertId"),
        rule=_required_text(essentials, "alertRule"),
        severity=_severity(essentials),
        signal_type=_required_text(essentials, "signalType"),
        monitor_condition=_monitor_condition(essentials),
        monitoring_service=service,
        family=family,
        fired_at=_required_date(essentials, "firedDateTime"),
        resolved_at=_optional_date(essentials, "resolvedDateTime", "data.essentials.resolvedDateTime"),
        target_ids=_text_list(essentials, "alertTargetIDs"),
        configuration_items=_text_list(essentials, "configurationItems"),
        origin_alert_id=_optional_text(essentials, "originAlertId"),
        description=_optional_text(essentials, "description") or "",
        conditions=_conditions(family, context),
        window_start=window_start,
        window_end=window_end,
        alert_context=_json_object(context, "data.alertContext"),
        custom_properties=_json_object(custom, "data.customProperties"),
    )


def _decode(payload: bytes | str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(payload, Mapping):
        try:
            size = len(json.dumps(payload, separators=(",", ":")).encode())
        except (TypeError, ValueError) as e:
            raise UserInputError(f"alert: payload is not JSON-compatible: {e}") from e
        _check_size(size)
        return payload
    raw = payload.encode() if isinstance(payload, str) else payload
    _check_size(len(raw))
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError as e:
        raise UserInputError(f"alert: payload is not UTF-8 text ({e.reason} at byte {e.start})") from e
    except json.JSONDecodeError as e:
        raise UserInputError(f"alert: payload is not JSON: {e.msg} at line {e.lineno} column {e.colno}") from e
    if not isinstance(document, dict):
        raise UserInputError(f"alert: payload must be a JSON object, got {type(document).__name__}")
    return document


def _check_size(size: int) -> None:
    if size > MAX_ALERT_PAYLOAD_BYTES:
        raise UserInputError(f"alert: payload is {size} bytes, over the {MAX_ALERT_PAYLOAD_BYTES} byte limit")


class _CaseInsensitive:
    """Key lookup that forgives `AlertRule` for `alertRule`, as legacy senders write it."""

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self._items = {str(k).lower(): v for k, v in mapping.items()}

    def get(self, key: str) -> Any:
        return self._items.get(key.lower())


def _object(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        raise UserInputError(f"alert: {where} is missing")
    if not isinstance(value, Mapping):
        raise UserInputError(f"alert: {where} must be an object, got {type(value).__name__}")
    return value


def _object_or_empty(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    return {} if parent.get(key) is None else _object(parent, key, where)


def _json_object(value: Mapping[str, Any], where: str) -> dict[str, JsonValue]:
    try:
        return _JSON_OBJECT.validate_python(dict(value))
    except ValidationError as e:
        raise UserInputError(f"alert: {where} is not JSON-compatible: {e.errors()[0]['msg']}") from e


def _required_text(essentials: _CaseInsensitive, key: str) -> str:
    value = essentials.get(key)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UserInputError(f"alert: data.essentials.{key} is missing")
    if not isinstance(value, str):
        raise UserInputError(f"alert: data.essentials.{key} must be a string, got {type(value).__name__}")
    return value.strip()


def _optional_text(essentials: _CaseInsensitive, key: str) -> str | None:
    value = essentials.get(key)
    return None if value is None else str(value)


def _text_list(essentials: _CaseInsensitive, key: str) -> tuple[str, ...]:
    value = essentials.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise UserInputError(f"alert: data.essentials.{key} must be a list of strings")
    return tuple(value)


def _severity(essentials: _CaseInsensitive) -> Severity:
    raw = essentials.get("severity")
    if raw is None:
        raise UserInputError("alert: data.essentials.severity is missing")
    match = re.fullmatch(r"(?:sev)?\s*([0-4])", str(raw).strip(), flags=re.IGNORECASE)
    if not match:
        raise UserInputError(f"alert: data.essentials.severity is {raw!r}, expected Sev0 to Sev4")
    levels: dict[str, Severity] = {"0": "Sev0", "1": "Sev1", "2": "Sev2", "3": "Sev3", "4": "Sev4"}
    return levels[match.group(1)]


def _monitor_condition(essentials: _CaseInsensitive) -> Literal["Fired", "Resolved"]:
    raw = _required_text(essentials, "monitorCondition").lower()
    if raw == "fired":
        return "Fired"
    if raw == "resolved":
        return "Resolved"
    raise UserInputError(f"alert: data.essentials.monitorCondition is {raw!r}, expected Fired or Resolved")


def parse_alert_time(value: object, where: str) -> datetime:
    """An ISO 8601 or US-style (`3/22/2019 1:36:31 PM`) date as an aware UTC datetime."""
    if not isinstance(value, str) or not value.strip():
        raise UserInputError(f"alert: {where} is not a date: {value!r}")
    text = _FRACTION.sub(r"\1", value.strip())
    parsed = _iso_date(text) or _us_date(text)
    if parsed is None:
        raise UserInputError(f"alert: {where} is not a date: {value!r}")
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _iso_date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


def _us_date(text: str) -> datetime | None:
    for fmt in _US_DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _required_date(essentials: _CaseInsensitive, key: str) -> datetime:
    if essentials.get(key) is None:
        raise UserInputError(f"alert: data.essentials.{key} is missing")
    return parse_alert_time(essentials.get(key), f"data.essentials.{key}")


def _optional_date(essentials: _CaseInsensitive, key: str, where: str) -> datetime | None:
    value = essentials.get(key)
    return None if value in (None, "") else parse_alert_time(value, where)


def _family(signal_type: str, service: str, context: Mapping[str, Any]) -> AlertFamily:
    signal, source = signal_type.lower(), service.lower()
    if signal == "metric":
        return "metric"
    if signal == "log":
        if context.get("conditionType") == "LogQueryCriteria" or source == "log alerts v2":
            return "log"
        return "log_legacy"
    if signal == "activity log" or "activity log" in source:
        return "activity_log"
    return "other"


def _conditions(family: AlertFamily, context: Mapping[str, Any]) -> tuple[AlertCondition, ...]:
    if family == "log_legacy":
        legacy = _CaseInsensitive(context)
        return (
            AlertCondition(
                search_query=_str_or_none(legacy.get("SearchQuery")),
                operator=_str_or_none(legacy.get("Operator")),
                threshold=_str_or_none(legacy.get("Threshold")),
                observed_value=_float_or_none(legacy.get("ResultCount")),
            ),
        )
    condition = context.get("condition")
    criteria = condition.get("allOf") if isinstance(condition, Mapping) else None
    if not isinstance(criteria, list):
        return ()
    return tuple(_criterion(c) for c in criteria if isinstance(c, Mapping))


def _criterion(criterion: Mapping[str, Any]) -> AlertCondition:
    dimensions = criterion.get("dimensions")
    pairs = dimensions if isinstance(dimensions, list) else []
    return AlertCondition(
        metric_name=_str_or_none(criterion.get("metricName")),
        search_query=_str_or_none(criterion.get("searchQuery")),
        operator=_str_or_none(criterion.get("operator")),
        threshold=_str_or_none(criterion.get("threshold")),
        observed_value=_float_or_none(criterion.get("metricValue")),
        time_aggregation=_str_or_none(criterion.get("timeAggregation")),
        dimensions={
            str(d["name"]): str(d.get("value")) for d in pairs if isinstance(d, Mapping) and d.get("name") is not None
        },
    )


def _window(context: Mapping[str, Any]) -> tuple[datetime | None, datetime | None]:
    condition = context.get("condition")
    if isinstance(condition, Mapping):
        start, end = condition.get("windowStartTime"), condition.get("windowEndTime")
    else:
        legacy = _CaseInsensitive(context)
        start, end = legacy.get("SearchIntervalStartTimeUtc"), legacy.get("SearchIntervalEndtimeUtc")
    return _lenient_date(start), _lenient_date(end)


def _lenient_date(value: object) -> datetime | None:
    """Dates inside the alert context are informative: a bad one is dropped, not fatal."""
    try:
        return None if value in (None, "") else parse_alert_time(value, "alertContext")
    except UserInputError:
        return None


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _float_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


__all__ = [
    "COMMON_ALERT_SCHEMA_ID",
    "MAX_ALERT_PAYLOAD_BYTES",
    "Alert",
    "AlertCondition",
    "AlertFamily",
    "Severity",
    "parse_alert",
    "parse_alert_time",
]
