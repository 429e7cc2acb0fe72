"""What every BlobStore promises, checked against LocalBlobStore and AzureBlobStore (on Azurite)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from agentcore.errors import BlobNotFoundError, PreconditionFailedError, UserInputError
from agentcore.storage import Blob, BlobStore

WRITERS = 8


def race(store: BlobStore, attempt: Callable[[int], str]) -> tuple[list[str], list[Exception]]:
    """Run `attempt(i)` in WRITERS threads released together; return the ETags won and errors."""
    start = threading.Barrier(WRITERS)
    wins: list[str] = []
    losses: list[Exception] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        start.wait()
        try:
            etag = attempt(i)
        except Exception as e:
            with lock:
                losses.append(e)
        else:
            with lock:
                wins.append(etag)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return wins, losses


def test_a_blob_reads_back_with_the_bytes_and_etag_it_was_written_with(store: BlobStore) -> None:
    etag = store.put("investigations/inv-1/state.json", b'{"step": 1}', content_type="application/json")

    blob = store.get("investigations/inv-1/state.json")

    assert blob.data == b'{"step": 1}'
    assert blob.etag == etag


def test_reading_a_missing_blob_raises_blob_not_found(store: BlobStore) -> None:
    with pytest.raises(BlobNotFoundError):
        store.get("investigations/missing/state.json")


def test_every_write_moves_the_etag_on_even_with_identical_bytes(store: BlobStore) -> None:
    etags = [store.put("state.json", b"same") for _ in range(3)]

    assert len(set(etags)) == 3
    assert store.get("state.json").etag == etags[-1]


def test_a_write_with_the_current_etag_succeeds(store: BlobStore) -> None:
    first = store.put("state.json", b"v1")

    second = store.put("state.json", b"v2", if_match=first)

    assert store.get("state.json") == Blob(data=b"v2", etag=second)


def test_a_write_with_a_stale_etag_is_refused_and_changes_nothing(store: BlobStore) -> None:
    stale = store.put("state.json", b"v1")
    current = store.put("state.json", b"v2")

    with pytest.raises(PreconditionFailedError):
        store.put("state.json", b"v3", if_match=stale)

    assert store.get("state.json").data == b"v2"
    assert store.get("state.json").etag == current


def test_a_write_with_if_match_on_a_missing_blob_is_refused(store: BlobStore) -> None:
    etag = store.put("other.json", b"x")

    with pytest.raises(PreconditionFailedError):
        store.put("state.json", b"v1", if_match=etag)

    with pytest.raises(BlobNotFoundError):
        store.get("state.json")


def test_if_none_match_creates_a_missing_blob(store: BlobStore) -> None:
    etag = store.put("state.json", b"v1", if_none_match=True)

    assert store.get("state.json").etag == etag


def test_if_none_match_on_an_existing_blob_is_refused_and_changes_nothing(store: BlobStore) -> None:
    store.put("state.json", b"v1")

    with pytest.raises(PreconditionFailedError):
        store.put("state.json", b"v2", if_none_match=True)

    assert store.get("state.json").data == b"v1"


def test_asking_for_both_write_conditions_at_once_is_refused(store: BlobStore) -> None:
    etag = store.put("state.json", b"v1")

    with pytest.raises(UserInputError):
        store.put("state.json", b"v2", if_match=etag, if_none_match=True)


def test_of_concurrent_writers_with_the_same_etag_exactly_one_wins(store: BlobStore) -> None:
    base = store.put("state.json", b"base")

    wins, losses = race(store, lambda i: store.put("state.json", f"writer {i}".encode(), if_match=base))

    assert len(wins) == 1
    assert len(losses) == WRITERS - 1
    assert all(isinstance(loss, PreconditionFailedError) for loss in losses)
    assert store.get("state.json").etag == wins[0]


def test_of_concurrent_creators_exactly_one_wins(store: BlobStore) -> None:
    wins, losses = race(store, lambda i: store.put("lease.json", f"owner {i}".encode(), if_none_match=True))

    assert len(wins) == 1
    assert all(isinstance(loss, PreconditionFailedError) for loss in losses)
    assert store.get("lease.json").etag == wins[0]


def test_list_returns_the_names_under_a_prefix_sorted(store: BlobStore) -> None:
    for name in ["reports/2026/11/02/b.md", "reports/2026/11/01/a.md", "reports/2026/11/01/a.json"]:
        store.put(name, b"x")
    store.put("memory/runbook.md", b"x")

    assert list(store.list("reports/")) == [
        "reports/2026/11/01/a.json",
        "reports/2026/11/01/a.md",
        "reports/2026/11/02/b.md",
    ]


def test_a_list_prefix_need_not_end_at_a_folder_boundary(store: BlobStore) -> None:
    store.put("investigations/abc/state.json", b"x")
    store.put("investigations/abd/state.json", b"x")
    store.put("investigations/xyz/state.json", b"x")

    assert list(store.list("investigations/ab")) == [
        "investigations/abc/state.json",
        "investigations/abd/state.json",
    ]


def test_list_with_an_empty_prefix_returns_every_blob(store: BlobStore) -> None:
    store.put("b", b"x")
    store.put("a/c", b"x")

    assert list(store.list("")) == ["a/c", "b"]


def test_list_of_an_unknown_prefix_is_empty(store: BlobStore) -> None:
    store.put("a/b", b"x")

    assert list(store.list("nothing/here/")) == []


def test_a_listing_with_versions_gives_each_blobs_etag_as_a_read_does(store: BlobStore) -> None:
    first = store.put("memory/a.md", b"first")
    store.put("memory/b.md", b"second")
    second = store.put("memory/b.md", b"second, again")
    store.put("reports/c.md", b"elsewhere")

    versions = list(store.list_versions("memory/"))

    assert [(v.name, v.etag) for v in versions] == [("memory/a.md", first), ("memory/b.md", second)]
    assert [v.etag for v in versions] == [store.get(v.name).etag for v in versions]


def test_a_remote_store_lists_the_md5_of_each_blobs_bytes_and_a_local_one_none(store: BlobStore) -> None:
    # A remote store's MD5s let a caller keep copies (memory's content cache); a local store's reads cost no more.
    store.put("memory/a.md", b"first")
    store.put("memory/b.md", "ünïcode\n".encode())

    listed = {version.name: version.content_md5 for version in store.list_versions("memory/")}

    assert sorted(listed) == ["memory/a.md", "memory/b.md"]
    if store.remote:
        assert listed == {name: hashlib.md5(store.get(name).data).digest() for name in listed}
    else:
        assert listed == {"memory/a.md": None, "memory/b.md": None}


def test_delete_removes_the_blob(store: BlobStore) -> None:
    store.put("investigations/inv-1/outputs/log.txt", b"x")

    store.delete("investigations/inv-1/outputs/log.txt")

    with pytest.raises(BlobNotFoundError):
        store.get("investigations/inv-1/outputs/log.txt")
    assert list(store.list("investigations/")) == []


def test_deleting_a_missing_blob_is_not_an_error(store: BlobStore) -> None:
    store.put("a/b", b"x")
    store.delete("a/b")

    store.delete("a/b")
    store.delete("never/existed")


def test_a_deleted_blob_can_be_created_again_with_if_none_match(store: BlobStore) -> None:
    store.put("lease.json", b"old")
    store.delete("lease.json")

    etag = store.put("lease.json", b"new", if_none_match=True)

    assert store.get("lease.json").etag == etag


def test_names_with_deeply_nested_folders_round_trip(store: BlobStore) -> None:
    name = "reports/2026/11/02/inv-7f3a/outputs/queries/q-01.kql.json"
    store.put(name, b"nested")

    assert store.get(name).data == b"nested"
    assert list(store.list("reports/2026/")) == [name]


def test_names_with_spaces_and_non_ascii_characters_round_trip(store: BlobStore) -> None:
    name = "memory/Résumé of incident #42 (checkout).md"
    store.put(name, "é".encode())

    assert store.get(name).data == "é".encode()
    assert list(store.list("memory/")) == [name]


def test_binary_data_round_trips_unchanged(store: BlobStore) -> None:
    data = bytes(range(256)) * 64 + os.urandom(1024 * 1024)
    store.put("investigations/inv-1/blob.bin", data, content_type="application/octet-stream")

    assert store.get("investigations/inv-1/blob.bin").data == data


def test_an_empty_blob_round_trips(store: BlobStore) -> None:
    store.put("empty", b"")

    assert store.get("empty").data == b""


INVALID_NAMES = [
    "",
    "/absolute",
    "trailing/",
    "double//slash",
    "../escape",
    "a/../../escape",
    "a/./b",
    ".hidden",
    "folder/.hidden",
    "ends-with-dot.",
    "back\\slash",
    "nul\x00byte",
    "new\nline",
    "x" * 1025,
]


@pytest.mark.parametrize("name", INVALID_NAMES, ids=repr)
def test_invalid_names_are_refused_on_write(store: BlobStore, name: str) -> None:
    with pytest.raises(UserInputError):
        store.put(name, b"x")


@pytest.mark.parametrize("name", ["../escape", ".hidden", "double//slash"], ids=repr)
def test_invalid_names_are_refused_on_read_and_delete(store: BlobStore, name: str) -> None:
    with pytest.raises(UserInputError):
        store.get(name)
    with pytest.raises(UserInputError):
        store.delete(name)


def test_a_file_uploads_and_downloads_whole(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "workspace.tar.zst"
    source.write_bytes(os.urandom(3 * 1024 * 1024))
    target = tmp_path / "restored.tar.zst"

    written = store.upload_file("investigations/inv-1/workspace.tar.zst", source)
    read = store.download_file("investigations/inv-1/workspace.tar.zst", target)

    assert read == written
    assert target.read_bytes() == source.read_bytes()
    assert store.get("investigations/inv-1/workspace.tar.zst").data == source.read_bytes()


def test_a_download_replaces_an_existing_file(store: BlobStore, tmp_path: Path) -> None:
    store.put("a.txt", b"new")
    target = tmp_path / "a.txt"
    target.write_bytes(b"old contents that are longer")

    store.download_file("a.txt", target)

    assert target.read_bytes() == b"new"


def test_downloading_a_missing_blob_leaves_the_file_untouched(store: BlobStore, tmp_path: Path) -> None:
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    target = downloads / "keep.txt"
    target.write_bytes(b"keep")

    with pytest.raises(BlobNotFoundError):
        store.download_file("missing.txt", target)

    assert target.read_bytes() == b"keep"
    assert [p.name for p in downloads.iterdir()] == ["keep.txt"]


def test_an_upload_with_a_stale_etag_is_refused(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "snapshot"
    source.write_bytes(b"snapshot")
    stale = store.put("snapshot", b"v1")
    store.put("snapshot", b"v2")

    with pytest.raises(PreconditionFailedError):
        store.upload_file("snapshot", source, if_match=stale)

    assert store.get("snapshot").data == b"v2"


def test_an_upload_with_if_none_match_on_an_existing_blob_is_refused(store: BlobStore, tmp_path: Path) -> None:
    source = tmp_path / "snapshot"
    source.write_bytes(b"snapshot")
    store.put("snapshot", b"v1")

    with pytest.raises(PreconditionFailedError):
        store.upload_file("snapshot", source, if_none_match=True)


def test_every_adapter_satisfies_the_port(store: BlobStore) -> None:
    assert isinstance(store, BlobStore)
