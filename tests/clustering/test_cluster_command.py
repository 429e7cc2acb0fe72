"""`sre-agent cluster`: plain lines to an assignments CSV anyone can score, and a scenario to a stored report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from agentcore.cli import main

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


def test_lines_get_an_assignment_row_each(tmp_path: Path) -> None:
    lines = tmp_path / "app.log"
    lines.write_text("job 17 failed\njob 18 failed\n\ndisk /dev/sda1 is full\n")
    out = tmp_path / "out.csv"
    assert main(["cluster", "--lines", str(lines), "--assignments", str(out), "--data-dir", str(tmp_path / "d")]) == 0
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["line"] for row in rows] == ["1", "2", "3", "4"]
    assert rows[0]["cluster_id"] == rows[1]["cluster_id"] != rows[3]["cluster_id"]
    assert rows[0]["template"] == "job <*> failed"


def test_a_scenario_is_clustered_up_to_its_incident_and_the_report_is_stored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    args = ["cluster", "--scenario", str(EXAMPLES / "checkout-bad-deploy"), "--data-dir", str(data), "--json"]
    assert main(args) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["records"] == 42
    assert report["clusters"][0]["frames"][0]["file"].endswith("coupons.py")
    assert list((data / "blobs").rglob("clustering/*/*/*/*.md"))


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--lines", "app.log"], "--lines needs --assignments"),
        (["--lines", "missing.log", "--assignments", "out.csv"], "--lines missing.log"),
        (["--since", "yesterday", "--scenario", str(EXAMPLES / "checkout-bad-deploy")], "--since 'yesterday'"),
        ([], "no log store is configured"),
    ],
    ids=["lines-without-assignments", "missing-lines-file", "bad-window", "nothing-to-cluster"],
)
def test_a_user_error_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], arguments: list[str],
    message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    (tmp_path / "app.log").write_text("x\n")
    assert main(["cluster", *arguments, "--data-dir", str(tmp_path / "d")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err
