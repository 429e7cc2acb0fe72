"""Skills on demand: `skills/<name>/SKILL.md` how-tos, indexed in the system prompt, read when they match.

- `parse_skill` validates a SKILL.md's front matter (`name` ≤ 64 chars, `description` ≤ 1,024);
  every problem is a one-line `SkillError`.
- `load_skill_layers` merges built-in, organization and team skills (a later layer wins by name);
  `install_skills` lays them into a workspace; `workspace_skills_index` is the system prompt's index.
- `skill_file_of` maps a read path to the skill it belongs to (compaction re-injects those).
- `build_skill_health` / `store_skill_health`: the daily skill-health report from the runs' signals.

The health report's names are imported on first use (PEP 562): laying skills into a workspace, which every
investigation does, needs none of the reports and review verdicts the health report reads.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from agentcore.skills._index import render_skills_index, workspace_skills, workspace_skills_index
from agentcore.skills._layers import (
    ORG_PREFIX,
    TEAM_PREFIX,
    blob_skills,
    builtin_skills,
    folder_skills,
    install_skills,
    load_skill_layers,
    merge_layers,
)
from agentcore.skills._skill import (
    DESCRIPTION_LIMIT_CHARS,
    NAME_LIMIT_CHARS,
    SKILL_FILE,
    Skill,
    SkillError,
    parse_skill,
    skill_file_of,
    skill_path,
)

if TYPE_CHECKING:
    from agentcore.skills._health import (
        SkillHealth,
        SkillHealthReport,
        build_skill_health,
        render_skill_health_markdown,
        skill_health_names,
        store_skill_health,
    )

_HEALTH_NAMES = frozenset(
    {
        "SkillHealth",
        "SkillHealthReport",
        "build_skill_health",
        "render_skill_health_markdown",
        "skill_health_names",
        "store_skill_health",
    }
)


def __getattr__(name: str) -> Any:
    if name not in _HEALTH_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("agentcore.skills._health"), name)
    globals()[name] = value
    return value


__all__ = [
    "DESCRIPTION_LIMIT_CHARS",
    "NAME_LIMIT_CHARS",
    "ORG_PREFIX",
    "SKILL_FILE",
    "TEAM_PREFIX",
    "Skill",
    "SkillError",
    "SkillHealth",
    "SkillHealthReport",
    "blob_skills",
    "build_skill_health",
    "builtin_skills",
    "folder_skills",
    "install_skills",
    "load_skill_layers",
    "merge_layers",
    "parse_skill",
    "render_skill_health_markdown",
    "render_skills_index",
    "skill_file_of",
    "skill_health_names",
    "skill_path",
    "store_skill_health",
    "workspace_skills",
    "workspace_skills_index",
]
