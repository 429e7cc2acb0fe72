"""An investigation's workspace on disk (DESIGN §3): lay it out, snapshot it, restore it.

- `materialize`: a scenario as a workspace (repos at the deployed commits, memory, skills, telemetry);
- `setup`: the pipeline's entry points (`prepare_from_scenario`, `prepare_from_repos`) and `bin/`;
- `checkout`: the clone cache and checkouts that borrow its objects;
- `_checkout_cache`: one shared, read-only checkout per (repository, commit) that workspaces link to;
- `telemetry_cache`: a scenario's telemetry loaded into DuckDB once per content, copied into workspaces;
- `snapshot`: the workspace as blobs (a tar.zst, content-addressed outputs) and back, and which
  local directory matches which checkpoint.

Imports flow `pipeline → workspace → {scenarios, connectors, storage, git}`; this package never
imports the pipeline (tests/test_architecture.py).
"""

from __future__ import annotations

from agentcore.triage import ServiceRepo
from agentcore.workspace._checkout_cache import (
    checkouts_dir,
    linked_checkouts,
    remove_stale_checkouts,
    restore_repository,
    shared_checkout,
)
from agentcore.workspace._models import RepoSource
from agentcore.workspace.checkout import RepositoryRestoreError, cached_clone, shared_object_dirs
from agentcore.workspace.materialize import TELEMETRY_DATABASE, RepoCheckout, WorkspaceManifest, materialize_workspace
from agentcore.workspace.setup import PreparedWorkspace, install_commands, prepare_from_repos, prepare_from_scenario
from agentcore.workspace.snapshot import (
    WorkspaceCheckpoint,
    checkpoint_workspace,
    directory_lock,
    extract_snapshot,
    forget_restored,
    is_restored,
    mark_restored,
    remove_workspace,
    restore_outputs,
    restore_workspace,
    sync_outputs,
    workspace_digest,
    write_snapshot,
)
from agentcore.workspace.telemetry_cache import cached_telemetry, loaded_telemetry, telemetry_cache_dir

__all__ = [
    "TELEMETRY_DATABASE",
    "PreparedWorkspace",
    "RepoCheckout",
    "RepoSource",
    "RepositoryRestoreError",
    "ServiceRepo",
    "WorkspaceCheckpoint",
    "WorkspaceManifest",
    "cached_clone",
    "cached_telemetry",
    "checkouts_dir",
    "checkpoint_workspace",
    "directory_lock",
    "extract_snapshot",
    "forget_restored",
    "install_commands",
    "is_restored",
    "linked_checkouts",
    "mark_restored",
    "materialize_workspace",
    "prepare_from_repos",
    "prepare_from_scenario",
    "remove_stale_checkouts",
    "remove_workspace",
    "restore_outputs",
    "restore_repository",
    "restore_workspace",
    "shared_checkout",
    "shared_object_dirs",
    "sync_outputs",
    "loaded_telemetry",
    "telemetry_cache_dir",
    "workspace_digest",
    "write_snapshot",
]
