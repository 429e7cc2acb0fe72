"""The review app's investigations list, measured against reading one investigation's state.

The list reads the days it shows (one prefix listing per day), then every state in them and the
feedback of finished ones, on a few threads. Rows: the list over a 1-day and a 7-day window of the
same store (investigations every 20 minutes for ~4 days, half of the finished ones reviewed), a
search that matches nothing (the same reads, nothing rendered), and one report page. Each ratio is
in units of the baseline: reading and parsing one `state.json` from the LocalBlobStore, timed in
the same run. Expect a few baselines per investigation in the window (its state and its feedback
read and parsed, its row rendered), so the 1-day window about a quarter of the 7-day one: the cost
follows the window, not the history.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.api import dispatch
from agentcore.pipeline.state import InvestigationState, RequestSpec, Stage, state_blob
from agentcore.pipeline.wiring import build_dependencies, local_queue, override
from agentcore.reports import Recommendation, Report, Trigger, UsageTotals, save_report
from agentcore.review import Feedback, Verdict, record_feedback
from agentcore.settings import Settings
from agentcore.storage.local import LocalBlobStore
from bench._timing import QUICK, BenchResult, Plan, Timing, bench_result, measure_bracketed

BASELINE = "reading and parsing one investigation's state.json (LocalBlobStore)"
INVESTIGATIONS = {False: 300, True: 120}


def _store_investigation(store: LocalBlobStore, started: datetime, index: int) -> str:
    investigation_id = f"inv-{started:%Y%m%d-%H%M%S}-{index:06x}"
    trigger = Trigger(kind="http", ref="question")
    report = Report(
        id=investigation_id, title=f"checkout-api errors #{index}", status="completed", mode="agent",
        trigger=trigger, started_at=started, finished_at=started + timedelta(minutes=9),
        summary="A deploy broke coupons.", usage=UsageTotals(model_calls=20, cost_usd=0.4),
        recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="roll back"),
    )  # fmt: skip
    location = save_report(store, report)
    state = InvestigationState(
        id=investigation_id, step=6, stage=Stage.DONE, mode="agent",
        request=RequestSpec(trigger=trigger, question="why?", scope='{"service": "checkout-api"}'),
        title=report.title, started_at=started, updated_at=report.finished_at, report_json=location.json_name,
        report_markdown=location.markdown_name, report_status="completed", usage=report.usage,
    )  # fmt: skip
    store.put(state_blob(investigation_id), state.to_json_bytes())
    if index % 2:
        feedback = Feedback(verdict=Verdict.CORRECT, by="ana", at=report.finished_at)
        record_feedback(store, investigation_id, location.json_name, feedback, based_on=0)
    return investigation_id


def run(quick: bool = False) -> list[BenchResult]:
    plan = QUICK if quick else Plan(warmup=1, repeat=15, budget_s=3.0, min_repeat=5)
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-review-") as temp:
        root = Path(temp)
        store = LocalBlobStore(root / "blobs")
        now = datetime.now(UTC)
        ids = [_store_investigation(store, now - timedelta(minutes=20 * i), i) for i in range(INVESTIGATIONS[quick])]
        settings = Settings(data_dir=root, model=None, sandbox="subprocess")
        with override(settings=settings, blob_store=store, model=None):
            ctx = StageContext(build_dependencies(settings), local_queue(settings))
            one_state = state_blob(ids[0])

            def baseline() -> object:
                return InvestigationState.model_validate_json(store.get(one_state).data)

            def page(path: str, query: str = "") -> Callable[[None], object]:
                return lambda _: dispatch(ctx, "GET", path, query=query)

            rows = [
                ("list", f"1-day window of {len(ids)} investigations", page("/api/review", "days=1")),
                ("list", f"7-day window: all {len(ids)}", page("/api/review", "days=7")),
                ("list", "7-day window, a search matching nothing", page("/api/review", "days=7&q=zzz")),
                ("report", "one report page", page(f"/api/review/investigations/{ids[0]}")),
            ]
            measured = [(g, n, *measure_bracketed(baseline, lambda: None, action, plan)) for g, n, action in rows]
    pooled = [s for _, _, _, b in measured for s in b.samples_s]
    reference = Timing(tuple(pooled))
    first = bench_result("baseline", BASELINE, reference, reference, detail="sampled before and after every row")
    return [first, *(bench_result(g, n, t, reference, local_baseline=b) for g, n, t, b in measured)]
