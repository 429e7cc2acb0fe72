"""LocalBlobStore beyond the shared contract: the folder layout, crashes and other processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from agentcore.errors import PreconditionFailedError, StorageError
from agentcore.storage.local import LocalBlobStore


def test_a_blob_is_a_plain_file_under_the_root(tmp_path: Path) -> None:
    LocalBlobStore(tmp_path).put("investigations/inv-1/state.json", b"{}")

    assert (tmp_path / "investigations" / "inv-1" / "state.json").read_bytes() == b"{}"


def test_etags_survive_a_new_store_on_the_same_folder(tmp_path: Path) -> None:
    etag = LocalBlobStore(tmp_path).put("state.json", b"v1")

    reopened = LocalBlobStore(tmp_path)

    assert reopened.get("state.json").etag == etag
    reopened.put("state.json", b"v2", if_match=etag)


def test_bookkeeping_files_are_never_listed(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("a/b.json", b"x")
    store.put("c", b"x")

    assert list(store.list("")) == ["a/b.json", "c"]
    assert (tmp_path / "a" / ".b.json.etag").is_file()


def test_a_file_placed_in_the_folder_by_hand_is_a_blob_with_a_stable_etag(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    (tmp_path / "memory").mkdir()
    (tmp_path / "memory" / "runbook.md").write_text("# Runbook")

    first = store.get("memory/runbook.md")

    assert first.data == b"# Runbook"
    assert store.get("memory/runbook.md").etag == first.etag
    store.put("memory/runbook.md", b"# Runbook v2", if_match=first.etag)


def test_a_name_cannot_be_a_blob_while_it_is_a_folder(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("a/b", b"x")

    with pytest.raises(StorageError):
        store.put("a", b"x")


def test_a_name_cannot_be_a_folder_while_it_is_a_blob(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("a", b"x")

    with pytest.raises(StorageError):
        store.put("a/b", b"x")


def test_deleting_the_last_blob_of_a_folder_frees_the_folder_name(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("a/b/c", b"x")

    store.delete("a/b/c")
    store.put("a", b"now a blob")

    assert list(store.list("")) == ["a"]
    assert not (tmp_path / "a").is_dir()


def test_a_failed_upload_leaves_no_temporary_files(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path / "blobs")
    store.put("a/keep", b"x")

    with pytest.raises(StorageError):
        store.upload_file("a/snapshot", tmp_path / "does-not-exist")

    assert sorted(p.name for p in (tmp_path / "blobs" / "a").iterdir()) == [".keep.etag", "keep"]


def test_a_write_interrupted_between_renames_causes_a_conflict_not_a_lost_update(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalBlobStore(tmp_path)
    read_before = store.put("state.json", b"v1")
    real_replace = Path.replace

    def crash_on_the_data_rename(self: Path, target: Path) -> Path:
        if Path(target).name == "state.json":
            raise OSError("simulated crash")
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", crash_on_the_data_rename)
    with pytest.raises(StorageError):
        store.put("state.json", b"v2 (never lands)")
    monkeypatch.undo()

    with pytest.raises(PreconditionFailedError):
        store.put("state.json", b"v3 from a stale reader", if_match=read_before)
    assert store.get("state.json").data == b"v1"


INCREMENTER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from agentcore.errors import PreconditionFailedError
    from agentcore.storage.local import LocalBlobStore

    store = LocalBlobStore(Path(sys.argv[1]))
    for _ in range(int(sys.argv[2])):
        while True:
            blob = store.get("counter")
            try:
                store.put("counter", str(int(blob.data) + 1).encode(), if_match=blob.etag)
                break
            except PreconditionFailedError:
                continue
    """
)


def test_processes_sharing_a_folder_never_lose_an_update(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    store.put("counter", b"0")
    processes, increments = 3, 40

    workers = [
        subprocess.Popen([sys.executable, "-c", INCREMENTER, str(tmp_path), str(increments)]) for _ in range(processes)
    ]
    codes = [worker.wait(timeout=60) for worker in workers]

    assert codes == [0] * processes
    assert store.get("counter").data == str(processes * increments).encode()
