"""Change correlation on a real git history: which commits went live when, and which one is to blame.

The story (incident at 14:05): Ana's coupon change and Ben's cart change ship together 3 h 5 min
before the incident; a README/docs change and a tests-only change ship 1 h before; Dan's payment
retry ships 25 min before; a latency log is committed but only ships after the incident. The
exception is an AttributeError in checkout/coupons.py, raised in apply_discount: Ana's change.
"""

from __future__ import annotations

import os
import random
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.connectors.changes import ChangeCandidate, DeploymentRecord, FileChange, collect_candidates
from agentcore.errors import UserInputError
from agentcore.git import GitError
from agentcore.triage import IncidentSignals, rank_suspects

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
REPO = "checkout"


def before(**delta: float) -> datetime:
    return INCIDENT - timedelta(**delta)


COUPONS_V1 = "def apply_discount(total, coupon):\n    return total - coupon.amount\n"
COUPONS_V2 = (
    "def apply_discount(total, coupon):\n"
    "    if coupon.kind == 'percent':\n"
    "        return total - total * coupon.percent / 100\n"
    "    return total - coupon.amount\n"
)
CART_V1 = "def cart_total(items):\n    return sum(i.price for i in items)\n"
CART_V2 = "def cart_total(items):\n    return round(sum(i.price for i in items), 2)\n"
CLIENT_V1 = "def charge(amount):\n    return post('/charge', amount)\n"
CLIENT_V2 = "".join(
    f"def charge_attempt_{n}(amount):\n    return post('/charge', amount, retry={n})\n" for n in range(8)
)
README_V2 = "# Checkout\n\nCoupons: apply_discount takes 'percent' or fixed amounts.\n"


@dataclass(frozen=True)
class History:
    path: Path
    shas: dict[str, str]
    deployments: list[DeploymentRecord]


def _commit(repo: Path, key: str, when: datetime, author: str, title: str, files: dict[str, str]) -> str:
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)
    env = os.environ | {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{author.split()[0].lower()}@example.com",
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": f"{author.split()[0].lower()}@example.com",
        "GIT_AUTHOR_DATE": when.isoformat(),
        "GIT_COMMITTER_DATE": when.isoformat(),
    }
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", title], cwd=repo, env=env, check=True)
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> History:
    repo = tmp_path_factory.mktemp("checkout")
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    plan = [
        ("c0", before(days=10), "Eve Ops", "Initial checkout service",
         {"checkout/coupons.py": COUPONS_V1, "checkout/cart.py": CART_V1, "payments/client.py": CLIENT_V1,
          "README.md": "# Checkout\n", "tests/test_cart.py": "def test_total():\n    pass\n"}),
        ("culprit", before(hours=3, minutes=20), "Ana Lima", "Support percentage coupons",
         {"checkout/coupons.py": COUPONS_V2}),
        ("cart", before(hours=3, minutes=15), "Ben Okafor", "Round cart totals to cents",
         {"checkout/cart.py": CART_V2}),
        ("docs", before(hours=1, minutes=10), "Cleo Park", "Explain coupon rules",
         {"README.md": README_V2, "docs/coupons.md": "Percent coupons use coupon.percent.\n"}),
        ("tests", before(hours=1, minutes=5), "Cleo Park", "Add cart rounding tests",
         {"tests/test_cart.py": "def test_total():\n    assert cart_total([]) == 0\n"}),
        ("retry", before(minutes=40), "Dan Wu", "Retry payment client on timeouts",
         {"payments/client.py": CLIENT_V2}),
        ("latency", before(minutes=10), "Dan Wu", "Log payment latency",
         {"payments/client.py": CLIENT_V2 + "LATENCY_LOG = True\n"}),
    ]  # fmt: skip
    shas = {key: _commit(repo, key, when, author, title, files) for key, when, author, title, files in plan}

    def deploy(when: datetime, key: str, version: str, pr: int) -> DeploymentRecord:
        return DeploymentRecord(when, "checkout", "prod", shas[key], version=version, pr=pr, author="release-bot")

    deployments = [
        deploy(before(days=9), "c0", "1.3.0", 30),
        deploy(before(hours=3, minutes=5), "cart", "1.4.0", 41),
        deploy(before(hours=1), "tests", "1.4.1", 42),
        deploy(before(minutes=25), "retry", "1.5.0", 43),
        deploy(INCIDENT + timedelta(minutes=30), "latency", "1.5.1", 44),
    ]
    return History(repo, shas, deployments)


@pytest.fixture(scope="module")
def candidates(history: History) -> list[ChangeCandidate]:
    return collect_candidates(history.path, REPO, history.deployments, INCIDENT)


def _keys(history: History, commits: list[str]) -> list[str]:
    names = {sha: key for key, sha in history.shas.items()}
    return [names[sha] for sha in commits]


CULPRIT_SIGNALS = IncidentSignals(
    incident_time=INCIDENT,
    stack_files={"/app/checkout/coupons.py", "/usr/local/lib/python3.11/site-packages/flask/app.py"},
    stack_functions={"checkout.coupons.apply_discount", "flask.app.Flask.full_dispatch_request"},
    error_messages=["AttributeError: 'NoneType' object has no attribute 'percent'"],
)


# Collecting candidates.


def test_each_commit_is_attributed_to_the_deployment_that_made_it_live(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    live = {
        key: c.deployed_at for key, c in zip(_keys(history, [c.commit for c in candidates]), candidates, strict=True)
    }
    assert live == {
        "retry": before(minutes=25),
        "docs": before(hours=1),
        "tests": before(hours=1),
        "culprit": before(hours=3, minutes=5),
        "cart": before(hours=3, minutes=5),
    }


def test_commits_deployed_before_the_window_or_after_the_incident_are_not_candidates(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    keys = _keys(history, [c.commit for c in candidates])
    assert "c0" not in keys
    assert "latency" not in keys


def test_candidates_are_listed_newest_first(history: History, candidates: list[ChangeCandidate]) -> None:
    assert _keys(history, [c.commit for c in candidates]) == ["retry", "tests", "docs", "cart", "culprit"]


def test_a_candidate_carries_title_author_commit_time_files_and_line_counts(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    culprit = next(c for c in candidates if c.commit == history.shas["culprit"])
    assert (culprit.repo, culprit.title, culprit.author) == (REPO, "Support percentage coupons", "Ana Lima")
    assert culprit.committed_at == before(hours=3, minutes=20)
    assert culprit.files == (FileChange("checkout/coupons.py", added=2, deleted=0),)
    assert culprit.deployment is not None
    assert culprit.deployment.version == "1.4.0"


def test_the_first_deployment_on_record_contributes_its_commits_from_inside_the_window(history: History) -> None:
    only = [d for d in history.deployments if d.version == "1.4.1"]
    found = collect_candidates(history.path, REPO, only, INCIDENT)
    assert _keys(history, [c.commit for c in found]) == ["tests", "docs", "cart", "culprit"]


def test_a_commit_live_in_several_environments_keeps_its_earliest_deployment(history: History) -> None:
    staging = DeploymentRecord(before(hours=5), "checkout", "staging", history.shas["cart"])
    found = collect_candidates(history.path, REPO, [*history.deployments, staging], INCIDENT)
    culprit = next(c for c in found if c.commit == history.shas["culprit"])
    assert culprit.deployed_at == before(hours=5)


def test_a_rollback_makes_no_commit_newly_live(history: History, candidates: list[ChangeCandidate]) -> None:
    rollback = DeploymentRecord(before(minutes=15), "checkout", "prod", history.shas["cart"], version="1.4.0")
    assert collect_candidates(history.path, REPO, [*history.deployments, rollback], INCIDENT) == candidates


def test_deployments_of_commits_this_clone_lacks_are_skipped(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    elsewhere = DeploymentRecord(before(minutes=5), "payments", "prod", "f" * 40)
    assert collect_candidates(history.path, REPO, [*history.deployments, elsewhere], INCIDENT) == candidates


def test_abbreviated_deployed_shas_resolve_to_full_ones(history: History, candidates: list[ChangeCandidate]) -> None:
    short = [DeploymentRecord(d.time, d.service, d.environment, d.commit[:10]) for d in history.deployments]
    found = collect_candidates(history.path, REPO, short, INCIDENT)
    assert [c.commit for c in found] == [c.commit for c in candidates]


def test_without_deployments_commits_in_the_window_stand_in_by_commit_time(history: History) -> None:
    found = collect_candidates(history.path, REPO, [], INCIDENT)
    assert _keys(history, [c.commit for c in found]) == ["latency", "retry", "tests", "docs", "cart", "culprit"]
    assert all(c.deployed_at is None for c in found)


def test_the_window_bounds_the_commit_time_fallback(history: History) -> None:
    found = collect_candidates(history.path, REPO, [], INCIDENT, window=timedelta(hours=2))
    assert _keys(history, [c.commit for c in found]) == ["latency", "retry", "tests", "docs"]


def test_collecting_twice_gives_the_same_candidates(history: History, candidates: list[ChangeCandidate]) -> None:
    assert collect_candidates(history.path, REPO, history.deployments, INCIDENT) == candidates


def test_a_folder_that_is_not_a_git_repository_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GitError, match="git cat-file failed"):
        collect_candidates(tmp_path, REPO, [DeploymentRecord(INCIDENT, "s", "prod", "abc")], INCIDENT)


def test_a_naive_incident_time_is_refused(history: History) -> None:
    with pytest.raises(UserInputError, match="timezone"):
        collect_candidates(history.path, REPO, [], datetime(2026, 3, 2, 14, 5))


# Ranking them.


def test_the_change_touching_the_stack_ranks_first_though_another_shipped_later(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    suspects = rank_suspects(candidates, CULPRIT_SIGNALS)
    assert suspects[0].commit == history.shas["culprit"]
    assert max(candidates, key=lambda c: c.live_since).commit == history.shas["retry"]


def test_the_culprits_reasons_name_its_timing_stack_file_function_and_message_words(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    culprit = rank_suspects(candidates, CULPRIT_SIGNALS)[0]
    assert culprit.reasons == (
        "deployed 3 h 5 min before the incident (version 1.4.0, PR #41)",
        "touches checkout/coupons.py, which is in the exception's stack",
        "its diff mentions `apply_discount`, a function in the stack",
        "its diff mentions `percent` from the error message",
        "changes 2 lines in 1 file",
    )


def test_a_change_that_went_live_after_the_errors_began_never_ranks_first(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    signals = IncidentSignals(
        incident_time=INCIDENT,
        stack_files={"payments/client.py"},
        stack_functions={"payments.client.charge_attempt_3"},
        error_messages=["TimeoutError in charge_attempt_3 after retry=3"],
        symptom_onset=before(minutes=35),
    )
    suspects = rank_suspects(candidates, signals)
    retry = next(s for s in suspects if s.commit == history.shas["retry"])
    assert suspects[0].commit != history.shas["retry"]
    assert suspects[-1] == retry
    assert retry.score == 0.0
    assert "went live 10 min after the new error first appeared, so it cannot have caused it" in retry.reasons


def test_deploying_shortly_before_the_errors_first_appeared_is_said_and_counts(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    signals = IncidentSignals(incident_time=INCIDENT, symptom_onset=before(hours=2, minutes=55))
    suspects = rank_suspects(candidates, signals)
    assert {s.commit for s in suspects[:2]} == {history.shas["culprit"], history.shas["cart"]}
    assert "went live 10 min before the new error first appeared" in suspects[0].reasons


def test_docs_only_and_tests_only_changes_rank_below_every_code_change(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    suspects = rank_suspects(candidates, IncidentSignals(incident_time=INCIDENT))
    assert {s.commit for s in suspects[-2:]} == {history.shas["docs"], history.shas["tests"]}
    assert all(s.score < 0.1 for s in suspects[-2:])


def test_a_docs_change_mentioning_the_stack_still_ranks_below_the_culprit(
    history: History, candidates: list[ChangeCandidate]
) -> None:
    suspects = rank_suspects(candidates, CULPRIT_SIGNALS)
    docs = next(s for s in suspects if s.commit == history.shas["docs"])
    assert docs.score < suspects[0].score / 2
    assert (
        "only touches documentation (README.md and docs/coupons.md), which cannot change runtime behaviour"
        in docs.reasons
    )


def test_without_deployments_the_reasons_say_commit_time_stood_in(history: History) -> None:
    found = collect_candidates(history.path, REPO, [], INCIDENT)
    suspects = rank_suspects(found, CULPRIT_SIGNALS)
    assert suspects[0].commit == history.shas["culprit"]
    assert suspects[0].deployed_at is None
    assert suspects[0].reasons[0] == "no deployment record; committed 3 h 20 min before the incident"


def test_ranking_ignores_the_order_candidates_arrive_in(candidates: list[ChangeCandidate]) -> None:
    shuffled = list(candidates)
    random.Random(7).shuffle(shuffled)
    assert rank_suspects(shuffled, CULPRIT_SIGNALS) == rank_suspects(candidates, CULPRIT_SIGNALS)


def test_scores_lie_between_zero_and_one_and_never_rise_down_the_list(candidates: list[ChangeCandidate]) -> None:
    scores = [s.score for s in rank_suspects(candidates, CULPRIT_SIGNALS)]
    assert all(0.0 <= score <= 1.0 for score in scores)
    assert scores == sorted(scores, reverse=True)


def test_identifiers_from_runtime_configuration_files_are_kept_apart(tmp_path: Path) -> None:
    repo = tmp_path / "inventory"
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True)
    _commit(repo, "c0", before(days=2), "Eve Ops", "Initial", {"config/production.yaml": "database:\n  host: db\n"})
    files = {
        "config/production.yaml": "database:\n  host: db\n  max_idle_conns: 0\n",
        "internal/store/db.go": "func open() { retryCount := 3 }\n",
    }
    _commit(repo, "pool", before(hours=2), "Raj Patel", "No idle connections", files)
    (candidate,) = collect_candidates(repo, "inventory", [], INCIDENT, window=timedelta(days=1))
    assert "max_idle_conns" in candidate.config_identifiers
    assert "retrycount" in candidate.diff_identifiers
    assert "retrycount" not in candidate.config_identifiers
