"""Redaction of structured values (an alert payload, a request) string by string, so the structure survives."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, JsonValue

from agentcore.redaction._redactor import Redactor

Model = TypeVar("Model", bound=BaseModel)


def redact_json(value: JsonValue, redactor: Redactor) -> JsonValue:
    """`value` with every string (keys left alone) redacted."""
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, list):
        return [redact_json(item, redactor) for item in value]
    if isinstance(value, dict):
        return {key: redact_json(item, redactor) for key, item in value.items()}
    return value


def redact_model(model: Model, redactor: Redactor | None = None) -> Model:
    """A copy of `model` whose string values are redacted; the same object when nothing was secret."""
    dumped = model.model_dump(mode="json")
    redacted = redact_json(dumped, redactor or Redactor())
    return model if redacted == dumped else type(model).model_validate(redacted)


__all__ = ["redact_json", "redact_model"]
