"""The CodeHost contract, held by LocalGitCodeHost (a real git repository) and GitHubCodeHost (pinned
GitHub REST responses describing the same history; see shop_history.py)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import responses
import respx

from agentcore.connectors.code import (
    ChangedFile,
    CodeHost,
    CommitInfo,
    PullRequestInfo,
    UnknownCommitError,
    UnknownRepositoryError,
)
from agentcore.connectors.code.git import LocalGitCodeHost
from agentcore.connectors.code.github import GitHubCodeHost
from agentcore.errors import UserInputError
from tests.connectors.code.shop_history import (
    APP_V2,
    OWNER_REPO,
    README,
    ShopHistory,
    build_shop,
    register_github,
    tarball_of,
)


@dataclass(frozen=True)
class Subject:
    host: CodeHost
    repo: str
    unknown_repo: str
    history: ShopHistory


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> ShopHistory:
    """Built once: no test changes the history."""
    return build_shop(tmp_path_factory.mktemp("clones"))


@pytest.fixture(scope="module")
def tarballs(shop: ShopHistory) -> dict[str, bytes]:
    return {label: tarball_of(shop, label) for label in shop.shas}


@pytest.fixture(params=["git", "github"])
def subject(request: pytest.FixtureRequest, shop: ShopHistory, tarballs: dict[str, bytes]) -> Iterator[Subject]:
    if request.param == "git":
        host = LocalGitCodeHost(
            shop.path.parent, deployment_log=shop.deployment_log, repos_by_service={"shop-api": "shop"}
        )
        yield Subject(host, "shop", "ghost", shop)
        return
    with (
        responses.RequestsMock(assert_all_requests_are_fired=False) as http,
        respx.mock(assert_all_called=False) as codeload,
    ):
        register_github(shop, http, codeload, tarballs)
        host_ = GitHubCodeHost(token="ghp_contract", seconds_between_requests=None)
        yield Subject(host_, OWNER_REPO, "acme/ghost", shop)


def test_both_adapters_are_code_hosts(subject: Subject) -> None:
    assert isinstance(subject.host, CodeHost)


def test_commits_between_lists_what_head_adds_newest_first_without_files(subject: Subject) -> None:
    shas = subject.history.shas
    commits = subject.host.commits_between(subject.repo, shas["c1"], shas["c5"])
    assert [c.sha for c in commits] == [shas["c5"], shas["c4"], shas["c3"], shas["c2"]]
    assert [c.title for c in commits] == [
        "Rename app to main and drop README",
        "Merge pull request #42 from acme/empty-cart",
        "Handle empty cart",
        "Add discount codes (#41)",
    ]
    assert all(c.files is None for c in commits)
    assert commits[1].parents == (shas["c2"], shas["c3"])


def test_a_commit_has_its_header_and_changed_files(subject: Subject) -> None:
    history = subject.history
    assert subject.host.commit(subject.repo, history.shas["c2"]) == CommitInfo(
        sha=history.shas["c2"],
        title="Add discount codes (#41)",
        author="Ben",
        time=history.times["c2"],
        message="Add discount codes (#41)",
        parents=(history.shas["c1"],),
        files=(ChangedFile("app.py", "modified", 1, 0),),
    )


def test_the_first_commit_lists_every_file_as_added(subject: Subject) -> None:
    files = subject.host.commit(subject.repo, subject.history.shas["c1"]).files
    assert files == (ChangedFile("README.md", "added", 1, 0), ChangedFile("app.py", "added", 2, 0))


def test_renames_and_deletions_are_told_apart(subject: Subject) -> None:
    files = subject.host.commit(subject.repo, subject.history.shas["c5"]).files
    assert files == (
        ChangedFile("README.md", "deleted", 0, 1),
        ChangedFile("main.py", "renamed", 0, 0, previous_path="app.py"),
    )


def test_a_merge_commit_keeps_its_whole_message(subject: Subject) -> None:
    merge = subject.host.commit(subject.repo, subject.history.shas["c4"])
    assert merge.message == "Merge pull request #42 from acme/empty-cart\n\nHandle empty carts"
    assert merge.author == "Dee"


def test_a_commit_that_does_not_exist_is_an_unknown_commit(subject: Subject) -> None:
    with pytest.raises(UnknownCommitError, match="deadbeef"):
        subject.host.commit(subject.repo, "deadbeef")


def test_an_unknown_repository_is_refused(subject: Subject) -> None:
    with pytest.raises(UnknownRepositoryError):
        subject.host.commit(subject.unknown_repo, subject.history.shas["c1"])


@pytest.mark.parametrize("name", ["--output=/tmp/x", "a b", ""])
def test_a_revision_that_looks_like_an_option_is_refused(subject: Subject, name: str) -> None:
    with pytest.raises(UserInputError, match="not a commit name"):
        subject.host.commit(subject.repo, name)


def test_a_squash_commit_belongs_to_its_pull_request(subject: Subject) -> None:
    shas = subject.history.shas
    [pull] = subject.host.pull_requests_for(subject.repo, shas["c2"])
    assert (pull.number, pull.title, pull.merge_commit) == (41, "Add discount codes", shas["c2"])


@pytest.mark.parametrize("label", ["c3", "c4"])
def test_a_merged_branch_commit_and_its_merge_belong_to_the_pull_request(subject: Subject, label: str) -> None:
    shas = subject.history.shas
    pulls = subject.host.pull_requests_for(subject.repo, shas[label])
    assert [(p.number, p.title, p.merge_commit) for p in pulls] == [(42, "Handle empty carts", shas["c4"])]


def test_a_direct_commit_has_no_pull_request(subject: Subject) -> None:
    assert subject.host.pull_requests_for(subject.repo, subject.history.shas["c1"]) == []


def test_pull_requests_of_a_commit_that_does_not_exist_are_an_unknown_commit(subject: Subject) -> None:
    with pytest.raises(UnknownCommitError):
        subject.host.pull_requests_for(subject.repo, "deadbeef")


def test_the_archive_is_the_tree_at_the_commit_without_git_metadata(subject: Subject, tmp_path: Path) -> None:
    dest = subject.host.archive_at(subject.repo, subject.history.shas["c2"], tmp_path / "tree")
    assert dest == tmp_path / "tree"
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == ["README.md", "app.py"]
    assert (dest / "app.py").read_text() == APP_V2
    assert (dest / "README.md").read_text() == README


def test_the_archive_refuses_a_destination_with_files_in_it(subject: Subject, tmp_path: Path) -> None:
    dest = tmp_path / "busy"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine")
    with pytest.raises(UserInputError, match="not an empty directory"):
        subject.host.archive_at(subject.repo, subject.history.shas["c2"], dest)
    assert [p.name for p in dest.iterdir()] == ["keep.txt"]


def test_deployments_are_newest_first(subject: Subject) -> None:
    history = subject.history
    deployments = subject.host.deployments(subject.repo)
    assert [(d.sha, d.environment, d.time, d.ref) for d in deployments] == [
        (history.shas["c5"], "prod", history.times["c5"].replace(minute=30), "v1.3"),
        (history.shas["c2"], "prod", history.times["c2"].replace(minute=30), "v1.1"),
    ]


def test_pull_request_info_is_plain_data() -> None:
    assert PullRequestInfo(7, "t") == PullRequestInfo(number=7, title="t", merge_commit=None, url=None)
