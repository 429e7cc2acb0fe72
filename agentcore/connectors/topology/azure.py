"""AzureResourceGraphTopology: the resources of some subscriptions, from Azure Resource Graph over REST.

One KQL query (`RESOURCE_QUERY`) is POSTed to `/providers/Microsoft.ResourceGraph/resources` with a
bearer token from an azure-identity credential, and pages are followed with `$skipToken`.

Resource Graph has no dependsOn column, so dependencies are inferred: a child resource
(`.../servers/s/databases/d`) depends on its parent, and a resource depends on the resources named by
a few well-known properties (`DEPENDENCY_PROPERTIES`: an App Service plan, a Container Apps
environment, a subnet, a Log Analytics workspace, ...). That misses links made in application
settings or connection strings; the agent reads those from the code.

No retries here: the topology hook is best-effort, and a failed stage is redelivered by its queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

import httpx
from azure.core.credentials import AccessToken, TokenCredential
from azure.core.exceptions import ClientAuthenticationError

from agentcore.connectors.topology import Resource, TopologyError
from agentcore.errors import ConfigError, UserInputError

logger = logging.getLogger(__name__)

API_VERSION = "2022-10-01"
PAGE_SIZE = 1000
"""`$top` per page; 1000 is the service's maximum."""

TIMEOUT_S = 30.0
"""Per HTTP request."""

TOKEN_REFRESH_MARGIN_S = 300
"""A token this close to expiry is refreshed before the next page."""

DEPENDENCY_PROPERTIES = (
    "serverFarmId",
    "managedEnvironmentId",
    "environmentId",
    "virtualNetworkSubnetId",
    "WorkspaceResourceId",
    "workspaceResourceId",
    "serverId",
    "storageAccountId",
)
"""Properties whose value is the id of a resource the row depends on."""

RESOURCE_QUERY = (
    "Resources\n"
    "| project id, type, name, resourceGroup, subscriptionId, location, tags,\n"
    "    dependsOn = pack_array("
    + ", ".join(f"tostring(properties.{name})" for name in DEPENDENCY_PROPERTIES)
    + ")\n| order by id asc"
)


class AzureResourceGraphTopology:
    """Resources of `subscriptions` as Azure Resource Graph sees them, ordered by id.

    `endpoint` is the Azure Resource Manager endpoint (sovereign clouds have their own); the token's
    scope is `<endpoint>/.default`. `max_resources` bounds a huge estate: the listing stops there
    with a warning in the log.
    """

    def __init__(
        self,
        credential: TokenCredential,
        *,
        subscriptions: Sequence[str],
        endpoint: str = "https://management.azure.com",
        http_client: httpx.Client | None = None,
        max_resources: int = 5000,
    ) -> None:
        if not subscriptions:
            raise ConfigError("AzureResourceGraphTopology needs at least one subscription id")
        self._credential = credential
        self._subscriptions = list(subscriptions)
        self._endpoint = endpoint.rstrip("/")
        self._http_client = http_client
        self._max_resources = max_resources
        self._token: AccessToken | None = None

    @classmethod
    def with_default_credential(
        cls, *, subscriptions: Sequence[str], managed_identity_client_id: str | None = None
    ) -> AzureResourceGraphTopology:
        """The Function App's managed identity (a user-assigned one by client id), or a developer login."""
        from azure.identity import DefaultAzureCredential

        return cls(DefaultAzureCredential(managed_identity_client_id=managed_identity_client_id),
                   subscriptions=subscriptions)  # fmt: skip

    def __repr__(self) -> str:
        return f"AzureResourceGraphTopology(endpoint={self._endpoint!r}, subscriptions={len(self._subscriptions)})"

    def resources(self) -> list[Resource]:
        if self._http_client is not None:
            return self._all_pages(self._http_client)
        with httpx.Client(timeout=TIMEOUT_S) as client:
            return self._all_pages(client)

    def _all_pages(self, client: httpx.Client) -> list[Resource]:
        resources: list[Resource] = []
        skip_token: str | None = None
        while True:
            page = self._page(client, skip_token)
            resources.extend(_resource(row) for row in _rows(page) if _usable(row))
            skip_token = page.get("$skipToken") or None
            if skip_token is None:
                return resources
            if len(resources) >= self._max_resources:
                logger.warning("Resource Graph listing stopped at %d resources (max_resources)", len(resources))
                return resources[: self._max_resources]

    def _page(self, client: httpx.Client, skip_token: str | None) -> dict[str, Any]:
        options: dict[str, Any] = {"$top": PAGE_SIZE, "resultFormat": "objectArray"}
        if skip_token:
            options["$skipToken"] = skip_token
        body = {"subscriptions": self._subscriptions, "query": RESOURCE_QUERY, "options": options}
        url = f"{self._endpoint}/providers/Microsoft.ResourceGraph/resources"
        headers = {"Authorization": f"Bearer {self._bearer()}"}
        try:
            response = client.post(url, params={"api-version": API_VERSION}, json=body, headers=headers)
        except httpx.HTTPError as e:
            raise TopologyError(f"Resource Graph at {self._endpoint} did not answer: {type(e).__name__}") from e
        if response.status_code != 200:
            raise _refusal(response)
        try:
            page = response.json()
        except ValueError as e:
            raise TopologyError("Resource Graph answered 200 with a body that is not JSON") from e
        if not isinstance(page, dict):
            raise TopologyError("Resource Graph answered 200 with an unexpected body")
        return page

    def _bearer(self) -> str:
        token = self._token
        if token is None or token.expires_on - TOKEN_REFRESH_MARGIN_S <= time.time():
            try:
                token = self._credential.get_token(f"{self._endpoint}/.default")
            except ClientAuthenticationError as e:
                raise ConfigError(f"no token for Azure Resource Graph: {e.message}") from e
            self._token = token
        return token.token


def _refusal(response: httpx.Response) -> Exception:
    code, message = "", ""
    try:
        error = response.json().get("error") or {}
        code, message = str(error.get("code", "")), str(error.get("message", ""))
    except (ValueError, AttributeError):
        pass
    what = f"Resource Graph answered {response.status_code} {code}: {message}".rstrip(": ")
    if response.status_code in (401, 403):
        return ConfigError(f"{what} (does the identity have Reader on the subscriptions?)")
    if response.status_code == 400:
        return UserInputError(what)
    return TopologyError(what)


def _rows(page: dict[str, Any]) -> list[Any]:
    data = page.get("data")
    if isinstance(data, list):
        return data
    raise TopologyError("Resource Graph page has no 'data' array (was resultFormat objectArray honoured?)")


def _usable(row: Any) -> bool:
    ok = isinstance(row, dict) and all(isinstance(row.get(key), str) and row[key] for key in ("id", "type", "name"))
    if not ok:
        logger.warning("skipped a Resource Graph row without id, type and name")
    return ok


def _resource(row: dict[str, Any]) -> Resource:
    tags = row.get("tags")
    linked = row.get("dependsOn")
    depends_on = (
        [item for item in linked if isinstance(item, str) and item.startswith("/")] if isinstance(linked, list) else []
    )
    parent = parent_resource_id(row["id"])
    if parent:
        depends_on.insert(0, parent)
    return Resource(
        id=row["id"],
        type=row["type"],
        name=row["name"],
        resource_group=_optional_text(row.get("resourceGroup")),
        subscription_id=_optional_text(row.get("subscriptionId")),
        location=_optional_text(row.get("location")),
        tags={str(k): "" if v is None else str(v) for k, v in tags.items()} if isinstance(tags, dict) else {},
        depends_on=tuple(dict.fromkeys(d for d in depends_on if d.lower() != row["id"].lower())),
    )


def _optional_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def parent_resource_id(resource_id: str) -> str | None:
    """The id of the resource a child or extension resource belongs to, else None.

    `.../servers/s/databases/d` -> `.../servers/s`; `.../sites/a/providers/Microsoft.Insights/x/y` -> `.../sites/a`.
    """
    segments = resource_id.strip("/").split("/")
    lowered = [segment.lower() for segment in segments]
    if "providers" not in lowered:
        return None
    start = len(lowered) - 1 - lowered[::-1].index("providers")
    type_and_names = segments[start + 2 :]
    if len(type_and_names) % 2:
        return None
    if len(type_and_names) >= 4:
        return "/" + "/".join(segments[:-2])
    if lowered.index("providers") < start:  # an extension resource: .../sites/a/providers/X/settings/s
        return "/" + "/".join(segments[:start])
    return None


__all__ = ["API_VERSION", "DEPENDENCY_PROPERTIES", "RESOURCE_QUERY", "AzureResourceGraphTopology", "parent_resource_id"]
