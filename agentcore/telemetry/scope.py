"""Which investigation and step the current thread works for, so every span, log and telemetry row can say.

The loop binds the scope at the start of each step (`bind_step`); the model-call ledger, the tool
spans and the log record factory read it. It is a context variable, so each thread (a subagent, a
stage on the local runner) carries its own.
"""

from __future__ import annotations

import logging
from contextvars import ContextVar
from dataclasses import dataclass

INVESTIGATION_ID = "sre_agent.investigation.id"
"""The attribute (span) and property (telemetry row) naming the investigation."""
STEP = "sre_agent.investigation.step"
"""The attribute and property naming the step of that investigation's session (1-based, as the INFO log)."""


@dataclass(frozen=True)
class TelemetryScope:
    investigation_id: str | None = None
    step: int | None = None

    def attributes(self) -> dict[str, str | int]:
        """The scope as span attributes / row properties; unknown parts are left out."""
        found: dict[str, str | int] = {}
        if self.investigation_id:
            found[INVESTIGATION_ID] = self.investigation_id
        if self.step is not None:
            found[STEP] = self.step
        return found


_NO_SCOPE = TelemetryScope()
_scope: ContextVar[TelemetryScope | None] = ContextVar("sre_agent_telemetry_scope", default=None)


def bind_step(investigation_id: str | None, step: int) -> None:
    """From here on, this thread works on step `step` of `investigation_id`."""
    _scope.set(TelemetryScope(investigation_id, step))


def clear_scope() -> None:
    """This thread works for no investigation now."""
    _scope.set(None)


def current_scope() -> TelemetryScope:
    return _scope.get() or _NO_SCOPE


_installed = False


def install_log_scope() -> None:
    """Give every log record `investigation_id` and `step` attributes from the current scope (once per process).

    Handlers that export records (Azure Monitor's) turn such attributes into properties; formatters may
    use `%(investigation_id)s`.
    """
    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        scope = current_scope()
        record.investigation_id = scope.investigation_id
        record.step = scope.step
        return record

    logging.setLogRecordFactory(factory)
    _installed = True


__all__ = [
    "INVESTIGATION_ID",
    "STEP",
    "TelemetryScope",
    "bind_step",
    "clear_scope",
    "current_scope",
    "install_log_scope",
]
