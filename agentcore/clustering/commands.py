"""The `sre-agent cluster` doors that need no pipeline: plain log lines to an assignments CSV, and a
scenario's telemetry (or any log store) to a clusters report."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path

from agentcore.clustering.clusters import Cluster, assign_lines
from agentcore.clustering.report import ClusteringReport
from agentcore.clustering.run import cluster_window
from agentcore.clustering.tracing import ClusterTrace, Release, RepoHistory, trace_cluster
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.errors import UserInputError
from agentcore.scenarios import Scenario, load_scenario
from agentcore.workspace.checkout import check_out_bundle

MAX_LINES_FILE_BYTES = 2 * 1024**3


def write_line_assignments(lines_file: Path, out_csv: Path) -> int:
    """Cluster every line of `lines_file`; write `line,cluster_id,template` (line numbers from 1). Returns lines."""
    lines = list(_read_lines(lines_file))
    try:
        with out_csv.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "cluster_id", "template"])
            for number, (cluster_id, template) in enumerate(assign_lines(lines), start=1):
                writer.writerow([number, cluster_id, template])
    except OSError as e:
        raise UserInputError(f"--assignments {out_csv}: cannot write it: {e.strerror or e}") from e
    return len(lines)


def _read_lines(path: Path) -> Iterator[str]:
    try:
        if path.stat().st_size > MAX_LINES_FILE_BYTES:
            raise UserInputError(f"--lines {path}: larger than {MAX_LINES_FILE_BYTES // 1024**3} GiB; split it")
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:
            for line in handle:
                yield line.rstrip("\r\n")
    except OSError as e:
        raise UserInputError(f"--lines {path}: {e.strerror or e}") from e


def cluster_scenario(
    scenario_dir: Path, *, window: timedelta, service: str | None, trace_top_n: int = 0
) -> ClusteringReport:
    """Cluster a scenario's telemetry in the window that ends at its incident time; trace the first
    `trace_top_n` clusters to the code of its repositories."""
    scenario = load_scenario(scenario_dir)
    report = _cluster_scenario(scenario, window=window, service=service)
    if trace_top_n <= 0:
        return report
    traces = trace_scenario_clusters(scenario, report.clusters[:trace_top_n])
    return report.model_copy(update={"traces": traces})


def trace_scenario_clusters(scenario: Scenario, clusters: Sequence[Cluster]) -> tuple[ClusterTrace, ...]:
    """Each cluster traced in the repository of the first of its services the scenario knows."""
    traces: list[ClusterTrace] = []
    with tempfile.TemporaryDirectory(prefix="sre-agent-trace-") as scratch:
        clones: dict[str, Path] = {}
        for cluster in clusters:
            known = [s for s in scenario.services if {s.name, s.app_role} & set(cluster.services)]
            if not known or known[0].repo not in scenario.repos:
                continue
            chosen, bundle = known[0], scenario.repos[known[0].repo]
            if bundle.name not in clones:
                clones[bundle.name] = Path(scratch) / bundle.name
                check_out_bundle(bundle.bundle, clones[bundle.name], bundle.head)
            releases = tuple(
                Release(time=row.time, commit=row.commit, version=row.version, environment=row.environment)
                for row in scenario.deployments
                if row.service in (chosen.name, chosen.app_role)
            )
            traces.append(trace_cluster(cluster, RepoHistory(bundle.name, clones[bundle.name], releases, bundle.head)))
    return tuple(traces)


def _cluster_scenario(scenario: Scenario, *, window: timedelta, service: str | None) -> ClusteringReport:
    if not scenario.telemetry:
        raise UserInputError(f"--scenario {scenario.directory}: it has no telemetry/ to cluster")
    with tempfile.TemporaryDirectory(prefix="sre-agent-cluster-") as scratch:
        store = DuckDbLogStore.load(
            scenario.telemetry, Path(scratch) / "telemetry.duckdb", query_now=scenario.incident_time
        )
        try:
            return cluster_window(store, window_end=scenario.incident_time, window=window, service=service)
        finally:
            store.close()


def parse_window(text: str) -> timedelta:
    """`24h`, `90m`, `2d` as a timedelta; anything else is a user error."""
    units = {"m": 60, "h": 3600, "d": 86400}
    number, unit = text[:-1], text[-1:]
    if unit not in units or not number.isdigit() or int(number) == 0:
        raise UserInputError(f"--since {text!r}: give minutes, hours or days, e.g. 90m, 24h, 2d")
    return timedelta(seconds=int(number) * units[unit])


__all__ = [
    "cluster_scenario",
    "parse_window",
    "trace_scenario_clusters",
    "write_line_assignments",
]
