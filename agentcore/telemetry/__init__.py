"""Telemetry: the model-call ledger (every call, successful or not)."""

from agentcore.telemetry.ledger import FanoutLedger, InMemoryLedger, JsonlLedger, ModelCallLedger, ModelCallRecord

__all__ = ["FanoutLedger", "InMemoryLedger", "JsonlLedger", "ModelCallLedger", "ModelCallRecord"]
