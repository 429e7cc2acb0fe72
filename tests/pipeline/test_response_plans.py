"""Response plans: the first plan whose filters match an alert routes it; the report names the plan."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from agentcore.alerts import parse_alert
from agentcore.errors import ConfigError
from agentcore.pipeline import InvestigationRequest, run_investigation
from agentcore.pipeline._stage_io import StageContext, create_state
from agentcore.pipeline._stage_pr import patch_blob, pr_decision
from agentcore.pipeline.response_plans import ResponsePlan, load_response_plans, parse_response_plans
from agentcore.pipeline.state import InvestigationState, RequestSpec, Stage
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.reports import Recommendation, Report, RootCause, Suspect, Trigger, save_report
from agentcore.settings import Settings
from agentcore.testing import ScriptedModel, call, reply
from tests.pipeline.pipeline_harness import CONCLUSION, FIXED_NOW, quick_runner

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"
ALERT = parse_alert((EXAMPLE / "alert.json").read_bytes())  # Sev2, rule "checkout-api exception spike", checkout

PLANS = """
plans:
  - name: sev1-only
    match: {severity: [Sev0, Sev1]}
    autonomy: autonomous
  - name: checkout-exceptions
    match: {severity: Sev2, service: [checkout], title_contains: [exception]}
    instructions: Check the coupon code first.
    skills: [coupons]
    budget: {step_limit: 7}
    autonomy: review
  - name: checkout-any
    match: {service: checkout}
default:
  name: fallback
"""


def plans_file(tmp_path: Path, text: str = PLANS) -> Path:
    path = tmp_path / "plans.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_first_plan_whose_filters_all_match_is_chosen() -> None:
    plans = parse_response_plans(PLANS, where="plans.yaml")
    assert plans.choose(ALERT, "checkout-api exception spike (Sev2)").name == "checkout-exceptions"


def test_an_alert_that_matches_no_plan_gets_the_default_plan() -> None:
    plans = parse_response_plans(PLANS, where="plans.yaml")
    other = ALERT.model_copy(update={"custom_properties": {"service": "inventory"}, "conditions": ()})
    assert plans.choose(other, "inventory latency (Sev2)").name == "fallback"


def test_without_a_default_in_the_file_the_built_in_default_is_review_only() -> None:
    plans = parse_response_plans("plans: []", where="plans.yaml")
    chosen = plans.choose(ALERT, "anything")
    assert (chosen.name, chosen.autonomy) == ("default", "review")


def test_a_question_without_an_alert_matches_only_plans_without_alert_filters() -> None:
    plans = parse_response_plans(PLANS, where="plans.yaml")
    assert plans.choose(None, "why is checkout throwing an exception?").name == "fallback"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("plans: [{name: a, autonomy: yolo}]", "plans.0.autonomy"),
        ("plans: [{name: a, matchh: {}}]", "plans.0.matchh: Extra inputs are not permitted"),
        ("plans: [{name: a}, {name: a}]", "plan names must be unique; repeated: a"),
        ("plans: [name: a\n  - b", "not valid YAML at line"),
    ],
)
def test_a_malformed_plans_file_is_one_line_naming_the_file_and_the_place(text: str, says: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_response_plans(text, where="response plans /etc/plans.yaml")
    message = str(raised.value)
    assert message.startswith("response plans /etc/plans.yaml: ")
    assert says in message
    assert "\n" not in message


def test_no_configured_file_means_no_plan_applies(tmp_path: Path) -> None:
    assert load_response_plans(Settings(data_dir=tmp_path, response_plans_path="")) is None


def test_a_plan_budget_replaces_only_the_limits_it_names() -> None:
    plan = ResponsePlan.model_validate({"name": "p", "budget": {"step_limit": 7}})
    budgeted = plan.budgeted(Settings(step_limit=60, cost_limit_usd=3.0))
    assert (budgeted.step_limit, budgeted.cost_limit_usd) == (7, 3.0)


def test_an_alert_investigation_is_routed_by_its_plan_and_the_report_names_it(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model=None, response_plans_path=str(plans_file(tmp_path)))
    request = InvestigationRequest.from_cli(scenario=EXAMPLE, alert_file=None, question=None, repos=[])
    outcome = run_investigation(request, build_dependencies(settings))
    assert outcome.report.response_plan == "checkout-exceptions"
    assert "**Response plan:** `checkout-exceptions`" in outcome.markdown


def test_the_agent_reads_the_plans_instructions_in_its_task(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", sandbox="subprocess", response_plans_path=str(plans_file(tmp_path)))
    model = ScriptedModel([
        call("write", {"path": "report/conclusion.json", "content": json.dumps(CONCLUSION)}),
        reply("done"),
    ])  # fmt: skip
    request = InvestigationRequest.from_cli(scenario=EXAMPLE, alert_file=None, question=None, repos=[])
    with override(model=model):
        outcome = run_investigation(request, build_dependencies(settings))
    task = model.requests[0].messages[0].content
    assert "## Response plan `checkout-exceptions`" in task
    assert "Check the coupon code first." in task
    assert "Skills to read first: coupons." in task
    assert outcome.report.response_plan == "checkout-exceptions"


def review_only_investigation(tmp_path: Path, autonomy: str) -> tuple[InvestigationState, StageContext]:
    runner = quick_runner(tmp_path)
    deps = runner.context.deps
    settings = deps.settings.model_copy(update={"pr_repo_allowlist": ("acme/checkout",), "pr_approval_required": False})
    ctx = replace(runner.context, deps=replace(deps, settings=settings))
    suspect = Suspect(repo="checkout", commit="8a33d36e299e", title="coupons", author="a", deployed_at=None,
                      score=0.9, reasons=("r",))  # fmt: skip
    report = Report(id="inv-20260314-093000-a1b2c3", title="t", status="completed", mode="agent",
                    trigger=Trigger(kind="alert", ref="x"), started_at=FIXED_NOW, finished_at=FIXED_NOW, summary="s",
                    root_cause=RootCause(statement="c", category="code-defect", confidence=0.9), suspects=(suspect,),
                    recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="r"))  # fmt: skip
    location = save_report(ctx.deps.blob_store, report)
    ctx.deps.blob_store.put(patch_blob(location.json_name), b"--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n")
    plan = ResponsePlan.model_validate({"name": "checkout-exceptions", "autonomy": autonomy})
    state = InvestigationState(id=report.id, mode="agent", request=RequestSpec(trigger=report.trigger), title="t",
                               started_at=FIXED_NOW, updated_at=FIXED_NOW, stage=Stage.PR, step=7,
                               report_json=location.json_name, report_markdown=location.markdown_name,
                               response_plan=plan)  # fmt: skip
    create_state(ctx.deps, state)
    return state, ctx


def test_a_review_only_plan_refuses_the_pull_request_and_says_so(tmp_path: Path) -> None:
    state, ctx = review_only_investigation(tmp_path, "review")
    decision = pr_decision(ctx, state)
    assert decision == "refused: the response plan is review-only (checkout-exceptions)"


def test_an_autonomous_plan_leaves_the_decision_to_the_pull_request_policy(tmp_path: Path) -> None:
    state, ctx = review_only_investigation(tmp_path, "autonomous")
    decision = pr_decision(ctx, state)
    assert "review-only" not in decision
    assert decision.startswith("not opened: GitHub is not configured")


def test_the_example_plans_file_routes_the_example_alert_to_its_checkout_plan() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "response_plans.yaml"
    plans = load_response_plans(Settings(response_plans_path=str(example)))
    assert plans is not None
    chosen = plans.choose(ALERT, "checkout-api exception spike (Sev2)")
    assert (chosen.name, chosen.autonomy) == ("checkout-exceptions", "autonomous")
