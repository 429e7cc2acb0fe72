"""The daily timer traces its top clusters into the local clones the `trace_repos` setting names."""

from __future__ import annotations

import json
from pathlib import Path

from agentcore.clustering.report import ClusteringReport
from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.pipeline.clustering import run_daily_clustering
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.scenarios import load_scenario
from agentcore.settings import Settings
from agentcore.workspace.checkout import check_out_bundle

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


def daily_report(tmp_path: Path, trace_repos: tuple[str, ...]) -> ClusteringReport:
    scenario = load_scenario(EXAMPLE)
    store = DuckDbLogStore.load(scenario.telemetry, tmp_path / "logs.duckdb", query_now=scenario.incident_time)
    settings = Settings(data_dir=tmp_path / "data", model=None, sandbox="subprocess", trace_repos=trace_repos,
                        cluster_investigations_top_n=0)  # fmt: skip
    with override(log_store=store, now=lambda: scenario.incident_time, model=None):
        deps = build_dependencies(settings)
        record_name = run_daily_clustering(deps)
    record = json.loads(deps.blob_store.get(record_name).data)
    return ClusteringReport.model_validate_json(deps.blob_store.get(record["report"]).data)


def test_the_top_cluster_is_traced_into_the_named_clone(tmp_path: Path) -> None:
    bundle = load_scenario(EXAMPLE).repos["checkout"]
    clone = tmp_path / "checkout"
    check_out_bundle(bundle.bundle, clone, bundle.head)
    report = daily_report(tmp_path, (f"checkout-api={clone}",))
    top = report.clusters[0]
    trace = report.trace_of(top.id)
    assert trace is not None
    assert trace.repo == "checkout-api"
    assert any(location.path.endswith("coupons.py") for location in trace.locations)


def test_without_trace_repos_the_report_is_untraced(tmp_path: Path) -> None:
    assert daily_report(tmp_path, ()).traces == ()
