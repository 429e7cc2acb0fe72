"""grep: `path:line: text` answers in walk order, globs, context, caps, and refusals of bad or huge input."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import ToolError
from agentcore.tools import _line_stream, grep
from agentcore.tools.grep import GrepTool
from tests.tools.conftest import FilesOnlySandbox, MakeFile, run_measuring_peak_memory


def test_matches_come_in_walk_order_then_by_line_and_are_summarized(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("b.py", "timeout = 5\nretry = 3\ntimeout += 1\n")
    make_file("a/deep/z.py", "no\nTIMEOUT\ntimeout()\n")
    make_file("a.txt", "timeout\n")

    result = GrepTool(sandbox).run({"pattern": r"timeout"})

    assert result.content.splitlines() == [
        "a/deep/z.py:3: timeout()",
        "a.txt:1: timeout",
        "b.py:1: timeout = 5",
        "b.py:3: timeout += 1",
        "(4 matches in 3 files)",
    ]


def test_ignore_case_matches_regardless_of_case(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("z.py", "no\nTIMEOUT\n")

    result = GrepTool(sandbox).run({"pattern": "timeout", "ignore_case": True})

    assert result.content.splitlines()[0] == "z.py:2: TIMEOUT"


def test_a_name_glob_keeps_matching_files_at_any_depth(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("src/api/handler.cs", "var timeout = 30;\n")
    make_file("src/api/handler.py", "timeout = 30\n")
    make_file("Program.cs", "// timeout\n")

    result = GrepTool(sandbox).run({"pattern": "timeout", "glob": "*.cs"})

    assert [line.split(":")[0] for line in result.content.splitlines()[:-1]] == ["Program.cs", "src/api/handler.cs"]


def test_a_path_glob_matches_below_the_searched_folder(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("repo/src/a/x.cs", "hit\n")
    make_file("repo/src/y.cs", "hit\n")
    make_file("repo/tests/z.cs", "hit\n")

    result = GrepTool(sandbox).run({"pattern": "hit", "path": "repo", "glob": "src/**/*.cs"})

    assert result.content.splitlines()[:-1] == ["repo/src/a/x.cs:1: hit", "repo/src/y.cs:1: hit"]


def test_context_lines_use_dashes_and_groups_are_separated(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("f.txt", "one\ntwo\nHIT\nfour\nfive\nsix\nseven\nHIT\nnine\n")

    result = GrepTool(sandbox).run({"pattern": "HIT", "context": 1})

    assert result.content.splitlines()[:-1] == [
        "f.txt-2- two",
        "f.txt:3: HIT",
        "f.txt-4- four",
        "--",
        "f.txt-7- seven",
        "f.txt:8: HIT",
        "f.txt-9- nine",
    ]


def test_overlapping_context_is_shown_once(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("f.txt", "a\nHIT\nb\nHIT\nc\n")

    result = GrepTool(sandbox).run({"pattern": "HIT", "context": 2})

    assert result.content.splitlines()[:-1] == [
        "f.txt-1- a",
        "f.txt:2: HIT",
        "f.txt-3- b",
        "f.txt:4: HIT",
        "f.txt-5- c",
    ]


def test_max_matches_caps_the_answer_and_says_so(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("a.log", "error\n" * 50)
    make_file("b.log", "error\n")

    result = GrepTool(sandbox).run({"pattern": "error", "max_matches": 10})

    lines = result.content.splitlines()
    assert lines[9] == "a.log:10: error"
    assert "stopped at max_matches=10" in lines[10]
    assert lines[-1] == "(10 matches in 1 file)"


def test_max_matches_above_1000_is_refused(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(ToolError, match="max_matches"):
        GrepTool(sandbox).run({"pattern": "x", "max_matches": 1001})


def test_an_invalid_regex_is_a_tool_error_with_the_regex_error(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(ToolError, match=r"invalid regex '\(unclosed': missing \), unterminated subpattern"):
        GrepTool(sandbox).run({"pattern": "(unclosed"})


def test_git_folders_and_binary_files_are_skipped(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file(".git/config", "needle\n")
    make_file("repo/.git/HEAD", "needle\n")
    make_file("blob.bin", b"needle\x00\x01")
    make_file("notes.md", "needle\n")

    result = GrepTool(sandbox).run({"pattern": "needle"})

    assert result.content.splitlines() == [
        "notes.md:1: needle",
        "(1 match in 1 file)",
    ]


def test_a_long_line_is_shown_clipped_around_a_far_match(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("bundle.js", "a" * 5000 + "NEEDLE" + "b" * 3000 + "\n")

    line = GrepTool(sandbox).run({"pattern": "NEEDLE"}).content.splitlines()[0]

    assert line.startswith("bundle.js:1: [4900 characters cut] … aaa")
    assert "NEEDLE" in line
    assert line.endswith(f" … [{8006 - 4900 - grep.SHOWN_CHARS} characters cut]")


def test_only_the_first_search_chars_of_a_line_are_searched(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("huge-line.txt", "x" * grep.SEARCH_CHARS + "NEEDLE\n")

    result = GrepTool(sandbox).run({"pattern": "NEEDLE"})

    assert result.content == "(0 matches in 0 files)"


def test_a_10_mb_line_is_searched_without_reading_it_whole(sandbox: FilesOnlySandbox, workspace: Path) -> None:
    (workspace / "dump.json").write_bytes(b'{"status": 503, "pad": "' + b"x" * 10 * 1024**2 + b'"}\nstatus 200\n')

    result, peak = run_measuring_peak_memory(lambda: GrepTool(sandbox).run({"pattern": r"status\W+\d+"}))

    assert peak < 20 * 1024**2
    lines = result.content.splitlines()
    assert lines[0].startswith('dump.json:1: {"status": 503, "pad": "xxx')
    assert lines[0].endswith(f" … [{24 + 10 * 1024**2 + 2 - grep.SHOWN_CHARS} characters cut]")
    assert lines[1] == "dump.json:2: status 200"


def test_the_scan_limit_stops_the_search_with_a_note(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grep, "SCAN_LIMIT_BYTES", 100)
    make_file("a.log", "hit\n" * 100)
    make_file("b.log", "hit\n")

    result = GrepTool(sandbox).run({"pattern": "hit"})

    assert "a.log:25: hit" in result.content
    assert "b.log" not in result.content
    assert "stopped after reading" in result.content


def test_a_glob_matching_no_file_says_so(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("a.py", "x\n")

    result = GrepTool(sandbox).run({"pattern": "x", "glob": "*.cs"})

    assert result.content.splitlines() == [
        "no files matching glob '*.cs' under .",
        "(0 matches in 0 files)",
    ]


def test_a_single_file_can_be_searched(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("src/a.py", "x = 1\n")
    make_file("src/b.py", "x = 2\n")

    result = GrepTool(sandbox).run({"pattern": "x", "path": "src/b.py"})

    assert result.content.splitlines()[0] == "src/b.py:1: x = 2"


def test_a_missing_path_is_a_tool_error(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(ToolError, match="^nowhere: no such file"):
        GrepTool(sandbox).run({"pattern": "x", "path": "nowhere"})


@pytest.mark.parametrize("chunk_bytes", [1, 3, 8, 4096])
def test_line_numbers_and_context_are_the_same_whatever_the_read_chunk_size(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(_line_stream, "CHUNK_BYTES", chunk_bytes)
    make_file("app.log", "ok\r\nWARN disk\r\nok\nok\nok\nWARN café\nok")

    result = GrepTool(sandbox).run({"pattern": "^WARN", "context": 1})

    assert result.content.splitlines()[:-1] == [
        "app.log-1- ok",
        "app.log:2: WARN disk",
        "app.log-3- ok",
        "--",
        "app.log-5- ok",
        "app.log:6: WARN café",
        "app.log-7- ok",
    ]


def test_a_scan_limit_reached_at_the_end_of_a_file_still_says_where_it_stopped(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(grep, "SCAN_LIMIT_BYTES", 8)
    make_file("a.log", "hit\nhit\n")
    make_file("b.log", "hit\n")

    result = GrepTool(sandbox).run({"pattern": "hit"})

    assert result.content.splitlines()[:3] == [
        "a.log:1: hit",
        "a.log:2: hit",
        "stopped after reading 8 B, at b.log; the rest was not searched. Narrow path or glob, "
        "or use shell (`grep -rn`).",
    ]
