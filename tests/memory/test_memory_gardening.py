"""Gardening: a file whose cited code, resource or column is gone becomes stale, with the reason and the date;
nothing is deleted, and the index marks it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from agentcore.memory import INDEX_NAME, MemoryStatus, MemoryStore, parse_document
from agentcore.memory.gardening import garden
from agentcore.storage.local import LocalBlobStore

NOW = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)


@dataclass
class KnownWorld:
    files: dict[str, set[str]] = field(default_factory=dict)
    symbols: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    resources: set[str] = field(default_factory=set)
    columns: dict[str, set[str]] = field(default_factory=dict)

    def has_file(self, repo: str, path: str) -> bool | None:
        return path in self.files[repo] if repo in self.files else None

    def has_symbol(self, repo: str, path: str, symbol: str) -> bool | None:
        return symbol in self.symbols.get((repo, path), set()) if repo in self.files else None

    def has_resource(self, resource_id: str) -> bool | None:
        return resource_id in self.resources

    def has_column(self, table: str, column: str | None) -> bool | None:
        if table not in self.columns:
            return False
        return column is None or column in self.columns[table]


def note(evidence: str, body: str = "# Retries\nThe client retries three times.\n") -> str:
    return (
        "---\ncreated: 2026-03-01T10:00:00Z\nupdated: 2026-03-01T10:00:00Z\nby: inv-1\nstatus: active\n"
        f"summary: 'payments client retries'\nevidence:\n{evidence}---\n{body}"
    )


def stored(store: MemoryStore, name: str, text: str) -> None:
    store.write(name, parse_document(text, name=name), now=NOW)


def test_a_file_citing_deleted_code_becomes_stale_with_reason_and_date(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(LocalBlobStore(tmp_path))
    stored(store, "services/payments/debugging.md", note("- repo: payments\n  path: src/retry.py\n  symbol: backoff\n"))
    world = KnownWorld(files={"payments": {"src/client.py"}})
    [result] = garden(store, world, now=NOW)
    document = store.documents()["services/payments/debugging.md"]
    assert result.status is MemoryStatus.STALE
    assert document.front.status is MemoryStatus.STALE
    assert document.front.stale_reason == "2026-03-09: payments/src/retry.py no longer exists at the deployed commit"
    assert "The client retries three times." in document.body
    index = store.read(INDEX_NAME)
    assert index is not None
    assert "[stale: 2026-03-09: payments/src/retry.py no longer exists" in index.text


def test_a_file_whose_evidence_holds_is_verified_and_stays_active(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(LocalBlobStore(tmp_path))
    stored(store, "a.md", note("- repo: payments\n  path: src/retry.py\n  symbol: backoff\n- table: AppRequests\n"
                               "  column: DurationMs\n"))  # fmt: skip
    world = KnownWorld(files={"payments": {"src/retry.py"}}, symbols={("payments", "src/retry.py"): {"backoff"}},
                       columns={"AppRequests": {"DurationMs"}})  # fmt: skip
    garden(store, world, now=NOW)
    document = store.documents()["a.md"]
    assert document.front.status is MemoryStatus.ACTIVE
    assert document.front.verified_at == NOW


def test_a_removed_symbol_column_or_resource_each_make_a_file_stale(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(LocalBlobStore(tmp_path))
    stored(store, "symbol.md", note("- repo: payments\n  path: src/retry.py\n  symbol: backoff\n"))
    stored(store, "column.md", note("- table: AppRequests\n  column: LatencyMs\n"))
    stored(store, "resource.md", note("- resource_id: /subscriptions/s/resourceGroups/rg/providers/x/y/old\n"))
    world = KnownWorld(files={"payments": {"src/retry.py"}}, columns={"AppRequests": {"DurationMs"}})
    reasons = {r.name: r.reason for r in garden(store, world, now=NOW)}
    assert reasons["symbol.md"] == "backoff is no longer in payments/src/retry.py at the deployed commit"
    assert reasons["column.md"] == "column AppRequests.LatencyMs is not in the log schema"
    assert (reasons["resource.md"] or "").startswith("resource /subscriptions/s/")


def test_evidence_the_world_cannot_check_neither_stales_nor_verifies(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(LocalBlobStore(tmp_path))
    stored(store, "q.md", note("- query: AppRequests | count\n  window: 1d\n- repo: unknown\n  path: x.py\n"))
    [result] = garden(store, KnownWorld(), now=NOW)
    document = store.documents()["q.md"]
    assert (result.status, result.checked) == (MemoryStatus.ACTIVE, 0)
    assert document.front.verified_at is None


def test_an_edit_made_while_gardening_ran_is_kept_beside_the_stale_mark(tmp_path) -> None:  # type: ignore[no-untyped-def]
    store = MemoryStore(LocalBlobStore(tmp_path))
    stored(store, "a.md", note("- repo: payments\n  path: src/retry.py\n"))

    class EditingWorld(KnownWorld):
        def has_file(self, repo: str, path: str) -> bool | None:
            edited = note("- repo: payments\n  path: src/retry.py\n", "# Retries\nThe client retries five times.\n")
            if "five" not in (store.read("a.md") or store.read("x")).text:  # type: ignore[union-attr]
                store.write("a.md", parse_document(edited, name="a.md"), now=NOW, base=store.read("a.md"))
            return False

    garden(store, EditingWorld(files={"payments": set()}), now=NOW)
    document = store.documents()["a.md"]
    assert document.front.status is MemoryStatus.STALE
    assert "The client retries five times." in document.body
