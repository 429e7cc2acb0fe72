"""One investigation per new top cluster, once per cluster and day, listed in the clusters report."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.clustering import Cluster, ClusterFrame, Evidence
from agentcore.clustering.commands import cluster_scenario
from agentcore.clustering.report import ClusteringReport
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_io import load_state
from agentcore.pipeline.cluster_investigations import cluster_investigation_id, cluster_question
from agentcore.pipeline.clustering import investigate_and_store, run_daily_clustering
from agentcore.scenarios import load_scenario
from tests.pipeline.pipeline_harness import EXAMPLE, quick_runner

DAY_END = datetime.fromisoformat("2026-03-02T14:10:00+00:00")


def cluster(cluster_id: str, *, new: bool = True, count: int = 10) -> Cluster:
    frame = ClusterFrame(method="_is_expired", file="/app/checkout/coupons.py", line=76)
    return Cluster(
        id=cluster_id, evidence=Evidence.STACK, title=f"TypeError at coupons:_is_expired ({cluster_id})", count=count,
        first_seen=DAY_END - timedelta(hours=1), last_seen=DAY_END, services=("checkout-api",), operations=count,
        examples=("'<' not supported between instances of 'NoneType' and 'datetime.datetime'",),
        exception_type="TypeError", frames=(frame,),
        previous_count=0 if new else 4, new=new,
    )  # fmt: skip


def clusters_report(*clusters: Cluster) -> ClusteringReport:
    return ClusteringReport(window_start=DAY_END - timedelta(hours=24), window_end=DAY_END, records=30,
                            previous_records=4, clusters=clusters)  # fmt: skip


def investigations_in(runner: LocalRunner) -> list[str]:
    names = runner.context.deps.blob_store.list("investigations/")
    return sorted({name.split("/")[1] for name in names if name.endswith("/state.json")})


def test_only_the_new_clusters_among_the_top_n_are_investigated(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, cluster_investigations_top_n=2)
    report = clusters_report(cluster("c-new1"), cluster("c-old", new=False), cluster("c-new2"))
    stored, _ = investigate_and_store(runner.context, report, now=DAY_END)
    assert stored.investigations == (cluster_investigation_id("c-new1", DAY_END.date()),)
    assert investigations_in(runner) == list(stored.investigations)


def test_a_second_run_on_the_same_day_starts_no_second_investigation(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    report = clusters_report(cluster("c-new1"), cluster("c-new2"))
    first, _ = investigate_and_store(runner.context, report, now=DAY_END)
    again, _ = investigate_and_store(runner.context, report, now=DAY_END + timedelta(hours=2))
    assert again.investigations == first.investigations
    assert investigations_in(runner) == sorted(first.investigations)


def test_the_same_cluster_on_another_day_is_another_investigation() -> None:
    assert cluster_investigation_id("c-new1", date(2026, 3, 2)) != cluster_investigation_id("c-new1", date(2026, 3, 3))


def test_zero_top_clusters_starts_nothing(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, cluster_investigations_top_n=0)
    stored, _ = investigate_and_store(runner.context, clusters_report(cluster("c-new1")), now=DAY_END)
    assert stored.investigations == ()
    assert investigations_in(runner) == []


def test_the_stored_report_lists_the_investigations(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    report, names = investigate_and_store(runner.context, clusters_report(cluster("c-new1")), now=DAY_END)
    stored = json.loads(runner.context.deps.blob_store.get(names.json_name).data)
    assert stored["investigations"] == list(report.investigations)
    markdown = runner.context.deps.blob_store.get(names.markdown_name).data.decode()
    assert f"Investigations started: {report.investigations[0]}" in markdown


def test_the_investigation_asks_about_the_cluster_and_names_the_report(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path)
    report, names = investigate_and_store(runner.context, clusters_report(cluster("c-new1")), now=DAY_END)
    loaded = load_state(runner.context.deps, report.investigations[0])
    assert loaded is not None
    request = loaded.state.request
    assert (request.trigger.kind, request.trigger.ref) == ("schedule", "cluster:c-new1")
    assert request.question is not None
    assert f"Clusters report: {names.markdown_name}" in request.question


def test_the_question_carries_the_example_the_frames_the_trace_and_asks_for_a_patch() -> None:
    question = cluster_question(
        cluster("c-new1"), report_name="clustering/r.md", trace="coupons.py:76 blamed on 8a33d36"
    )
    assert "Example: '<' not supported between instances of 'NoneType'" in question
    assert "Frame: _is_expired (/app/checkout/coupons.py:76)" in question
    assert "coupons.py:76 blamed on 8a33d36" in question
    assert "report/fix.patch" in question


@pytest.fixture
def scenario_logs(tmp_path: Path) -> Iterator[tuple[DuckDbLogStore, datetime]]:
    scenario = load_scenario(EXAMPLE)
    store = DuckDbLogStore.load(scenario.telemetry, tmp_path / "t.duckdb", query_now=scenario.incident_time)
    try:
        yield store, scenario.incident_time
    finally:
        store.close()


def test_the_daily_timer_starts_the_investigations_once_a_day(
    tmp_path: Path, scenario_logs: tuple[DuckDbLogStore, datetime]
) -> None:
    store, incident = scenario_logs
    runner = quick_runner(tmp_path)
    deps = replace(runner.context.deps, log_store=store, now=lambda: incident, queue=runner.queue)
    first = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)
    deps = replace(deps, now=lambda: incident + timedelta(minutes=5))
    again = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)
    assert len(first["investigations"]) == 2
    assert again["investigations"] == first["investigations"]
    assert investigations_in(runner) == sorted(first["investigations"])


def test_a_traced_cluster_is_asked_about_with_its_trace(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, cluster_investigations_top_n=1)
    report = cluster_scenario(EXAMPLE, window=timedelta(hours=24), service=None, trace_top_n=1)
    started, _ = investigate_and_store(runner.context, report, now=DAY_END, scenario_dir=str(EXAMPLE))
    loaded = load_state(runner.context.deps, started.investigations[0])
    assert loaded is not None
    question = loaded.state.request.question or ""
    assert "frame _is_expired at checkout/coupons.py:76" in question
    assert "- b12894d2a204 coupons: accept marketing campaign codes" in question
    assert loaded.state.request.scenario_dir == str(EXAMPLE)


def test_the_daily_timer_removes_shared_checkouts_nobody_used_for_a_week(tmp_path: Path) -> None:
    runner = quick_runner(tmp_path, checkout_idle_days=7)
    deps = replace(runner.context.deps, queue=runner.queue)
    checkouts = tmp_path / "checkouts"
    stale, fresh = checkouts / f"{'a' * 24}-{'1' * 40}", checkouts / f"{'b' * 24}-{'2' * 40}"
    for checkout in (stale, fresh):
        (checkout / "src").mkdir(parents=True)
    eight_days_ago = time.time() - 8 * 86_400
    os.utime(stale, (eight_days_ago, eight_days_ago))
    record = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)
    assert record["checkouts_removed"] == [stale.name]
    assert (not stale.exists(), fresh.exists()) == (True, True)
