"""The pipeline: investigation stages, their state, and the runners that drive them.

Entries the edges call (the Functions app in `functions/`, the CLI):
- `handle_stage_message` (the `stages` queue), `handle_alert_message` (the `alerts` queue),
  `handle_dead_lettered_stage` (the `stages` dead-letter queue);
- `run_child_hypothesis` and `finish_fan_out` (a fan-out's activities);
- `api` (the HTTP routes), `run_daily_clustering` (the timer);
- `run_investigation` and `LocalRunner`: the same stages in-process, the embedded default.

Each name is imported from its module on first use (PEP 562), so a caller that needs one entry does not
pay for the others' imports (the CLI's evidence-only run never loads clustering, for example).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "StageContext": "_stage_io",
    "handle_alert_message": "alert_intake",
    "run_daily_clustering": "clustering",
    "ChildRef": "fanout",
    "FanIn": "fanout",
    "FanOutOrder": "fanout",
    "finish_fan_out": "fanout",
    "run_child_hypothesis": "fanout",
    "InvestigationOutcome": "investigation",
    "InvestigationRequest": "investigation",
    "new_investigation_id": "investigation",
    "run_investigation": "investigation",
    "LocalRunner": "local_runner",
    "StageOutcome": "stages",
    "handle_dead_lettered_stage": "stages",
    "handle_stage_message": "stages",
}
"""Each public name and the module (of this package) that defines it."""


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


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
