"""The daily error-clustering job's pipeline entry, and where clusters reports are stored.

DESIGN §1: once a day, cluster the last 24 h of errors against the day before, start one investigation
per new cluster among the top `cluster_investigations_top_n` (once per cluster and day), and store the
ranked clusters with those investigations' ids as a report (`clustering/<yyyy>/<mm>/<dd>/<hhmmss>.{json,md}`).
Every run also leaves a run record (`clustering/runs/...`) saying what it did, including when no log
store is configured.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from agentcore.clustering import cluster_window
from agentcore.clustering.report import ClusteringReport, render_markdown
from agentcore.clustering.tracing import RepoHistory, trace_cluster
from agentcore.errors import AgentCoreError, ConfigError
from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.cluster_investigations import ClusterRequest, start_cluster_investigations
from agentcore.pipeline.memory_world import parse_repo_option
from agentcore.pipeline.skill_health import run_skill_health
from agentcore.pipeline.wiring import Dependencies
from agentcore.redaction import redact_model
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

DAILY_WINDOW = timedelta(hours=24)
NO_LOG_STORE = "no log store is configured (kusto_cluster_url and kusto_database): nothing was clustered"


@dataclass(frozen=True)
class StoredClusteringReport:
    json_name: str
    markdown_name: str


def clustering_report_names(now: datetime, *, own: bool = False) -> StoredClusteringReport:
    """Where the report of a run at `now` goes: `clustering/<date>/<time>.{json,md}` (`<time>-self` for
    sre-agent's own errors, clustered by the same run)."""
    stem = f"clustering/{now:%Y/%m/%d}/{now:%H%M%S}{'-self' if own else ''}"
    return StoredClusteringReport(f"{stem}.json", f"{stem}.md")


def store_clustering_report(
    store: BlobStore, report: ClusteringReport, *, now: datetime, own: bool = False
) -> StoredClusteringReport:
    """Write the report as JSON and Markdown under `clustering/<date>/<time>`, named by when it ran, redacted
    (traces quote code, and the report may have been built from elsewhere than `cluster_window`)."""
    report = redact_model(report)
    names = clustering_report_names(now, own=own)
    json_name, markdown_name = names.json_name, names.markdown_name
    store.put(json_name, report.model_dump_json(indent=1).encode(), content_type="application/json")
    store.put(markdown_name, render_markdown(report).encode(), content_type="text/markdown; charset=utf-8")
    return StoredClusteringReport(json_name, markdown_name)


def investigate_and_store(
    ctx: StageContext,
    report: ClusteringReport,
    *,
    now: datetime,
    trigger: Literal["schedule", "cli"] = "schedule",
    scenario_dir: str | None = None,
    own: bool = False,
) -> tuple[ClusteringReport, StoredClusteringReport]:
    """Start the investigations of the new top clusters (once per cluster and day of the window's end),
    then store the report that lists them (`own`: sre-agent's own errors)."""
    names = clustering_report_names(now, own=own)
    request = ClusterRequest(trigger, names.markdown_name, report.window_end.date(), scenario_dir)
    top_n = ctx.deps.settings.cluster_investigations_top_n
    ids = start_cluster_investigations(ctx, report, request, top_n=top_n)
    report = report.model_copy(update={"investigations": ids})
    return report, store_clustering_report(ctx.deps.blob_store, report, now=now, own=own)


def with_live_traces(report: ClusteringReport, trace_repos: Sequence[str], *, top_n: int) -> ClusteringReport:
    """The top clusters traced into the local clones named by `trace_repos` (`SERVICE=PATH[@COMMIT]`).

    A live service has no scenario's deployment records here, so the commit given (or HEAD) is taken as the
    one deployed; blame still dates each line. A clone that cannot be read is reported and skipped."""
    repos = {repo.name: repo for repo in map(parse_repo_option, trace_repos)}
    traces = []
    for cluster in report.clusters[:top_n]:
        repo = next((repos[s] for s in cluster.services if s in repos), None)
        if repo is None:
            continue
        try:
            traces.append(trace_cluster(cluster, RepoHistory(repo.name, repo.path, (), repo.commit)))
        except AgentCoreError as e:
            logger.warning("cluster %s not traced into %s: %s", cluster.id, repo.path, e)
    return report.model_copy(update={"traces": tuple(traces)}) if traces else report


def _daily_memory(deps: Dependencies) -> dict[str, object]:
    """Memory gardening and its snapshot ride on the same timer; their failure never stops the clustering."""
    from agentcore.pipeline.memory_daily import run_daily_memory

    try:
        return run_daily_memory(deps)
    except AgentCoreError as e:
        logger.warning("daily memory check failed: %s", e)
        return {"status": "failed", "error": str(e)[:500]}


def _daily_own_errors(deps: Dependencies, *, now: datetime) -> dict[str, object]:
    """sre-agent's own errors of the last 24 h (the embedded default writes them under the data directory),
    clustered and investigated in its own source; on Azure they are in the log store, clustered above."""
    from agentcore.clustering.commands import cluster_scenario
    from agentcore.clustering.self_scenario import new_self_scenario_dir, prune_self_scenarios, write_self_scenario
    from agentcore.telemetry.local import APP_ROLE_NAME, self_telemetry_files

    telemetry = deps.settings.data_dir / "telemetry"
    if "AppExceptions" not in self_telemetry_files(telemetry) or deps.queue is None:
        return {"status": "skipped", "note": "no own errors recorded on this machine"}
    try:
        scenario = write_self_scenario(telemetry, new_self_scenario_dir(deps.settings.data_dir, now), now=now)
        prune_self_scenarios(scenario.parent)
        report = cluster_scenario(scenario, window=DAILY_WINDOW, service=APP_ROLE_NAME,
                                  trace_top_n=deps.settings.cluster_trace_top_n)  # fmt: skip
        report, stored = investigate_and_store(StageContext(deps, deps.queue), report, now=now,
                                               scenario_dir=str(scenario), own=True)  # fmt: skip
    except AgentCoreError as e:
        logger.warning("clustering of sre-agent's own errors failed: %s", e)
        return {"status": "failed", "error": str(e)[:500]}
    return {"status": "clustered", "records": report.records, "clusters": len(report.clusters),
            "report": stored.json_name, "investigations": list(report.investigations)}  # fmt: skip


def _remove_stale_checkouts(deps: Dependencies) -> list[str]:
    """Shared checkouts no investigation used for `checkout_idle_days` (each is a whole repository on disk)."""
    from agentcore.workspace import checkouts_dir, remove_stale_checkouts

    checkouts = checkouts_dir((deps.settings.data_dir / "clone-cache").resolve())
    try:
        return remove_stale_checkouts(checkouts, unused_for_s=deps.settings.checkout_idle_days * 86_400)
    except OSError as e:
        logger.warning("stale checkouts not removed: %s", e)
        return []


def run_daily_clustering(deps: Dependencies, *, past_due: bool = False) -> str:
    """Cluster the configured log store's last 24 h; store the report, the day's skill-health report and a run
    record; return the record's name."""
    now: datetime = deps.now()
    record: dict[str, object] = {"started_at": now.isoformat(), "past_due": past_due}
    if deps.log_store is None:
        record |= {"status": "skipped", "note": NO_LOG_STORE}
        logger.warning("daily error clustering: %s", NO_LOG_STORE)
    else:
        report = cluster_window(deps.log_store, window_end=now, window=DAILY_WINDOW)
        report = with_live_traces(report, deps.settings.trace_repos, top_n=deps.settings.cluster_trace_top_n)
        if deps.queue is None:
            raise ConfigError("the daily clustering job needs a queue to start investigations on")
        report, stored = investigate_and_store(StageContext(deps, deps.queue), report, now=now)
        new = sum(cluster.new for cluster in report.clusters)
        record |= {"status": "clustered", "records": report.records, "clusters": len(report.clusters),
                   "new_clusters": new, "report": stored.json_name,
                   "investigations": list(report.investigations)}  # fmt: skip
        logger.info("daily error clustering: %d records, %d clusters (%d new): %s",
                    report.records, len(report.clusters), new, stored.json_name)  # fmt: skip
    record["self"] = _daily_own_errors(deps, now=now)
    record["checkouts_removed"] = _remove_stale_checkouts(deps)
    record["skill_health"] = run_skill_health(deps, now=now)
    record["memory"] = _daily_memory(deps)
    name = f"clustering/runs/{now:%Y/%m/%d}/{now:%H%M%S}.json"
    deps.blob_store.put(name, json.dumps(record, indent=1).encode(), content_type="application/json")
    return name
