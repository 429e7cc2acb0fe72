"""Unpacking a repository tarball: whole or not at all, nothing outside the destination, bounded."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from agentcore.connectors.code import _archive
from agentcore.connectors.code._archive import ArchiveRefusedError, unpack_tarball


def tarball(tmp_path: Path, *members: tuple[tarfile.TarInfo, bytes]) -> Path:
    path = tmp_path / "in.tar"
    with tarfile.open(path, "w") as archive:
        for info, data in members:
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def file(name: str) -> tarfile.TarInfo:
    return tarfile.TarInfo(name)


def link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = target
    return info


def test_leading_components_are_stripped(tmp_path: Path) -> None:
    source = tarball(tmp_path, (file("top/a/b.txt"), b"b"), (file("top/c.txt"), b"c"))
    tree = unpack_tarball(source, tmp_path / "tree", strip_components=1)
    assert sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*")) == ["a", "a/b.txt", "c.txt"]


def test_an_absolute_member_lands_inside_the_destination(tmp_path: Path) -> None:
    tree = unpack_tarball(tarball(tmp_path, (file("/etc/evil.txt"), b"x")), tmp_path / "tree")
    assert (tree / "etc" / "evil.txt").read_bytes() == b"x"


def test_a_hard_link_out_of_the_tree_refuses_the_whole_archive(tmp_path: Path) -> None:
    source = tarball(tmp_path, (file("ok.txt"), b"ok"), (link("h", "../../outside", tarfile.LNKTYPE), b""))
    with pytest.raises(ArchiveRefusedError):
        unpack_tarball(source, tmp_path / "tree")
    assert not (tmp_path / "tree").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.tar"]


def test_a_device_file_refuses_the_whole_archive(tmp_path: Path) -> None:
    device = tarfile.TarInfo("dev")
    device.type = tarfile.CHRTYPE
    with pytest.raises(ArchiveRefusedError):
        unpack_tarball(tarball(tmp_path, (device, b"")), tmp_path / "tree")


def test_too_many_entries_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_archive, "MAX_MEMBERS", 2)
    source = tarball(tmp_path, *((file(f"f{n}"), b"") for n in range(3)))
    with pytest.raises(ArchiveRefusedError, match="more than 2 entries"):
        unpack_tarball(source, tmp_path / "tree")


def test_too_many_bytes_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_archive, "MAX_TREE_BYTES", 10)
    with pytest.raises(ArchiveRefusedError, match="more than 10 bytes"):
        unpack_tarball(tarball(tmp_path, (file("big"), b"x" * 11)), tmp_path / "tree")


def test_an_empty_destination_folder_is_filled(tmp_path: Path) -> None:
    (tmp_path / "tree").mkdir()
    tree = unpack_tarball(tarball(tmp_path, (file("a.txt"), b"a")), tmp_path / "tree")
    assert (tree / "a.txt").read_text() == "a"
