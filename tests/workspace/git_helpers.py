"""git for the workspace tests' own repositories: a fixed identity, and no user or global config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

GIT_ENV = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "A", "GIT_COMMITTER_EMAIL": "a@x",
           "GIT_CONFIG_GLOBAL": os.devnull, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}  # fmt: skip


def git(repo: Path, *args: str) -> str:
    """Run git in `repo`; its stdout, stripped."""
    done = subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=GIT_ENV)
    return done.stdout.strip()
