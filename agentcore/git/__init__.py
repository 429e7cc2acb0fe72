"""The one way the core runs the `git` binary: a pinned environment, safe config, a timeout, an output cap.

Every caller (the code and changes connectors, scenario bundles, workspace checkouts) goes through
`run_git` or `git_output_head`, and every failure is a `GitError`. This package sits below every
other one: it imports nothing from the core but `agentcore.errors`, so any layer may use it.
"""

from __future__ import annotations

from agentcore.git._runner import (
    GIT_TIMEOUT_S,
    MAX_OUTPUT_BYTES,
    GitError,
    git_output_head,
    run_git,
    run_git_bytes,
)

__all__ = ["GIT_TIMEOUT_S", "MAX_OUTPUT_BYTES", "GitError", "git_output_head", "run_git", "run_git_bytes"]
