"""Evaluation: investigate cases with known answers, score the reports, and compare scorecards.

- `cases`: a scenario with `truth.json`, or a recorded report with a reviewer's verdict (`load_cases`).
- `checks`, `reproduce`: deterministic checks (culprit rank, category, secrets) and evidence re-runs.
- `judge`: an LLM judge on a fixed rubric (`agentcore/prompts/judge.md`), with its consistency measured.
- `scorecard`, `render`: the scorecard (JSON and Markdown), calibration, `render_comparison`.
- `cassette`: record a real model's calls and replay them offline.
- `run`: `run_eval`, what `sre-agent eval` runs.
"""

from agentcore.evals.cases import EvalCase, Expected, LoadedCases, load_cases
from agentcore.evals.cassette import RecordingModelClient, ReplayModelClient, request_digest
from agentcore.evals.judge import JudgeGrade, JudgeResult, judge_report
from agentcore.evals.render import render_comparison, render_scorecard, write_scorecard
from agentcore.evals.reproduce import EvidenceCheck, check_evidence
from agentcore.evals.run import run_eval, score_report
from agentcore.evals.scorecard import Scorecard, read_scorecard

__all__ = [
    "EvalCase",
    "EvidenceCheck",
    "Expected",
    "JudgeGrade",
    "JudgeResult",
    "LoadedCases",
    "RecordingModelClient",
    "ReplayModelClient",
    "Scorecard",
    "check_evidence",
    "judge_report",
    "load_cases",
    "read_scorecard",
    "render_comparison",
    "render_scorecard",
    "request_digest",
    "run_eval",
    "score_report",
    "write_scorecard",
]
