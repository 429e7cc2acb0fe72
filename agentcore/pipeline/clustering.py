"""The daily error-clustering job's pipeline entry, and where clusters reports are stored.

DESIGN §1: once a day, cluster the last 24 h of errors against the day before and store the ranked
clusters as a report (`clustering/<yyyy>/<mm>/<dd>/<hhmmss>.{json,md}`). Every run also leaves a run
record (`clustering/runs/...`) saying what it did, including when no log store is configured.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentcore.clustering import cluster_window
from agentcore.clustering.report import ClusteringReport, render_markdown
from agentcore.pipeline.wiring import Dependencies
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

DAILY_WINDOW = timedelta(hours=24)
NO_LOG_STORE = "no log store is configured (kusto_cluster_url and kusto_database): nothing was clustered"


@dataclass(frozen=True)
class StoredClusteringReport:
    json_name: str
    markdown_name: str


def store_clustering_report(store: BlobStore, report: ClusteringReport, *, now: datetime) -> StoredClusteringReport:
    """Write the report as JSON and Markdown under `clustering/<date>/<time>`, named by when it ran."""
    stem = f"clustering/{now:%Y/%m/%d}/{now:%H%M%S}"
    json_name, markdown_name = f"{stem}.json", f"{stem}.md"
    store.put(json_name, report.model_dump_json(indent=1).encode(), content_type="application/json")
    store.put(markdown_name, render_markdown(report).encode(), content_type="text/markdown; charset=utf-8")
    return StoredClusteringReport(json_name, markdown_name)


def run_daily_clustering(deps: Dependencies, *, past_due: bool = False) -> str:
    """Cluster the configured log store's last 24 h; store the report and a run record; return the record's name."""
    now: datetime = deps.now()
    record: dict[str, object] = {"started_at": now.isoformat(), "past_due": past_due}
    if deps.log_store is None:
        record |= {"status": "skipped", "note": NO_LOG_STORE}
        logger.warning("daily error clustering: %s", NO_LOG_STORE)
    else:
        report = cluster_window(deps.log_store, window_end=now, window=DAILY_WINDOW)
        stored = store_clustering_report(deps.blob_store, report, now=now)
        new = sum(cluster.new for cluster in report.clusters)
        record |= {"status": "clustered", "records": report.records, "clusters": len(report.clusters),
                   "new_clusters": new, "report": stored.json_name}  # fmt: skip
        logger.info("daily error clustering: %d records, %d clusters (%d new): %s",
                    report.records, len(report.clusters), new, stored.json_name)  # fmt: skip
    name = f"clustering/runs/{now:%Y/%m/%d}/{now:%H%M%S}.json"
    deps.blob_store.put(name, json.dumps(record, indent=1).encode(), content_type="application/json")
    return name
