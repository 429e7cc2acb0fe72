"""The daily error-clustering job's pipeline entry. The clustering itself is not built yet.

DESIGN §1: once a day, cluster the last 24 h of errors, rank the clusters, trace each to code and
start an investigation for each new one. That work comes with a later issue. Until then the timer
runs this entry, which only records that the schedule fired (a run marker blob) and says, loudly,
that nothing was clustered.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from agentcore.pipeline.wiring import Dependencies

logger = logging.getLogger(__name__)

NOT_BUILT = "error clustering is not built yet: this run clustered nothing and started no investigation"


def run_daily_clustering(deps: Dependencies, *, past_due: bool = False) -> str:
    """Record a run marker `clustering/runs/<yyyy>/<mm>/<dd>/<hhmmss>.json`; return its name."""
    now: datetime = deps.now()
    name = f"clustering/runs/{now:%Y/%m/%d}/{now:%H%M%S}.json"
    marker = {"started_at": now.isoformat(), "past_due": past_due, "status": "not-built", "note": NOT_BUILT}
    deps.blob_store.put(name, json.dumps(marker, indent=1).encode(), content_type="application/json")
    logger.warning("daily error clustering: %s (run marker %s)", NOT_BUILT, name)
    return name
