"""The pipeline: investigation stages, their state, and the runners that drive them.

Entries the edges call (the Functions app in `functions/`, the CLI):
- `handle_stage_message` (the `stages` queue), `handle_alert_message` (the `alerts` queue),
  `handle_dead_lettered_stage` (the `stages` dead-letter queue);
- `run_child_hypothesis` and `finish_fan_out` (a fan-out's activities);
- `api` (the HTTP routes), `run_daily_clustering` (the timer);
- `run_investigation` and `LocalRunner`: the same stages in-process, the embedded default.
"""

from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.alert_intake import handle_alert_message
from agentcore.pipeline.clustering import run_daily_clustering
from agentcore.pipeline.fanout import ChildRef, FanIn, FanOutOrder, finish_fan_out, run_child_hypothesis
from agentcore.pipeline.investigation import (
    InvestigationOutcome,
    InvestigationRequest,
    new_investigation_id,
    run_investigation,
)
from agentcore.pipeline.local_runner import LocalRunner
from agentcore.pipeline.stages import StageOutcome, handle_dead_lettered_stage, handle_stage_message

__all__ = [
    "ChildRef",
    "FanIn",
    "FanOutOrder",
    "InvestigationOutcome",
    "InvestigationRequest",
    "LocalRunner",
    "StageContext",
    "StageOutcome",
    "finish_fan_out",
    "handle_alert_message",
    "handle_dead_lettered_stage",
    "handle_stage_message",
    "new_investigation_id",
    "run_child_hypothesis",
    "run_daily_clustering",
    "run_investigation",
]
