"""A hypothesis a `spawn` hands to one subagent: in its own module because the investigation's state records
them, and reading that state needs none of the agent loop, its session or its tools."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Hypothesis(BaseModel):
    """One independent line of inquiry for a subagent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    statement: str = Field(description="The hypothesis to confirm or refute, in one sentence.")
    instructions: str = Field(default="", description="Where to look first and what would settle it.")


__all__ = ["Hypothesis"]
