"""The model-call ledger: one row per provider attempt, so 429s and timeouts are telemetry too."""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from agentcore.redaction import redact_text
from agentcore.telemetry.stack import FailureDetails


class ModelCallRecord(BaseModel):
    """One attempt at one model call."""

    model_config = ConfigDict(frozen=True)

    time: datetime
    investigation_id: str | None
    provider: str
    model: str
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0
    output_tokens: int = 0
    duration_s: float
    outcome: Literal["ok", "error"]
    error_class: str | None = None
    status_code: int | None = None
    prefix_hash: str | None = None
    attempt: int = 1
    failure: FailureDetails | None = None
    """A failed attempt's exception with its real stack, for the AppExceptions row; None when it succeeded."""


class ModelCallLedger(Protocol):
    """Where model-call records go. Implementations must be safe to call from several threads."""

    def record(self, entry: ModelCallRecord) -> None: ...


class InMemoryLedger:
    """Keeps records in a list; for tests and for summing usage within one process."""

    def __init__(self) -> None:
        self.records: list[ModelCallRecord] = []
        self._lock = threading.Lock()

    def record(self, entry: ModelCallRecord) -> None:
        with self._lock:
            self.records.append(entry)


class FanoutLedger:
    """Hands every record to each of several ledgers, in order (the file, the local log tables, the spans)."""

    def __init__(self, *ledgers: ModelCallLedger) -> None:
        self.ledgers = ledgers

    def record(self, entry: ModelCallRecord) -> None:
        for ledger in self.ledgers:
            ledger.record(entry)


class JsonlLedger:
    """Appends one JSON line per record to a local file (the embedded default), redacted like everything stored."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()

    def record(self, entry: ModelCallRecord) -> None:
        line = redact_text(entry.model_dump_json()) + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as f:
                f.write(line)

    def read(self) -> list[ModelCallRecord]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [ModelCallRecord.model_validate_json(line) for line in lines if line.strip()]
