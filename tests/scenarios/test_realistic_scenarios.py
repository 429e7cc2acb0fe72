"""The three realistic example scenarios hold together.

Each has several services with their own repos and weeks of history; its culprit is a real commit that
went to staging, then production, before the incident, and is not its release's newest commit; every
exception's stack points at real lines of the code that was running. Then each story's numbers are in
the telemetry: a new exception after a deploy, a PostgreSQL slowdown without new errors, and a
prompt-cache hit rate that drops on one model while a small model never caches at all.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.scenarios import Scenario, load_scenario
from agentcore.workspace import materialize_workspace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
PAYMENTS, INVENTORY, CACHE = "payments-new-exception", "inventory-dependency-slowdown", "llm-prompt-cache-regression"
NAMES = (PAYMENTS, INVENTORY, CACHE)
OWN_CODE_PREFIXES = ("/src/", "/app/", "github.com/northwind/")
"""Where the scenarios' own frames live: .NET builds in /src, Python and Node run from /app, Go uses -trimpath."""
MIN_CACHEABLE_TOKENS = 1024


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return done.stdout


def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    done = subprocess.run(["git", "-C", str(repo), "merge-base", "--is-ancestor", older, newer], check=False)
    return done.returncode == 0


def kql_time(moment: datetime) -> str:
    return f"datetime({moment:%Y-%m-%dT%H:%M:%SZ})"


@pytest.fixture(scope="module")
def scenarios() -> dict[str, Scenario]:
    return {name: load_scenario(EXAMPLES / name) for name in NAMES}


@pytest.fixture(scope="module")
def clones(scenarios: dict[str, Scenario], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Path]]:
    """Full clones of every bundle, {scenario: {repo: path}}."""
    root = tmp_path_factory.mktemp("clones")
    found: dict[str, dict[str, Path]] = {}
    for name, scenario in scenarios.items():
        found[name] = {}
        for repo in scenario.repos.values():
            target = root / name / repo.name
            subprocess.run(["git", "clone", "-q", "--no-checkout", str(repo.bundle), str(target)], check=True)
            found[name][repo.name] = target
    return found


def culprit_service(scenario: Scenario) -> str:
    assert scenario.truth is not None
    assert scenario.truth.culprit is not None
    return next(s.name for s in scenario.services if s.repo == scenario.truth.culprit.repo)


def culprit_deploy_time(scenario: Scenario) -> datetime:
    deployment = scenario.deployed_commit(culprit_service(scenario)).deployment
    assert deployment is not None
    return deployment.time


@pytest.fixture(scope="module")
def logs(
    scenarios: dict[str, Scenario], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, DuckDbLogStore]]:
    stores = {}
    for name in (INVENTORY, CACHE):
        workspace = materialize_workspace(scenarios[name], tmp_path_factory.mktemp(name) / "ws")
        assert workspace.telemetry_database is not None
        stores[name] = DuckDbLogStore(workspace.telemetry_database)
    yield stores
    for store in stores.values():
        store.close()


@pytest.mark.parametrize("name", NAMES)
def test_each_scenario_has_three_services_built_from_their_own_repos(scenarios: dict[str, Scenario], name: str) -> None:
    scenario = scenarios[name]
    repos = [s.repo for s in scenario.services]
    assert len(scenario.services) >= 3
    assert len(set(repos)) == len(repos)
    assert set(repos) <= set(scenario.repos)


@pytest.mark.parametrize("name", NAMES)
def test_each_scenario_has_dozens_of_commits_by_several_authors_over_weeks(
    scenarios: dict[str, Scenario], name: str
) -> None:
    commits = [c for repo in scenarios[name].repos.values() for c in repo.history]
    assert len(commits) >= 30
    assert len({c.author for c in commits}) >= 5
    assert (max(c.committed_at for c in commits) - min(c.committed_at for c in commits)).days >= 21


@pytest.mark.parametrize("name", NAMES)
def test_the_culprit_went_live_in_the_production_release_before_the_incident(
    scenarios: dict[str, Scenario], clones: dict[str, dict[str, Path]], name: str
) -> None:
    scenario = scenarios[name]
    assert scenario.truth is not None
    assert scenario.truth.culprit is not None
    culprit = scenario.truth.culprit
    assert culprit.commit in {c.sha for c in scenario.repos[culprit.repo].history}
    service = culprit_service(scenario)
    deployed = scenario.deployed_commit(service)
    assert deployed.deployment is not None
    assert deployed.deployment.environment == "production"
    assert deployed.deployment.time < scenario.incident_time
    repo = clones[name][culprit.repo]
    assert is_ancestor(repo, culprit.commit, deployed.commit)
    production = [d for d in scenario.deployments if d.service == service and d.environment == "production"]
    previous = max((d for d in production if d.time < deployed.deployment.time), key=lambda d: d.time)
    assert not is_ancestor(repo, culprit.commit, previous.commit)


@pytest.mark.parametrize("name", NAMES)
def test_the_culprit_release_went_to_staging_before_production(scenarios: dict[str, Scenario], name: str) -> None:
    scenario = scenarios[name]
    deployed = scenario.deployed_commit(culprit_service(scenario))
    assert deployed.deployment is not None
    staging = [d for d in scenario.deployments if d.commit == deployed.commit and d.environment == "staging"]
    assert staging
    assert staging[0].time < deployed.deployment.time


@pytest.mark.parametrize("name", NAMES)
def test_the_culprit_is_not_the_newest_commit_of_its_release(scenarios: dict[str, Scenario], name: str) -> None:
    scenario = scenarios[name]
    assert scenario.truth is not None
    assert scenario.truth.culprit is not None
    culprit = scenario.truth.culprit
    assert culprit.commit != scenario.deployed_commit(culprit_service(scenario)).commit
    assert culprit.commit != scenario.repos[culprit.repo].head


@pytest.mark.parametrize("name", NAMES)
def test_the_alert_fires_between_the_culprit_deploy_and_the_incident(scenarios: dict[str, Scenario], name: str) -> None:
    scenario = scenarios[name]
    assert scenario.alert.family == "log"
    assert culprit_deploy_time(scenario) < scenario.alert.fired_at <= scenario.incident_time
    (condition,) = scenario.alert.conditions
    assert condition.search_query
    assert condition.observed_value is not None


def exception_rows(name: str) -> list[dict[str, Any]]:
    text = (EXAMPLES / name / "telemetry" / "AppExceptions.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def own_frames(row: dict[str, Any]) -> list[dict[str, Any]]:
    frames = [f for detail in row["Details"] for f in detail["parsedStack"] if f.get("fileName")]
    return [f for f in frames if f["fileName"].startswith(OWN_CODE_PREFIXES) or f["method"].startswith("com.fabrikam.")]


@pytest.mark.parametrize("name", NAMES)
def test_every_exception_stack_points_at_real_lines_of_the_code_that_was_running(
    scenarios: dict[str, Scenario], clones: dict[str, dict[str, Path]], name: str
) -> None:
    scenario = scenarios[name]
    repo_of = {s.app_role: (s.name, s.repo) for s in scenario.services}
    rows = exception_rows(name)
    checked: dict[tuple[str, str, str], list[str]] = {}
    for row in rows:
        service, repo = repo_of[row["AppRoleName"]]
        (commit,) = {
            d.commit
            for d in scenario.deployments
            if d.service == service and d.version == row["AppVersion"] and d.environment == "production"
        }
        files = git(clones[name][repo], "ls-tree", "-r", "--name-only", commit).splitlines()
        frames = own_frames(row)
        assert frames, row["ProblemId"]
        for frame in frames:
            (path,) = [p for p in files if frame["fileName"].endswith("/" + p) or p.endswith("/" + frame["fileName"])]
            key = (repo, commit, path)
            if key not in checked:
                checked[key] = git(clones[name][repo], "show", f"{commit}:{path}").splitlines()
            lines = checked[key]
            assert 1 <= frame["line"] <= len(lines), (row["ProblemId"], frame)
            assert lines[frame["line"] - 1].strip(), (row["ProblemId"], frame)


@pytest.mark.parametrize("name", NAMES)
def test_every_exception_stack_is_numbered_from_the_innermost_frame(name: str) -> None:
    for row in exception_rows(name):
        for detail in row["Details"]:
            assert [f["level"] for f in detail["parsedStack"]] == list(range(len(detail["parsedStack"])))


def test_payments_new_exception_starts_after_the_deploy_and_the_noise_before(scenarios: dict[str, Scenario]) -> None:
    scenario = scenarios[PAYMENTS]
    rows = exception_rows(PAYMENTS)
    first: dict[str, str] = {}
    for row in rows:
        first.setdefault(row["ExceptionType"], row["TimeGenerated"])
    deployed = f"{culprit_deploy_time(scenario):%Y-%m-%dT%H:%M}"
    assert first["System.InvalidOperationException"] > deployed
    assert first["Fabrikam.Payments.Gateway.AcquirerTimeoutException"] < deployed
    assert first["Microsoft.Data.SqlClient.SqlException"] < deployed


def test_payments_new_exception_is_thrown_on_a_line_the_culprit_wrote(
    scenarios: dict[str, Scenario], clones: dict[str, dict[str, Path]]
) -> None:
    scenario = scenarios[PAYMENTS]
    assert scenario.truth is not None
    assert scenario.truth.culprit is not None
    row = next(r for r in exception_rows(PAYMENTS) if r["ExceptionType"] == "System.InvalidOperationException")
    top = own_frames(row)[0]
    assert top["fileName"] == "/src/src/Payments/Refunds/RefundAllocator.cs"
    deployed = scenario.deployed_commit("payments").commit
    line = top["line"]
    blame = git(
        clones[PAYMENTS]["payments"],
        "blame",
        "--porcelain",
        "-L",
        f"{line},{line}",
        deployed,
        "--",
        top["fileName"][5:],
    )
    assert blame.split()[0] == scenario.truth.culprit.commit
    assert "TenderKind.Card" in blame.splitlines()[-1]


def postgres_p95(store: DuckDbLogStore, condition: str) -> float:
    kql = (
        "AppDependencies | where AppRoleName == 'inventory-api' and DependencyType == 'postgresql' "
        f"| where {condition} | summarize p95 = percentile(DurationMs, 95)"
    )
    return float(store.query(kql).rows[0][0])


def test_inventory_postgres_dependency_p95_at_least_doubles_after_the_config_deploy(
    scenarios: dict[str, Scenario], logs: dict[str, DuckDbLogStore]
) -> None:
    deployed = culprit_deploy_time(scenarios[INVENTORY])
    before = postgres_p95(logs[INVENTORY], f"TimeGenerated < {kql_time(deployed)}")
    after = postgres_p95(logs[INVENTORY], f"TimeGenerated >= {kql_time(deployed + timedelta(minutes=2))}")
    assert after >= 2 * before


def test_inventory_request_p95_at_least_doubles_after_the_config_deploy(
    scenarios: dict[str, Scenario], logs: dict[str, DuckDbLogStore]
) -> None:
    deployed = culprit_deploy_time(scenarios[INVENTORY])
    kql = (
        "AppRequests | where AppRoleName == 'inventory-api' "
        f"| extend after = TimeGenerated >= {kql_time(deployed + timedelta(minutes=2))} "
        f"| where TimeGenerated < {kql_time(deployed)} or after | summarize p95 = percentile(DurationMs, 95) by after"
    )
    p95 = {row["after"]: row["p95"] for row in logs[INVENTORY].query(kql).as_dicts()}
    assert p95[True] >= 2 * p95[False]


def test_inventory_exceptions_do_not_spike_after_the_config_deploy(
    scenarios: dict[str, Scenario], logs: dict[str, DuckDbLogStore]
) -> None:
    """No exception type is new after the deploy, and inventory-api raises no more exceptions per hour
    after it than before (the other services' recurring noise goes on as usual)."""
    scenario = scenarios[INVENTORY]
    deployed = culprit_deploy_time(scenario)
    store = logs[INVENTORY]
    first_seen = store.query("AppExceptions | summarize first_seen = min(TimeGenerated) by ExceptionType")
    assert all(str(row["first_seen"]) < f"{deployed:%Y-%m-%dT%H:%M}" for row in first_seen.as_dicts())
    split = f"TimeGenerated < {kql_time(deployed)}"
    kql = (
        "AppExceptions | where AppRoleName == 'inventory-api' "
        f"| summarize before = countif({split}), after = countif(not({split}))"
    )
    ((before, after),) = store.query(kql).rows
    start = datetime.fromisoformat(str(store.query("AppRequests | summarize min(TimeGenerated)").rows[0][0]))
    hours_before = (deployed - start.replace(tzinfo=deployed.tzinfo)).total_seconds() / 3600
    hours_after = (scenario.incident_time - deployed).total_seconds() / 3600
    assert int(str(after)) / hours_after <= int(str(before)) / hours_before


def hit_rates(store: DuckDbLogStore, condition: str) -> dict[str, tuple[float, float]]:
    """{model: (cached percent, prompt tokens)} from the assistant's token metrics."""
    kql = (
        "AppMetrics | where AppRoleName == 'assistant-api' "
        "| where Name in ('llm.tokens.prompt', 'llm.tokens.prompt_cached') "
        f"| where {condition} | extend Model = tostring(Properties['gen_ai.request.model']) "
        "| summarize Prompt = sumif(Sum, Name == 'llm.tokens.prompt'), "
        "Cached = sumif(Sum, Name == 'llm.tokens.prompt_cached') by Model"
    )
    return {r["Model"]: (100.0 * r["Cached"] / r["Prompt"], r["Prompt"]) for r in store.query(kql).as_dicts()}


def test_gpt41_cache_hit_rate_falls_from_about_70_to_about_48_percent(
    scenarios: dict[str, Scenario], logs: dict[str, DuckDbLogStore]
) -> None:
    deployed = culprit_deploy_time(scenarios[CACHE])
    before = hit_rates(logs[CACHE], f"TimeGenerated < {kql_time(deployed)}")["gpt-4.1"][0]
    after = hit_rates(logs[CACHE], f"TimeGenerated >= {kql_time(deployed + timedelta(minutes=3))}")["gpt-4.1"][0]
    assert before == pytest.approx(70, abs=2)
    assert after == pytest.approx(48, abs=2)


def test_gpt41_input_tokens_per_call_stay_the_same_across_the_deploy(
    scenarios: dict[str, Scenario], logs: dict[str, DuckDbLogStore]
) -> None:
    deployed = culprit_deploy_time(scenarios[CACHE])
    kql = (
        "AppDependencies | where AppRoleName == 'assistant-api' and Name == 'chat gpt-41-drafts' "
        f"| extend after = TimeGenerated >= {kql_time(deployed)} "
        "| summarize tokens = avg(toint(Properties['gen_ai.usage.input_tokens'])) by after"
    )
    tokens = {row["after"]: row["tokens"] for row in logs[CACHE].query(kql).as_dicts()}
    assert tokens[True] == pytest.approx(tokens[False], rel=0.05)


def test_the_small_model_never_caches_because_its_prompts_are_below_the_minimum(
    logs: dict[str, DuckDbLogStore],
) -> None:
    percent, prompt = hit_rates(logs[CACHE], "true")["gpt-4.1-nano"]
    assert percent == 0
    assert prompt > 0
    kql = (
        "AppDependencies | where AppRoleName == 'assistant-api' and Name == 'chat gpt-41-nano-router' "
        "| summarize longest = max(toint(Properties['gen_ai.usage.input_tokens'])), "
        "cached = sum(toint(Properties['gen_ai.usage.cached_input_tokens']))"
    )
    (row,) = logs[CACHE].query(kql).as_dicts()
    assert row["longest"] < MIN_CACHEABLE_TOKENS
    assert row["cached"] == 0


def test_the_cache_truth_explains_the_small_model_false_alarm(scenarios: dict[str, Scenario]) -> None:
    truth = scenarios[CACHE].truth
    assert truth is not None
    assert "gpt-4.1-nano" in truth.notes
    assert "1,024" in truth.notes
    assert "False alarm" in truth.notes
