"""What a subagent leaves behind, stored beside the investigation's state (not in it): the state is read by
every stage, the children's sessions only at fan-in and on the review page."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from agentcore.agent.session import Session
from agentcore.pipeline.child_memory import MemoryChange


class ChildOutcome(BaseModel):
    """What a subagent's activity leaves behind: its whole session, the outputs it saved and the memory
    files it added or changed (merged into the parent's at fan-in)."""

    model_config = ConfigDict(extra="forbid")

    session: Session
    outputs: dict[str, str] = Field(default_factory=dict)
    memory: dict[str, MemoryChange] = Field(default_factory=dict)


__all__ = ["ChildOutcome"]
