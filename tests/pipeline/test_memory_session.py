"""Closing an investigation's memory: the session's edits merged, the insight note written and linked, and a
redelivered report stage that writes nothing again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agentcore.memory import MemoryStore
from agentcore.pipeline.memory_session import Closing, close_memory, open_memory
from agentcore.reports import Evidence as ReportEvidence
from agentcore.reports import EvidenceSource, Report
from agentcore.storage.local import LocalBlobStore
from tests.reports.conftest import ReportFactory, make_report

__all__ = ["make_report"]

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
INVESTIGATION = "inv-20260314-093000-abc123"
NOTE = (
    "---\ncreated: 2026-03-14T09:00:00Z\nupdated: 2026-03-14T09:00:00Z\nby: user\nstatus: active\n"
    "summary: 'checkout team'\n---\n# Team\nAurora.\n"
)


def a_report(make_report: ReportFactory) -> Report:
    evidence = ReportEvidence(claim="the coupon code raises", source=EvidenceSource(kind="file",
                              ref="repos/checkout/app/coupons.py:42"), excerpt="raise TypeError")  # fmt: skip
    return make_report(id=INVESTIGATION, evidence=(evidence,), hypotheses=())


def closing(workspace: Path, base_blob: str | None) -> Closing:
    return Closing(INVESTIGATION, 7, base_blob, workspace / "memory", "checkout", ("checkout",), "checkout 5xx")


def test_the_session_edits_and_the_insight_note_are_written_once(tmp_path: Path, make_report: ReportFactory) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    base = open_memory(blobs, tmp_path / "ws", INVESTIGATION, seed=None, seed_by="scenario", now=NOW)
    (tmp_path / "ws" / "memory" / "services" / "checkout").mkdir(parents=True)
    (tmp_path / "ws" / "memory" / "services" / "checkout" / "team.md").write_text(NOTE)
    report = a_report(make_report)
    first = close_memory(blobs, closing(tmp_path / "ws", base), report, now=NOW)
    etags = {n: blobs.get(n).etag for n in blobs.list("memory/")}
    again = close_memory(blobs, closing(tmp_path / "ws", base), report, now=NOW)
    assert again == first
    assert {n: blobs.get(n).etag for n in blobs.list("memory/")} == etags
    assert "services/checkout/team.md" in first.written
    assert "services/checkout/debugging.md" in first.written


def test_the_insight_note_cites_the_file_evidence_as_code_in_its_repo(
    tmp_path: Path, make_report: ReportFactory
) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    close_memory(blobs, closing(tmp_path / "ws", None), a_report(make_report), now=NOW)
    documents = MemoryStore(blobs).documents()
    [note] = [d for n, d in documents.items() if n.startswith("incidents/")]
    assert [(c.repo, c.path) for c in note.front.evidence] == [("checkout", "app/coupons.py")]
    assert "## Root cause" in note.body
    assert "## Pitfalls" in note.body


def test_a_run_without_a_session_seeds_memory_but_copies_none_of_it_into_its_workspace(tmp_path: Path) -> None:
    blobs = LocalBlobStore(tmp_path / "blobs")
    seed = tmp_path / "seed"
    (seed / "services" / "checkout").mkdir(parents=True)
    (seed / "services" / "checkout" / "team.md").write_text(NOTE)

    base = open_memory(blobs, tmp_path / "ws", INVESTIGATION, seed=seed, seed_by="scenario", now=NOW,
                       for_session=False)  # fmt: skip

    assert base is None
    assert not (tmp_path / "ws" / "memory").exists()
    assert MemoryStore(blobs).names() == ["services/checkout/team.md"]
    assert "services/checkout/team.md: checkout team" in blobs.get("memory/MEMORY.md").data.decode()
    for_a_session = open_memory(blobs, tmp_path / "ws2", INVESTIGATION, seed=seed, seed_by="scenario", now=NOW)
    assert for_a_session is not None
    assert (tmp_path / "ws2" / "memory" / "services" / "checkout" / "team.md").is_file()
