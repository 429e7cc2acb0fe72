"""One small history, as a real git repository and as GitHub's REST API describes it.

    c1 Initial commit                      Ana  09:00  + app.py (2 lines), + README.md (1 line)
    c2 Add discount codes (#41)            Ben  10:00  app.py +1          (a squash merge)
    c3 Handle empty cart                   Cy   11:00  + cart.py (2 lines) (on branch empty-cart)
    c4 Merge pull request #42 from ...     Dee  12:00  merges c3 into main (body: "Handle empty carts")
    c5 Rename app to main and drop README  Ana  13:00  app.py -> main.py, - README.md

Deployments to prod: c2 at 10:30 (v1.1, PR 41) and c5 at 13:30 (v1.3).

The GitHub payloads follow the documented response shapes (trimmed to the fields a client reads)
and carry the shas of the git repository built here, so both adapters describe the same history.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import tarfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import responses
import respx

OWNER_REPO = "acme/shop"
API = "https://api.github.com"
CODELOAD_TOKEN = "codeload-secret-token"
START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PEOPLE = {"Ana": "ana", "Ben": "ben", "Cy": "cy", "Dee": "dee"}

APP_V1 = "def total(cart):\n    return sum(cart)\n"
APP_V2 = APP_V1 + "DISCOUNT_CODES = {'SPRING': 10}\n"
CART = "def is_empty(cart):\n    return not cart\n"
README = "# shop\n"


@dataclass(frozen=True)
class ShopHistory:
    path: Path
    shas: dict[str, str]
    times: dict[str, datetime]
    deployment_log: Path


def git(repo: Path, *args: str, author: str = "Ana", at: datetime = START) -> str:
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    env = {
        "PATH": os.environ["PATH"],
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": f"{PEOPLE[author]}@example.com",
        "GIT_AUTHOR_DATE": stamp,
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": f"{PEOPLE[author]}@example.com",
        "GIT_COMMITTER_DATE": stamp,
    }
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def at_hour(hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute)


def build_shop(root: Path) -> ShopHistory:
    """The git repository at `root/shop`, and a deployments.jsonl beside it."""
    repo = root / "shop"
    repo.mkdir(parents=True)
    git(repo, "init", "--quiet", "--initial-branch=main")
    shas: dict[str, str] = {}
    (repo / "app.py").write_text(APP_V1)
    (repo / "README.md").write_text(README)
    shas["c1"] = commit(repo, "Initial commit", "Ana", at_hour(9))
    (repo / "app.py").write_text(APP_V2)
    shas["c2"] = commit(repo, "Add discount codes (#41)", "Ben", at_hour(10))
    git(repo, "checkout", "--quiet", "-b", "empty-cart")
    (repo / "cart.py").write_text(CART)
    shas["c3"] = commit(repo, "Handle empty cart", "Cy", at_hour(11))
    git(repo, "checkout", "--quiet", "main")
    message = "Merge pull request #42 from acme/empty-cart\n\nHandle empty carts"
    git(repo, "merge", "--quiet", "--no-ff", "-m", message, "empty-cart", author="Dee", at=at_hour(12))
    shas["c4"] = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "app.py", "main.py")
    git(repo, "rm", "--quiet", "README.md")
    shas["c5"] = commit(repo, "Rename app to main and drop README", "Ana", at_hour(13))
    log = root / "deployments.jsonl"
    rows = [
        {"time": "2026-03-01T10:30:00Z", "service": "shop-api", "environment": "prod", "commit": shas["c2"],
         "version": "v1.1", "pr": 41, "author": "ben"},
        {"time": "2026-03-01T11:45:00Z", "service": "billing", "environment": "prod", "commit": "a" * 40},
        {"time": "2026-03-01T13:30:00Z", "service": "shop-api", "environment": "prod", "commit": shas["c5"],
         "version": "v1.3"},
    ]  # fmt: skip
    log.write_text("".join(json.dumps(row) + "\n" for row in rows))
    times = {"c1": at_hour(9), "c2": at_hour(10), "c3": at_hour(11), "c4": at_hour(12), "c5": at_hour(13)}
    return ShopHistory(path=repo, shas=shas, times=times, deployment_log=log)


def commit(repo: Path, title: str, author: str, at: datetime) -> str:
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", title, author=author, at=at)
    return git(repo, "rev-parse", "HEAD")


# --- GitHub's description of the same history -------------------------------------------------------

MESSAGES = {
    "c1": "Initial commit",
    "c2": "Add discount codes (#41)",
    "c3": "Handle empty cart",
    "c4": "Merge pull request #42 from acme/empty-cart\n\nHandle empty carts",
    "c5": "Rename app to main and drop README",
}
AUTHORS = {"c1": "Ana", "c2": "Ben", "c3": "Cy", "c4": "Dee", "c5": "Ana"}
PARENTS = {"c1": [], "c2": ["c1"], "c3": ["c2"], "c4": ["c2", "c3"], "c5": ["c4"]}
FILES: dict[str, list[dict[str, Any]]] = {
    "c1": [
        {"filename": "README.md", "status": "added", "additions": 1, "deletions": 0},
        {"filename": "app.py", "status": "added", "additions": 2, "deletions": 0},
    ],
    "c2": [{"filename": "app.py", "status": "modified", "additions": 1, "deletions": 0}],
    "c3": [{"filename": "cart.py", "status": "added", "additions": 2, "deletions": 0}],
    "c4": [{"filename": "cart.py", "status": "added", "additions": 2, "deletions": 0}],
    "c5": [
        {"filename": "README.md", "status": "removed", "additions": 0, "deletions": 1},
        {"filename": "main.py", "status": "renamed", "additions": 0, "deletions": 0, "previous_filename": "app.py"},
    ],
}


def _person(label: str, history: ShopHistory) -> dict[str, str]:
    name = AUTHORS[label]
    return {
        "name": name,
        "email": f"{PEOPLE[name]}@example.com",
        "date": history.times[label].strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def commit_payload(label: str, history: ShopHistory, *, with_files: bool = False) -> dict[str, Any]:
    sha = history.shas[label]
    url = f"{API}/repos/{OWNER_REPO}/commits/{sha}"
    payload: dict[str, Any] = {
        "sha": sha,
        "node_id": f"C_{label}",
        "url": url,
        "html_url": f"https://github.com/{OWNER_REPO}/commit/{sha}",
        "commit": {
            "author": _person(label, history),
            "committer": _person(label, history),
            "message": MESSAGES[label],
            "tree": {"sha": "0" * 40, "url": f"{API}/repos/{OWNER_REPO}/git/trees/{'0' * 40}"},
            "comment_count": 0,
        },
        "author": {"login": PEOPLE[AUTHORS[label]], "id": 1, "type": "User"},
        "committer": {"login": PEOPLE[AUTHORS[label]], "id": 1, "type": "User"},
        "parents": [
            {"sha": history.shas[p], "url": f"{API}/repos/{OWNER_REPO}/commits/{history.shas[p]}"}
            for p in PARENTS[label]
        ],
    }
    if with_files:
        files = [{**f, "changes": f["additions"] + f["deletions"], "sha": "1" * 40} for f in FILES[label]]
        total = sum(f["changes"] for f in files)
        payload["stats"] = {"total": total, "additions": sum(f["additions"] for f in files), "deletions": total}
        payload["files"] = files
    return payload


def pull_payload(number: int, title: str, merge_commit: str) -> dict[str, Any]:
    return {
        "url": f"{API}/repos/{OWNER_REPO}/pulls/{number}",
        "id": 1000 + number,
        "number": number,
        "state": "closed",
        "title": title,
        "html_url": f"https://github.com/{OWNER_REPO}/pull/{number}",
        "user": {"login": "ben", "id": 2},
        "merged_at": "2026-03-01T10:00:00Z",
        "merge_commit_sha": merge_commit,
    }


def tarball_of(history: ShopHistory, label: str) -> bytes:
    """The tarball GitHub serves for a commit: everything under `owner-repo-sha7/`."""
    sha = history.shas[label]
    data = subprocess.run(
        ["git", "-C", str(history.path), "archive", "--format=tar", f"--prefix=acme-shop-{sha[:7]}/", sha],
        capture_output=True,
        check=True,
    ).stdout
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as gz, tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar:
            gz.addfile(member, tar.extractfile(member) if member.isfile() else None)
    return buffer.getvalue()


def register_github(
    history: ShopHistory, http: responses.RequestsMock, codeload: respx.MockRouter, tarballs: dict[str, bytes]
) -> None:
    """Pin every GitHub REST call the contract makes about this history.

    PyGithub spells the default port out (`https://api.github.com:443/...`), so the pins do too.
    """
    repo_url = f"{API}:443/repos/{OWNER_REPO}"
    shas = history.shas
    commits = [commit_payload(label, history) for label in ("c2", "c3", "c4", "c5")]  # chronological, as GitHub
    http.get(
        f"{repo_url}/compare/{shas['c1']}...{shas['c5']}",
        json={"status": "ahead", "ahead_by": 4, "behind_by": 0, "total_commits": 4, "commits": commits, "files": []},
    )
    for label in shas:
        http.get(f"{repo_url}/commits/{shas[label]}", json=commit_payload(label, history, with_files=True))
    missing = {"message": "No commit found for SHA: deadbeef", "documentation_url": "https://docs.github.com/rest"}
    http.get(f"{repo_url}/commits/deadbeef", status=422, json=missing)
    http.get(f"{repo_url}/commits/deadbeef/pulls", status=422, json=missing)
    pulls = {
        "c1": [],
        "c2": [pull_payload(41, "Add discount codes", shas["c2"])],
        "c3": [pull_payload(42, "Handle empty carts", shas["c4"])],
        "c4": [pull_payload(42, "Handle empty carts", shas["c4"])],
        "c5": [],
    }
    for label, payload in pulls.items():
        http.get(f"{repo_url}/commits/{shas[label]}/pulls", json=payload)
    for label, sha in shas.items():
        link = f"https://codeload.github.com/{OWNER_REPO}/legacy.tar.gz/{sha}?token={CODELOAD_TOKEN}"
        http.get(f"{repo_url}/tarball/{sha}", status=302, headers={"Location": link}, body="")
        codeload.get(link).mock(return_value=httpx.Response(200, content=tarballs[label]))
    deployments = [
        {"id": 2, "sha": shas["c5"], "ref": "v1.3", "environment": "prod", "created_at": "2026-03-01T13:30:00Z",
         "description": "shop-api", "creator": {"login": "deploy-bot", "id": 9}, "task": "deploy"},
        {"id": 1, "sha": shas["c2"], "ref": "v1.1", "environment": "prod", "created_at": "2026-03-01T10:30:00Z",
         "description": "shop-api (PR #41)", "creator": {"login": "ben", "id": 2}, "task": "deploy"},
    ]  # fmt: skip
    http.get(f"{repo_url}/deployments", json=deployments)
    http.get(f"{API}:443/repos/acme/ghost/commits/{shas['c1']}", status=404, json={"message": "Not Found"})
