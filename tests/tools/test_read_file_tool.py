"""read_file: a header, numbered pages, clipped lines, binary files, and bounded memory on huge files."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentcore.errors import PathOutsideWorkspaceError, ToolError
from agentcore.tools import _line_stream, read_file
from agentcore.tools.read_file import ReadFileTool
from tests.tools.conftest import FilesOnlySandbox, MakeFile, run_measuring_peak_memory


def numbered_lines(count: int) -> str:
    return "".join(f"row {n}\n" for n in range(1, count + 1))


def test_a_small_file_is_shown_whole_with_a_header_and_cat_n_numbers(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("src/app.py", "import os\n\nprint(os.sep)\n")

    result = ReadFileTool(sandbox).run({"path": "src/app.py"})

    assert result.content == "lines 1–3 of 3; end of file\n     1\timport os\n     2\t\n     3\tprint(os.sep)"
    assert not result.is_error


def test_a_page_names_the_next_offset(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("log.txt", numbered_lines(500))

    result = ReadFileTool(sandbox).run({"path": "log.txt"})

    lines = result.content.splitlines()
    assert lines[0] == "lines 1–200 of 500; next offset 201"
    assert lines[1] == "     1\trow 1"
    assert lines[-1] == "   200\trow 200"


def test_offset_and_limit_choose_the_page(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("log.txt", numbered_lines(500))

    result = ReadFileTool(sandbox).run({"path": "log.txt", "offset": 499, "limit": 10})

    assert result.content == "lines 499–500 of 500; end of file\n   499\trow 499\n   500\trow 500"


def test_a_last_line_without_newline_and_crlf_endings_read_as_lines(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("win.txt", b"first\r\nsecond")

    result = ReadFileTool(sandbox).run({"path": "win.txt"})

    assert result.content == "lines 1–2 of 2; end of file\n     1\tfirst\n     2\tsecond"


def test_an_offset_past_the_end_is_a_tool_error_with_the_line_count(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("short.txt", numbered_lines(3))

    with pytest.raises(ToolError, match=r"offset 10 is past the end of the file \(3 lines\)"):
        ReadFileTool(sandbox).run({"path": "short.txt", "offset": 10})


def test_limit_above_2000_is_refused(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("a.txt", "a\n")

    with pytest.raises(ToolError, match="limit"):
        ReadFileTool(sandbox).run({"path": "a.txt", "limit": 2001})


def test_a_long_line_is_clipped_with_the_number_of_characters_cut(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("min.js", "é" * 2500 + "\nshort\n")

    result = ReadFileTool(sandbox).run({"path": "min.js"})

    first, second = result.content.splitlines()[1:]
    assert first == "     1\t" + "é" * 2000 + " … [500 characters cut]"
    assert second == "     2\tshort"


def test_a_binary_file_is_described_with_its_size_and_a_shell_hint(
    sandbox: FilesOnlySandbox, make_file: MakeFile
) -> None:
    make_file("bin/app.dll", b"MZ\x90\x00" + bytes(range(256)) * 4)

    result = ReadFileTool(sandbox).run({"path": "bin/app.dll"})

    assert "binary file (1028 bytes)" in result.content
    assert "xxd bin/app.dll" in result.content
    assert "MZ" not in result.content


def test_an_empty_file_says_so(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("empty.txt", "")

    assert "empty" in ReadFileTool(sandbox).run({"path": "empty.txt"}).content


def test_a_directory_is_a_tool_error_pointing_to_find(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("src/app.py", "x\n")

    with pytest.raises(ToolError, match="is a directory.*find"):
        ReadFileTool(sandbox).run({"path": "src"})


def test_a_missing_file_is_a_tool_error_naming_the_path_as_given(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(ToolError, match=r"^nope\.txt: no such file"):
        ReadFileTool(sandbox).run({"path": "nope.txt"})


def test_a_path_leaving_the_workspace_is_refused(sandbox: FilesOnlySandbox) -> None:
    with pytest.raises(PathOutsideWorkspaceError):
        ReadFileTool(sandbox).run({"path": "../outside.txt"})


def test_a_sparse_2_gb_file_pages_in_bounded_memory_and_counts_at_least(
    sandbox: FilesOnlySandbox, workspace: Path
) -> None:
    huge = workspace / "huge.log"
    with huge.open("wb") as f:
        f.write(numbered_lines(20_000).encode())
        f.truncate(2 * 1024**3)
    tool = ReadFileTool(sandbox)

    result, peak = run_measuring_peak_memory(lambda: tool.run({"path": "huge.log", "offset": 19_999, "limit": 2}))

    assert peak < 50 * 1024**2
    assert result.content.splitlines() == [
        "lines 19999–20000 of at least 20001; next offset 20001",
        " 19999\trow 19999",
        " 20000\trow 20000",
    ]


def test_a_10_mb_single_line_is_clipped_in_bounded_memory(sandbox: FilesOnlySandbox, workspace: Path) -> None:
    (workspace / "one-line.json").write_bytes(b"[" + b"1," * (5 * 1024**2) + b"1]")
    total_chars = 1 + 2 * 5 * 1024**2 + 2
    tool = ReadFileTool(sandbox)

    result, peak = run_measuring_peak_memory(lambda: tool.run({"path": "one-line.json"}))

    assert peak < 20 * 1024**2
    header, line = result.content.splitlines()
    assert header == "lines 1–1 of 1; end of file"
    assert line.endswith(f" … [{total_chars - 2000} characters cut]")


def test_lines_beyond_the_scan_limit_are_left_to_shell(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_file, "SCAN_LIMIT_BYTES", 1000)
    make_file("big.txt", numbered_lines(1000))

    with pytest.raises(ToolError, match="beyond the first .* use shell"):
        ReadFileTool(sandbox).run({"path": "big.txt", "offset": 900})


def test_a_page_stops_early_when_its_output_grows_too_big(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(read_file, "MAX_OUTPUT_CHARS", 50)
    make_file("log.txt", numbered_lines(100))

    result = ReadFileTool(sandbox).run({"path": "log.txt"})

    assert result.content.splitlines()[0] == "lines 1–4 of 100; next offset 5"


@pytest.mark.parametrize("chunk_bytes", [1, 2, 5, 64, 1024])
def test_pages_are_the_same_whatever_the_read_chunk_size(
    sandbox: FilesOnlySandbox, make_file: MakeFile, monkeypatch: pytest.MonkeyPatch, chunk_bytes: int
) -> None:
    monkeypatch.setattr(_line_stream, "CHUNK_BYTES", chunk_bytes)
    monkeypatch.setattr(read_file, "MAX_LINE_CHARS", 10)
    make_file("mixed.txt", "alpha\r\nβeta\n\n" + "long" + "é" * 30 + "\nend\r")
    tool = ReadFileTool(sandbox)

    whole = tool.run({"path": "mixed.txt"}).content
    tail = tool.run({"path": "mixed.txt", "offset": 4, "limit": 1}).content

    assert whole.splitlines() == [
        "lines 1–5 of 5; end of file",
        "     1\talpha",
        "     2\tβeta",
        "     3\t",
        "     4\tlongéééééé … [24 characters cut]",
        "     5\tend",
    ]
    assert tail.splitlines() == ["lines 4–4 of 5; next offset 5", "     4\tlongéééééé … [24 characters cut]"]
