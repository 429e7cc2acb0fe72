"""The skills index: names and descriptions only, appended to the static system prompt.

It sits in the cached prefix, so it is byte-stable: skills sorted by name, one line each, nothing
that varies between sessions of the same workspace. Bodies are never inlined; the agent reads
`skills/<name>/SKILL.md` with read_file when a description matches what it is doing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from agentcore.errors import AgentCoreError
from agentcore.sandbox import Sandbox
from agentcore.skills._skill import SKILL_FILE, SKILL_FILE_LIMIT_BYTES, SKILLS_FOLDER, Skill, SkillError, parse_skill

logger = logging.getLogger(__name__)

INDEX_HEADING = "# Skills"
_PREAMBLE = (
    "How-tos for specific kinds of investigation, in `skills/<name>/SKILL.md`. Only each skill's name and "
    "description are listed here. When one matches what you are doing, read its SKILL.md with read_file "
    "before you go on, follow it, and respect its stop-and-escalate conditions: when one holds, stop and "
    "escalate as it says instead of guessing."
)


def render_skills_index(skills: Iterable[Skill]) -> str:
    """`# Skills`, the preamble and one `- name (path): description` line per skill, sorted by name."""
    entries = sorted(skills, key=lambda s: s.name)
    lines = [INDEX_HEADING, _PREAMBLE, ""]
    lines += [f"- `{s.name}` ({s.path}): {' '.join(s.description.split())}" for s in entries] or ["(none)"]
    return "\n".join(lines) + "\n"


def workspace_skills(sandbox: Sandbox) -> list[Skill]:
    """The valid `skills/<name>/SKILL.md` of a workspace; broken ones are logged and left out of the index."""
    skills = []
    for path in _skill_files(sandbox):
        folder = path.split("/")[1]
        try:
            size = sandbox.stat(path).size
            if size > SKILL_FILE_LIMIT_BYTES:
                raise SkillError(f"{path}: {size} bytes; the limit is {SKILL_FILE_LIMIT_BYTES}")
            text = sandbox.read_bytes(path, 0, size).decode("utf-8")
            skills.append(parse_skill(text, source=path, folder=folder))
        except SkillError as e:
            logger.warning("skill left out of the index: %s", e)
        except (OSError, UnicodeDecodeError, AgentCoreError) as e:
            logger.warning("skill left out of the index: %s: %s", path, e)
    return skills


def _skill_files(sandbox: Sandbox) -> list[str]:
    try:
        files = [entry.path for entry in sandbox.iter_files(SKILLS_FOLDER) if entry.kind == "file"]
    except (OSError, AgentCoreError):
        return []
    return sorted(p for p in files if len(p.split("/")) == 3 and p.endswith(f"/{SKILL_FILE}"))


def workspace_skills_index(sandbox: Sandbox) -> str:
    """The index of the skills installed in a workspace."""
    return render_skills_index(workspace_skills(sandbox))
