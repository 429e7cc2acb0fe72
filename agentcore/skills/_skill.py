"""One skill: `skills/<name>/SKILL.md`, a Markdown how-to with a small front matter block.

```
---
name: kql-investigation
description: What the skill does and when to use it (one line, at most 1,024 characters).
---
# The body, read by the agent on demand
```
Only `name` and `description` reach the system prompt (the index); the body is read with read_file
when the skill matches. The front matter is parsed strictly and every problem is one line that names
the file, so a broken organization or team skill is easy to fix from a log line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from agentcore.errors import AgentCoreError

SKILLS_FOLDER = "skills"
SKILL_FILE = "SKILL.md"
NAME_LIMIT_CHARS = 64
DESCRIPTION_LIMIT_CHARS = 1_024
SKILL_FILE_LIMIT_BYTES = 64 * 1024
_NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_FIELD = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*):(.*)$")
_DELIMITER = "---"


class SkillError(AgentCoreError):
    """A SKILL.md that cannot be used; the message is one line naming the file and the problem."""


@dataclass(frozen=True)
class Skill:
    """A parsed skill: its name and description (the index entry) and the whole file (the body)."""

    name: str
    description: str
    text: str
    """The whole SKILL.md, front matter included, as installed into the workspace."""
    source: str
    """Where it came from: `builtin`, `org`, `team`, or a workspace path."""

    @property
    def path(self) -> str:
        """Its workspace path, `skills/<name>/SKILL.md`."""
        return skill_path(self.name)


def skill_path(name: str) -> str:
    return f"{SKILLS_FOLDER}/{name}/{SKILL_FILE}"


def parse_skill(text: str, *, source: str, folder: str | None = None) -> Skill:
    """Parse a SKILL.md; `folder` (the directory it sits in) must equal its name when given.

    Raises SkillError with a one-line message: `<source>: <problem>`.
    """
    fields = _front_matter(text, source)
    name = fields.get("name", "")
    description = fields.get("description", "")
    if not name:
        raise SkillError(f"{source}: front matter has no `name`")
    if len(name) > NAME_LIMIT_CHARS:
        raise SkillError(f"{source}: name is {len(name)} characters; the limit is {NAME_LIMIT_CHARS}")
    if not _NAME.fullmatch(name):
        raise SkillError(f"{source}: name {name!r} must be lowercase letters, digits and single hyphens")
    if folder is not None and folder != name:
        raise SkillError(f"{source}: name {name!r} differs from its folder {folder!r}")
    if not description:
        raise SkillError(f"{source}: front matter has no `description` (what the skill does and when to use it)")
    if len(description) > DESCRIPTION_LIMIT_CHARS:
        raise SkillError(
            f"{source}: description is {len(description)} characters; the limit is {DESCRIPTION_LIMIT_CHARS}"
        )
    return Skill(name=name, description=description, text=text, source=source)


def _front_matter(text: str, source: str) -> dict[str, str]:
    """The `key: value` lines between the opening and closing `---`; one line per field, no nesting."""
    lines = text.lstrip("\ufeff").splitlines()
    if not lines or lines[0].strip() != _DELIMITER:
        raise SkillError(f"{source}: does not start with a `---` front matter block")
    fields: dict[str, str] = {}
    for number, line in enumerate(lines[1:], start=2):
        if line.strip() == _DELIMITER:
            return fields
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _FIELD.match(line)
        if match is None:
            raise SkillError(f"{source}: line {number} is not a one-line `key: value` field: {line.strip()[:60]!r}")
        key, value = match.group(1).lower(), _unquoted(match.group(2).strip())
        if key in fields:
            raise SkillError(f"{source}: line {number} repeats the field {key!r}")
        if value in ("|", ">", "|-", ">-"):
            raise SkillError(f"{source}: line {number}: {key!r} must be on one line (no block scalars)")
        fields[key] = value
    raise SkillError(f"{source}: the front matter block is not closed with `---`")


def _unquoted(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        return value[1:-1].strip()
    return value


def skill_file_of(path: str) -> str | None:
    """The SKILL.md a workspace path belongs to: `skills/<name>/...` -> `skills/<name>/SKILL.md`.

    A Markdown file directly in `skills/` (as a scenario may ship one) is its own skill; any other
    path is None. Reading a skill's supporting file counts as using that skill.
    """
    parts = path.split("/")
    if len(parts) < 2 or parts[0] != SKILLS_FOLDER or not parts[1]:
        return None
    if len(parts) == 2:
        return path if path.endswith(".md") else None
    return skill_path(parts[1])
