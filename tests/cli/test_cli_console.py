"""Where output is piped, the CLI writes what rich would have written there, without rich: plain lines."""

from __future__ import annotations

import pytest

from agentcore._cli_console import CliConsole


def test_markup_tags_are_dropped_from_a_piped_line(capsys: pytest.CaptureFixture[str]) -> None:
    CliConsole(stderr=True).print("[bold]sre-agent[/] investigating — [dim]agent[/] ([bold yellow]x[/])")
    assert capsys.readouterr().err == "sre-agent investigating — agent (x)\n"


def test_text_printed_without_markup_is_written_as_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    text = '{"title": "[bold] stays :fire: too", "n": 1}'
    CliConsole(stderr=False).print(text, markup=False, soft_wrap=True)
    assert capsys.readouterr().out == text + "\n"


def test_a_long_line_is_not_wrapped_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    line = "step   1  " + "x" * 150
    CliConsole(stderr=True).print(line)
    assert capsys.readouterr().err == line + "\n"


def test_a_spinner_draws_nothing_when_piped(capsys: pytest.CaptureFixture[str]) -> None:
    with CliConsole(stderr=True).status("starting") as status:
        status.update("step 1")
    assert capsys.readouterr().err == ""
