"""The committed example scenarios load, each generator reproduces its scenario byte for byte, and the
checkout-bad-deploy story holds together (deployed commit, culprit, stack traces, alert)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentcore.connectors.logs.duckdb import DuckDbLogStore
from agentcore.scenarios import Scenario, load_scenario
from agentcore.workspace import WorkspaceManifest, materialize_workspace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
BAD_DEPLOY = EXAMPLES / "checkout-bad-deploy"


def scenario_directories() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def generators() -> list[Path]:
    """`build_<name>.py` writes the scenario `<name>` (underscores as hyphens) next to it."""
    return sorted(EXAMPLES.glob("build_*.py"))


def generated_directory(generator: Path) -> Path:
    return EXAMPLES / generator.stem.removeprefix("build_").replace("_", "-")


def files_under(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


def test_there_is_at_least_one_example() -> None:
    assert BAD_DEPLOY in scenario_directories()


@pytest.mark.parametrize("directory", scenario_directories(), ids=lambda p: p.name)
def test_every_example_scenario_loads(directory: Path) -> None:
    scenario = load_scenario(directory)
    assert scenario.name == directory.name
    assert scenario.truth is not None


@pytest.mark.parametrize("generator", generators(), ids=lambda p: p.stem)
def test_generator_reproduces_the_committed_files_byte_for_byte(generator: Path, tmp_path: Path) -> None:
    output = tmp_path / "regenerated"
    subprocess.run([sys.executable, str(generator), str(output)], check=True, capture_output=True, timeout=120)
    committed, regenerated = files_under(generated_directory(generator)), files_under(output)
    assert sorted(regenerated) == sorted(committed)
    different = [name for name in committed if committed[name] != regenerated[name]]
    assert different == [], f"re-run {generator.name} and commit its output; these differ: {different}"


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(BAD_DEPLOY)


@pytest.fixture(scope="module")
def workspace(scenario: Scenario, tmp_path_factory: pytest.TempPathFactory) -> WorkspaceManifest:
    return materialize_workspace(scenario, tmp_path_factory.mktemp("bad-deploy") / "ws")


@pytest.fixture(scope="module")
def store(workspace: WorkspaceManifest) -> Iterator[DuckDbLogStore]:
    assert workspace.telemetry_database is not None
    opened = DuckDbLogStore(workspace.telemetry_database)
    yield opened
    opened.close()


def test_deployed_commit_is_the_production_release_40_minutes_before(scenario: Scenario) -> None:
    deployed = scenario.deployed_commit("checkout")
    assert deployed.rule == "deployment"
    assert deployed.deployment is not None
    assert (deployed.deployment.environment, deployed.deployment.version) == ("production", "1.5.0")
    assert (scenario.incident_time - deployed.deployment.time).total_seconds() == 40 * 60
    assert deployed.commit != scenario.repos["checkout"].head


def test_culprit_shipped_in_that_release_but_is_not_its_newest_commit(
    scenario: Scenario, workspace: WorkspaceManifest
) -> None:
    assert scenario.truth is not None
    assert scenario.truth.culprit is not None
    culprit, deployed = scenario.truth.culprit.commit, scenario.deployed_commit("checkout").commit
    repo = workspace.root / "repos" / "checkout"
    previous_release = git(repo, "rev-parse", "v1.4.0")
    released = git(repo, "rev-list", f"{previous_release}..{deployed}").splitlines()
    assert culprit in released
    assert released[0] != culprit
    assert len(released) == 3


def test_history_has_three_authors_over_about_two_weeks(scenario: Scenario) -> None:
    history = scenario.repos["checkout"].history
    assert 10 <= len(history) <= 15
    assert len({c.author for c in history}) == 3
    assert 12 <= (history[0].committed_at - history[-1].committed_at).days <= 16


def test_new_exception_stack_points_at_real_code_in_the_deployed_tree(
    store: DuckDbLogStore, workspace: WorkspaceManifest
) -> None:
    kql = (
        "AppExceptions | where ExceptionType == 'TypeError' | take 1 | mv-expand frame = Details[0].parsedStack "
        "| project file = tostring(frame.fileName), line = toint(frame.line), assembly = tostring(frame.assembly)"
    )
    frames = [row for row in store.query(kql).as_dicts() if row["assembly"] == "checkout"]
    assert frames[0]["file"] == "/app/checkout/coupons.py"
    for frame in frames:
        source = workspace.root / "repos" / "checkout" / str(frame["file"]).removeprefix("/app/")
        assert source.is_file(), frame
        assert 1 <= int(str(frame["line"])) <= len(source.read_text().splitlines())
    coupons = (workspace.root / "repos/checkout/checkout/coupons.py").read_text().splitlines()
    assert "expires_at < now" in coupons[int(str(frames[0]["line"])) - 1]


def test_new_exception_starts_after_the_deploy_and_recurring_noise_before(store: DuckDbLogStore) -> None:
    kql = "AppExceptions | summarize first_seen = min(TimeGenerated), n = count() by ExceptionType"
    rows = {row["ExceptionType"]: row for row in store.query(kql).as_dicts()}
    assert "2026-03-02T13:25" < str(rows["TypeError"]["first_seen"]) < "2026-03-02T13:45"
    assert str(rows["checkout.payments.PaymentGatewayTimeout"]["first_seen"]) < "2026-03-02T10:00"


def test_alert_value_matches_the_telemetry_in_its_window(scenario: Scenario, store: DuckDbLogStore) -> None:
    alert = scenario.alert
    assert alert.family == "log"
    (condition,) = alert.conditions
    assert condition.dimensions == {"AppRoleName": "checkout-api"}
    kql = (
        "AppExceptions | where AppRoleName == 'checkout-api' "
        "| where TimeGenerated >= datetime(2026-03-02T13:49:00Z) and TimeGenerated < datetime(2026-03-02T14:04:00Z) "
        "| count"
    )
    assert store.query(kql).rows == ((condition.observed_value,),)
    assert condition.threshold is not None
    assert float(condition.threshold) < (condition.observed_value or 0)


def test_truth_stays_out_of_the_workspace(scenario: Scenario, workspace: WorkspaceManifest) -> None:
    assert scenario.truth is not None
    assert not list(workspace.root.rglob("truth.json"))
    assert json.loads((BAD_DEPLOY / "truth.json").read_text())["category"] == "code-defect"
