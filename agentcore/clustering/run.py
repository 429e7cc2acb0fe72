"""One clustering run over a log store: this window's clusters against the window before, as a report."""

from __future__ import annotations

from datetime import datetime, timedelta

from agentcore.clustering.clusters import cluster_against_history
from agentcore.clustering.records import read_error_records
from agentcore.clustering.report import ClusteringReport
from agentcore.clustering.templates import MinerConfig
from agentcore.connectors.logs import LogStore
from agentcore.redaction import redact_model


def cluster_window(
    store: LogStore,
    *,
    window_end: datetime,
    window: timedelta,
    service: str | None = None,
    config: MinerConfig | None = None,
) -> ClusteringReport:
    """Cluster `[window_end - window, window_end)`; the same window before decides `new` and the trend."""
    start = window_end - window
    current = read_error_records(store, start, window_end, service=service)
    before = read_error_records(store, start - window, start, service=service)
    clusters = cluster_against_history(current, before, config)
    # Examples and titles are error messages as logged: secrets in them never reach a report, a terminal or an
    # investigation's question. (Ids were computed before, from what was logged, so they stay stable.)
    report = ClusteringReport(
        window_start=start,
        window_end=window_end,
        service=service,
        records=len(current),
        previous_records=len(before),
        clusters=tuple(clusters),
    )
    return redact_model(report)


__all__ = ["cluster_window"]
