"""`changes show`: one commit's header, pull requests, files and a capped diff."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agentcore.connectors.commands.changes import main
from tests.connectors.commands.workspace import Workspace, make_workspace


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    made = make_workspace(tmp_path / "ws")
    monkeypatch.chdir(made.root)
    return made


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_commit_shows_header_pull_request_files_and_diff(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = workspace.shop.shas["c2"]
    code, out, err = run(capsys, "show", sha[:8])
    assert (code, err) == (0, "")
    assert out == (
        f"commit {sha}  (repos/shop)\n"
        "author Ben, committed 2026-03-01T10:00Z\n"
        "pull requests: #41 Add discount codes\n"
        "\n"
        "    Add discount codes (#41)\n"
        "\n"
        "files (1 changed, +1 -0):\n"
        "  M  app.py  +1 -0\n"
        "\n"
        "diff (8 lines):\n"
        "diff --git a/app.py b/app.py\n"
        f"index {out.split('index ')[1].split(chr(10))[0]}\n"
        "--- a/app.py\n"
        "+++ b/app.py\n"
        "@@ -1,2 +1,3 @@\n"
        " def total(cart):\n"
        "     return sum(cart)\n"
        "+DISCOUNT_CODES = {'SPRING': 10}\n"
    )


def test_a_long_diff_is_cut_with_a_note_on_how_to_see_the_rest(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    sha = workspace.shop.shas["c1"]
    _, out, _ = run(capsys, "show", sha, "--max-lines", "3")
    assert "diff (first 3 of 15 lines):\n" in out
    assert out.endswith(
        f"(diff cut: 12 more lines; one file: git -C repos/shop show {sha[:10]} -- <path>, or raise --max-lines)\n"
    )


def test_a_merge_commit_says_its_diff_is_against_the_first_parent(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "show", workspace.shop.shas["c4"])
    assert "merge of " in out
    assert "(files and diff against the first parent)" in out
    assert "  A  cart.py  +2 -0" in out


def test_a_rename_shows_both_paths(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "show", workspace.shop.shas["c5"])
    assert "  R  app.py -> main.py  +0 -0" in out
    assert "  D  README.md  +0 -1" in out


def test_a_sha_that_does_not_exist_is_one_line_and_exit_1(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "show", "0123456789abcdef")
    assert (code, out) == (1, "")
    assert err == "changes: error: no commit '0123456789abcdef' in repos/shop\n"


def test_an_option_smuggled_in_as_a_sha_is_refused(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "--repo", "shop", "--", "--output=/tmp/pwned")
    assert code == 1
    assert "not a commit name" in err


def test_an_unknown_repo_is_refused(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "HEAD", "--repo", "../../etc")
    assert code == 1
    assert err == "changes: error: not a repository name: '../../etc'\n"


def test_a_name_found_in_two_repositories_asks_for_repo(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(workspace.shop.path, workspace.root / "repos" / "shop-copy", symlinks=True)
    (workspace.root / "repos" / "shop-copy" / "extra").write_text("x")
    code, _, err = run(capsys, "show", "HEAD")
    assert code == 1
    assert err == "changes: error: 'HEAD' names commits in shop, shop-copy; pass --repo\n"
