"""The pipeline survives crashes, duplicates, poison and load, and ends with the same report.

Every run investigates the example scenario with a model that answers from the conversation, on
the local runner's stage handlers, one message at a time. A reference run gives the report every
other run must end with (its id aside).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentcore.models import ModelRequest
from agentcore.pipeline import LocalRunner
from agentcore.pipeline._stage_intake import start_investigation
from agentcore.pipeline.state import RequestSpec
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.reports import Trigger, load_report
from agentcore.sandbox.factory import bubblewrap_available
from tests.pipeline.pipeline_harness import (
    CONCLUSION,
    ConversationModel,
    CrashingStore,
    Driver,
    Turn,
    comparable,
    example_request,
    new_broker,
    pipeline_settings,
)

pytestmark = pytest.mark.skipif(not bubblewrap_available(), reason="bubblewrap is not installed (make bwrap)")


def run_once(data_dir: Path, **driver_args: Any) -> tuple[Driver, str]:
    settings = pipeline_settings(data_dir)
    model = driver_args.pop("model", None) or ConversationModel()
    driver = Driver(settings=settings, model=model, queue=driver_args.pop("queue", None) or new_broker(settings),
                    **driver_args)  # fmt: skip
    investigation_id = driver.start(example_request())
    driver.run()
    return driver, investigation_id


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    driver, investigation_id = run_once(tmp_path_factory.mktemp("reference"))
    state = driver.state(investigation_id)
    assert state.stage.value == "done", state.failure
    return comparable(driver.report(investigation_id))


def test_the_reference_run_ends_completed_with_the_agents_conclusion(reference: dict[str, Any]) -> None:
    assert reference["status"] == "completed"
    assert reference["usage"]["model_calls"] == 8


def state_writes(when: str) -> Any:
    """Crash once around every stage commit (a write of state.json; the first one, the start, aside).

    Before: the write that follows a crash is the same commit, redelivered: let it through. After:
    the commit stood, so the next write is the next stage's.
    """
    seen: set[int] = set()

    def crash(name: str, count: int, at: str) -> bool:
        if not name.endswith("/state.json") or at != when or count == 1 or count in seen:
            return False
        if when == "before" and count - 1 in seen:
            return False
        seen.add(count)
        return True

    return crash


def reports_of(driver: Driver, investigation_id: str) -> list[str]:
    deps = driver.new_process().context.deps
    return [n for n in deps.blob_store.list("reports/") if investigation_id in n]


def pr_messages(driver: Driver) -> set[str]:
    assert hasattr(driver.queue, "sent")
    return {message_id.removesuffix(":again") for queue, message_id in driver.queue.sent if message_id.endswith(":pr")}


def test_a_crash_before_every_stage_commit_ends_in_the_same_report(tmp_path: Path, reference: dict[str, Any]) -> None:
    puts: dict[str, int] = {}
    crash = state_writes("before")
    driver, investigation_id = run_once(tmp_path, store_wrapper=lambda store: CrashingStore(store, crash, puts))
    assert driver.restarts >= 7, "one crash per stage commit"
    assert comparable(driver.report(investigation_id)) == reference
    assert len(reports_of(driver, investigation_id)) == 2, "one report: its JSON and its Markdown"
    assert len(pr_messages(driver)) == 1


def test_a_crash_between_a_commit_and_its_message_loses_nothing(tmp_path: Path, reference: dict[str, Any]) -> None:
    puts: dict[str, int] = {}
    crash = state_writes("after")
    driver, investigation_id = run_once(tmp_path, store_wrapper=lambda store: CrashingStore(store, crash, puts))
    assert driver.restarts >= 7
    assert comparable(driver.report(investigation_id)) == reference
    assert len(reports_of(driver, investigation_id)) == 2
    assert len(pr_messages(driver)) == 1


def test_a_crash_in_the_middle_of_a_turn_slice_or_a_subagent_replays_to_the_same_report(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    targets = {"parent:1", "parent:3", "parent:5", "child:Hypothesis to check: the payment gateway is down"}
    crashed: set[str] = set()

    def crash_on(key: str) -> bool:
        if key in targets and key not in crashed:
            crashed.add(key)
            return True
        return False

    driver, investigation_id = run_once(tmp_path, model=ConversationModel(crash_on=crash_on))
    assert crashed == targets
    assert comparable(driver.report(investigation_id)) == reference
    assert len(reports_of(driver, investigation_id)) == 2
    assert len(pr_messages(driver)) == 1
    plan = driver.new_process().context.workspace_root(investigation_id) / "notes" / "plan.md"
    assert plan.read_text().count("# Plan") == 1


def test_every_message_delivered_twice_ends_in_the_same_report(tmp_path: Path, reference: dict[str, Any]) -> None:
    settings = pipeline_settings(tmp_path)
    driver, investigation_id = run_once(tmp_path, queue=new_broker(settings, twice=True))
    assert comparable(driver.report(investigation_id)) == reference
    assert len(reports_of(driver, investigation_id)) == 2
    assert len(pr_messages(driver)) == 1
    assert driver.state(investigation_id).pr_note is not None


def test_poison_messages_are_dead_lettered_with_a_clear_reason_and_disturb_nothing(
    tmp_path: Path, reference: dict[str, Any]
) -> None:
    settings = pipeline_settings(tmp_path)
    queue = new_broker(settings)
    poison = {
        b"{not json": "MalformedMessage",
        json.dumps({"type": "turns", "investigation_id": "inv-20260101-000000-abcdef", "step": 0,
                    "pad": "x" * 20_000}).encode(): "MessageTooLarge",
        json.dumps({"type": "self_destruct", "investigation_id": "inv-20260101-000000-abcdef", "step": 0}).encode():
            "UnknownMessageType",
        json.dumps({"type": "turns", "investigation_id": "../../etc", "step": 0}).encode(): "MalformedMessage",
        json.dumps({"type": "turns", "investigation_id": "inv-20260101-000000-abcdef", "step": 0}).encode():
            "UnknownInvestigation",
    }  # fmt: skip
    for body in poison:
        queue.send("stages", body)
    queue.send("alerts", b'{"alert_blob": "investigations/x/state.json"}')
    driver, investigation_id = run_once(tmp_path, queue=queue)
    dead = queue.dead_letters("stages", max_messages=20)
    assert {m.body: m.dead_letter_reason for m in dead} == poison
    assert all(m.dead_letter_description for m in dead)
    [bad_alert] = queue.dead_letters("alerts")
    assert bad_alert.dead_letter_reason == "MalformedMessage"
    assert comparable(driver.report(investigation_id)) == reference
    assert [n for n in driver.new_process().context.deps.blob_store.list("investigations/") if "abcdef" in n] == []


def _plan_marker(request: ModelRequest) -> str:
    for message in request.messages:
        if message.role == "tool" and "investigation: " in message.content:
            return message.content.split("investigation: ", 1)[1].split()[0].strip("\\\"',}")
    raise AssertionError("the plan was never read back")


def _spawn_from_plan(request: ModelRequest) -> tuple[str, dict[str, Any]]:
    return "spawn", {"hypotheses": [{"statement": f"check {_plan_marker(request)}"}]}


def _conclude_from_findings(request: ModelRequest) -> tuple[str, dict[str, Any]]:
    seen = request.messages[-1].content.split("check ", 1)[1][:26]
    conclusion = {**CONCLUSION, "title": f"check {seen}", "hypotheses": [], "evidence": []}
    return "write", {"path": "report/conclusion.json", "content": json.dumps(conclusion)}


CONCURRENT_TURNS: list[Turn] = [
    ("write", {"path": "notes/plan.md", "content": "# Plan\n"}),
    ("read_file", {"path": "notes/plan.md"}),
    _spawn_from_plan,
    _conclude_from_findings,
    "done",
]


def test_twenty_investigations_at_once_all_finish_each_with_its_own_state(tmp_path: Path) -> None:
    settings = pipeline_settings(tmp_path, turn_slice_max_steps=1, pr_repo_allowlist=())
    model = ConversationModel(turns=CONCURRENT_TURNS)
    with override(model=model):
        deps = build_dependencies(settings)
    with LocalRunner(deps, workers=4) as runner:
        ids = [
            start_investigation(runner.context, RequestSpec(trigger=Trigger(kind="http", ref="q"), question=f"q{n}"),
                                title=f"question {n}").id
            for n in range(20)
        ]  # fmt: skip
        states = runner.wait_for(ids, timeout_s=240)
    assert [s.stage.value for s in states] == ["done"] * 20
    for investigation_id in ids:
        report = load_report(deps.blob_store, f"reports/{deps.now():%Y/%m/%d}/{investigation_id}.json")
        assert report.title == f"check {investigation_id}"
        findings = (runner.context.workspace_root(investigation_id) / "notes" / "findings.md").read_text()
        assert f"check {investigation_id}" in findings
        assert sum(other in findings for other in ids) == 1
