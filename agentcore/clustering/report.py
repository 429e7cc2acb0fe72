"""The clusters report: what the daily job found in a window, as JSON for machines and Markdown for people."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from agentcore.clustering.clusters import Cluster
from agentcore.clustering.tracing import ClusterTrace, render_trace

MAX_ROWS_IN_MARKDOWN = 50


class ClusteringReport(BaseModel):
    """One clustering run over `[window_start, window_end)`, compared with the window of equal length before."""

    model_config = ConfigDict(frozen=True)

    window_start: datetime
    window_end: datetime
    service: str | None = None
    records: int
    previous_records: int
    clusters: tuple[Cluster, ...]
    """Ranked: new first, then count, then growth."""
    investigations: tuple[str, ...] = ()
    """Investigation ids started for the top new clusters."""
    traces: tuple[ClusterTrace, ...] = ()
    """The top clusters traced to code, when their repositories were at hand."""

    def trace_of(self, cluster_id: str) -> ClusterTrace | None:
        return next((trace for trace in self.traces if trace.cluster_id == cluster_id), None)


def render_markdown(report: ClusteringReport) -> str:
    scope = f" for {report.service}" if report.service else ""
    new = sum(cluster.new for cluster in report.clusters)
    lines = [
        f"# Error clusters{scope}, {report.window_start:%Y-%m-%d %H:%M} to {report.window_end:%Y-%m-%d %H:%M} UTC",
        "",
        f"{report.records} error records in {len(report.clusters)} clusters ({new} new); "
        f"{report.previous_records} records in the window before.",
        "",
        "| # | cluster | new | count | before | first seen | last seen | services | title |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rank, cluster in enumerate(report.clusters[:MAX_ROWS_IN_MARKDOWN], start=1):
        lines.append(
            f"| {rank} | `{cluster.id}` | {'yes' if cluster.new else ''} | {cluster.count} | {cluster.previous_count} "
            f"| {cluster.first_seen:%m-%d %H:%M} | {cluster.last_seen:%m-%d %H:%M} | {', '.join(cluster.services)} "
            f"| {_cell(cluster.title)} |"
        )
    if len(report.clusters) > MAX_ROWS_IN_MARKDOWN:
        lines.append(f"\n{len(report.clusters) - MAX_ROWS_IN_MARKDOWN} smaller clusters are in the JSON report.")
    for cluster in report.clusters[:5]:
        lines += ["", f"## `{cluster.id}`: {_cell(cluster.title)}", "", f"evidence: {cluster.evidence}"]
        lines += [f"- example: `{_cell(example)[:300]}`" for example in cluster.examples]
        lines += [f"- at {frame.method} ({frame.file}:{frame.line})" for frame in cluster.frames[:5]]
        if (trace := report.trace_of(cluster.id)) is not None:
            lines += ["", render_trace(trace)]
    if report.investigations:
        lines += ["", "Investigations started: " + ", ".join(report.investigations)]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("`", "'")


__all__ = ["ClusteringReport", "render_markdown"]
