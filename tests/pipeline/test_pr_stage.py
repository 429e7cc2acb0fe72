"""The `pr` stage: policy first, then a draft pull request on GitHub, at most one per investigation.

GitHub is reached through GitHubCodeHost (PyGithub) against exchanges written from GitHub's REST
documentation (tests/connectors/code/github_pull_exchanges.py); nothing here is a recording.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import responses

from agentcore.connectors.code.github import GitHubCodeHost
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline._stage_io import StageContext, create_state, load_state
from agentcore.pipeline._stage_pr import patch_blob, pr_decision, run_pr
from agentcore.pipeline.state import InvestigationState, RepoSource, RequestSpec, Stage
from agentcore.reports import (
    Evidence,
    EvidenceSource,
    Recommendation,
    Report,
    RootCause,
    Suspect,
    Trigger,
    load_report,
    save_report,
)
from tests.connectors.code.github_pull_exchanges import (
    BASE_SHA,
    PATCH,
    PULL_HTML_URL,
    PullExchanges,
    posted_json,
    register_pull_exchanges,
)
from tests.pipeline.pipeline_harness import CONCLUSION, FIXED_NOW, ConversationModel, drain, quick_runner

ID = "inv-20260314-093000-a1b2c3"
BRANCH = f"sre-agent/{ID}"


@pytest.fixture
def github() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def context(tmp_path: Path, *, with_github: bool = True, **settings: Any) -> StageContext:
    runner = quick_runner(tmp_path)
    values = {"pr_repo_allowlist": ("acme/checkout",), "pr_approval_required": False, "pr_label": "sre-agent"}
    values.update(settings)
    deps = replace(runner.context.deps, settings=runner.context.deps.settings.model_copy(update=values))
    if with_github:
        host = GitHubCodeHost(token="ghp_token", seconds_between_requests=None, seconds_between_writes=None)
        deps = replace(deps, pull_request_host=host)
    return replace(runner.context, deps=deps)


def investigation(
    ctx: StageContext, *, patch: str | None = PATCH, approved_by: str | None = None
) -> InvestigationState:
    """A finished investigation in its `pr` stage: its report, the patch beside it, the deployed checkout."""
    suspect = Suspect(repo="checkout", commit="8a33d36e299e", title="coupons", author="a", deployed_at=None,
                      score=0.9, reasons=("touches the crashing file",))  # fmt: skip
    report = Report(id=ID, title="t", status="completed", mode="agent", trigger=Trigger(kind="cli", ref="x"),
                    started_at=FIXED_NOW, finished_at=FIXED_NOW, summary="s",
                    root_cause=RootCause(statement="charge() passes a None total", category="code-defect",
                                         confidence=0.9),
                    evidence=(Evidence(claim="TypeError is new", source=EvidenceSource(kind="log_query", ref="q"),
                                       excerpt="TypeError 31"),),
                    suspects=(suspect,),
                    recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"))  # fmt: skip
    location = save_report(ctx.deps.blob_store, report)
    if patch is not None:
        ctx.deps.blob_store.put(patch_blob(location.json_name), patch.encode())
    state = InvestigationState(id=ID, mode="agent", request=RequestSpec(trigger=Trigger(kind="cli", ref="x")),
                               title="t", started_at=FIXED_NOW, updated_at=FIXED_NOW, stage=Stage.PR, step=7,
                               report_json=location.json_name, report_markdown=location.markdown_name,
                               repos=(RepoSource(path="repos/checkout", source="/src/checkout", commit=BASE_SHA),),
                               pr_approved_by=approved_by)  # fmt: skip
    create_state(ctx.deps, state)
    return state


def pull_posts(github: responses.RequestsMock) -> list[responses.Call]:
    return [call for call in github.calls if call.request.method == "POST" and str(call.request.url).endswith("/pulls")]


@pytest.mark.parametrize(
    ("settings", "approved_by", "says"),
    [
        ({"pr_repo_allowlist": ()}, None, "refused: repository 'checkout' is not on the pull-request allowlist"),
        ({"pr_repo_allowlist": ("acme/payments",)}, "alice", "is not on the pull-request allowlist"),
        ({"pr_approval_required": True}, None, "refused: a person's approval is required and none is recorded"),
        ({"pr_max_diff_lines": 1}, None, "refused: the patch changes 2 lines, more than the limit of 1"),
        ({"pr_path_denylist": ("checkout/**",)}, None, "refused: the patch touches checkout/payments.py"),
        (
            {"pr_repo_allowlist": ("checkout",)},
            None,
            "refused: the allowlist names 'checkout' without its GitHub owner",
        ),
    ],
)
def test_the_policy_refuses_and_says_why_without_calling_github(
    tmp_path: Path, github: responses.RequestsMock, settings: dict[str, Any], approved_by: str | None, says: str
) -> None:
    ctx = context(tmp_path, **settings)
    decision = pr_decision(ctx, investigation(ctx, approved_by=approved_by))
    assert decision.startswith("refused: ")
    assert says in decision
    assert len(github.calls) == 0


def test_without_a_patch_nothing_is_opened(tmp_path: Path, github: responses.RequestsMock) -> None:
    ctx = context(tmp_path)
    assert pr_decision(ctx, investigation(ctx, patch=None)) == "refused: the agent wrote no patch (report/fix.patch)"
    assert len(github.calls) == 0


def test_an_approved_patch_becomes_a_labelled_draft_pull_request(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    exchanges = register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path, pr_approval_required=True)
    decision = pr_decision(ctx, investigation(ctx, approved_by="alice"))
    assert decision == f"opened draft pull request #42 in acme/checkout: {PULL_HTML_URL}"
    opened = posted_json(exchanges.create_pull.calls[0])
    assert isinstance(opened, dict)
    assert (opened["head"], opened["base"], opened["draft"]) == (BRANCH, "main", True)
    assert posted_json(exchanges.add_labels.calls[0]) == ["sre-agent"]
    assert not any(call.request.method == "PUT" and "/merge" in str(call.request.url) for call in github.calls)


def test_the_body_holds_the_root_cause_the_evidence_and_the_report_link(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    exchanges = register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path, public_base_url="https://sre.example.com")
    pr_decision(ctx, investigation(ctx))
    opened = posted_json(exchanges.create_pull.calls[0])
    assert isinstance(opened, dict)
    body = str(opened["body"])
    assert "charge() passes a None total (code-defect, confidence 0.90)" in body
    assert "- TypeError is new (log_query: `q`)" in body
    assert f"https://sre.example.com/api/investigations/{ID}/report" in body
    assert opened["title"] == "sre-agent: charge() passes a None total"


def test_a_redelivered_message_finds_the_pull_request_and_opens_no_second_one(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    exchanges = register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path)
    loaded = load_state(ctx.deps, investigation(ctx).id)
    assert loaded is not None
    run_pr(ctx, loaded)
    run_pr(ctx, loaded)  # the same message again, as after a lost lock: its commit loses, GitHub is asked again
    assert len(pull_posts(github)) == 1
    assert (exchanges.create_ref.call_count, exchanges.create_commit.call_count) == (1, 1)
    assert exchanges.add_labels.call_count == 2
    after = load_state(ctx.deps, ID)
    assert after is not None
    assert after.state.pr_note == f"opened draft pull request #42 in acme/checkout: {PULL_HTML_URL}"


def test_a_second_decision_reports_the_pull_request_it_found(tmp_path: Path, github: responses.RequestsMock) -> None:
    register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path)
    state = investigation(ctx)
    pr_decision(ctx, state)
    assert pr_decision(ctx, state) == f"found the existing draft pull request #42 in acme/checkout: {PULL_HTML_URL}"


def test_a_redelivery_after_the_branch_was_pushed_opens_the_pull_request_without_pushing_again(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    exchanges: PullExchanges = register_pull_exchanges(github, BRANCH, branch_exists=True)
    ctx = context(tmp_path)
    assert pr_decision(ctx, investigation(ctx)).startswith("opened draft pull request #42")
    assert (exchanges.create_tree.call_count, exchanges.create_commit.call_count, exchanges.create_ref.call_count) == (
        0,
        0,
        0,
    )
    assert len(pull_posts(github)) == 1


def test_a_patch_that_does_not_apply_is_refused_before_anything_is_pushed(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    exchanges = register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path)
    stale = PATCH.replace("-    total = order.total\n", "-    total = order.amount\n")
    decision = pr_decision(ctx, investigation(ctx, patch=stale))
    assert decision.startswith("refused: the patch does not apply to the base commit")
    assert exchanges.posts(github) == []


def test_without_github_the_patch_stays_in_the_report_and_the_report_says_so(tmp_path: Path) -> None:
    ctx = context(tmp_path, with_github=False)
    state = investigation(ctx)
    loaded = load_state(ctx.deps, state.id)
    assert loaded is not None
    run_pr(ctx, loaded)
    after = load_state(ctx.deps, state.id)
    assert after is not None
    assert after.state.stage is Stage.DONE
    assert after.state.pr_note == (
        f"not opened: GitHub is not configured; the patch stays in the report ({patch_blob(state.report_json or '')})"
    )
    report = load_report(ctx.deps.blob_store, state.report_json or "")
    assert "GitHub is not configured" in report.mitigations[-1].action


def test_the_report_stage_attaches_the_agents_patch_and_says_no_pull_request_was_opened(tmp_path: Path) -> None:
    conclusion = json.dumps({**CONCLUSION, "evidence": [], "hypotheses": []})
    writes = [("write", {"path": "report/fix.patch", "content": PATCH}),
              ("write", {"path": "report/conclusion.json", "content": conclusion})]  # fmt: skip
    model = ConversationModel(turns=[*writes, "Done."])
    runner = quick_runner(tmp_path, model=model)
    spec = RequestSpec(trigger=Trigger(kind="http", ref="question"), question="why is checkout failing?")
    investigation_id = start_investigation(runner.context, spec, title="why").id
    drain(runner)
    loaded = load_state(runner.context.deps, investigation_id)
    assert loaded is not None
    assert loaded.state.report_json is not None
    store = runner.context.deps.blob_store
    assert store.get(patch_blob(loaded.state.report_json)).data.decode() == PATCH
    report = load_report(store, loaded.state.report_json)
    assert report.mitigations[-1].action == (
        f"Apply the attached patch ({patch_blob(loaded.state.report_json)}). "
        "No pull request was opened: GitHub is not configured."
    )
