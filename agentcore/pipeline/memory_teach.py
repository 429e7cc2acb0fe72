"""Teaching: a follow-up that starts with "remember" or "forget" asks the agent to change `memory/` with its
own `write` tool, under memory's rules (front matter, citations, no secrets); the report stage merges it."""

from __future__ import annotations

import re

from agentcore.agent.prompts import render_prompt

_TEACHING = re.compile(r"^\s*(remember|forget)\b", re.IGNORECASE)
NEEDS_AGENT = (
    "remember/forget change memory through the agent's own tools, and no model is configured for this "
    "investigation (evidence-only): edit memory with `sre-agent memory import DIR` instead"
)


def is_teaching(text: str) -> bool:
    return _TEACHING.match(text) is not None


def teaching_message(text: str) -> str:
    """The follow-up as the agent gets it: a teaching one wrapped in memory's instructions, else unchanged."""
    if not is_teaching(text):
        return text
    return render_prompt("memory_teach", message=" ".join(text.split()).replace('"', "'"))


__all__ = ["NEEDS_AGENT", "is_teaching", "teaching_message"]
