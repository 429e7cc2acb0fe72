"""The LLM judge: grades a report's root cause and mitigations against the human's, on a fixed rubric.

The rubric is the system prompt (`agentcore/prompts/judge.md`, byte-stable); the report and the truth go in
the user message as data. Asked `runs` times about the same report, the judge's consistency is the share of
its verdicts that agree with the most common one (1.0: it always said the same).
"""

from __future__ import annotations

import json
import re
from collections import Counter
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentcore.agent.prompts import render_prompt
from agentcore.evals.cases import Expected
from agentcore.models import Message, ModelClient, ModelRequest, SystemBlock, Usage
from agentcore.redaction import wrap_untrusted
from agentcore.reports import Report

JUDGE_MAX_OUTPUT_TOKENS = 600
_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


class JudgeGrade(BaseModel):
    """One grading on the rubric."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    root_cause: int = Field(ge=0, le=2)
    mitigations: int = Field(ge=0, le=2)
    verdict: Literal["correct", "partly", "wrong"]
    reason: str = ""


class JudgeResult(BaseModel):
    """The judge's grades of one report, and how much they agreed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    grades: tuple[JudgeGrade, ...]
    unparsed: int = 0
    """Answers that were not a grade on the rubric (counted, not retried)."""
    usage: Usage = Usage()

    @property
    def verdict(self) -> str | None:
        """The most common verdict (the first seen among equals); None when no answer parsed."""
        counts = Counter(g.verdict for g in self.grades)
        return counts.most_common(1)[0][0] if counts else None

    @property
    def agreement(self) -> float | None:
        """Share of all answers that gave the most common verdict; None with fewer than two answers."""
        total = len(self.grades) + self.unparsed
        if total < 2 or not self.grades:
            return None
        return Counter(g.verdict for g in self.grades).most_common(1)[0][1] / total


def judge_request(report: Report, expected: Expected) -> ModelRequest:
    """The request that asks for one grading of `report` against `expected`."""
    rubric = render_prompt("judge")
    cause = report.root_cause
    reported = {
        "status": report.status,
        "root_cause": cause.statement if cause else None,
        "category": cause.category if cause else None,
        "mitigations": [m.action for m in report.mitigations],
        "summary": report.summary[:2000],
    }
    truth = {"root_cause": expected.root_cause, "category": expected.category, "notes": expected.notes[:2000]}
    body = (
        "The report:\n" + wrap_untrusted(json.dumps(reported, indent=1, ensure_ascii=False), "report")
        + "\n\nWhat really happened:\n" + wrap_untrusted(json.dumps(truth, indent=1, ensure_ascii=False), "truth")
    )  # fmt: skip
    return ModelRequest(
        system=(SystemBlock(text=rubric, cache_breakpoint=True),),
        messages=(Message(role="user", content=body),),
        max_output_tokens=JUDGE_MAX_OUTPUT_TOKENS,
        temperature=0.0,
        cache_last_message=False,
    )


def parse_grade(text: str) -> JudgeGrade | None:
    """The grade in the judge's answer (the outermost JSON object in it), or None when there is none."""
    match = _OBJECT.search(text)
    if match is None:
        return None
    try:
        return JudgeGrade.model_validate(json.loads(match.group(0)))
    except (json.JSONDecodeError, ValidationError):
        return None


def judge_report(model: ModelClient, report: Report, expected: Expected, *, runs: int = 1) -> JudgeResult:
    """Ask `model` to grade `report` `runs` times; a ModelError propagates (the eval records it)."""
    request = judge_request(report, expected)
    grades: list[JudgeGrade] = []
    unparsed = 0
    usage = Usage()
    for _ in range(max(1, runs)):
        response = model.complete(request)
        usage = usage + response.usage
        grade = parse_grade(response.message.content)
        if grade is None:
            unparsed += 1
        else:
            grades.append(grade)
    return JudgeResult(grades=tuple(grades), unparsed=unparsed, usage=usage)


__all__ = ["JudgeGrade", "JudgeResult", "judge_report", "judge_request", "parse_grade"]
