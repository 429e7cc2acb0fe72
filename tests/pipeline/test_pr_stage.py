"""The `pr` stage is policy-gated, and opens nothing: it says why, in the investigation's state."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from agentcore.pipeline._stage_report import pr_decision
from agentcore.pipeline.state import InvestigationState, RequestSpec
from agentcore.reports import Recommendation, Report, RootCause, Suspect, Trigger, save_report
from tests.pipeline.pipeline_harness import FIXED_NOW, quick_runner

ID = "inv-20260314-093000-a1b2c3"


def decide(tmp_path: Path, *, allowlist: tuple[str, ...], approval_required: bool, approved_by: str | None) -> str:
    runner = quick_runner(tmp_path)
    settings = runner.context.deps.settings.model_copy(
        update={"pr_repo_allowlist": allowlist, "pr_approval_required": approval_required}
    )
    ctx = replace(runner.context, deps=replace(runner.context.deps, settings=settings))
    suspect = Suspect(repo="checkout", commit="8a33d36e299e", title="coupons", author="a", deployed_at=None,
                      score=0.9, reasons=("touches the crashing file",))  # fmt: skip
    report = Report(id=ID, title="t", status="completed", mode="agent", trigger=Trigger(kind="cli", ref="x"),
                    started_at=FIXED_NOW, finished_at=FIXED_NOW, summary="s",
                    root_cause=RootCause(statement="s", category="code-defect", confidence=0.9), suspects=(suspect,),
                    recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"))  # fmt: skip
    location = save_report(ctx.deps.blob_store, report)
    state = InvestigationState(id=ID, mode="agent", request=RequestSpec(trigger=Trigger(kind="cli", ref="x")),
                               title="t", started_at=FIXED_NOW, updated_at=FIXED_NOW, report_json=location.json_name,
                               pr_approved_by=approved_by)  # fmt: skip
    return pr_decision(ctx, state)


@pytest.mark.parametrize(
    ("allowlist", "approval_required", "approved_by", "says"),
    [
        ((), True, None, "not on the pull-request allowlist"),
        (("payments",), False, "alice", "not on the pull-request allowlist"),
        (("checkout",), True, None, "approval is required"),
        (("checkout",), True, "alice", "not built yet"),
        (("checkout",), False, None, "not built yet"),
    ],
)
def test_the_pr_stage_refuses_and_says_why(
    tmp_path: Path, allowlist: tuple[str, ...], approval_required: bool, approved_by: str | None, says: str
) -> None:
    decision = decide(tmp_path, allowlist=allowlist, approval_required=approval_required, approved_by=approved_by)
    assert decision.startswith("refused: ")
    assert says in decision
