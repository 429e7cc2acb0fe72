"""ScenarioTopology reads a scenario's topology.json; anything malformed is one error naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentcore.connectors.topology import Resource, Topology
from agentcore.connectors.topology.scenario import ScenarioTopology
from agentcore.errors import ScenarioError, UserInputError

API_ID = "/subscriptions/0000/resourceGroups/rg-shop/providers/Microsoft.Web/sites/checkout-api"
DB_ID = "/subscriptions/0000/resourceGroups/rg-shop/providers/Microsoft.Sql/servers/shop-sql"


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "topology.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_rows_in_the_resource_graph_shape_become_resources(tmp_path: Path) -> None:
    row = {
        "id": API_ID,
        "type": "Microsoft.Web/sites",
        "name": "checkout-api",
        "resourceGroup": "rg-shop",
        "subscriptionId": "0000",
        "location": "westeurope",
        "tags": {"service": "checkout"},
        "dependsOn": [DB_ID],
        "kind": "app,linux",
    }
    topology = ScenarioTopology(write(tmp_path, {"resources": [row], "generatedBy": "hand"}))
    assert isinstance(topology, Topology)
    assert topology.resources() == [
        Resource(
            id=API_ID,
            type="Microsoft.Web/sites",
            name="checkout-api",
            resource_group="rg-shop",
            subscription_id="0000",
            location="westeurope",
            tags={"service": "checkout"},
            depends_on=(DB_ID,),
        )
    ]


def test_only_id_type_and_name_are_required(tmp_path: Path) -> None:
    path = write(
        tmp_path, {"resources": [{"id": DB_ID, "type": "Microsoft.Sql/servers", "name": "shop-sql", "tags": None}]}
    )
    assert ScenarioTopology(path).resources() == [Resource(id=DB_ID, type="Microsoft.Sql/servers", name="shop-sql")]


def test_an_empty_document_has_no_resources(tmp_path: Path) -> None:
    assert ScenarioTopology(write(tmp_path, {})).resources() == []


def test_invalid_json_is_a_scenario_error_naming_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, '{"resources": [\n  {"id": "x",}\n]}')
    with pytest.raises(ScenarioError, match=r"topology\.json: not valid JSON \(line 2"):
        ScenarioTopology(path).resources()


def test_a_scenario_error_is_a_user_input_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError):
        ScenarioTopology(write(tmp_path, "[]")).resources()


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"topology\.json: no such file"):
        ScenarioTopology(tmp_path / "topology.json").resources()


@pytest.mark.parametrize(
    ("document", "complaint"),
    [
        ({"resources": {"id": "x"}}, "expected an object with a 'resources' list"),
        ({"resources": ["x"]}, r"resources\[0\]: expected an object, got str"),
        ({"resources": [{"type": "t", "name": "n"}]}, r"resources\[0\]: missing 'id'"),
        ({"resources": [{"id": "/a", "type": "t", "name": 3}]}, r"resources\[0\]: 'name' must be a string, got int"),
        ({"resources": [{"id": "/a", "type": "t", "name": "n", "dependsOn": "/b"}]}, "'dependsOn' must be a list"),
        ({"resources": [{"id": "/a", "type": "t", "name": "n", "tags": ["x"]}]}, "'tags' must be an object"),
        ({"resources": [{"id": "/a", "type": "t", "name": "n", "tags": {"k": {"v": 1}}}]}, "tag 'k' must be a string"),
    ],
)
def test_a_malformed_resource_is_named_with_its_index(tmp_path: Path, document: Any, complaint: str) -> None:
    path = write(tmp_path, document)
    with pytest.raises(ScenarioError, match=rf"{tmp_path}/topology\.json: .*{complaint}"):
        ScenarioTopology(path).resources()


def test_a_repeated_id_is_refused_whatever_its_case(tmp_path: Path) -> None:
    rows = [{"id": DB_ID, "type": "t", "name": "a"}, {"id": DB_ID.upper(), "type": "t", "name": "b"}]
    with pytest.raises(ScenarioError, match=r"resources\[1\] repeats the id of resources\[0\]"):
        ScenarioTopology(write(tmp_path, {"resources": rows})).resources()
