"""When a patch may become a draft pull request: repository allowlist, approval, diff size, path denylist.

Every rule that says no says why, in words that end up in the investigation's state and its report.
Globs follow gitignore's habits: `*` stays within a path segment, `**` crosses segments, and a glob
without a slash matches a file's name in any folder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from agentcore.pipeline._patch import Patch
from agentcore.settings import Settings

APPROVAL_REFUSAL = "a person's approval is required and none is recorded"
AWAITING_APPROVAL = f"refused: {APPROVAL_REFUSAL}"
"""The `pr` stage's note when only the approval was missing (`pr_approval` runs the stage again)."""


@dataclass(frozen=True)
class PolicyVerdict:
    """`refusal` is None when the policy allows the pull request; `github_repo` is where it goes."""

    refusal: str | None
    github_repo: str | None = None


def allowed_repository(repo: str | None, allowlist: tuple[str, ...]) -> str | None:
    """The allowlist entry that names `repo` (the workspace's name, or GitHub's `owner/name`), if any."""
    if not repo:
        return None
    for entry in allowlist:
        if entry == repo or entry.rsplit("/", 1)[-1] == repo:
            return entry
    return None


def denied_path(path: str, denylist: tuple[str, ...]) -> str | None:
    """The first denylist glob that `path` matches, or None."""
    for glob in denylist:
        if _glob_regex(glob).fullmatch(path):
            return glob
    return None


def check_access(settings: Settings, *, repo: str | None, approved_by: str | None) -> PolicyVerdict:
    """The repository is on the allowlist, and a person approved when approval is required."""
    entry = allowed_repository(repo, settings.pr_repo_allowlist)
    if entry is None:
        return PolicyVerdict(f"repository {repo!r} is not on the pull-request allowlist")
    if settings.pr_approval_required and not approved_by:
        return PolicyVerdict(APPROVAL_REFUSAL)
    return PolicyVerdict(None, github_repo=entry)


def check_patch(settings: Settings, patch: Patch) -> str | None:
    """Why `patch` may not become a pull request (too big, or a denied path), or None."""
    if patch.changed_lines > settings.pr_max_diff_lines:
        return f"the patch changes {patch.changed_lines} lines, more than the limit of {settings.pr_max_diff_lines}"
    for path in patch.paths:
        if (glob := denied_path(path, settings.pr_path_denylist)) is not None:
            return f"the patch touches {path}, which the path denylist refuses ({glob})"
    return None


@lru_cache(maxsize=256)
def _glob_regex(glob: str) -> re.Pattern[str]:
    pattern = glob.strip().lstrip("/")
    if "/" not in pattern.rstrip("/"):
        pattern = "**/" + pattern
    if pattern.endswith("/"):
        pattern += "**"
    parts: list[str] = []
    index = 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            parts.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            parts.append(".*")
            index += 2
        elif pattern[index] == "*":
            parts.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            parts.append("[^/]")
            index += 1
        else:
            parts.append(re.escape(pattern[index]))
            index += 1
    return re.compile("".join(parts), re.IGNORECASE)


__all__ = ["PolicyVerdict", "allowed_repository", "check_access", "check_patch", "denied_path"]
