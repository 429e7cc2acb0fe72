"""The fan-out orchestrator, run through Durable Functions' own replay engine on histories we build.

Each episode replays the whole history from the start, as the host does on every wake-up; a
history that does not match what the code schedules, or code that does not replay identically,
shows here as an error or a different set of actions.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from azure.durable_functions.models import DurableOrchestrationContext
from azure.durable_functions.orchestrator import Orchestrator

from agentcore.pipeline import ChildRef, FanIn, FanOutOrder

# azure-functions-durable 1.7.0 sets `expected_type` of call_activity_with_retry on the retry wrapper,
# not on the task whose result is decoded, so decoding a retried activity's result warns once per
# process although the orchestrator passes the type. Only that warning is let through here.
pytestmark = pytest.mark.filterwarnings(
    "ignore:azure.functions df_loads was called without expected_type:DeprecationWarning"
)

ID = "inv-20260314-093000-a1b2c3"
ORDER = FanOutOrder(
    investigation_id=ID, step=2, children=tuple(ChildRef(investigation_id=ID, step=2, index=i) for i in range(3))
)
CHILD_BLOBS = [f"investigations/{ID}/children/s3-h{i}.json" for i in range(3)]
T0 = "2026-03-14T09:30:00.000Z"
T1 = "2026-03-14T09:31:00.000Z"


class History:
    """A Durable Functions history, event by event."""

    def __init__(self, order_json: str) -> None:
        self.events: list[dict[str, Any]] = []
        self.input = json.dumps(order_json)
        self.started(T0)
        self.add(0, -1, Name="fan_out_hypotheses", Version="", Input=self.input)

    def add(self, event_type: int, event_id: int, **fields: Any) -> History:
        self.events.append({"EventType": event_type, "EventId": event_id, "IsPlayed": False,
                            "Timestamp": fields.pop("Timestamp", T0), **fields})  # fmt: skip
        return self

    def started(self, at: str) -> History:
        return self.add(12, -1, Timestamp=at)

    def scheduled(self, event_id: int, name: str) -> History:
        return self.add(4, event_id, Name=name)

    def completed(self, scheduled_id: int, result: Any) -> History:
        return self.add(5, -1, TaskScheduledId=scheduled_id, Result=json.dumps(result), Timestamp=T1)

    def failed(self, scheduled_id: int, reason: str) -> History:
        return self.add(6, -1, TaskScheduledId=scheduled_id, Reason=reason, Details="", Timestamp=T1)

    def replay(self, orchestrator: Callable[..., Any]) -> dict[str, Any]:
        context = {"history": self.events, "input": self.input, "instanceId": ORDER.instance_id,
                   "isReplaying": False, "parentInstanceId": None, "upperSchemaVersion": 2}  # fmt: skip
        raw = Orchestrator(orchestrator).handle(DurableOrchestrationContext.from_json(json.dumps(context)))
        state: dict[str, Any] = json.loads(raw.removeprefix("$OutOfProcData$:"))
        return state


def calls(state: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every activity call among the state's actions, in order: (name, decoded input)."""

    def walk(actions: list[Any]) -> Iterator[tuple[str, Any]]:
        for action in actions:
            if isinstance(action, list):
                yield from walk(action)
            elif action.get("compoundActions"):
                yield from walk(action["compoundActions"])
            elif "functionName" in action:
                yield action["functionName"], json.loads(json.loads(action["input"]))

    return list(walk(state["actions"]))


@pytest.fixture(scope="module")
def orchestrator(functions: dict[str, Any]) -> Callable[..., Any]:
    function: Callable[..., Any] = functions["fan_out_hypotheses"].get_user_function().orchestrator_function
    return function


def scheduled_children(history: History) -> History:
    for index in range(3):
        history.scheduled(index, "run_hypothesis")
    return history


def test_the_first_episode_schedules_one_retried_activity_per_child_with_references_only(
    orchestrator: Callable[..., Any],
) -> None:
    state = History(ORDER.model_dump_json()).replay(orchestrator)
    assert state["isDone"] is False
    assert calls(state) == [("run_hypothesis", c.model_dump(mode="json")) for c in ORDER.children]
    assert all(len(json.dumps(i)) < 200 for _, i in calls(state))


def test_while_children_run_nothing_more_is_scheduled(orchestrator: Callable[..., Any]) -> None:
    history = scheduled_children(History(ORDER.model_dump_json())).started(T1).completed(0, CHILD_BLOBS[0])
    state = history.replay(orchestrator)
    assert state["isDone"] is False
    assert [name for name, _ in calls(state)] == ["run_hypothesis"] * 3


def test_when_every_child_is_done_the_parent_is_told_with_their_blobs(orchestrator: Callable[..., Any]) -> None:
    history = scheduled_children(History(ORDER.model_dump_json())).started(T1)
    for index, blob in enumerate(CHILD_BLOBS):
        history.completed(index, blob)
    state = history.replay(orchestrator)
    assert state["isDone"] is False
    name, payload = calls(state)[-1]
    assert name == "finish_fan_out"
    assert FanIn.model_validate(payload) == FanIn(investigation_id=ID, step=2, children=tuple(CHILD_BLOBS))


def test_after_the_parent_is_told_the_orchestration_ends_with_the_child_blobs(
    orchestrator: Callable[..., Any],
) -> None:
    history = scheduled_children(History(ORDER.model_dump_json())).started(T1)
    for index, blob in enumerate(CHILD_BLOBS):
        history.completed(index, blob)
    history.scheduled(3, "finish_fan_out").started(T1).completed(3, "sent")
    state = history.replay(orchestrator)
    assert state["isDone"] is True
    assert state["output"] == CHILD_BLOBS


def test_a_child_that_failed_every_attempt_makes_the_parent_hear_why(orchestrator: Callable[..., Any]) -> None:
    history = scheduled_children(History(ORDER.model_dump_json())).started(T1)
    history.completed(0, CHILD_BLOBS[0]).completed(1, CHILD_BLOBS[1])
    failing = 2
    for attempt in range(3):  # each failure waits on a retry timer, then the task is scheduled again
        timer = failing + 1
        history.failed(failing, "sandbox would not start")
        history.add(10, timer, FireAt=T1).add(11, -1, TimerId=timer, FireAt=T1, Timestamp=T1)
        if attempt < 2:
            failing = timer + 1
            history.scheduled(failing, "run_hypothesis")
    state = history.replay(orchestrator)
    name, payload = calls(state)[-1]
    assert name == "finish_fan_out"
    fan_in = FanIn.model_validate(payload)
    assert fan_in.children == ()
    assert "sandbox would not start" in (fan_in.error or "")


def test_children_are_merged_in_the_order_asked_whatever_order_they_finish_in(
    orchestrator: Callable[..., Any],
) -> None:
    history = scheduled_children(History(ORDER.model_dump_json())).started(T1)
    for index in (2, 0, 1):
        history.completed(index, CHILD_BLOBS[index])
    first, second = history.replay(orchestrator), history.replay(orchestrator)
    assert first == second
    assert FanIn.model_validate(calls(first)[-1][1]).children == tuple(CHILD_BLOBS)
