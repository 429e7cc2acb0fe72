"""Where skills come from, and how they reach the workspace.

Three layers, merged by name, a later layer replacing an earlier skill of the same name:
1. built-in: package data, `agentcore/skills/builtin/<name>/SKILL.md`;
2. organization: blobs `skills/org/<name>/SKILL.md`, or a folder named by `Settings.skills_org_dir`;
3. team: blobs `skills/team/<name>/SKILL.md`, or a folder named by `Settings.skills_team_dir`.

The merged set is installed into the workspace's `skills/<name>/SKILL.md`. A scenario's own `skills/`
folder is copied into the workspace first, as it is, and is the most specific layer of all: a skill the
workspace already holds is not overwritten.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from agentcore.errors import BlobNotFoundError
from agentcore.settings import Settings
from agentcore.skills._skill import SKILL_FILE, SKILL_FILE_LIMIT_BYTES, SKILLS_FOLDER, Skill, SkillError, parse_skill
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

ORG_PREFIX = "skills/org/"
TEAM_PREFIX = "skills/team/"


def builtin_skills() -> list[Skill]:
    """The skills shipped with the package, sorted by name. A broken one is a packaging bug: it raises."""
    root = resources.files("agentcore.skills").joinpath("builtin")
    return [_parse_builtin(folder) for folder in sorted(root.iterdir(), key=lambda t: t.name) if folder.is_dir()]


def _parse_builtin(folder: Traversable) -> Skill:
    text = folder.joinpath(SKILL_FILE).read_text(encoding="utf-8")
    return parse_skill(text, source=f"builtin:{folder.name}/{SKILL_FILE}", folder=folder.name)


def folder_skills(root: Path, layer: str) -> list[Skill]:
    """`<root>/<name>/SKILL.md` for each folder; a broken or oversized one is skipped with a warning."""
    skills = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        file = folder / SKILL_FILE
        if not file.is_file() or file.is_symlink():
            continue
        skill = _parse_or_warn(file.read_bytes(), f"{layer}:{file}", folder.name)
        if skill is not None:
            skills.append(skill)
    return skills


def blob_skills(store: BlobStore, prefix: str, layer: str) -> list[Skill]:
    """`<prefix><name>/SKILL.md` blobs; other blobs under the prefix are ignored, broken skills skipped."""
    skills = []
    for name in sorted(store.list(prefix)):
        folder, _, file = name[len(prefix) :].partition("/")
        if file != SKILL_FILE or not folder:
            continue
        try:
            data = store.get(name).data
        except BlobNotFoundError:
            continue
        skill = _parse_or_warn(data, f"{layer}:{name}", folder)
        if skill is not None:
            skills.append(skill)
    return skills


def _parse_or_warn(data: bytes, source: str, folder: str) -> Skill | None:
    """One bad skill of an organization or team must not stop every investigation: it is logged and left out."""
    try:
        if len(data) > SKILL_FILE_LIMIT_BYTES:
            raise SkillError(f"{source}: {len(data)} bytes; the limit is {SKILL_FILE_LIMIT_BYTES}")
        return parse_skill(data.decode("utf-8"), source=source, folder=folder)
    except UnicodeDecodeError:
        logger.warning("skill left out: %s: not UTF-8 text", source)
    except SkillError as e:
        logger.warning("skill left out: %s", e)
    return None


def merge_layers(*layers: Iterable[Skill]) -> tuple[Skill, ...]:
    """One skill per name, a later layer winning; sorted by name."""
    merged: dict[str, Skill] = {}
    for layer in layers:
        for skill in layer:
            merged[skill.name] = skill
    return tuple(merged[name] for name in sorted(merged))


def load_skill_layers(settings: Settings, store: BlobStore) -> tuple[Skill, ...]:
    """Built-in, then organization, then team: each from its folder when Settings names one, else from blobs."""
    org = folder_skills(settings.skills_org_dir, "org") if settings.skills_org_dir else None
    team = folder_skills(settings.skills_team_dir, "team") if settings.skills_team_dir else None
    return merge_layers(
        builtin_skills(),
        org if org is not None else blob_skills(store, ORG_PREFIX, "org"),
        team if team is not None else blob_skills(store, TEAM_PREFIX, "team"),
    )


def install_skills(root: Path, skills: Iterable[Skill]) -> list[str]:
    """Write each skill to `<root>/skills/<name>/SKILL.md` unless the workspace has that folder already.

    Returns the names installed. Skills the workspace already held (a scenario's) stay as they are.
    """
    installed = []
    for skill in skills:
        folder = root / SKILLS_FOLDER / skill.name
        if folder.exists() or folder.is_symlink():
            logger.info("skill %s: the workspace's own copy wins over %s", skill.name, skill.source)
            continue
        folder.mkdir(parents=True)
        (folder / SKILL_FILE).write_text(skill.text, encoding="utf-8")
        installed.append(skill.name)
    return installed
