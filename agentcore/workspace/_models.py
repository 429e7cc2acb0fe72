"""What the workspace package hands to the pipeline: where each repository came from (which service each
builds is triage's `ServiceRepo`, its input)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class RepoSource(BaseModel):
    """A repository in the workspace and where to fetch it again (a bundle or a local clone)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: str
    """Relative to the workspace root: `repos/<name>`."""
    source: str
    commit: str
