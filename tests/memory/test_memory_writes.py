"""Memory writes lose nothing: concurrent edits merge by section, true conflicts keep both versions and ask
for review, secrets and oversized files are refused with a message that says what to do."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.memory import (
    INDEX_NAME,
    MemoryFormatError,
    MemoryLimits,
    MemoryStatus,
    MemoryStore,
    parse_document,
)
from agentcore.memory.merge import CONFLICT_OPEN
from agentcore.storage import BlobStore

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
OVERVIEW = "services/checkout/overview.md"


def memory_file(body: str, *, by: str = "inv-1", summary: str = "checkout: how it is built") -> str:
    return (
        f"---\ncreated: 2026-03-01T10:00:00Z\nupdated: 2026-03-01T10:00:00Z\nby: {by}\nstatus: active\n"
        f"summary: '{summary}'\nevidence:\n- repo: checkout\n  path: src/api.py\n---\n{body}"
    )


BASE = memory_file("# Checkout\n\n## Dependencies\n- payments\n\n## Alerts\n- 5xx rate\n")


def two_sessions(blobs: BlobStore, tmp_path: Path) -> tuple[MemoryStore, Path, Path, dict, dict]:  # type: ignore[type-arg]
    store = MemoryStore(blobs)
    store.write(OVERVIEW, parse_document(BASE, name=OVERVIEW), now=NOW)
    first, second = tmp_path / "a", tmp_path / "b"
    return store, first, second, store.copy_into(first), store.copy_into(second)


def test_edits_of_different_sections_by_two_sessions_are_both_kept(blobs: BlobStore, tmp_path: Path) -> None:
    store, first, second, base_a, base_b = two_sessions(blobs, tmp_path)
    (first / OVERVIEW).write_text(BASE.replace("- payments\n", "- payments\n- redis (sessions)\n"))
    (second / OVERVIEW).write_text(BASE.replace("- 5xx rate\n", "- 5xx rate\n- p95 latency\n"))
    store.merge_back(first, base_a, by="inv-a", now=NOW)
    outcome = store.merge_back(second, base_b, by="inv-b", now=NOW)
    merged = store.read(OVERVIEW)
    assert merged is not None
    assert "- redis (sessions)" in merged.text
    assert "- p95 latency" in merged.text
    assert outcome.conflicts == {}
    assert parse_document(merged.text, name=OVERVIEW).front.status is MemoryStatus.ACTIVE


def test_a_true_conflict_keeps_both_versions_and_asks_for_review(blobs: BlobStore, tmp_path: Path) -> None:
    store, first, second, base_a, base_b = two_sessions(blobs, tmp_path)
    (first / OVERVIEW).write_text(BASE.replace("- payments\n", "- payments v2 (since 2026-03-02)\n"))
    (second / OVERVIEW).write_text(BASE.replace("- payments\n", "- payments via the gateway\n"))
    store.merge_back(first, base_a, by="inv-a", now=NOW)
    outcome = store.merge_back(second, base_b, by="inv-b", now=NOW)
    merged = store.read(OVERVIEW)
    assert merged is not None
    assert outcome.conflicts == {OVERVIEW: ("## Dependencies",)}
    assert CONFLICT_OPEN in merged.text
    assert "payments v2 (since 2026-03-02)" in merged.text
    assert "payments via the gateway" in merged.text
    assert parse_document(merged.text, name=OVERVIEW).front.status is MemoryStatus.NEEDS_REVIEW
    assert "[needs-review]" in (store.read(INDEX_NAME) or store.read(OVERVIEW)).text  # type: ignore[union-attr]


def test_a_write_racing_another_merges_again_instead_of_overwriting(blobs: BlobStore, tmp_path: Path) -> None:
    store, first, _, base_a, _ = two_sessions(blobs, tmp_path)
    (first / OVERVIEW).write_text(BASE.replace("- 5xx rate\n", "- 5xx rate\n- error budget\n"))
    sneaky = BASE.replace("- payments\n", "- payments\n- fraud-check\n")
    current = store.read(OVERVIEW)
    assert current is not None
    blobs.put("memory/" + OVERVIEW, sneaky.encode(), if_match=current.etag)  # lands between read and write
    store.merge_back(first, base_a, by="inv-a", now=NOW)
    text = store.read(OVERVIEW).text  # type: ignore[union-attr]
    assert "- fraud-check" in text
    assert "- error budget" in text


def test_a_file_holding_a_secret_is_refused(blobs: BlobStore, tmp_path: Path) -> None:
    store = MemoryStore(blobs)
    folder = tmp_path / "ws"
    (folder / "runbooks").mkdir(parents=True)
    key = "AKIA" + "QX7Z2M4N6P8R3T5V"
    (folder / "runbooks" / "deploy.md").write_text(memory_file(f"# Deploy\nuse key {key}\n"))
    outcome = store.merge_back(folder, {}, by="inv-a", now=NOW)
    assert "runbooks/deploy.md" in outcome.refused
    assert "secret" in outcome.refused["runbooks/deploy.md"]
    assert store.read("runbooks/deploy.md") is None


def test_a_file_over_its_size_cap_is_refused_with_advice_to_split(blobs: BlobStore) -> None:
    store = MemoryStore(blobs, limits=MemoryLimits(file_chars=500))
    big = memory_file("# Notes\n" + "- a fact worth keeping\n" * 40)
    with pytest.raises(MemoryFormatError, match="split it into smaller files"):
        store.write("services/checkout/debugging.md", parse_document(big, name="x"), now=NOW)


def test_a_file_without_front_matter_is_refused_with_one_line_naming_it(blobs: BlobStore, tmp_path: Path) -> None:
    folder = tmp_path / "ws"
    folder.mkdir()
    (folder / "loose.md").write_text("# Just notes\n")
    outcome = MemoryStore(blobs).merge_back(folder, {}, by="inv-a", now=NOW)
    assert outcome.refused["loose.md"].startswith("loose.md: no front matter")


def test_the_index_lists_each_file_with_its_summary(blobs: BlobStore) -> None:
    store = MemoryStore(blobs)
    store.write(OVERVIEW, parse_document(BASE, name=OVERVIEW), now=NOW)
    index = store.read(INDEX_NAME)
    assert index is not None
    assert f"- {OVERVIEW}: checkout: how it is built\n" in index.text


def test_the_index_stays_within_its_cap(blobs: BlobStore) -> None:
    store = MemoryStore(blobs, limits=MemoryLimits(index_chars=600))
    for n in range(20):
        store.write(f"incidents/2026-03-0{n % 9 + 1}-case-{n}.md",
                    parse_document(memory_file(f"# Case {n}\n", summary=f"case {n}: a long summary line"), name="x"),
                    now=NOW)  # fmt: skip
    index = store.read(INDEX_NAME)
    assert index is not None
    assert len(index.text) <= 600 + 120
    assert "more files not listed" in index.text


def test_a_session_that_adds_front_matter_to_a_loose_stored_file_repairs_it(blobs: BlobStore, tmp_path: Path) -> None:
    blobs.put("memory/runbooks/loose.md", b"# Loose notes\n- restart the pod\n")
    store = MemoryStore(blobs)
    folder = tmp_path / "ws"
    base = store.copy_into(folder)
    (folder / "runbooks" / "loose.md").write_text(memory_file("# Loose notes\n- restart the pod\n"))
    outcome = store.merge_back(folder, base, by="inv-a", now=NOW)
    assert outcome.written == ["runbooks/loose.md"]
    assert "runbooks/loose.md" in store.documents()
