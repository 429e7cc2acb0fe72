"""`changes list`: deployments before the incident, newest first, with the commits each made live."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from agentcore.connectors.commands.changes import main
from tests.connectors.code.shop_history import at_hour, commit
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


def test_deployments_are_listed_newest_first_with_the_commits_they_made_live(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = workspace.shop.shas
    code, out, err = run(capsys, "list")
    assert (code, err) == (0, "")
    assert out == (
        "changes from 2026-02-22T14:05Z to 2026-03-01T14:05Z (incident time): 3 deployments, newest first\n"
        f"2026-03-01T13:30Z  shop-api -> prod  {shas['c5'][:10]}  v1.3  (35m before)\n"
        f"  3 new commits since {shas['c2'][:10]} (deployed 2026-03-01T10:30Z):\n"
        f"    {shas['c5'][:10]}  2026-03-01T13:00Z  Ana: Rename app to main and drop README\n"
        f"    {shas['c4'][:10]}  2026-03-01T12:00Z  Dee: Merge pull request #42 from acme/empty-cart [merge]\n"
        f"    {shas['c3'][:10]}  2026-03-01T11:00Z  Cy: Handle empty cart\n"
        "2026-03-01T11:45Z  billing -> prod  aaaaaaaaaa  (2h20m before)\n"
        "  (no repository for service 'billing' in data/scenario.json)\n"
        f"2026-03-01T10:30Z  shop-api -> prod  {shas['c2'][:10]}  v1.1 PR #41 by ben  (3h35m before)\n"
        "  first deployment on record here; deployed commit:\n"
        f"    {shas['c2'][:10]}  2026-03-01T10:00Z  Ben: Add discount codes (#41)\n"
        "details of one commit: changes show <sha> [--repo R]\n"
    )


def test_since_narrows_the_window_and_says_what_it_left_out(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "list", "--since", "1h")
    assert code == 0
    assert "1 deployment, newest first" in out
    assert "(2 earlier deployments; widen --since to see them)" in out


def test_service_keeps_one_service(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", "--service", "billing")
    assert "1 deployment," in out
    assert "shop-api ->" not in out


def test_deployments_after_the_incident_are_not_shown(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    shas = workspace.shop.shas
    workspace.deployments(
        {"time": "2026-03-01T10:30:00Z", "service": "shop-api", "environment": "prod", "commit": shas["c2"]},
        {"time": "2026-03-01T15:00:00Z", "service": "shop-api", "environment": "prod", "commit": shas["c5"]},
    )
    _, out, _ = run(capsys, "list")
    assert "1 deployment, newest first" in out
    assert "(1 deployment after 2026-03-01T14:05Z not shown)" in out
    assert shas["c5"][:10] not in out


def test_a_rollback_lists_the_commits_it_takes_away(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    shas = workspace.shop.shas
    workspace.deployments(
        {"time": "2026-03-01T13:00:00Z", "service": "shop-api", "environment": "prod", "commit": shas["c4"]},
        {"time": "2026-03-01T13:30:00Z", "service": "shop-api", "environment": "prod", "commit": shas["c2"]},
    )
    _, out, _ = run(capsys, "list")
    assert "  rollback: takes away 2 commits deployed 2026-03-01T13:00Z:\n" in out
    assert "Cy: Handle empty cart" in out


def test_a_redeploy_of_the_same_commit_has_no_new_commits(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    shas = workspace.shop.shas
    row = {"service": "shop-api", "environment": "prod", "commit": shas["c5"]}
    workspace.deployments({**row, "time": "2026-03-01T13:00:00Z"}, {**row, "time": "2026-03-01T13:30:00Z"})
    _, out, _ = run(capsys, "list")
    assert "  no new commits (the same commit as the deployment at 2026-03-01T13:00Z)" in out


def test_a_deployed_commit_the_clone_lacks_is_noted_not_fatal(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.deployments(
        {"time": "2026-03-01T13:00:00Z", "service": "shop-api", "environment": "prod", "commit": "f" * 40}
    )
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert f"  (no commit '{'f' * 40}' in shop)" in out


def test_a_service_whose_repository_is_missing_is_noted(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace.scenario(incident_time="2026-03-01T14:05:00Z", services=[{"name": "shop-api", "repo": "gone"}])
    _, out, _ = run(capsys, "list", "--service", "shop-api")
    assert "  (repos/gone is not in this workspace)" in out


def test_limit_caps_the_deployments_shown(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "list", "--limit", "1")
    assert "(2 more deployments in the window; raise --limit or narrow --since)" in out
    assert "billing" not in out


def test_a_deployment_with_many_commits_lists_the_newest_and_counts_the_rest(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = workspace.shop.path
    first = workspace.shop.shas["c5"]
    for n in range(15):
        (repo / "notes.txt").write_text(f"{n}\n")
        last = commit(repo, f"Note {n}", "Ben", at_hour(13, 31 + n))
    workspace.deployments(
        {"time": "2026-03-01T13:30:00Z", "service": "shop-api", "environment": "prod", "commit": first},
        {"time": "2026-03-01T14:00:00Z", "service": "shop-api", "environment": "prod", "commit": last},
    )
    _, out, _ = run(capsys, "list")
    assert "15 new commits since" in out
    assert "Ben: Note 14" in out
    assert "Ben: Note 2\n" not in out
    assert f"    (3 more; git -C repos/shop log --oneline {first[:10]}..{last[:10]})" in out


def test_without_deployments_the_commits_on_head_in_the_window_stand_in(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace.root / "data" / "deployments.jsonl").unlink()
    _, out, _ = run(capsys, "list", "--since", "3h")
    lines = out.splitlines()
    assert lines[0].endswith("(incident time): no deployments on record")
    assert lines[1:3] == [
        "commits on each repository's checked-out HEAD in the window instead:",
        "repos/shop: 2 commits",
    ]
    assert "Ana: Rename app to main and drop README" in out
    assert "Cy: Handle empty cart" not in out  # 11:00, before the window


def test_without_a_scenario_file_the_wall_clock_is_now(
    workspace: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    (workspace.root / "data" / "scenario.json").unlink()
    code, out, _ = run(capsys, "list", "--since", "1h")
    assert code == 0
    assert "(now; no data/scenario.json, so the wall clock)" in out


@pytest.mark.parametrize("since", ["6x", "soon", "0h", "-3d", "6 h", ""])
def test_a_since_that_does_not_parse_is_one_line_and_exit_2(
    workspace: Workspace, capsys: pytest.CaptureFixture[str], since: str
) -> None:
    code, out, err = run(capsys, "list", "--since", since)
    assert (code, out) == (2, "")
    assert err.startswith("changes: error: argument --since: ")
    assert err.count("\n") == 1


def test_an_unknown_service_names_the_known_ones(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "list", "--service", "payments")
    assert code == 1
    assert err == "changes: error: no service 'payments'; services: billing, shop, shop-api\n"


def test_a_malformed_deployment_log_names_the_line(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace.root / "data" / "deployments.jsonl").write_text('{"time": "yesterday", "service": "s"}\n')
    code, _, err = run(capsys, "list")
    assert code == 1
    assert "data/deployments.jsonl line 1: 'time' is not an ISO 8601 time" in err


def test_a_missing_subcommand_is_a_usage_error(workspace: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys)
    assert code == 2
    assert err == "changes: error: the following arguments are required: {list,show} (try changes --help)\n"


def test_help_runs_as_a_module_and_exits_0(workspace: Workspace) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agentcore.connectors.commands.changes", "list", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=workspace.root,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[3]), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: changes list [-h] [--service SERVICE] [--since SINCE] [--limit LIMIT]")
