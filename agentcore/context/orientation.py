"""The session-static hooks (DESIGN §4), rendered once at session start behind cache breakpoint 2.

Same workspace, same incident time, same bytes: the hooks read the workspace through the Sandbox
port, sort everything they list, and cut each section to its own budget with a
`(truncated: N more ...)` note. Nothing that varies per call (the clock, ids) may appear here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from agentcore.context._hook_changes import render_changes
from agentcore.context._hook_connectors import render_connectors
from agentcore.context._hook_knowledge import render_knowledge
from agentcore.context._hook_repositories import render_repositories
from agentcore.context._hook_topology import render_topology_hook
from agentcore.sandbox import Sandbox


@dataclass(frozen=True)
class OrientationBudget:
    """Characters each hook may use; together about 8k tokens."""

    connectors_chars: int = 5_000
    repositories_chars: int = 10_000
    knowledge_chars: int = 5_000
    topology_chars: int = 6_000
    changes_chars: int = 5_000


def render_orientation(
    sandbox: Sandbox, *, incident_time: datetime | None = None, budget: OrientationBudget | None = None
) -> str:
    """Markdown: connectors, repositories, knowledge map, resource topology and what changed.

    `incident_time` (timezone-aware) bounds and ranks "what changed"; without it the newest changes
    are listed unranked.
    """
    limits = budget or OrientationBudget()
    sections = [
        "# Orientation (what this workspace holds, as of the session's start)",
        render_connectors(sandbox, limits.connectors_chars),
        render_repositories(sandbox, limits.repositories_chars),
        render_knowledge(sandbox, limits.knowledge_chars),
        render_topology_hook(sandbox, limits.topology_chars),
        render_changes(sandbox, limits.changes_chars, incident_time),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


__all__ = ["OrientationBudget", "render_orientation"]
