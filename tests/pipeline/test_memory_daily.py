"""Memory's daily care and folders: snapshots kept for their retention and restorable, a folder of Markdown
imported with one line per bad file, and exported as stored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.cli import main
from agentcore.memory import MemoryStore, parse_document
from agentcore.pipeline.memory_daily import prune_snapshots, restore_memory, snapshot_dates, snapshot_memory
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
