"""`spawn`: investigate independent hypotheses as child sessions, in parallel, each with its own context.

Each child ends with a bounded structured result; the parent gets them all in one tool result and
they are merged into notes/findings.md. How children run is injected: threads in-process here; in
the pipeline the fan-out defers (returns None), the tool returns a `SpawnRequest` and the loop hands
it to the stage as a `FanOutRequested` outcome, and the children run as Durable Functions activities.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agentcore.agent.hypothesis import Hypothesis
from agentcore.agent.session import Session, SessionStatus
from agentcore.errors import ToolError
from agentcore.models import ToolSpec
from agentcore.sandbox import Sandbox
from agentcore.tools import ToolControl, ToolResult, parse_arguments, spec_from_model

RESULT_CHAR_LIMIT = 6000
"""About 1,500 tokens: the most a child's result may take of the parent's context."""


class SpawnArguments(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hypotheses: list[Hypothesis] = Field(
        min_length=1, max_length=8, description="Independent hypotheses, one subagent each."
    )


class Finding(BaseModel):
    model_config = ConfigDict(frozen=True)

    claim: str
    evidence: str = ""
    """A workspace path, query or commit that shows it."""


class SubagentResult(BaseModel):
    """What a child reports back: bounded, structured, with evidence pointers."""

    model_config = ConfigDict(frozen=True)

    hypothesis: str
    verdict: Literal["confirmed", "refuted", "inconclusive"] = "inconclusive"
    answer: str = ""
    findings: list[Finding] = Field(default_factory=list)
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    not_checked: list[str] = Field(default_factory=list)
    session_status: str = SessionStatus.COMPLETED.value


ChildRunner = Callable[[Hypothesis, int], Session]
"""Runs one child session to its end and returns it; the int is the child's index in the fan-out."""

FanOut = Callable[[Sequence[Hypothesis], ChildRunner], list[Session] | None]
"""Runs the children and returns them in the order asked; None defers them: the spawn call then returns a
`SpawnRequest` for whoever runs the loop to start them elsewhere."""


@dataclass(frozen=True)
class SpawnRequest(ToolControl):
    """A spawn whose children run elsewhere: the loop stops the slice here and reports the hypotheses."""

    hypotheses: tuple[Hypothesis, ...]


def thread_fan_out(parallelism: int) -> FanOut:
    """Run children on at most `parallelism` threads, results in the order asked."""

    def fan_out(hypotheses: Sequence[Hypothesis], run_child: ChildRunner) -> list[Session]:
        with ThreadPoolExecutor(max_workers=max(1, parallelism), thread_name_prefix="subagent") as pool:
            return list(pool.map(run_child, hypotheses, range(len(hypotheses))))

    return fan_out


_JSON_BLOCK = re.compile(r"```(?:json)?\s*(\{.*?\})\s*```", re.DOTALL)


def parse_subagent_result(hypothesis: Hypothesis, child: Session) -> SubagentResult:
    """Read a child's final answer as a SubagentResult; free text becomes an inconclusive answer."""
    text = child.final_answer or ""
    candidates = [m.group(1) for m in _JSON_BLOCK.finditer(text)]
    start, end = text.find("{"), text.rfind("}")
    if start != -1 and end > start:
        candidates.append(text[start : end + 1])
    for candidate in reversed(candidates):
        try:
            data: Any = json.loads(candidate)
            if isinstance(data, dict):
                data = {k: v for k, v in data.items() if k in SubagentResult.model_fields}
                data.update(hypothesis=hypothesis.statement, session_status=child.status.value)
                return _bounded(SubagentResult.model_validate(data))
        except (json.JSONDecodeError, ValidationError):
            continue
    answer = text or (child.error or "the subagent ended without an answer")
    return _bounded(SubagentResult(hypothesis=hypothesis.statement, answer=answer, session_status=child.status.value))


def _bounded(result: SubagentResult) -> SubagentResult:
    encoded = result.model_dump_json()
    if len(encoded) <= RESULT_CHAR_LIMIT:
        return result
    findings = list(result.findings)
    answer = result.answer
    while len(encoded) > RESULT_CHAR_LIMIT and findings:
        findings.pop()
        encoded = result.model_copy(update={"findings": findings}).model_dump_json()
    excess = len(encoded) - RESULT_CHAR_LIMIT
    if excess > 0:
        answer = answer[: max(0, len(answer) - excess - 40)] + " [cut to fit the result limit]"
    return result.model_copy(update={"findings": findings, "answer": answer})


def render_findings(results: Sequence[SubagentResult]) -> str:
    """Markdown for notes/findings.md: one section per hypothesis."""
    parts: list[str] = []
    for result in results:
        lines = [
            f"## {result.hypothesis}",
            f"- verdict: {result.verdict} (confidence {result.confidence:.2f}; session {result.session_status})",
        ]
        if result.answer:
            lines.append(f"- answer: {result.answer}")
        lines.extend(
            f"- finding: {f.claim}" + (f" — evidence: {f.evidence}" if f.evidence else "") for f in result.findings
        )
        lines.extend(f"- not checked: {item}" for item in result.not_checked)
        parts.append("\n".join(lines))
    return "\n\n".join(parts) + "\n"


class SpawnTool:
    """The tool a parent uses to fan hypotheses out to subagents."""

    def __init__(
        self,
        run_child: ChildRunner,
        sandbox: Sandbox,
        *,
        fan_out: FanOut,
        max_hypotheses: int = 4,
        on_child_finished: Callable[[Hypothesis, Session], None] | None = None,
    ) -> None:
        self._run_child = run_child
        self._sandbox = sandbox
        self._fan_out = fan_out
        self._max = max_hypotheses
        self._on_child_finished = on_child_finished

    @property
    def spec(self) -> ToolSpec:
        return spec_from_model(
            "spawn",
            f"Investigate up to {self._max} independent hypotheses in parallel, one subagent each with "
            "its own context and the same workspace. Each returns a verdict, findings with evidence "
            "paths, a confidence and what it did not check; results are also appended to "
            "notes/findings.md. Use it when hypotheses do not depend on each other.",
            SpawnArguments,
        )

    def run(self, arguments: Mapping[str, Any]) -> ToolResult:
        args: SpawnArguments = parse_arguments(SpawnArguments, arguments)
        if len(args.hypotheses) > self._max:
            raise ToolError(f"at most {self._max} hypotheses per spawn; got {len(args.hypotheses)}")
        children = self._fan_out(args.hypotheses, self._run_child)
        if children is None:
            requested = f"fan-out of {len(args.hypotheses)} hypotheses deferred"
            return ToolResult(requested, control=SpawnRequest(tuple(args.hypotheses)))
        results = []
        for hypothesis, child in zip(args.hypotheses, children, strict=True):
            if self._on_child_finished is not None:
                self._on_child_finished(hypothesis, child)
            results.append(parse_subagent_result(hypothesis, child))
        self._append_findings(results)
        payload = [r.model_dump(exclude_defaults=False) for r in results]
        return ToolResult(json.dumps(payload, indent=1, ensure_ascii=False))

    def _append_findings(self, results: Sequence[SubagentResult]) -> None:
        path = "notes/findings.md"
        try:
            size = self._sandbox.stat(path).size
            existing = self._sandbox.read_bytes(path, 0, size)
        except FileNotFoundError:
            existing = b"# Findings from subagents\n\n"
        self._sandbox.write_bytes(path, existing + render_findings(results).encode())
