"""The daily skill-health job's pipeline entry: Agent Signals per skill over the window, stored as a report.

The daily timer runs it after error clustering (`run_daily_clustering`); `sre-agent` can run it alone.
"""

from __future__ import annotations

import logging
from datetime import datetime

from agentcore.pipeline.wiring import Dependencies
from agentcore.skills import build_skill_health, store_skill_health

logger = logging.getLogger(__name__)


def run_skill_health(deps: Dependencies, *, now: datetime | None = None) -> str:
    """Build and store today's skill-health report; return the JSON blob's name."""
    when = now or deps.now()
    report = build_skill_health(deps.blob_store, now=when, window_days=deps.settings.skill_health_window_days)
    json_name, _ = store_skill_health(deps.blob_store, report)
    degraded = [s.name for s in report.skills if s.degraded]
    logger.info("skill health: %d runs, %d skills, degraded: %s: %s",
                report.runs, len(report.skills), ",".join(degraded) or "none", json_name)  # fmt: skip
    return json_name
