"""Telemetry: the model-call ledger (every call, successful or not)."""

from agentcore.telemetry.ledger import InMemoryLedger, JsonlLedger, ModelCallLedger, ModelCallRecord

__all__ = ["InMemoryLedger", "JsonlLedger", "ModelCallLedger", "ModelCallRecord"]
