"""Memory's daily care and folders: snapshots kept for their retention and restorable, a folder of Markdown
imported with one line per bad file, and exported as stored."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.cli import main
from agentcore.memory import MemoryStore, parse_document
from agentcore.pipeline.clustering import run_daily_clustering
from agentcore.pipeline.memory_daily import prune_snapshots, restore_memory, snapshot_dates, snapshot_memory
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.settings import Settings
from agentcore.storage.local import LocalBlobStore

NOW = datetime(2026, 3, 14, 6, 0, tzinfo=UTC)


def note(body: str) -> str:
    return (
        "---\ncreated: 2026-03-01T10:00:00Z\nupdated: 2026-03-01T10:00:00Z\nby: alice\nstatus: active\n"
        f"summary: 'deploys'\n---\n{body}"
    )


def test_a_restore_brings_back_the_snapshot_and_keeps_what_it_replaced(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path)
    store = MemoryStore(blobs)
    store.write("runbooks/deploy.md", parse_document(note("# Deploy\nUse the pipeline.\n"), name="d"), now=NOW)
    snapshot_memory(blobs, now=NOW)
    store.write("runbooks/deploy.md", parse_document(note("# Deploy\nA wrong edit.\n"), name="d"),
                now=NOW, base=store.read("runbooks/deploy.md"))  # fmt: skip
    store.write("runbooks/later.md", parse_document(note("# Later\n"), name="l"), now=NOW)
    kept = restore_memory(blobs, "2026-03-14", now=NOW + timedelta(hours=1))
    assert "Use the pipeline." in (store.read("runbooks/deploy.md") or store.read("x")).text  # type: ignore[union-attr]
    assert store.read("runbooks/later.md") is None
    assert "A wrong edit." in blobs.get(kept + "runbooks/deploy.md").data.decode()


def test_snapshots_older_than_the_retention_are_pruned(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path)
    MemoryStore(blobs).write("a.md", parse_document(note("# A\n"), name="a"), now=NOW)
    for days_ago in (40, 10, 0):
        snapshot_memory(blobs, now=NOW - timedelta(days=days_ago))
    pruned = prune_snapshots(blobs, now=NOW, retention_days=30)
    assert pruned == ["2026-02-02"]
    assert snapshot_dates(blobs) == ["2026-03-04", "2026-03-14"]


def test_import_refuses_each_bad_file_with_one_line_and_keeps_the_good_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "runbooks-repo"
    (folder / "runbooks").mkdir(parents=True)
    (folder / "runbooks" / "deploy.md").write_text(note("# Deploy\n"))
    (folder / "runbooks" / "loose.md").write_text("# No front matter\n")
    (folder / "runbooks" / "nobody.md").write_text("---\ncreated: 2026-03-01T10:00:00Z\n---\n# x\n")
    data = tmp_path / "data"
    assert main(["memory", "--data-dir", str(data), "import", str(folder)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("runbooks/loose.md: no front matter")
    assert err[1].startswith("runbooks/nobody.md: updated: ")
    assert err[2] == "imported 1 file(s), refused 2"
    assert MemoryStore(LocalBlobStore(data / "blobs")).names() == ["runbooks/deploy.md"]


def test_export_writes_every_file_and_the_index(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = MemoryStore(LocalBlobStore(data / "blobs"))
    store.write("runbooks/deploy.md", parse_document(note("# Deploy\n"), name="d"), now=NOW)
    assert main(["memory", "--data-dir", str(data), "export", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "runbooks" / "deploy.md").read_text().endswith("# Deploy\n")
    assert "- runbooks/deploy.md: deploys" in (tmp_path / "out" / "MEMORY.md").read_text()


def test_the_daily_timer_gardens_and_snapshots_memory_even_without_a_log_store(tmp_path: Path) -> None:
    repo = tmp_path / "payments"
    repo.mkdir()
    subprocess.run(["git", "-C", str(repo), "init", "-q", "-b", "main"], check=True)
    (repo / "client.py").write_text("x = 1\n")
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-qm", "c"],
                   check=True)  # fmt: skip
    settings = Settings(data_dir=tmp_path / "data", model=None, memory_repos=(f"payments={repo}",))
    with override(now=lambda: NOW):
        deps = build_dependencies(settings)
    cited = note("# Retries\n").replace(
        "---\n# Retries", "evidence:\n- repo: payments\n  path: retry.py\n---\n# Retries"
    )
    MemoryStore(deps.blob_store).write("services/payments/logs.md", parse_document(cited, name="l"), now=NOW)
    record = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)
    assert record["memory"]["stale"] == [
        {"name": "services/payments/logs.md", "reason": "payments/retry.py no longer exists at the deployed commit"}
    ]
    assert record["memory"]["snapshot"] == "memory-snapshots/2026-03-14/"
    assert snapshot_dates(deps.blob_store) == ["2026-03-14"]


def test_the_daily_timer_checks_resource_citations_against_the_deployments_topology(tmp_path: Path) -> None:
    from agentcore.connectors.topology import Resource

    kept = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Web/sites/payments"
    gone = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cache/redis/payments-old"

    class OneResource:
        def resources(self) -> list[Resource]:
            return [Resource(id=kept, type="microsoft.web/sites", name="payments", resource_group="rg",
                             subscription_id="s", location="westeurope")]  # fmt: skip

    settings = Settings(data_dir=tmp_path / "data", model=None)
    with override(now=lambda: NOW, topology=OneResource()):
        deps = build_dependencies(settings)
    store = MemoryStore(deps.blob_store)
    for name, resource in (("services/payments/overview.md", kept), ("services/payments/cache.md", gone)):
        cited = note("# Notes\n").replace("---\n# Notes", f"evidence:\n- resource_id: {resource}\n---\n# Notes")
        store.write(name, parse_document(cited, name=name), now=NOW)
    record = json.loads(deps.blob_store.get(run_daily_clustering(deps)).data)
    assert record["memory"]["stale"] == [
        {"name": "services/payments/cache.md", "reason": f"resource {gone} is not in the topology"}
    ]
