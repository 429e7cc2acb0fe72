"""`topology show`: the workspace's topology.json, whole or around one resource."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from agentcore.connectors.commands.topology import main

RG = "/subscriptions/s1/resourceGroups/rg-shop/providers"
TOPOLOGY = {
    "resources": [
        {"id": f"{RG}/Microsoft.Web/sites/shop-api", "type": "Microsoft.Web/sites", "name": "shop-api",
         "resourceGroup": "rg-shop", "subscriptionId": "s1", "location": "westeurope",
         "dependsOn": [f"{RG}/Microsoft.Sql/servers/shop-sql"]},
        {"id": f"{RG}/Microsoft.Sql/servers/shop-sql", "type": "Microsoft.Sql/servers", "name": "shop-sql",
         "resourceGroup": "rg-shop", "subscriptionId": "s1", "location": "westeurope"},
        {"id": f"{RG}/Microsoft.Cache/redis/cache", "type": "Microsoft.Cache/redis", "name": "cache",
         "resourceGroup": "rg-shop", "subscriptionId": "s1", "location": "westeurope"},
    ]
}  # fmt: skip


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "topology.json").write_text(json.dumps(TOPOLOGY))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_show_lists_every_resource(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show")
    assert (code, err) == (0, "")
    assert out.startswith(
        "3 resources in 1 resource group, 1 subscription\nsubscription s1\n  resource group rg-shop\n"
    )
    assert "    - shop-api [Microsoft.Web/sites, westeurope]\n" in out
    assert "      depends on: shop-sql\n" in out


def test_around_shows_the_neighbourhood_and_marks_the_focus(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "show", "--around", "shop-sql", "--depth", "1")
    assert code == 0
    assert out.startswith("neighbourhood of shop-sql within 1 hop: 2 resources in 1 resource group")
    assert "shop-sql [Microsoft.Sql/servers, westeurope]  <- focus" in out
    assert "cache" not in out


def test_an_unknown_resource_is_one_line_and_exit_1(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "--around", "payments-db")
    assert (code, out) == (1, "")
    assert err == "topology: error: no resource with id or name 'payments-db' among 3 resources\n"


@pytest.mark.parametrize("depth", ["-1", "11", "two"])
def test_a_bad_depth_is_a_usage_error(workspace: Path, capsys: pytest.CaptureFixture[str], depth: str) -> None:
    code, _, err = run(capsys, "show", "--around", "cache", "--depth", depth)
    assert code == 2
    assert err.startswith("topology: error: argument --depth: ")


def test_a_workspace_without_topology_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "show")
    assert code == 1
    assert err == "topology: error: this workspace has no data/topology.json (the scenario records no topology)\n"


def test_a_malformed_topology_names_the_file(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "data" / "topology.json").write_text('{"resources": [{"id": "/x", "type": "t"}]}')
    code, _, err = run(capsys, "show")
    assert code == 1
    assert err == "topology: error: data/topology.json: resources[0]: missing 'name'\n"


def test_help_runs_as_a_module_and_exits_0(workspace: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "agentcore.connectors.commands.topology", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=workspace,
        env={"PYTHONPATH": str(Path(__file__).resolve().parents[3]), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0
    assert "topology show --around ID [--depth N]" in done.stdout
