"""The agent's conclusion: `report/conclusion.json`, written by the agent and checked before it may finish.

It carries the reasoning parts of the report; the pipeline adds what it knows for itself (id,
trigger, times, suspects, usage, egress, errors).
"""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from agentcore.errors import ModelOutputError
from agentcore.reports._model import Evidence, Hypothesis, Mitigation, Recommendation, RootCause, Signals
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
    signals: Signals | None = None

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
        read_conclusion(sandbox)
    except ConclusionError as e:
        return str(e)
    return None
