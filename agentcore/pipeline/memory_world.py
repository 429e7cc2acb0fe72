"""What runs now, as gardening asks it (`agentcore.memory.gardening.World`): files and symbols of each
repository at its deployed commit (one `git ls-tree` per repository, `git grep` per symbol), the resources
of the topology, the tables and columns of the log schema. What it was not given, it cannot tell (None).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from agentcore.connectors.logs import LogStore
from agentcore.connectors.topology import Topology
from agentcore.errors import UserInputError
from agentcore.git import run_git


@dataclass(frozen=True)
class DeployedRepo:
    """A local clone and the commit deployed from it (a sha, tag or `HEAD`)."""

    name: str
    path: Path
    commit: str = "HEAD"


def parse_repo_option(value: str) -> DeployedRepo:
    """`NAME=PATH[@COMMIT]`, as `--repo` and the `memory_repos` setting give them."""
    name, sep, rest = value.partition("=")
    if not sep or not name.strip() or not rest.strip():
        raise UserInputError(f"{value!r}: give a repository as NAME=PATH[@COMMIT]")
    path, _, commit = rest.partition("@")
    return DeployedRepo(name.strip(), Path(path.strip()), commit.strip() or "HEAD")


@dataclass
class DeployedWorld:
    """A `World` over local clones at their deployed commits, a topology and a log store (each optional)."""

    repos: dict[str, DeployedRepo] = field(default_factory=dict)
    topology: Topology | None = None
    log_store: LogStore | None = None
    _trees: dict[str, frozenset[str]] = field(default_factory=dict)
    _symbols: dict[tuple[str, str, str], bool] = field(default_factory=dict)
    _resources: frozenset[str] | None = None
    _columns: dict[str, frozenset[str]] | None = None

    def _tree(self, repo: DeployedRepo) -> frozenset[str]:
        if repo.name not in self._trees:
            listing = run_git(repo.path, "ls-tree", "-r", "-t", "--name-only", "-z", repo.commit)
            self._trees[repo.name] = frozenset(p for p in listing.split("\0") if p)
        return self._trees[repo.name]

    def has_file(self, repo: str, path: str) -> bool | None:
        known = self.repos.get(repo)
        if known is None:
            return None
        return path.strip("/") in self._tree(known)

    def has_symbol(self, repo: str, path: str, symbol: str) -> bool | None:
        known = self.repos.get(repo)
        if known is None:
            return None
        key = (repo, path, symbol)
        if key not in self._symbols:
            found = run_git(known.path, "grep", "-l", "-F", "-w", "-e", symbol, known.commit, "--", path,
                            ok_codes=(0, 1))  # fmt: skip
            self._symbols[key] = bool(found.strip())
        return self._symbols[key]

    def has_resource(self, resource_id: str) -> bool | None:
        if self.topology is None:
            return None
        if self._resources is None:
            self._resources = frozenset(r.id.lower() for r in self.topology.resources())
        return resource_id.lower() in self._resources

    def has_column(self, table: str, column: str | None) -> bool | None:
        if self.log_store is None:
            return None
        if self._columns is None:
            self._columns = {t.name: frozenset(c.name for c in t.columns) for t in self.log_store.tables()}
        if table not in self._columns:
            return False
        return column is None or column in self._columns[table]


__all__ = ["DeployedRepo", "DeployedWorld", "parse_repo_option"]
