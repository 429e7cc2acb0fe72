"""The agent's conclusion: `report/conclusion.json`, written by the agent and checked before it may finish.

It carries the reasoning parts of the report; the pipeline adds what it knows for itself (id,
trigger, times, suspects, usage, egress, errors).
"""

from __future__ import annotations

import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentcore.errors import AgentCoreError, ModelOutputError
from agentcore.reports._model import Escalation, Evidence, Hypothesis, Mitigation, Recommendation, RootCause, Signals
from agentcore.sandbox import Sandbox

CONCLUSION_PATH = "report/conclusion.json"
CONCLUSION_BYTE_LIMIT = 512 * 1024


class Culprit(BaseModel):
    model_config = ConfigDict(frozen=True)

    repo: str
    commit: str


class Conclusion(BaseModel):
    """What the agent concluded. Unknown keys are ignored so a chatty model does not fail the run."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    title: str = Field(min_length=1)
    status: Literal["completed", "inconclusive"]
    summary: str
    root_cause: RootCause | None = None
    evidence: tuple[Evidence, ...] = ()
    hypotheses: tuple[Hypothesis, ...] = ()
    mitigations: tuple[Mitigation, ...] = ()
    recommendation: Recommendation
    culprit: Culprit | None = None
    signals: Signals
    """Required: every investigation ends with the agent's self-assessment (Agent Signals)."""
    escalation: Escalation | None = None
    """Set when a skill's stop-and-escalate condition held; the run then ends inconclusive."""

    @model_validator(mode="before")
    @classmethod
    def _escalation_names_the_transfer(cls, data: Any) -> Any:
        """An escalation's `transfer_to` becomes the recommendation's when the agent left that empty."""
        if not isinstance(data, dict):
            return data
        escalation, recommendation = data.get("escalation"), data.get("recommendation")
        if isinstance(escalation, dict) and isinstance(recommendation, dict) and not recommendation.get("transfer_to"):
            return {**data, "recommendation": {**recommendation, "transfer_to": escalation.get("transfer_to")}}
        return data

    @model_validator(mode="after")
    def _an_escalation_ends_inconclusive(self) -> Conclusion:
        if self.escalation is not None and self.status != "inconclusive":
            raise ValueError("an escalation ends the run inconclusive: set status to inconclusive")
        return self

    @model_validator(mode="after")
    def _hypotheses_cite_existing_evidence(self) -> Conclusion:
        for number, hypothesis in enumerate(self.hypotheses):
            for index in hypothesis.evidence:
                if index >= len(self.evidence):
                    raise ValueError(
                        f"hypotheses[{number}] cites evidence {index}, but there are {len(self.evidence)} items"
                    )
        return self


class ConclusionError(ModelOutputError):
    """The conclusion file is missing or does not match the schema; the message says what to fix."""


def read_conclusion(sandbox: Sandbox) -> Conclusion:
    try:
        size = sandbox.stat(CONCLUSION_PATH).size
    except FileNotFoundError:
        raise ConclusionError(f"{CONCLUSION_PATH} does not exist.") from None
    if size > CONCLUSION_BYTE_LIMIT:
        raise ConclusionError(f"{CONCLUSION_PATH} is {size} bytes; keep it under {CONCLUSION_BYTE_LIMIT}.")
    raw = sandbox.read_bytes(CONCLUSION_PATH, 0, size)
    try:
        return Conclusion.model_validate(json.loads(raw))
    except json.JSONDecodeError as e:
        raise ConclusionError(f"{CONCLUSION_PATH} is not valid JSON: {e}.") from e
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'the object'}: {err['msg']}" for err in e.errors()[:8]
        )
        raise ConclusionError(f"{CONCLUSION_PATH} does not match the schema: {problems}.") from e


def conclusion_problem(sandbox: Sandbox) -> str | None:
    """None when the conclusion is present and valid; otherwise what is wrong with it."""
    try:
        conclusion = read_conclusion(sandbox)
    except ConclusionError as e:
        return str(e)
    if conclusion.escalation is not None:
        return _escalation_problem(sandbox, conclusion.escalation)
    return None


def _escalation_problem(sandbox: Sandbox, escalation: Escalation) -> str | None:
    """An escalation must name a skill of the workspace, the one whose condition held."""
    path = f"skills/{escalation.skill}/SKILL.md"
    try:
        sandbox.stat(path)
    except (OSError, AgentCoreError):
        return f"{CONCLUSION_PATH}: escalation.skill names {escalation.skill!r}, but there is no {path}."
    return None
