"""Agent Signals as telemetry: one record per finished investigation, beside the model-call ledger.

The report stage emits it after the report is stored. Delivery is at least once (a redelivered report
stage emits again), so readers key on `investigation_id`. The record goes to a JSON-lines file (the
embedded default's telemetry folder) and, without the free text, to one INFO log line, which the
host's log pipeline (App Insights) collects.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from agentcore.redaction import redact_text
from agentcore.reports import Report

logger = logging.getLogger(__name__)
_lock = threading.Lock()

SIGNALS_FILE = "agent-signals.jsonl"


class AgentSignalsRecord(BaseModel):
    """The self-assessment of one investigation, flattened for telemetry."""

    model_config = ConfigDict(frozen=True)

    time: datetime
    investigation_id: str
    status: str
    self_score: int
    confidence: float | None
    what_worked: str
    what_was_hard: str
    skill_gaps: tuple[str, ...]
    skills_helped: tuple[str, ...]
    skills_fell_short: tuple[str, ...]
    escalated_by: str | None


def signals_record(report: Report) -> AgentSignalsRecord | None:
    """The record of a report, or None when the report carries no signals (evidence-only, failed runs)."""
    signals = report.signals
    if signals is None:
        return None
    return AgentSignalsRecord(
        time=report.finished_at,
        investigation_id=report.id,
        status=report.status,
        self_score=signals.self_score,
        confidence=signals.confidence,
        what_worked=signals.what_worked,
        what_was_hard=signals.what_was_hard,
        skill_gaps=signals.skill_gaps,
        skills_helped=tuple(n.name for n in signals.skills if n.helped),
        skills_fell_short=tuple(n.name for n in signals.skills if not n.helped),
        escalated_by=report.escalation.skill if report.escalation else None,
    )


def emit_agent_signals(report: Report, telemetry_dir: Path) -> AgentSignalsRecord | None:
    """Append the report's signals to `<telemetry_dir>/agent-signals.jsonl` (redacted) and log one line."""
    record = signals_record(report)
    if record is None:
        return None
    line = redact_text(record.model_dump_json()) + "\n"
    with _lock:
        telemetry_dir.mkdir(parents=True, exist_ok=True)
        with (telemetry_dir / SIGNALS_FILE).open("a", encoding="utf-8") as f:
            f.write(line)
    logger.info(
        "agent_signals investigation=%s status=%s self_score=%d confidence=%s fell_short=%s escalated_by=%s",
        record.investigation_id, record.status, record.self_score, record.confidence,
        ",".join(record.skills_fell_short) or "-", record.escalated_by or "-",
    )  # fmt: skip
    return record


def read_agent_signals(telemetry_dir: Path) -> list[AgentSignalsRecord]:
    path = telemetry_dir / SIGNALS_FILE
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [AgentSignalsRecord.model_validate_json(line) for line in lines if line.strip()]
