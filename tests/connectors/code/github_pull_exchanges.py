"""GitHub REST exchanges for opening a draft pull request, pinned with `responses`.

They are WRITTEN FROM GitHub's REST documentation (docs.github.com/en/rest: pulls, git/refs,
git/trees, git/commits, repos/contents, issues/labels; API version 2022-11-28), not recorded from
github.com: this machine has no internet. Bodies keep the fields the adapter and PyGithub read, with
the shapes and status codes the documentation gives (201 for creations, 404 `Not Found` for a missing
ref). Each exchange is registered in the order GitHub would answer it, so a second listing of pull
requests finds the one the first run opened, as GitHub would.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass

import responses
from responses import matchers

API = "https://api.github.com:443"
REPO = "acme/checkout"
REPO_URL = f"{API}/repos/{REPO}"
PUBLIC_REPO_URL = f"https://api.github.com/repos/{REPO}"
"""URLs in bodies, as GitHub writes them (no port); requests go to the port PyGithub adds."""
BASE_SHA = "8a33d36e299e4c3c9f0b1d2e3f405162738495a6"
BASE_TREE_SHA = "5b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"
NEW_TREE_SHA = "c0ffee0000000000000000000000000000000001"
NEW_COMMIT_SHA = "c0ffee0000000000000000000000000000000002"
PULL_NUMBER = 42
PULL_HTML_URL = f"https://github.com/{REPO}/pull/{PULL_NUMBER}"

ORIGINAL = "def charge(order):\n    total = order.total\n    return gateway.charge(total)\n"
FIXED = "def charge(order):\n    total = order.total or 0\n    return gateway.charge(total)\n"
PATCH = (
    "diff --git a/checkout/payments.py b/checkout/payments.py\n"
    "--- a/checkout/payments.py\n"
    "+++ b/checkout/payments.py\n"
    "@@ -1,3 +1,3 @@\n"
    " def charge(order):\n"
    "-    total = order.total\n"
    "+    total = order.total or 0\n"
    "     return gateway.charge(total)\n"
)


def pull_json(branch: str, *, title: str = "sre-agent: fix") -> dict[str, object]:
    """A pull request as `POST /repos/{owner}/{repo}/pulls` and `GET .../pulls` return it (trimmed)."""
    return {
        "url": f"{PUBLIC_REPO_URL}/pulls/{PULL_NUMBER}", "id": 1, "node_id": "PR_1", "number": PULL_NUMBER,
        "html_url": PULL_HTML_URL, "issue_url": f"{PUBLIC_REPO_URL}/issues/{PULL_NUMBER}", "state": "open",
        "title": title, "draft": True, "merged": False, "merged_at": None, "merge_commit_sha": None,
        "head": {"ref": branch, "sha": NEW_COMMIT_SHA, "label": f"acme:{branch}"},
        "base": {"ref": "main", "sha": BASE_SHA, "label": "acme:main"},
    }  # fmt: skip


@dataclass(frozen=True)
class PullExchanges:
    """The registered exchanges, to count how often each was called."""

    list_pulls: list[responses.BaseResponse]
    get_ref: list[responses.BaseResponse]
    create_tree: responses.BaseResponse
    create_commit: responses.BaseResponse
    create_ref: responses.BaseResponse
    create_pull: responses.BaseResponse
    add_labels: responses.BaseResponse

    def posts(self, mock: responses.RequestsMock) -> list[str]:
        return [str(call.request.url) for call in mock.calls if call.request.method == "POST"]


def register_pull_exchanges(
    mock: responses.RequestsMock, branch: str, *, pull_exists: bool = False, branch_exists: bool = False
) -> PullExchanges:
    """A repository where `branch` has no pull request yet (then, on a second listing, the one opened)."""
    head = {"state": "all", "head": f"acme:{branch}"}
    listings = [
        mock.get(f"{REPO_URL}/pulls", match=[matchers.query_param_matcher(head, strict_match=False)], json=body)
        for body in ([[pull_json(branch)]] if pull_exists else [[], [pull_json(branch)]])
    ]
    commit_url = f"{PUBLIC_REPO_URL}/git/commits/{NEW_COMMIT_SHA}"
    ref_body = {"ref": f"refs/heads/{branch}", "node_id": "REF_1", "url": f"{PUBLIC_REPO_URL}/git/refs/heads/{branch}",
                "object": {"type": "commit", "sha": NEW_COMMIT_SHA, "url": commit_url}}  # fmt: skip
    missing = {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/git/refs#get-a-reference",
               "status": "404"}  # fmt: skip
    ref_url = f"{REPO_URL}/git/ref/heads/{branch}"
    refs = [] if branch_exists else [mock.get(ref_url, status=404, json=missing)]
    refs.append(mock.get(ref_url, json=ref_body))
    mock.get(f"{REPO_URL}/contents/checkout/payments.py", match=[matchers.query_param_matcher({"ref": BASE_SHA})],
             json={"type": "file", "encoding": "base64", "size": len(ORIGINAL), "name": "payments.py",
                   "path": "checkout/payments.py", "sha": "aa" * 20,
                   "content": base64.b64encode(ORIGINAL.encode()).decode()})  # fmt: skip
    mock.get(f"{REPO_URL}/git/commits/{BASE_SHA}",
             json={"sha": BASE_SHA, "message": "coupons: apply discounts before tax",
                   "tree": {"sha": BASE_TREE_SHA}, "parents": []})  # fmt: skip
    mock.get(REPO_URL, json={"id": 7, "name": "checkout", "full_name": REPO, "default_branch": "main",
                             "url": PUBLIC_REPO_URL, "private": True})  # fmt: skip
    return PullExchanges(
        list_pulls=listings,
        get_ref=refs,
        create_tree=mock.post(
            f"{REPO_URL}/git/trees",
            status=201,
            json={"sha": NEW_TREE_SHA, "tree": [], "truncated": False},
        ),  # fmt: skip
        create_commit=mock.post(
            f"{REPO_URL}/git/commits",
            status=201,
            json={
                "sha": NEW_COMMIT_SHA,
                "message": "fix",
                "tree": {"sha": NEW_TREE_SHA},
                "parents": [{"sha": BASE_SHA}],
            },
        ),  # fmt: skip
        create_ref=mock.post(f"{REPO_URL}/git/refs", status=201, json=ref_body),
        create_pull=mock.post(f"{REPO_URL}/pulls", status=201, json=pull_json(branch)),
        add_labels=mock.post(
            f"{REPO_URL}/issues/{PULL_NUMBER}/labels",
            status=200,
            json=[{"id": 1, "name": "sre-agent", "color": "ededed", "default": False}],
        ),  # fmt: skip
    )


def posted_json(call: responses.Call) -> object:
    body = call.request.body
    return json.loads(body.decode() if isinstance(body, bytes) else str(body))
