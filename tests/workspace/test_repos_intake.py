"""An investigation of local repositories (`--repo`): with the clone cache, each repository is linked to the
shared, read-only checkout of its HEAD, as every later restore is, a HEAD on no branch included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.errors import UserInputError
from agentcore.workspace import checkouts_dir, prepare_from_repos
from tests.workspace.git_helpers import git

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


@pytest.fixture
def service(tmp_path: Path) -> Path:
    repo = tmp_path / "src" / "payments"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for n in (1, 2):
        (repo / "charge.py").write_text(f"RETRIES = {n}\n")
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", f"retries {n}")
    return repo


def test_a_repository_links_to_the_shared_checkout_of_its_head(service: Path, tmp_path: Path) -> None:
    cache = tmp_path / "data" / "clone-cache"
    prepared = prepare_from_repos([service], tmp_path / "ws", INCIDENT, clone_cache=cache)
    linked = tmp_path / "ws" / "repos" / "payments"
    assert linked.is_symlink()
    assert linked.resolve().parent == checkouts_dir(cache).resolve()
    assert (linked / "charge.py").read_text() == "RETRIES = 2\n"
    assert prepared.repos[0].commit == git(service, "rev-parse", "HEAD")


def test_two_investigations_of_the_same_head_share_one_checkout(service: Path, tmp_path: Path) -> None:
    cache = tmp_path / "data" / "clone-cache"
    prepare_from_repos([service], tmp_path / "ws1", INCIDENT, clone_cache=cache)
    prepare_from_repos([service], tmp_path / "ws2", INCIDENT, clone_cache=cache)
    first, second = (tmp_path / name / "repos" / "payments" for name in ("ws1", "ws2"))
    assert first.resolve() == second.resolve()


def test_a_head_that_moved_on_gets_its_own_checkout(service: Path, tmp_path: Path) -> None:
    cache = tmp_path / "data" / "clone-cache"
    prepare_from_repos([service], tmp_path / "ws1", INCIDENT, clone_cache=cache)
    (service / "charge.py").write_text("RETRIES = 3\n")
    git(service, "commit", "-qam", "retries 3")
    prepare_from_repos([service], tmp_path / "ws2", INCIDENT, clone_cache=cache)
    assert (tmp_path / "ws2" / "repos" / "payments" / "charge.py").read_text() == "RETRIES = 3\n"
    assert (tmp_path / "ws1" / "repos" / "payments" / "charge.py").read_text() == "RETRIES = 2\n"


def test_a_head_on_no_branch_is_fetched_into_the_cache_and_linked(service: Path, tmp_path: Path) -> None:
    cache = tmp_path / "data" / "clone-cache"
    prepare_from_repos([service], tmp_path / "ws1", INCIDENT, clone_cache=cache)
    (service / "charge.py").write_text("RETRIES = 9\n")
    git(service, "checkout", "-q", "--detach")
    git(service, "commit", "-qam", "an experiment on no branch")
    prepared = prepare_from_repos([service], tmp_path / "ws2", INCIDENT, clone_cache=cache)
    linked = tmp_path / "ws2" / "repos" / "payments"
    assert linked.is_symlink()
    assert (linked / "charge.py").read_text() == "RETRIES = 9\n"
    assert prepared.repos[0].commit == git(service, "rev-parse", "HEAD")


def test_a_folder_that_is_not_a_repository_is_refused_as_before(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    with pytest.raises(UserInputError, match="not a git repository"):
        prepare_from_repos([tmp_path / "plain"], tmp_path / "ws", INCIDENT, clone_cache=tmp_path / "data" / "cc")


def test_without_a_clone_cache_each_workspace_has_its_own_clone(service: Path, tmp_path: Path) -> None:
    prepare_from_repos([service], tmp_path / "ws", INCIDENT)
    assert not (tmp_path / "ws" / "repos" / "payments").is_symlink()
