"""One investigation per new cluster among a clusters report's top N (issue 11, point 4).

The investigation's id is derived from the cluster id and the day, so a second run of the timer (or
of `sre-agent cluster`) on the same day finds the investigation it started and starts no other. Its
question carries the cluster (title, examples, frames, logging location), its trace to code when
one was made, a reference to the clusters report, and asks for the root cause in code and, when the
fix is a code change, a patch at `report/fix.patch` (the `pr` stage's input).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from typing import Literal

from agentcore.clustering import Cluster
from agentcore.clustering.report import ClusteringReport
from agentcore.clustering.tracing import render_trace
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline._stage_pr import PATCH_PATH
from agentcore.pipeline.state import RequestSpec
from agentcore.reports import Trigger

logger = logging.getLogger(__name__)

MAX_FRAMES_IN_QUESTION = 8


@dataclass(frozen=True)
class ClusterRequest:
    """Where the clusters came from: the trigger kind, the stored report, the scenario (if any)."""

    trigger: Literal["schedule", "cli"]
    report_name: str
    day: date
    scenario_dir: str | None = None


def cluster_investigation_id(cluster_id: str, day: date) -> str:
    """`inv-<day>-000000-<6 hex of cluster id and day>`: the same cluster on the same day, the same id."""
    digest = hashlib.sha256(f"{cluster_id}|{day.isoformat()}".encode()).hexdigest()[:6]
    return f"inv-{day:%Y%m%d}-000000-{digest}"


def clusters_to_investigate(report: ClusteringReport, top_n: int) -> list[Cluster]:
    """The new clusters among the first `top_n` of the ranking."""
    return [cluster for cluster in report.clusters[: max(top_n, 0)] if cluster.new]


def cluster_question(cluster: Cluster, *, report_name: str, trace: str | None = None) -> str:
    """What the agent is asked about one cluster: the cluster, its trace, the report, what to deliver."""
    lines = [
        f"A new error cluster appeared: {cluster.title}",
        f"Cluster `{cluster.id}` ({cluster.evidence}): {cluster.count} errors from {cluster.first_seen:%Y-%m-%d %H:%M}"
        f" to {cluster.last_seen:%Y-%m-%d %H:%M} UTC in {', '.join(cluster.services) or 'unknown services'}; "
        f"it did not occur in the window before. Clusters report: {report_name}.",
    ]
    if cluster.exception_type:
        lines.append(f"Exception type: {cluster.exception_type}")
    lines += [f"Example: {example[:500]}" for example in cluster.examples]
    lines += [f"Frame: {f.method} ({f.file}:{f.line or '?'})" for f in cluster.frames[:MAX_FRAMES_IN_QUESTION]]
    if cluster.logging_location:
        lines.append(f"Logged at: {cluster.logging_location}")
    if trace:
        lines += ["", "Traced to code at the deployed commit:", trace]
    lines += [
        "",
        "Find the root cause in code: the commit and lines that introduced it, and the deployment that shipped them.",
        f"If the fix is a code change, write it as a unified diff against the deployed commit to {PATCH_PATH}, "
        "with paths relative to the repository root (a/..., b/...), touching only that one repository.",
    ]
    return "\n".join(lines)


def start_cluster_investigations(
    ctx: StageContext,
    report: ClusteringReport,
    request: ClusterRequest,
    *,
    top_n: int,
) -> tuple[str, ...]:
    """Start (or find) the investigation of each new top cluster; return their ids, in ranking order."""
    started: list[str] = []
    for cluster in clusters_to_investigate(report, top_n):
        trace = report.trace_of(cluster.id)
        text = render_trace(trace) if trace is not None else None
        question = cluster_question(cluster, report_name=request.report_name, trace=text)
        spec = RequestSpec(
            trigger=Trigger(kind=request.trigger, ref=f"cluster:{cluster.id}"),
            question=question,
            scenario_dir=request.scenario_dir,
        )
        state = start_investigation(
            ctx, spec, title=f"New error cluster: {cluster.title}"[:200],
            investigation_id=cluster_investigation_id(cluster.id, request.day),
        )  # fmt: skip
        started.append(state.id)
        logger.info("cluster %s: investigation %s", cluster.id, state.id)
    return tuple(started)


__all__ = [
    "ClusterRequest",
    "cluster_investigation_id",
    "cluster_question",
    "clusters_to_investigate",
    "start_cluster_investigations",
]
