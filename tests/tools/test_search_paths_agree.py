"""grep and find answer the same, byte for byte, whether the sandbox walks and searches with ripgrep or in
Python: order, caps, `.git/`, hidden and ignored files, binary files, symlinks and special files."""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest

from agentcore.sandbox._ripgrep import ripgrep_path
from agentcore.tools.find import FindTool
from agentcore.tools.grep import GrepTool
from tests.tools.conftest import FilesOnlySandbox

TEXT_FILES: dict[str, str | bytes] = {
    "a.txt": "needle at the top\n",
    "a/deep.py": "def needle():\n    return retry(timeout)\n",
    "a-b/x.py": "needle = 1\nneedles = 2\n",
    "a b.md": "# Needle\nno match here\n",
    "A.py": "NEEDLE = 'upper'\n",
    "café/ü.txt": "naïve needle é\n",
    "src/app.py": "".join(f"line {n} x timeout\n" for n in range(40)),
    "src/crlf.log": "timeout\r\nfine\r\nwas out\r\n",
    ".hidden/needle.txt": "needle in a hidden folder\n",
    ".gitignore": "ignored.log\n",
    "ignored.log": "needle ignored by git, not by grep\n",
    ".git/config": "needle in .git\n",
    "repo/.git/HEAD": "needle in a nested .git\n",
    "wt/.git": "gitdir: needle (a .git file, not a folder)\n",
    "blob.bin": b"needle\x00\x01\x02",
    "late-nul.txt": b"x" * 9000 + b"\x00 needle after a late NUL\n",
    "utf16.txt": "needle".encode("utf-16"),
    "empty.txt": "",
    "kelvin.txt": "\u212aelvin scale\n",
    "latin1.txt": b"caf\xe9 needle \xff\n",
    "ab.txt": "xxab\ncd\n",
}

GREP_CASES: list[dict[str, Any]] = [
    {"pattern": "needle"},
    {"pattern": "needle", "ignore_case": True},
    {"pattern": "kelvin", "ignore_case": True},
    {"pattern": r"\bretry\b", "context": 2},
    {"pattern": "ab|cd"},
    {"pattern": "x", "max_matches": 3},
    {"pattern": "timeout", "max_matches": 5, "context": 1},
    {"pattern": "needle", "glob": "*.py"},
    {"pattern": "needle", "glob": "**/*.txt"},
    {"pattern": "needle", "path": "a"},
    {"pattern": "needle", "path": "a.txt"},
    {"pattern": "needle", "path": "repo/.git"},
    {"pattern": "out$"},
    {"pattern": "é"},
    {"pattern": "secret"},
    {"pattern": "caf.", "context": 1},
    {"pattern": "nothing matches this"},
    {"pattern": "x", "glob": "*.cs"},
]

FIND_CASES: list[dict[str, Any]] = [
    {"pattern": "*"},
    {"pattern": "*.py"},
    {"pattern": "**/*.txt"},
    {"pattern": "src/*"},
    {"pattern": "*", "path": ".hidden"},
    {"pattern": "*", "path": "repo/.git"},
    {"pattern": "*.cs"},
]


@pytest.fixture
def tricky_workspace(workspace: Path, tmp_path: Path) -> Path:
    for relative, content in TEXT_FILES.items():
        path = workspace / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("needle secret\n", encoding="utf-8")
    (workspace / "out-link.txt").symlink_to(outside / "secret.txt")
    (workspace / "out-dir").symlink_to(outside)
    (workspace / "in-link.txt").symlink_to(workspace / "a.txt")
    os.mkfifo(workspace / "fifo.txt")
    return workspace


def _sandboxes(root: Path) -> tuple[FilesOnlySandbox, FilesOnlySandbox]:
    with_rg, without = FilesOnlySandbox(root), FilesOnlySandbox(root, use_ripgrep=False)
    assert with_rg.uses_ripgrep, "the ripgrep package is a dependency: its rg must be found"
    assert not without.uses_ripgrep
    return with_rg, without


def test_the_ripgrep_package_provides_rg() -> None:
    found = ripgrep_path()

    assert found is not None
    assert Path(found).name == "rg"


@pytest.mark.parametrize("arguments", GREP_CASES, ids=lambda case: str(sorted(case.items())))
def test_grep_answers_the_same_with_ripgrep_and_in_python(tricky_workspace: Path, arguments: dict[str, Any]) -> None:
    with_rg, without = _sandboxes(tricky_workspace)

    through_rg = GrepTool(with_rg).run(arguments).content

    assert through_rg == GrepTool(without).run(arguments).content


@pytest.mark.parametrize("arguments", FIND_CASES, ids=lambda case: str(sorted(case.items())))
def test_find_answers_the_same_with_ripgrep_and_in_python(tricky_workspace: Path, arguments: dict[str, Any]) -> None:
    with_rg, without = _sandboxes(tricky_workspace)

    through_rg = FindTool(with_rg).run(arguments).content

    assert through_rg == FindTool(without).run(arguments).content


@pytest.mark.parametrize("use_ripgrep", [True, False], ids=["ripgrep", "python"])
def test_the_walk_lists_regular_files_in_walk_order_without_symlinks_git_or_fifos(
    tricky_workspace: Path, use_ripgrep: bool
) -> None:
    sandbox = FilesOnlySandbox(tricky_workspace, use_ripgrep=use_ripgrep)

    listed = list(sandbox.list_files(".", skip_dirs={".git"}))

    assert listed == [
        ".gitignore",
        ".hidden/needle.txt",
        "A.py",
        "a/deep.py",
        "a b.md",
        "a-b/x.py",
        "a.txt",
        "ab.txt",
        "blob.bin",
        "café/ü.txt",
        "empty.txt",
        "ignored.log",
        "kelvin.txt",
        "late-nul.txt",
        "latin1.txt",
        "src/app.py",
        "src/crlf.log",
        "utf16.txt",
        "wt/.git",
    ]


@pytest.mark.parametrize("use_ripgrep", [True, False], ids=["ripgrep", "python"])
def test_files_containing_folds_only_ascii_letters(tricky_workspace: Path, use_ripgrep: bool) -> None:
    sandbox = FilesOnlySandbox(tricky_workspace, use_ripgrep=use_ripgrep)

    found = list(sandbox.files_containing(".", "NEEDLE", ignore_case=True, skip_dirs={".git"}))
    kelvin = list(sandbox.files_containing(".", "kelvin", ignore_case=True))

    assert found[:4] == [".hidden/needle.txt", "A.py", "a/deep.py", "a b.md"]
    assert "utf16.txt" not in found  # its bytes do not hold the UTF-8 text
    assert kelvin == []  # the Kelvin sign is not an ASCII K


def test_grep_finds_what_matches_whichever_path_runs(tricky_workspace: Path) -> None:
    with_rg, _ = _sandboxes(tricky_workspace)

    lines = GrepTool(with_rg).run({"pattern": "needle"}).content.splitlines()

    assert lines[:3] == [
        ".hidden/needle.txt:1: needle in a hidden folder",
        "a/deep.py:1: def needle():",
        "a-b/x.py:1: needle = 1",
    ]
    assert "ignored.log:1: needle ignored by git, not by grep" in lines
    assert any(line.startswith("late-nul.txt:1: ") for line in lines)  # a NUL past the first 8 KiB: text
    assert "wt/.git:1: gitdir: needle (a .git file, not a folder)" in lines
    assert not any(line.startswith(("blob.bin", "utf16.txt", ".git/", "repo/", "out-", "in-link")) for line in lines)


def _random_tree(root: Path, seed: int) -> None:
    rng = random.Random(seed)
    names = ["a", "a.b", "a-b", "a b", "B", "_c", "é", ".d"]
    words = ["timeout", "Time", "out", "ab", "cd", "x", "\u212a", "q", " ", "\r\n", "\n", "é", "\x00"]
    for _ in range(40):
        parts = [rng.choice(names) for _ in range(rng.randint(1, 3))]
        path = root.joinpath(*parts[:-1], parts[-1] + rng.choice(["", ".txt", ".py"]))
        if any(parent.is_file() for parent in path.parents) or path.is_dir():
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        text = "".join(rng.choice(words[:-1] if rng.random() < 0.9 else words) for _ in range(rng.randint(0, 80)))
        path.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("seed", range(3))
def test_random_trees_and_patterns_get_the_same_answers(workspace: Path, seed: int) -> None:
    _random_tree(workspace, seed)
    with_rg, without = _sandboxes(workspace)
    cases = [
        {"pattern": pattern, "max_matches": cap, "ignore_case": ignore_case, "context": context}
        for pattern in ["timeout", r"time\w*", "^time", "out$", r"\bout\b", "ab|cd", "tim?e", "é", "a.b", "kx", "q"]
        for cap, ignore_case, context in [(1000, False, 0), (7, True, 1), (2, False, 2)]
    ]
    cases += [{"pattern": "x", "glob": glob} for glob in ["*.py", "a/**/*.txt", "*", "**/a b*"]]

    for arguments in cases:
        assert GrepTool(with_rg).run(arguments).content == GrepTool(without).run(arguments).content, arguments
    for pattern in ["*", "*.txt", "**/a*", "a.b/*"]:
        assert FindTool(with_rg).run({"pattern": pattern}) == FindTool(without).run({"pattern": pattern}), pattern


# -- a linked repository: repos/<name> links to a shared checkout outside, named as a read-only mount --------

LINKED_FILES: dict[str, str] = {
    "src/app.py": "def needle():\n    raise TimeoutError\n",
    "src/.hidden.py": "needle hidden\n",
    "a b/needle.md": "# Needle\n",
    "README.md": "needle in the readme\n",
}
NEIGHBOURS: dict[str, str] = {
    "repos/CHECKOUTS.md": "needle: the checkouts\n",
    "repos/big.txt": "needle beside the link\n",
    "repos/big-x/n.txt": "needle in big-x\n",
    "repos/bigger/n.txt": "needle in bigger\n",
    "repos/a/n.txt": "needle in a\n",
}
LINKED_PATHS = [".", "repos", "repos/big", "repos/big/src", "/workspace/repos/big/a b"]
LINKED_GREP_CASES: list[dict[str, Any]] = [
    {"pattern": "needle"},
    {"pattern": "NEEDLE", "ignore_case": True},
    {"pattern": "needle", "glob": "*.md"},
    {"pattern": "needle", "max_matches": 4},
]


@pytest.fixture
def linked_sandboxes(tricky_workspace: Path, tmp_path: Path) -> tuple[FilesOnlySandbox, FilesOnlySandbox]:
    checkouts = {}
    for name in ("big", "alpha"):
        checkout = tmp_path / "checkouts" / name
        for relative, text in LINKED_FILES.items():
            (checkout / relative).parent.mkdir(parents=True, exist_ok=True)
            (checkout / relative).write_text(text, encoding="utf-8")
        (tricky_workspace / "repos").mkdir(exist_ok=True)
        (tricky_workspace / "repos" / name).symlink_to(checkout, target_is_directory=True)
        checkouts[f"repos/{name}"] = checkout
    for relative, text in NEIGHBOURS.items():
        (tricky_workspace / relative).parent.mkdir(parents=True, exist_ok=True)
        (tricky_workspace / relative).write_text(text, encoding="utf-8")
    with_rg = FilesOnlySandbox(tricky_workspace, read_only=checkouts)
    without = FilesOnlySandbox(tricky_workspace, use_ripgrep=False, read_only=checkouts)
    assert with_rg.uses_ripgrep
    return with_rg, without


@pytest.mark.parametrize("path", LINKED_PATHS)
@pytest.mark.parametrize("arguments", LINKED_GREP_CASES, ids=lambda case: str(sorted(case.items())))
def test_grep_through_linked_repositories_answers_the_same_with_ripgrep_and_in_python(
    linked_sandboxes: tuple[FilesOnlySandbox, FilesOnlySandbox], path: str, arguments: dict[str, Any]
) -> None:
    with_rg, without = linked_sandboxes

    through_rg = GrepTool(with_rg).run({**arguments, "path": path}).content

    assert through_rg == GrepTool(without).run({**arguments, "path": path}).content
    assert "/checkouts/" not in through_rg


@pytest.mark.parametrize("path", LINKED_PATHS)
def test_find_through_linked_repositories_answers_the_same_with_ripgrep_and_in_python(
    linked_sandboxes: tuple[FilesOnlySandbox, FilesOnlySandbox], path: str
) -> None:
    with_rg, without = linked_sandboxes

    through_rg = FindTool(with_rg).run({"pattern": "*", "path": path}).content

    assert through_rg == FindTool(without).run({"pattern": "*", "path": path}).content


@pytest.mark.parametrize("use_ripgrep", [True, False], ids=["ripgrep", "python"])
def test_linked_repositories_are_searched_where_their_names_fall_in_walk_order(
    linked_sandboxes: tuple[FilesOnlySandbox, FilesOnlySandbox], use_ripgrep: bool
) -> None:
    sandbox = linked_sandboxes[0 if use_ripgrep else 1]

    found = list(sandbox.files_containing("repos", "needle"))

    assert found == [
        "repos/CHECKOUTS.md",
        "repos/a/n.txt",
        "repos/alpha/README.md",
        "repos/alpha/src/.hidden.py",
        "repos/alpha/src/app.py",
        "repos/big/README.md",
        "repos/big/src/.hidden.py",
        "repos/big/src/app.py",
        "repos/big-x/n.txt",
        "repos/big.txt",
        "repos/bigger/n.txt",
    ]
