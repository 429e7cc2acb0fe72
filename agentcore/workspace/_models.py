"""What the workspace package hands to the pipeline: where each repository came from, which service it builds."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict


class RepoSource(BaseModel):
    """A repository in the workspace and where to fetch it again (a bundle or a local clone)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """Relative to the workspace root: `repos/<name>`."""
    source: str
    commit: str


@dataclass(frozen=True)
class ServiceRepo:
    """A service, the repo that builds it (a local clone), and the role it logs under."""

    service: str
    repo: str
    repo_path: Path
    app_role: str
