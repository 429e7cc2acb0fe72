"""`sre-agent eval`: the CLI's eval command (the output layer: it prints through the consoles it is given).

With no model configured the runs are evidence-only, the first-class mode that needs nothing; `--model`
runs the agent and the judge with that model, `--record` keeps its calls in a cassette, and `--replay`
answers from one instead, so a real model's run is re-scored offline.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from datetime import UTC, datetime

from rich.console import Console

from agentcore.errors import UserInputError
from agentcore.evals.cases import load_cases
from agentcore.evals.cassette import RecordingModelClient, ReplayModelClient
from agentcore.evals.render import render_comparison, write_scorecard
from agentcore.evals.run import run_eval
from agentcore.evals.scorecard import RunScore, read_scorecard
from agentcore.settings import Settings


def run_eval_command(args: argparse.Namespace, settings: Settings, err: Console, out: Console) -> int:
    """Run `sre-agent eval` as parsed into `args`; the exit code."""
    if args.compare is not None:
        if args.cases:
            raise UserInputError("--compare A B takes two scorecards and no cases")
        a, b = (read_scorecard(path) for path in args.compare)
        names = [path.name if path.is_dir() else path.parent.name for path in args.compare]
        out.print(render_comparison(a, b, a_name=names[0] or "A", b_name=names[1] or "B"), markup=False,
                  soft_wrap=True)  # fmt: skip
        return 0
    if not args.cases:
        raise UserInputError("give one or more cases (scenario directories with truth.json), or --compare A B")
    if args.runs < 1:
        raise UserInputError(f"--runs {args.runs}: must be at least 1")
    if args.record is not None and args.replay is not None:
        raise UserInputError("--record and --replay exclude each other")
    out_dir = args.out or settings.data_dir / "evals" / f"{datetime.now(UTC):%Y%m%d-%H%M%S}"
    loaded = load_cases(list(args.cases))
    if not loaded.cases:
        raise UserInputError("none of the paths is a case: " + "; ".join(f"{p}: {why}" for p, why in loaded.skipped))
    from agentcore.pipeline.wiring import build_dependencies

    run_settings = settings.model_copy(update={"data_dir": out_dir / "data"})
    if args.replay is not None:
        run_settings = run_settings.model_copy(update={"model": None})
    deps = build_dependencies(run_settings)
    if args.replay is not None:
        deps = replace(deps, model=ReplayModelClient(args.replay))
    elif args.record is not None:
        if deps.model is None:
            raise UserInputError("--record needs a model (--model PROVIDER:MODEL)")
        deps = replace(deps, model=RecordingModelClient(deps.model, args.record))
    mode = f"{deps.model.provider}:{deps.model.model}" if deps.model else "evidence-only (no model configured)"
    err.print(f"[bold]sre-agent eval[/] {len(loaded.cases)} case(s), {args.runs} run(s) each — {mode}", soft_wrap=True)

    def show(case: str, number: int, score: RunScore) -> None:
        reproduced, checkable = score.evidence_reproduced
        verdict = score.error or f"{score.status}, culprit rank {score.culprit_rank or '–'}"
        err.print(f"  {case} #{number}: {verdict}; evidence {reproduced}/{checkable}; {score.wall_time_s:.1f} s",
                  markup=False, soft_wrap=True)  # fmt: skip

    card = run_eval(loaded, deps, judge=deps.model, runs=args.runs, on_run=show)
    json_path, md_path = write_scorecard(card, out_dir)
    err.print(f"scorecard: {md_path}", markup=False, soft_wrap=True)
    err.print(f"           {json_path}", markup=False, soft_wrap=True)
    return 0


__all__ = ["run_eval_command"]
