"""Clusters traced to code at the deployed commit: file:line, blame, the deployment that shipped it,
and the changes the deployment in force shipped to those files (real git on the example scenarios)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.clustering import Cluster, ClusterFrame, Evidence
from agentcore.clustering.commands import cluster_scenario
from agentcore.clustering.report import ClusteringReport
from agentcore.clustering.tracing import (
    Release,
    RepoHistory,
    locate_function,
    match_path,
    render_trace,
    trace_cluster,
)
from agentcore.scenarios import load_scenario
from agentcore.workspace.checkout import check_out_bundle as clone_detached

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
CHECKOUT = EXAMPLES / "checkout-bad-deploy"
RELEASE_1_5_0 = "3945ab1c9b4f7d30fcaa8f8858ef3555089f1d7a"


def culprit_of(scenario: Path) -> str:
    return str(json.loads((scenario / "truth.json").read_text())["culprit"]["commit"])


@pytest.fixture(scope="module")
def checkout_report() -> ClusteringReport:
    return cluster_scenario(CHECKOUT, window=timedelta(hours=24), service=None, trace_top_n=3)


@pytest.fixture(scope="module")
def checkout_repo(tmp_path_factory: pytest.TempPathFactory) -> RepoHistory:
    scenario = load_scenario(CHECKOUT)
    bundle = scenario.repos["checkout"]
    clone = tmp_path_factory.mktemp("repos") / "checkout"
    clone_detached(bundle.bundle, clone, bundle.head)
    releases = tuple(Release(time=row.time, commit=row.commit, version=row.version, environment=row.environment)
                     for row in scenario.deployments if row.service == "checkout")  # fmt: skip
    return RepoHistory("checkout", clone, releases, bundle.head)


def cluster_at(first_seen: datetime, *frames: ClusterFrame, logging_location: str = "") -> Cluster:
    return Cluster(id="c-test", evidence=Evidence.STACK, title="t", count=1, first_seen=first_seen,
                   last_seen=first_seen, services=("checkout-api",), operations=1, examples=("e",),
                   frames=frames, logging_location=logging_location)  # fmt: skip


def test_the_top_cluster_of_checkout_bad_deploy_traces_to_the_culprit_commit(
    checkout_report: ClusteringReport,
) -> None:
    trace = checkout_report.trace_of(checkout_report.clusters[0].id)
    assert trace is not None
    assert trace.changes[0].commit == culprit_of(CHECKOUT)
    assert trace.changes[0].files == ("checkout/coupons.py",)


def test_the_trace_is_at_the_commit_deployed_when_the_cluster_began(checkout_report: ClusteringReport) -> None:
    trace = checkout_report.trace_of(checkout_report.clusters[0].id)
    assert trace is not None
    assert trace.deployed_commit == RELEASE_1_5_0
    assert trace.deployed_by is not None
    assert trace.deployed_by.startswith("1.5.0 (3945ab1c9b4f) to production")
    assert trace.previous_release is not None
    assert trace.previous_release.startswith("1.4.0")


def test_frames_become_repository_lines_with_blame_and_the_release_that_shipped_them(
    checkout_report: ClusteringReport,
) -> None:
    trace = checkout_report.trace_of(checkout_report.clusters[0].id)
    assert trace is not None
    thrown = trace.locations[0]
    assert (thrown.path, thrown.line, thrown.text) == ("checkout/coupons.py", 76, "return coupon.expires_at < now")
    [blamed] = [record for record in thrown.blame if record.line == 76]
    assert blamed.commit.startswith("fcb93a5f")
    assert blamed.shipped_in is not None
    assert blamed.shipped_in.startswith("1.1.0")
    assert [location.path for location in trace.locations] == [
        "checkout/coupons.py", "checkout/coupons.py", "checkout/pricing.py", "checkout/api.py"]  # fmt: skip


def test_a_cluster_that_began_before_a_release_is_traced_at_the_release_before(checkout_repo: RepoHistory) -> None:
    frame = ClusterFrame(method="_is_expired", file="/app/checkout/coupons.py", line=None)
    trace = trace_cluster(cluster_at(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), frame), checkout_repo)
    assert trace.deployed_by is not None
    assert trace.deployed_by.startswith("1.4.0")
    assert culprit_of(CHECKOUT) not in {change.commit for change in trace.changes}


def test_a_frame_without_a_line_is_located_at_its_functions_definition(checkout_repo: RepoHistory) -> None:
    frame = ClusterFrame(method="checkout.coupons._is_expired", file="/app/checkout/coupons.py", line=None)
    trace = trace_cluster(cluster_at(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), frame), checkout_repo)
    assert trace.locations[0].text.startswith("def _is_expired(")


def test_a_logging_location_is_traced_like_a_frame(checkout_repo: RepoHistory) -> None:
    cluster = cluster_at(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), logging_location="/app/checkout/coupons.py:apply")
    [location] = trace_cluster(cluster, checkout_repo).locations
    assert (location.kind, location.path) == ("logging", "checkout/coupons.py")
    assert location.text.startswith("def apply(")


def test_a_cluster_before_any_deployment_is_traced_at_the_head(checkout_repo: RepoHistory) -> None:
    frame = ClusterFrame(method="apply", file="/app/checkout/coupons.py", line=66)
    trace = trace_cluster(cluster_at(datetime(2026, 1, 1, tzinfo=UTC), frame), checkout_repo)
    assert (trace.deployed_by, trace.deployed_commit) == (None, load_scenario(CHECKOUT).repos["checkout"].head)
    assert "no deployment recorded" in render_trace(trace)


def test_the_payments_scenarios_exception_cluster_traces_to_its_culprit() -> None:
    scenario = EXAMPLES / "payments-new-exception"
    report = cluster_scenario(scenario, window=timedelta(hours=24), service=None, trace_top_n=3)
    [trace] = [t for t in report.traces if any("RefundAllocator" in loc.method for loc in t.locations)]
    assert trace.changes[0].commit == culprit_of(scenario)


TREE = ["checkout/__init__.py", "checkout/coupons.py", "app.py", "tests/test_coupons.py", "a/util.py", "b/util.py"]


@pytest.mark.parametrize(
    ("source", "path"),
    [
        ("/app/checkout/coupons.py", "checkout/coupons.py"),
        ("C:\\build\\src\\checkout\\coupons.py", "checkout/coupons.py"),
        ("/srv/app.py", "app.py"),
        ("/usr/lib/python3.12/site-packages/requests/__init__.py", None),
        ("/usr/lib/python3.12/site-packages/fastapi/routing.py", None),
        ("/app/util.py", None),
    ],
    ids=["suffix", "windows", "root-file", "library-init", "library", "ambiguous"],
)
def test_a_telemetry_path_maps_to_the_repository_file_it_names(source: str, path: str | None) -> None:
    assert match_path(source, TREE) == path


def test_a_method_is_found_by_its_definition_not_a_call() -> None:
    text = "def a():\n    return b()\n\n\nasync def b():\n    pass\n"
    assert locate_function(text, "module.b") == 5
