"""The file reads every sandbox answers from a local workspace folder: the local sandboxes from the workspace
itself, the remote one from its mirror of the session's workspace. One place, so they cannot drift apart."""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterator

from agentcore.sandbox import FileStat
from agentcore.sandbox._local_files import LocalWorkspaceFiles


class LocalReads:
    """`stat`, `read_bytes` and the walks of the Sandbox port, answered by `self.files`."""

    files: LocalWorkspaceFiles

    def stat(self, path: str) -> FileStat:
        return self.files.stat(path)

    def read_bytes(self, path: str, offset: int, length: int) -> bytes:
        return self.files.read_bytes(path, offset, length)

    def iter_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Iterator[FileStat]:
        return self.files.iter_files(path, skip_dirs=skip_dirs)

    def list_files(self, path: str, *, skip_dirs: Collection[str] = ()) -> Generator[str, None, None]:
        return self.files.list_files(path, skip_dirs=skip_dirs)

    def files_containing(
        self, path: str, text: str, *, ignore_case: bool = False, skip_dirs: Collection[str] = ()
    ) -> Generator[str, None, None]:
        return self.files.files_containing(path, text, ignore_case=ignore_case, skip_dirs=skip_dirs)


__all__ = ["LocalReads"]
