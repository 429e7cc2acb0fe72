"""Timer trigger: the daily error-clustering job."""

from __future__ import annotations

import azure.functions as func

from agentcore.pipeline import run_daily_clustering
from agentcore.pipeline.wiring import app_dependencies

bp = func.Blueprint()  # type: ignore[no-untyped-call]


@bp.timer_trigger(schedule="0 0 6 * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
def daily_error_clustering(timer: func.TimerRequest) -> None:
    """06:00 UTC daily: cluster the last 24 h of errors, store the clusters report and a run record."""
    run_daily_clustering(app_dependencies(), past_due=timer.past_due)
