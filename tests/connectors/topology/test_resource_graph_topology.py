"""AzureResourceGraphTopology against pinned Resource Graph HTTP (respx): query, token, paging, mapping, errors."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import respx
from azure.core.credentials import AccessToken
from azure.core.exceptions import ClientAuthenticationError

from agentcore.connectors.topology import Resource, Topology, TopologyError
from agentcore.connectors.topology.azure import AzureResourceGraphTopology, parent_resource_id
from agentcore.errors import ConfigError

ENDPOINT = "https://management.azure.com"
URL = f"{ENDPOINT}/providers/Microsoft.ResourceGraph/resources"
RG = "/subscriptions/0000/resourceGroups/rg-shop/providers"
SECRET_TOKEN = "eyJ0eXAi.secret-token"


class FakeCredential:
    """An azure-identity style credential that records the scopes it was asked for."""

    def __init__(self, *, fail: bool = False) -> None:
        self.scopes: list[tuple[str, ...]] = []
        self.fail = fail

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        if self.fail:
            raise ClientAuthenticationError("ManagedIdentityCredential: no identity endpoint")
        return AccessToken(SECRET_TOKEN, int(time.time()) + 3600)


def row(name: str, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{RG}/{kind}/{name}",
        "type": kind.lower(),
        "name": name,
        "resourceGroup": "rg-shop",
        "subscriptionId": "0000",
        "location": "westeurope",
        "tags": None,
        "dependsOn": ["", "", "", "", "", "", "", ""],
        **extra,
    }


def page(rows: list[dict[str, Any]], skip_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "totalRecords": 3,
        "count": len(rows),
        "resultTruncated": "false",
        "data": rows,
        "facets": [],
    }
    if skip_token:
        body["$skipToken"] = skip_token
    return body


@pytest.fixture
def graph() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as router:
        yield router


def topology(credential: FakeCredential | None = None) -> AzureResourceGraphTopology:
    return AzureResourceGraphTopology(credential or FakeCredential(), subscriptions=["0000", "1111"])


def test_the_query_is_posted_with_a_bearer_token_for_the_management_scope(graph: respx.MockRouter) -> None:
    route = graph.post(URL).mock(return_value=httpx.Response(200, json=page([])))
    credential = FakeCredential()
    source = topology(credential)
    assert isinstance(source, Topology)
    assert source.resources() == []
    request = route.calls.last.request
    assert request.url.params["api-version"] == "2022-10-01"
    assert request.headers["Authorization"] == f"Bearer {SECRET_TOKEN}"
    body = json.loads(request.content)
    assert body["subscriptions"] == ["0000", "1111"]
    assert body["query"].startswith(
        "Resources\n| project id, type, name, resourceGroup, subscriptionId, location, tags"
    )
    assert body["options"] == {"$top": 1000, "resultFormat": "objectArray"}
    assert credential.scopes == [("https://management.azure.com/.default",)]


def test_pages_are_followed_with_the_skip_token(graph: respx.MockRouter) -> None:
    route = graph.post(URL).mock(
        side_effect=[
            httpx.Response(200, json=page([row("a", "Microsoft.Web/sites")], skip_token="page-2")),
            httpx.Response(200, json=page([row("b", "Microsoft.Web/sites")])),
        ]
    )
    assert [r.name for r in topology().resources()] == ["a", "b"]
    assert "$skipToken" not in json.loads(route.calls[0].request.content)["options"]
    assert json.loads(route.calls[1].request.content)["options"]["$skipToken"] == "page-2"


def test_rows_map_to_resources_with_inferred_dependencies(graph: respx.MockRouter) -> None:
    plan = f"{RG}/Microsoft.Web/serverfarms/plan"
    site = row("api", "Microsoft.Web/sites", tags={"service": "checkout"}, dependsOn=[plan, "", "", "", "", "", "", ""])
    database = row("shop-sql/databases/orders", "Microsoft.Sql/servers")
    graph.post(URL).mock(return_value=httpx.Response(200, json=page([site, database])))
    api, orders = topology().resources()
    assert api == Resource(
        id=f"{RG}/Microsoft.Web/sites/api",
        type="microsoft.web/sites",
        name="api",
        resource_group="rg-shop",
        subscription_id="0000",
        location="westeurope",
        tags={"service": "checkout"},
        depends_on=(plan,),
    )
    assert orders.depends_on == (f"{RG}/Microsoft.Sql/servers/shop-sql",)


def test_rows_without_an_id_are_skipped(graph: respx.MockRouter) -> None:
    graph.post(URL).mock(return_value=httpx.Response(200, json=page([{"name": "ghost"}, row("a", "t/x")])))
    assert [r.name for r in topology().resources()] == ["a"]


def test_a_refused_identity_is_a_config_error_without_the_token(graph: respx.MockRouter) -> None:
    refusal = {"error": {"code": "AuthorizationFailed", "message": "The client does not have authorization"}}
    graph.post(URL).mock(return_value=httpx.Response(403, json=refusal))
    with pytest.raises(ConfigError, match="403 AuthorizationFailed: The client does not have authorization") as caught:
        topology().resources()
    assert SECRET_TOKEN not in str(caught.value)


def test_a_server_failure_is_a_topology_error(graph: respx.MockRouter) -> None:
    graph.post(URL).mock(return_value=httpx.Response(503, text="busy"))
    with pytest.raises(TopologyError, match="Resource Graph answered 503"):
        topology().resources()


def test_an_unreachable_service_is_a_topology_error(graph: respx.MockRouter) -> None:
    graph.post(URL).mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(TopologyError, match="did not answer: ConnectError"):
        topology().resources()


def test_a_credential_that_cannot_get_a_token_is_a_config_error(graph: respx.MockRouter) -> None:
    with pytest.raises(ConfigError, match="no token for Azure Resource Graph"):
        topology(FakeCredential(fail=True)).resources()


def test_a_sovereign_cloud_endpoint_sets_the_token_scope(graph: respx.MockRouter) -> None:
    china = "https://management.chinacloudapi.cn"
    graph.post(f"{china}/providers/Microsoft.ResourceGraph/resources").mock(
        return_value=httpx.Response(200, json=page([]))
    )
    credential = FakeCredential()
    AzureResourceGraphTopology(credential, subscriptions=["0000"], endpoint=china + "/").resources()
    assert credential.scopes == [(f"{china}/.default",)]


def test_no_subscriptions_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="at least one subscription"):
        AzureResourceGraphTopology(FakeCredential(), subscriptions=[])


@pytest.mark.parametrize(
    ("resource_id", "parent"),
    [
        (f"{RG}/Microsoft.Sql/servers/s/databases/d", f"{RG}/Microsoft.Sql/servers/s"),
        (
            f"{RG}/Microsoft.Web/sites/a/providers/Microsoft.Insights/diagnosticSettings/x",
            f"{RG}/Microsoft.Web/sites/a",
        ),
        (f"{RG}/Microsoft.Web/sites/a", None),
        ("/subscriptions/0000/resourceGroups/rg-shop", None),
    ],
)
def test_child_and_extension_resources_depend_on_their_parent(resource_id: str, parent: str | None) -> None:
    assert parent_resource_id(resource_id) == parent


def test_a_huge_estate_stops_at_max_resources(graph: respx.MockRouter) -> None:
    rows = [row(f"r{n}", "t/x") for n in range(3)]
    graph.post(URL).mock(return_value=httpx.Response(200, json=page(rows, skip_token="more")))
    source = AzureResourceGraphTopology(FakeCredential(), subscriptions=["0000"], max_resources=2)
    assert [r.name for r in source.resources()] == ["r0", "r1"]
