"""The session-static hooks: connectors, repositories, knowledge map, topology and what changed.

Each reads the workspace through the Sandbox port, is deterministic, and cuts itself to its budget.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.context import OrientationBudget, render_orientation
from agentcore.sandbox.subprocess import SubprocessSandbox

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
SCHEMA = """# AppExceptions

Rows: 1204. TimeGenerated from 2026-03-02T12:00:00Z to 2026-03-02T15:00:00Z (UTC).

| column | type | notes |
| --- | --- | --- |
| TimeGenerated | datetime | |
| AppRoleName | string | the service |
| ExceptionType | string | |
"""


def git(repo: Path, *args: str, when: datetime | None = None) -> str:
    env = {**os.environ, "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"}
    if when is not None:
        env |= {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
    done = subprocess.run(["git", "-C", str(repo), *args], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def commit(repo: Path, path: str, text: str, title: str, when: datetime, author: str = "Ana") -> str:
    target = repo / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)
    git(repo, "add", "-A")
    git(repo, "-c", f"user.name={author}", "-c", "user.email=a@example.com", "commit", "-qm", title, when=when)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def checkout_repo(workspace: Path) -> dict[str, str]:
    repo = workspace / "repos" / "checkout"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    shas = {
        "old": commit(repo, "src/checkout/cart.py", "v1\n", "Initial cart", INCIDENT - timedelta(days=30)),
        "coupons": commit(repo, "src/checkout/coupons.py", "v2\n", "Percent coupons", INCIDENT - timedelta(hours=3)),
        "docs": commit(repo, "docs/guide/intro.md", "hi\n", "Docs", INCIDENT - timedelta(hours=1), author="Ben"),
    }
    commit(repo, "AGENTS.md", "Run `make test` before pushing.\n", "Agent notes", INCIDENT - timedelta(minutes=30))
    shas["notes"] = git(repo, "rev-parse", "HEAD")
    shas["after"] = commit(repo, "src/checkout/late.py", "x\n", "After the incident", INCIDENT + timedelta(hours=1))
    return shas


def sandbox(workspace: Path) -> SubprocessSandbox:
    return SubprocessSandbox(workspace)


def section(text: str, title: str) -> str:
    start = text.index(f"## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_connectors_list_the_commands_and_each_table_with_its_columns(workspace: Path) -> None:
    for name in ("logs", "changes"):
        (workspace / "bin" / name).write_text("#!/bin/sh\n")
    (workspace / "schemas" / "AppExceptions.md").write_text(SCHEMA)
    text = section(render_orientation(sandbox(workspace)), "Connectors")
    assert "- changes\n- logs" in text
    assert "Query them in KQL with `logs query '<KQL>'`." in text
    assert "- AppExceptions (1204 rows): TimeGenerated (datetime), AppRoleName (string), ExceptionType (string)" in text


def test_connectors_say_how_many_tables_were_left_out(workspace: Path) -> None:
    for i in range(45):
        (workspace / "schemas" / f"T{i:02d}.md").write_text(SCHEMA)
    text = section(render_orientation(sandbox(workspace)), "Connectors")
    assert "(truncated: 5 more tables)" in text


def test_repositories_show_a_depth_limited_tree_with_file_counts(
    workspace: Path, checkout_repo: dict[str, str]
) -> None:
    text = section(render_orientation(sandbox(workspace)), "Repositories")
    assert "### repos/checkout (5 files)" in text
    assert "src/ (3 files)\n  src/checkout/ (3 files)" in text
    assert "docs/guide/ (1 file)" in text
    assert ".git" not in text


def test_repositories_include_the_agent_notes_of_each_repo(workspace: Path, checkout_repo: dict[str, str]) -> None:
    repo = workspace / "repos" / "checkout"
    (repo / ".github").mkdir()
    (repo / ".github" / "copilot-instructions.md").write_text("Prefer small PRs.\n")
    (repo / "CLAUDE.md").write_text("Use pytest.\n")
    text = section(render_orientation(sandbox(workspace)), "Repositories")
    assert "#### repos/checkout/AGENTS.md\nRun `make test` before pushing." in text
    assert "#### repos/checkout/CLAUDE.md\nUse pytest." in text
    assert "#### repos/checkout/.github/copilot-instructions.md\nPrefer small PRs." in text


def test_the_knowledge_map_shows_memory_md_when_it_exists(workspace: Path) -> None:
    (workspace / "memory" / "MEMORY.md").write_text("# Memory\n- [checkout](services/checkout.md)\n")
    (workspace / "skills" / "kusto.md").write_text("---\ndescription: How to query logs in KQL\n---\nbody\n")
    text = section(render_orientation(sandbox(workspace)), "Knowledge map")
    assert "### memory/MEMORY.md\n# Memory\n- [checkout](services/checkout.md)" in text
    assert "- skills/kusto.md: How to query logs in KQL" in text


def test_without_memory_md_the_map_indexes_the_top_level_from_front_matter(workspace: Path) -> None:
    (workspace / "memory" / "redis.md").write_text("---\nname: redis\ndescription: Cache timeouts seen before\n---\n")
    (workspace / "memory" / "services").mkdir()
    (workspace / "memory" / "services" / "checkout.md").write_text("---\ndescription: deep file\n---\n")
    text = section(render_orientation(sandbox(workspace)), "Knowledge map")
    assert "- memory/redis.md: Cache timeouts seen before" in text
    assert "- memory/services/ (1 file)" in text
    assert "deep file" not in text


def test_topology_renders_subscriptions_groups_resources_regions_and_dependencies(workspace: Path) -> None:
    rows = [
        {"id": "/s/1/rg/shop/app", "type": "Microsoft.Web/sites", "name": "checkout-api", "resourceGroup": "shop",
         "subscriptionId": "sub-1", "location": "westeurope", "dependsOn": ["/s/1/rg/shop/redis"]},
        {"id": "/s/1/rg/shop/redis", "type": "Microsoft.Cache/redis", "name": "cart-cache", "resourceGroup": "shop",
         "subscriptionId": "sub-1", "location": "westeurope"},
    ]  # fmt: skip
    (workspace / "data" / "topology.json").write_text(json.dumps({"resources": rows}))
    text = section(render_orientation(sandbox(workspace)), "Resource topology")
    assert "subscription sub-1\n  resource group shop\n    - cart-cache [Microsoft.Cache/redis, westeurope]" in text
    assert "depends on: cart-cache" in text


def test_without_a_topology_file_there_is_no_topology_section(workspace: Path) -> None:
    assert "## Resource topology" not in render_orientation(sandbox(workspace))


def test_what_changed_lists_deployments_before_the_incident_newest_first(
    workspace: Path, checkout_repo: dict[str, str]
) -> None:
    rows = [
        {"time": "2026-03-02T11:10:00Z", "service": "checkout", "environment": "prod", "commit": checkout_repo["old"]},
        {"time": "2026-03-02T13:40:00Z", "service": "checkout", "environment": "prod",
         "commit": checkout_repo["notes"], "version": "1.4.2", "pr": 77, "author": "Ana"},
        {"time": "2026-03-02T15:00:00Z", "service": "checkout", "environment": "prod",
         "commit": checkout_repo["after"]},
    ]  # fmt: skip
    (workspace / "data" / "deployments.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    text = section(render_orientation(sandbox(workspace), incident_time=INCIDENT), "What changed")
    first, second = (f"- 2026-03-02T{t}Z checkout → prod at " for t in ("13:40", "11:10"))
    assert text.index(first) < text.index(second)
    assert "(1.4.2, PR #77, Ana)" in text
    assert "15:00" not in text


def test_what_changed_ranks_commits_that_went_live_before_the_incident(
    workspace: Path, checkout_repo: dict[str, str]
) -> None:
    row = {
        "time": "2026-03-02T13:40:00Z",
        "service": "checkout",
        "environment": "prod",
        "commit": checkout_repo["notes"],
    }
    (workspace / "data" / "deployments.jsonl").write_text(json.dumps(row) + "\n")
    text = section(render_orientation(sandbox(workspace), incident_time=INCIDENT), "What changed")
    commits = [line for line in text.splitlines() if line.startswith("- repos/checkout ")]
    assert commits[0].startswith(f"- repos/checkout {checkout_repo['coupons'][:10]} 'Percent coupons' by Ana")
    assert "live 2026-03-02T13:40Z, score" in commits[0]
    assert not any(checkout_repo["after"][:10] in line for line in commits)
    assert not any(checkout_repo["old"][:10] in line for line in commits)  # older than the 7-day window


def test_without_an_incident_time_the_newest_commits_are_listed_unranked(
    workspace: Path, checkout_repo: dict[str, str]
) -> None:
    text = section(render_orientation(sandbox(workspace)), "What changed")
    assert "nothing is ranked" in text
    assert text.index(checkout_repo["after"][:10]) < text.index(checkout_repo["coupons"][:10])


def test_the_same_workspace_renders_the_same_bytes_wherever_it_lives(
    workspace: Path, checkout_repo: dict[str, str], tmp_path: Path
) -> None:
    (workspace / "schemas" / "AppExceptions.md").write_text(SCHEMA)
    (workspace / "memory" / "redis.md").write_text("---\ndescription: cache\n---\n")
    first = render_orientation(sandbox(workspace), incident_time=INCIDENT)
    copy = tmp_path / "elsewhere"
    shutil.copytree(workspace, copy, symlinks=True)
    assert render_orientation(sandbox(workspace), incident_time=INCIDENT) == first
    assert render_orientation(sandbox(copy), incident_time=INCIDENT) == first


def test_each_section_is_cut_to_its_budget_with_a_note(workspace: Path, checkout_repo: dict[str, str]) -> None:
    budget = OrientationBudget(repositories_chars=120)
    text = section(render_orientation(sandbox(workspace), budget=budget), "Repositories")
    assert len(text) < 120 + 60
    assert text.rstrip().splitlines()[-1].startswith("(truncated: ")
