"""Durable Functions: fan the hypotheses of one `spawn` out as activities, fan in, resume the parent.

Orchestrator and activities exchange blob references only (`ChildRef` in, a blob name out): child
sessions live in their own blobs. The orchestrator is replayed from its history on every wake-up,
so it does nothing but schedule: no clock, no I/O, no randomness.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from agentcore.pipeline import ChildRef, FanIn, FanOutOrder, run_child_hypothesis
from agentcore.pipeline import fanout as pipeline_fanout
from functions._edge import stage_context, typed

RUN_CHILD = "run_hypothesis"
FINISH = "finish_fan_out"
"""Activities are called by their function names."""
CHILD_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5_000, max_number_of_attempts=3)

bp = df.Blueprint()


@typed(bp.orchestration_trigger(context_name="context"))
def fan_out_hypotheses(context: Any) -> Generator[Any, Any, list[str]]:
    """Each child an activity (retried), all awaited with `task_all`; then `finish_fan_out` resumes the parent."""
    order = FanOutOrder.model_validate_json(context.get_input(expected_type=str))
    tasks = [
        context.call_activity_with_retry(RUN_CHILD, CHILD_RETRY, c.model_dump_json(), expected_type=str)
        for c in order.children
    ]
    children: list[str] = []
    error = None
    try:
        children = yield context.task_all(tasks)
    except Exception as e:  # a child failed every attempt: the parent hears why
        error = str(e) or type(e).__name__
    fan_in = FanIn(investigation_id=order.investigation_id, step=order.step, children=tuple(children), error=error)
    yield context.call_activity(FINISH, fan_in.model_dump_json(), expected_type=str)
    return children


@typed(bp.activity_trigger(input_name="ref"))
def run_hypothesis(ref: str) -> str:
    """Run one child session to its end in its own copy of the workspace; return its blob's name."""
    return run_child_hypothesis(stage_context(), ChildRef.model_validate_json(ref))


@typed(bp.activity_trigger(input_name="result"))
def finish_fan_out(result: str) -> str:
    """Send the parent's `fanout_done` stage message."""
    pipeline_fanout.finish_fan_out(stage_context(), FanIn.model_validate_json(result))
    return "sent"
