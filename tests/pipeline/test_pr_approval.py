"""A person approves the agent's pull request over HTTP: before the `pr` stage (kept for it), after it refused
for want of approval (it runs again and opens the draft), or while it decides (its commit runs it again)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from agentcore.pipeline._pr_policy import AWAITING_APPROVAL
from agentcore.pipeline._stage_io import StageContext, load_state, update_state
from agentcore.pipeline._stage_pr import run_pr
from agentcore.pipeline.api import dispatch
from agentcore.pipeline.pr_approval import post_pr_approval
from agentcore.pipeline.state import InvestigationState, Stage
from tests.connectors.code.github_pull_exchanges import PULL_HTML_URL, register_pull_exchanges
from tests.pipeline.test_pr_stage import BRANCH, ID, context, github, investigation

__all__ = ["github"]

OPENED = f"opened draft pull request #42 in acme/checkout: {PULL_HTML_URL}"


def approve(ctx: StageContext, who: str = "alice", investigation_id: str = ID) -> tuple[int, dict[str, object]]:
    answer = post_pr_approval(ctx, investigation_id, json.dumps({"approved_by": who}).encode())
    return answer.status, json.loads(answer.body)


def state_of(ctx: StageContext) -> InvestigationState:
    loaded = load_state(ctx.deps, ID)
    assert loaded is not None
    return loaded.state


def run_pr_stage(ctx: StageContext) -> None:
    loaded = load_state(ctx.deps, ID)
    assert loaded is not None
    assert loaded.state.stage is Stage.PR
    run_pr(ctx, loaded)


def test_without_approval_the_stage_refuses_and_waits(tmp_path: Path, github: responses.RequestsMock) -> None:
    ctx = context(tmp_path, pr_approval_required=True)
    investigation(ctx)
    run_pr_stage(ctx)
    assert state_of(ctx).pr_note == AWAITING_APPROVAL
    assert state_of(ctx).stage is Stage.DONE
    assert len(github.calls) == 0


def test_an_approval_after_the_refusal_runs_the_stage_again_and_opens_the_draft(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path, pr_approval_required=True)
    investigation(ctx)
    run_pr_stage(ctx)
    status, body = approve(ctx)
    assert (status, body["approved_by"], body["stage"]) == (202, "alice", "pr")
    run_pr_stage(ctx)
    assert state_of(ctx).pr_note == OPENED
    assert state_of(ctx).pr_approved_by == "alice"


def test_an_approval_before_the_stage_is_kept_for_it(tmp_path: Path, github: responses.RequestsMock) -> None:
    register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path, pr_approval_required=True)
    step = investigation(ctx).step
    assert approve(ctx)[0] == 202
    assert (state_of(ctx).stage, state_of(ctx).step) == (Stage.PR, step), "no stage moved: the approval waits"
    run_pr_stage(ctx)
    assert state_of(ctx).pr_note == OPENED


def test_an_approval_while_the_stage_decides_makes_it_decide_again(
    tmp_path: Path, github: responses.RequestsMock
) -> None:
    register_pull_exchanges(github, BRANCH)
    ctx = context(tmp_path, pr_approval_required=True)
    investigation(ctx)
    deciding = load_state(ctx.deps, ID)  # the stage has read the state: no approval yet
    assert deciding is not None
    assert approve(ctx)[0] == 202
    run_pr(ctx, deciding)  # refuses for want of approval; its commit finds the approval
    assert state_of(ctx).stage is Stage.PR
    run_pr_stage(ctx)
    assert state_of(ctx).pr_note == OPENED


def test_approving_twice_changes_nothing_the_second_time(tmp_path: Path) -> None:
    ctx = context(tmp_path, pr_approval_required=True)
    investigation(ctx)
    run_pr_stage(ctx)
    assert approve(ctx)[0] == 202
    before = state_of(ctx)
    status, body = approve(ctx, who="bob")
    assert (status, body["approved_by"]) == (200, "alice")
    assert state_of(ctx) == before


def test_a_stage_that_decided_for_another_reason_is_not_reopened(tmp_path: Path) -> None:
    ctx = context(tmp_path, pr_approval_required=True, pr_max_diff_lines=1)
    investigation(ctx, approved_by="alice")
    run_pr_stage(ctx)
    update_state(ctx.deps, ID, lambda s: s.with_pr_approval(None))
    status, body = approve(ctx)
    assert status == 409
    assert "more than the limit of 1" in str(body["error"])


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b'{"approved_by": "   "}', "approved_by"),
        (b"{}", "approved_by"),
        (b'{"approved_by": "alice", "merge": true}', "merge"),
        (b"not json", "body"),
    ],
)
def test_a_malformed_approval_is_refused_and_records_nothing(tmp_path: Path, body: bytes, says: str) -> None:
    ctx = context(tmp_path, pr_approval_required=True)
    before = investigation(ctx)
    answer = post_pr_approval(ctx, ID, body)
    assert answer.status == 400
    assert says in json.loads(answer.body)["error"]
    assert state_of(ctx).pr_approved_by is None
    assert state_of(ctx).step == before.step


def test_an_unknown_investigation_is_404(tmp_path: Path) -> None:
    ctx = context(tmp_path)
    assert approve(ctx, investigation_id="inv-20260314-093000-ffffff")[0] == 404
    assert approve(ctx, investigation_id="../../etc")[0] == 404


def test_the_route_is_served_by_the_http_api(tmp_path: Path) -> None:
    ctx = context(tmp_path, pr_approval_required=True)
    investigation(ctx)
    answer = dispatch(ctx, "POST", f"/api/investigations/{ID}/pr-approval", body=b'{"approved_by": "alice"}')
    assert answer.status == 202
    assert dict(answer.headers)["Location"] == f"/api/investigations/{ID}"
