"""The core tool set: stable specs, and failures reaching the model as observations through Toolbox."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentcore.models import ToolCall
from agentcore.sandbox import Sandbox
from agentcore.tools import Toolbox
from agentcore.tools.core import core_tools
from tests.tools.conftest import FilesOnlySandbox, MakeFile


def spec_bytes(sandbox: Sandbox) -> list[bytes]:
    return [json.dumps(tool.spec.model_dump()).encode() for tool in core_tools(sandbox)]


def test_the_core_tools_are_the_five_the_model_sees(sandbox: FilesOnlySandbox) -> None:
    assert Toolbox(core_tools(sandbox)).names() == ["find", "grep", "read_file", "shell", "write"]


def test_every_spec_is_byte_identical_across_constructions(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()

    first = spec_bytes(FilesOnlySandbox(tmp_path / "one"))
    second = spec_bytes(FilesOnlySandbox(tmp_path / "two"))

    assert first == second
    assert all(b"tmp" not in spec for spec in first)


def test_every_argument_has_a_description(sandbox: FilesOnlySandbox) -> None:
    for tool in core_tools(sandbox):
        for name, schema in tool.spec.input_schema["properties"].items():
            assert schema.get("description"), f"{tool.spec.name}.{name} has no description"


def dispatch(sandbox: Sandbox, name: str, **arguments: object) -> tuple[str, bool]:
    result = Toolbox(core_tools(sandbox)).dispatch(ToolCall(id="c1", name=name, arguments=arguments))
    return result.content, result.is_error


def test_a_successful_call_is_not_an_error(sandbox: FilesOnlySandbox, make_file: MakeFile) -> None:
    make_file("a.txt", "hello\n")

    assert dispatch(sandbox, "read_file", path="a.txt") == ("lines 1–1 of 1; end of file\n     1\thello", False)


def test_a_missing_file_becomes_an_observation_without_the_local_path(
    sandbox: FilesOnlySandbox, workspace: Path
) -> None:
    content, is_error = dispatch(sandbox, "read_file", path="missing.txt")

    assert is_error
    assert content.startswith("error: missing.txt: no such file")
    assert str(workspace) not in content


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("grep", {"pattern": "(x"}, "error: invalid regex"),
        ("read_file", {"path": "../etc/passwd"}, "error: ../etc/passwd: '..' would leave the workspace"),
        ("write", {"path": "repos/x.py", "content": "x"}, "error: repos/x.py: repos/ holds the code as deployed"),
        ("find", {"path": "."}, "error: invalid arguments: pattern: Field required"),
        ("read_file", {"path": "a.txt", "offset": 0}, "error: invalid arguments: offset:"),
        ("shell", {"command": "   "}, "error: command is empty"),
    ],
    ids=["bad-regex", "path-escape", "read-only-folder", "missing-argument", "bad-offset", "empty-command"],
)
def test_tool_errors_become_observations(
    sandbox: FilesOnlySandbox, name: str, arguments: dict[str, object], expected: str
) -> None:
    content, is_error = dispatch(sandbox, name, **arguments)

    assert is_error
    assert content.startswith(expected)


def test_unknown_arguments_are_refused(sandbox: FilesOnlySandbox) -> None:
    content, is_error = dispatch(sandbox, "find", pattern="*", recursive=True)

    assert is_error
    assert "recursive" in content
