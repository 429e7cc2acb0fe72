"""`scorecard.md` and the side-by-side comparison of two scorecards (`sre-agent eval --compare A B`)."""

from __future__ import annotations

from pathlib import Path

from agentcore.evals.scorecard import Aggregate, CaseScore, RunScore, Scorecard

_AGGREGATE_ROWS: tuple[tuple[str, str], ...] = (
    ("culprit_first", "culprit ranked first"),
    ("culprit_top3", "culprit in top 3"),
    ("category_ok", "root-cause category right"),
    ("correct", "root cause right"),
    ("evidence_reproduced", "evidence reproduced"),
    ("judge_correct", "judge: correct"),
    ("judge_agreement", "judge consistency"),
)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _flag(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _run_row(case: CaseScore, run: RunScore) -> str:
    reproduced, checkable = run.evidence_reproduced
    judge = run.judge.verdict if run.judge and run.judge.verdict else "–"
    confidence = "–" if run.confidence is None else f"{run.confidence:.2f}"
    cells = [
        _cell(case.name), str(run.run), run.status, str(run.culprit_rank or "–"), _flag(run.category_ok),
        _flag(run.correct), confidence, f"{reproduced}/{checkable}", ", ".join(run.secrets) or "none", judge,
        f"{run.cost_usd:.4f}", f"{run.input_tokens + run.output_tokens:,}", f"{run.wall_time_s:.1f}",
    ]  # fmt: skip
    return "| " + " | ".join(cells) + " |"


def render_scorecard(card: Scorecard) -> str:
    lines = [
        f"# Evaluation scorecard: {card.mode}",
        "",
        f"- **Created:** {card.created_at:%Y-%m-%d %H:%M:%S}Z",
        f"- **Judge:** {card.judge or 'none (no model configured)'}",
        f"- **Cases:** {len(card.cases)}, {card.runs_per_case} run(s) each",
        "",
        "## Aggregate",
        "",
        "| measure | value |",
        "| --- | --- |",
    ]
    agg = card.aggregate
    lines += [f"| {label} | {_pct(getattr(agg, name))} |" for name, label in _AGGREGATE_ROWS]
    lines += [
        f"| reports with a secret | {agg.reports_with_secrets} |",
        f"| runs that failed | {agg.errors} |",
        f"| cost | ${agg.cost_usd:.4f} |",
        f"| tokens in / out | {agg.input_tokens:,} / {agg.output_tokens:,} |",
        f"| wall time | {agg.wall_time_s:.1f} s |",
        "",
        "## Cases",
        "",
        "| case | run | status | culprit rank | category | right | confidence | evidence | secrets | judge "
        "| cost $ | tokens | wall s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [_run_row(case, run) for case in card.cases for run in case.runs]
    lines += ["", "## Calibration", ""] + _calibration(card)
    failed = [(c.name, r) for c in card.cases for r in c.runs if r.error]
    if failed:
        lines += ["", "## Errors", ""] + [f"- {_cell(name)} run {r.run}: {_cell(r.error or '')}" for name, r in failed]
    if card.skipped:
        lines += ["", "## Skipped", ""] + [f"- `{path}`: {why}" for path, why in card.skipped]
    return "\n".join(lines) + "\n"


def _calibration(card: Scorecard) -> list[str]:
    cal = card.calibration
    if not cal.points:
        return [f"No run named a root cause with a confidence (abstained: {cal.abstained}); nothing to calibrate."]
    lines = [
        f"Brier score {cal.brier:.3f} over {cal.points} root cause(s); {cal.abstained} abstained.",
        "",
        "| confidence | runs | mean confidence | accuracy |",
        "| --- | --- | --- | --- |",
    ]
    for b in cal.bins:
        mean = "–" if b.mean_confidence is None else f"{b.mean_confidence:.2f}"
        lines.append(f"| {b.low:.1f}–{b.high:.1f} | {b.count} | {mean} | {_pct(b.accuracy)} |")
    return lines


def write_scorecard(card: Scorecard, out_dir: Path) -> tuple[Path, Path]:
    """Write `scorecard.json` and `scorecard.md` into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out_dir / "scorecard.json", out_dir / "scorecard.md"
    json_path.write_text(card.model_dump_json(indent=2) + "\n", encoding="utf-8")
    md_path.write_text(render_scorecard(card), encoding="utf-8")
    return json_path, md_path


def _case_summary(case: CaseScore | None) -> str:
    if case is None:
        return "absent"
    first = sum(bool(r.culprit_first) for r in case.runs)
    named = [r.correct for r in case.runs if r.correct is not None]
    right = f"right {sum(named)}/{len(named)}" if named else "no root cause"
    reproduced = sum(r.evidence_reproduced[0] for r in case.runs)
    checkable = sum(r.evidence_reproduced[1] for r in case.runs)
    judged = [r.judge.verdict for r in case.runs if r.judge and r.judge.verdict]
    judge = f", judge {'/'.join(judged)}" if judged else ""
    n = len(case.runs)
    return f"first {first}/{n}, {right}, evidence {reproduced}/{checkable}{judge}"


def render_comparison(a: Scorecard, b: Scorecard, *, a_name: str = "A", b_name: str = "B") -> str:
    """Two scorecards side by side: the aggregate measures, then each case (matched by name)."""
    lines = [
        f"# Scorecards compared: {a_name} ({a.mode}) vs {b_name} ({b.mode})",
        "",
        f"| measure | {a_name} | {b_name} | change |",
        "| --- | --- | --- | --- |",
    ]
    for name, label in _AGGREGATE_ROWS:
        lines.append(_measure_row(label, getattr(a.aggregate, name), getattr(b.aggregate, name)))
    lines += [
        _money_row("cost", a.aggregate, b.aggregate),
        f"| brier | {_num(a.calibration.brier)} | {_num(b.calibration.brier)} | |",
        "",
        f"| case | {a_name} | {b_name} |",
        "| --- | --- | --- |",
    ]
    by_a = {c.name: c for c in a.cases}
    by_b = {c.name: c for c in b.cases}
    for name in sorted(by_a.keys() | by_b.keys()):
        lines.append(f"| {_cell(name)} | {_case_summary(by_a.get(name))} | {_case_summary(by_b.get(name))} |")
    return "\n".join(lines) + "\n"


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def _measure_row(label: str, a: float | None, b: float | None) -> str:
    change = "" if a is None or b is None else f"{(b - a) * 100:+.0f} pt"
    return f"| {label} | {_pct(a)} | {_pct(b)} | {change} |"


def _money_row(label: str, a: Aggregate, b: Aggregate) -> str:
    return f"| {label} | ${a.cost_usd:.4f} | ${b.cost_usd:.4f} | {b.cost_usd - a.cost_usd:+.4f} |"


__all__ = ["render_comparison", "render_scorecard", "write_scorecard"]
