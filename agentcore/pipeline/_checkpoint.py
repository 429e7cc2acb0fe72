"""The workspace checkpoint under an investigation's blob prefix (`investigations/<id>/`, state.py)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from agentcore import workspace
from agentcore.pipeline.state import investigation_prefix
from agentcore.sandbox import SandboxLimits
from agentcore.storage import BlobStore
from agentcore.workspace import RepoSource, WorkspaceCheckpoint


def checkpoint_workspace(
    store: BlobStore,
    investigation_id: str,
    root: Path,
    *,
    step: int,
    repos: tuple[RepoSource, ...],
    previous: WorkspaceCheckpoint,
    level: int = 3,
    quota_bytes: int = SandboxLimits().workspace_bytes,
) -> WorkspaceCheckpoint:
    """`workspace.checkpoint_workspace` with the investigation's blob names."""
    prefix = investigation_prefix(investigation_id)
    return workspace.checkpoint_workspace(
        store, prefix, root, step=step, repos=repos, previous=previous, level=level, quota_bytes=quota_bytes
    )


def sync_outputs(store: BlobStore, investigation_id: str, root: Path, known: Mapping[str, str]) -> dict[str, str]:
    """`workspace.sync_outputs` with the investigation's blob names."""
    return workspace.sync_outputs(store, investigation_prefix(investigation_id), root, known)
