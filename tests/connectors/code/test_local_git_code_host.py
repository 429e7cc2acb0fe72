"""LocalGitCodeHost beyond the shared contract: repository names, pull requests read from messages,
deployments read from a log, and trees with awkward links."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.connectors.code import PullRequestInfo, UnknownCommitError, UnknownRepositoryError
from agentcore.connectors.code.git import LocalGitCodeHost, pull_request_in_message
from agentcore.errors import UserInputError
from tests.connectors.code.shop_history import at_hour, build_shop, commit, git


@pytest.mark.parametrize("name", ["../shop", "shop/../shop", ".git", "", "a b"])
def test_a_repository_name_that_could_leave_the_root_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(UnknownRepositoryError, match="not a repository name"):
        LocalGitCodeHost(tmp_path).commit(name, "HEAD")


def test_a_folder_that_is_not_a_clone_is_an_unknown_repository(tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / ".git").write_text("gitdir: /nowhere\n")
    with pytest.raises(UnknownRepositoryError, match="plain is not a git repository"):
        LocalGitCodeHost(tmp_path).commit("plain", "HEAD")


def test_a_missing_clone_is_an_unknown_repository(tmp_path: Path) -> None:
    with pytest.raises(UnknownRepositoryError, match="no repository 'ghost'"):
        LocalGitCodeHost(tmp_path).deployments("ghost")


def test_a_well_formed_sha_that_is_not_there_is_an_unknown_commit(tmp_path: Path) -> None:
    build_shop(tmp_path)
    with pytest.raises(UnknownCommitError, match="no commit '0000000000000000000000000000000000000000' in shop"):
        LocalGitCodeHost(tmp_path).pull_requests_for("shop", "0" * 40)


def test_names_git_resolves_are_accepted(tmp_path: Path) -> None:
    history = build_shop(tmp_path)
    host = LocalGitCodeHost(tmp_path)
    assert host.commit("shop", "HEAD~1").sha == history.shas["c4"]
    assert host.commit("shop", history.shas["c2"][:8]).sha == history.shas["c2"]


def test_without_a_deployment_log_there_are_no_deployments(tmp_path: Path) -> None:
    build_shop(tmp_path)
    assert LocalGitCodeHost(tmp_path).deployments("shop") == []


def test_deployments_of_other_services_are_left_out(tmp_path: Path) -> None:
    history = build_shop(tmp_path)
    host = LocalGitCodeHost(tmp_path, deployment_log=history.deployment_log, repos_by_service={"shop-api": "shop"})
    assert {d.description for d in host.deployments("shop")} == {"shop-api", "shop-api (PR #41)"}


def test_a_malformed_deployment_log_names_the_line(tmp_path: Path) -> None:
    build_shop(tmp_path)
    log = tmp_path / "deployments.jsonl"
    log.write_text(
        '{"time": "2026-03-01T10:00:00Z", "service": "shop", "environment": "prod", "commit": "abc"}\n\nnope\n'
    )
    with pytest.raises(UserInputError, match=r"deployments\.jsonl line 3: not valid JSON"):
        LocalGitCodeHost(tmp_path, deployment_log=log).deployments("shop")


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Merge pull request #7 from acme/fix\n\nFix the fix\n", PullRequestInfo(7, "Fix the fix", "m")),
        ("Merge pull request #7 from acme/fix", PullRequestInfo(7, "acme/fix", "m")),
        ("Speed up checkout (#123)\n\n* one\n* two", PullRequestInfo(123, "Speed up checkout", "m")),
        ("Merged PR 88: Retry payments", PullRequestInfo(88, "Retry payments", "m")),
        ("Fix #12 in the parser", None),
        ("Merge branch 'main' into feature", None),
        ("", None),
    ],
)
def test_pull_requests_are_read_from_merge_and_squash_messages(message: str, expected: PullRequestInfo | None) -> None:
    assert pull_request_in_message(message, "m") == expected


def test_the_archive_keeps_relative_links_and_skips_links_that_leave_the_tree(tmp_path: Path) -> None:
    repo = tmp_path / "links"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    (repo / "real.txt").write_text("real\n")
    (repo / "inside").symlink_to("real.txt")
    (repo / "outside").symlink_to("/etc/hostname")
    sha = commit(repo, "Links", "Ana", at_hour(9))
    tree = LocalGitCodeHost(tmp_path).archive_at("links", sha, tmp_path / "tree")
    assert (tree / "inside").is_symlink()
    assert (tree / "inside").read_text() == "real\n"
    assert not (tree / "outside").exists()
    assert not (tree / "outside").is_symlink()


def test_repository_hooks_never_run(tmp_path: Path) -> None:
    history = build_shop(tmp_path)
    witness = tmp_path / "hook-ran"
    hook = history.path / ".git" / "hooks" / "post-checkout"
    hook.write_text(f"#!/bin/sh\ntouch {witness}\n")
    hook.chmod(0o755)
    git(history.path, "config", "core.fsmonitor", f"touch {witness}; echo")
    host = LocalGitCodeHost(tmp_path)
    host.commit("shop", "HEAD")
    host.archive_at("shop", "HEAD", tmp_path / "tree")
    host.pull_requests_for("shop", history.shas["c3"])
    assert not witness.exists()


def test_a_plain_folder_inside_another_checkout_is_not_taken_for_a_clone(tmp_path: Path) -> None:
    git(tmp_path, "init", "--quiet")
    (tmp_path / "plain").mkdir()
    with pytest.raises(UnknownRepositoryError, match="plain is not a git repository"):
        LocalGitCodeHost(tmp_path).commit("plain", "HEAD")


def test_a_symbolic_link_is_not_followed_to_a_clone_elsewhere(tmp_path: Path) -> None:
    history = build_shop(tmp_path / "elsewhere")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "shop").symlink_to(history.path)
    with pytest.raises(UnknownRepositoryError, match="is a symbolic link"):
        LocalGitCodeHost(tmp_path / "root").commit("shop", "HEAD")


def test_a_linked_repository_is_read_when_links_are_followed(tmp_path: Path) -> None:
    history = build_shop(tmp_path / "checkouts")
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "shop").symlink_to(history.path)

    found = LocalGitCodeHost(tmp_path / "root", follow_links=True).commit("shop", "HEAD")

    assert found.sha == LocalGitCodeHost(tmp_path / "checkouts").commit("shop", "HEAD").sha
