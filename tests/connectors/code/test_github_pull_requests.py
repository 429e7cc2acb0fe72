"""GitHubCodeHost as a PullRequestHost, against GitHub REST exchanges written from its documentation
(tests/connectors/code/github_pull_exchanges.py says why they are not recordings)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from agentcore.connectors.code import CodeHostError, PullRequestHost
from agentcore.connectors.code.github import GitHubCodeHost, check_branch
from agentcore.errors import UserInputError
from tests.connectors.code.github_pull_exchanges import (
    BASE_SHA,
    BASE_TREE_SHA,
    FIXED,
    NEW_COMMIT_SHA,
    NEW_TREE_SHA,
    ORIGINAL,
    PULL_HTML_URL,
    REPO,
    REPO_URL,
    posted_json,
    register_pull_exchanges,
)

BRANCH = "sre-agent/inv-20260314-093000-a1b2c3"


@pytest.fixture
def http() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def host() -> GitHubCodeHost:
    return GitHubCodeHost(
        "https://api.github.com", "ghp_token", seconds_between_requests=None, seconds_between_writes=None
    )


def test_the_github_host_is_a_pull_request_host() -> None:
    assert isinstance(host(), PullRequestHost)


def test_a_branch_without_a_pull_request_finds_none(http: responses.RequestsMock) -> None:
    register_pull_exchanges(http, BRANCH)
    assert host().find_pull_request(REPO, BRANCH) is None


def test_an_existing_pull_request_is_found_by_its_head_branch(http: responses.RequestsMock) -> None:
    register_pull_exchanges(http, BRANCH, pull_exists=True)
    found = host().find_pull_request(REPO, BRANCH)
    assert found is not None
    assert (found.number, found.url, found.merge_commit) == (42, PULL_HTML_URL, None)


def test_a_missing_branch_is_reported_as_absent(http: responses.RequestsMock) -> None:
    register_pull_exchanges(http, BRANCH)
    assert host().branch_exists(REPO, BRANCH) is False


def test_an_existing_branch_is_reported_as_present(http: responses.RequestsMock) -> None:
    register_pull_exchanges(http, BRANCH, branch_exists=True)
    assert host().branch_exists(REPO, BRANCH) is True


def test_files_are_read_at_the_base_commit(http: responses.RequestsMock) -> None:
    register_pull_exchanges(http, BRANCH)
    assert host().read_files(REPO, BASE_SHA, ["checkout/payments.py"]) == {"checkout/payments.py": ORIGINAL.encode()}


def test_pushing_makes_one_commit_on_the_base_and_names_the_branch(http: responses.RequestsMock) -> None:
    exchanges = register_pull_exchanges(http, BRANCH)
    sha = host().push_branch(REPO, BRANCH, BASE_SHA, {"checkout/payments.py": FIXED.encode()}, "fix: default total")
    assert sha == NEW_COMMIT_SHA
    tree = posted_json(exchanges.create_tree.calls[0])
    entry = {"path": "checkout/payments.py", "mode": "100644", "type": "blob", "content": FIXED}
    assert tree == {"base_tree": BASE_TREE_SHA, "tree": [entry]}
    assert posted_json(exchanges.create_commit.calls[0]) == {
        "message": "fix: default total", "tree": NEW_TREE_SHA, "parents": [BASE_SHA]}  # fmt: skip
    assert posted_json(exchanges.create_ref.calls[0]) == {"ref": f"refs/heads/{BRANCH}", "sha": NEW_COMMIT_SHA}


def test_a_deleted_file_is_a_tree_entry_without_a_blob(http: responses.RequestsMock) -> None:
    exchanges = register_pull_exchanges(http, BRANCH)
    host().push_branch(REPO, BRANCH, BASE_SHA, {"checkout/old.py": None}, "remove old.py")
    tree = posted_json(exchanges.create_tree.calls[0])
    assert isinstance(tree, dict)
    assert tree["tree"] == [{"path": "checkout/old.py", "mode": "100644", "type": "blob", "sha": None}]


def test_a_binary_file_is_not_pushed(http: responses.RequestsMock) -> None:
    exchanges = register_pull_exchanges(http, BRANCH)
    with pytest.raises(CodeHostError, match="only text files"):
        host().push_branch(REPO, BRANCH, BASE_SHA, {"logo.png": b"\x89PNG\xff"}, "logo")
    assert exchanges.create_tree.call_count == 0


def test_the_pull_request_is_a_draft_into_the_default_branch_with_the_label(http: responses.RequestsMock) -> None:
    exchanges = register_pull_exchanges(http, BRANCH)
    opened = host().open_draft_pull_request(REPO, BRANCH, title="sre-agent: fix", body="why", labels=["sre-agent"])
    assert (opened.number, opened.url) == (42, PULL_HTML_URL)
    assert posted_json(exchanges.create_pull.calls[0]) == {
        "base": "main", "head": BRANCH, "title": "sre-agent: fix", "body": "why", "draft": True}  # fmt: skip
    assert posted_json(exchanges.add_labels.calls[0]) == ["sre-agent"]


def test_labels_are_added_to_an_existing_pull_request_by_number(http: responses.RequestsMock) -> None:
    exchanges = register_pull_exchanges(http, BRANCH, pull_exists=True)
    host().add_labels(REPO, 42, ["sre-agent"])
    assert posted_json(exchanges.add_labels.calls[0]) == ["sre-agent"]
    assert len(http.calls) == 1


def test_a_refused_pull_request_is_a_code_host_error_with_githubs_reason(http: responses.RequestsMock) -> None:
    register_pull_exchanges(http, BRANCH)
    refusal = {"message": "Validation Failed", "errors": [{"message": "A pull request already exists"}]}
    http.replace(responses.POST, f"{REPO_URL}/pulls", status=422, json=refusal)
    with pytest.raises(CodeHostError, match="GitHub refused it \\(Validation Failed\\)"):
        host().open_draft_pull_request(REPO, BRANCH, title="t", body="b", labels=[])


@pytest.mark.parametrize("name", ["", "-x", "a..b", "a//b", "a/", "x.lock", "a b", "a~1", "a:b"])
def test_a_branch_name_git_would_refuse_is_refused(name: str) -> None:
    with pytest.raises(UserInputError, match="not a branch name"):
        check_branch(name)
