"""The `sre-agent eval` command line: replay from a cassette, and bad input as one line with exit 2."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from agentcore.cli import main
from agentcore.evals import RecordingModelClient, load_cases, read_scorecard, run_eval
from agentcore.testing import ScriptedModel, reply
from tests.evals.test_eval_runs import CHECKOUT, GRADE, agent_turns, dependencies


def test_the_cli_re_scores_a_recorded_run_offline_from_its_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "checkout.jsonl"
    recording = RecordingModelClient(ScriptedModel([*agent_turns(1), reply(GRADE)]), cassette)
    deps = dependencies(tmp_path / "recorded", None)
    recorded = run_eval(load_cases([CHECKOUT]), replace(deps, model=recording), judge=recording)
    out = tmp_path / "replayed"
    assert main(["eval", str(CHECKOUT), "--replay", str(cassette), "--out", str(out), "--sandbox", "subprocess"]) == 0
    card = read_scorecard(out)
    assert (card.mode, card.judge) == ("replay:checkout", "replay:checkout")
    assert card.cases[0].runs[0].correct is recorded.cases[0].runs[0].correct is True
    assert card.cases[0].runs[0].judge is not None
    assert card.cases[0].runs[0].judge.verdict == "correct"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["eval"], "give one or more cases"),
        (["eval", str(CHECKOUT), "--runs", "0"], "--runs 0: must be at least 1"),
        (["eval", "README.md"], "none of the paths is a case: README.md: neither a scenario"),
        (["eval", "--compare", "nowhere-a", "nowhere-b"], "nowhere-a: No such file or directory"),
        (["eval", str(CHECKOUT), "--record", "a.jsonl", "--replay", "b.jsonl"], "exclude each other"),
    ],
)
def test_bad_eval_input_is_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    monkeypatch.setenv("SRE_AGENT_DATA_DIR", str(tmp_path / "data"))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err
    assert len(err.strip().splitlines()) == 1
