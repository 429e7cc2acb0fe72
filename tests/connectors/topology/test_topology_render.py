"""`render_topology`: subscriptions → resource groups → resources, deterministic and capped."""

from __future__ import annotations

import random

from agentcore.connectors.topology import Resource, render_topology


def rid(sub: str, group: str, kind: str, name: str) -> str:
    return f"/subscriptions/{sub}/resourceGroups/{group}/providers/{kind}/{name}"


API = Resource(
    id=rid("sub-a", "rg-shop", "Microsoft.Web/sites", "checkout-api"),
    type="Microsoft.Web/sites",
    name="checkout-api",
    resource_group="rg-shop",
    subscription_id="sub-a",
    location="westeurope",
    tags={"service": "checkout", "env": "prod"},
    depends_on=(
        rid("sub-a", "rg-data", "Microsoft.Sql/servers", "shop-sql"),
        rid("sub-z", "rg-elsewhere", "Microsoft.Cache/redis", "not-listed"),
    ),
)
SQL = Resource(
    id=rid("sub-a", "rg-data", "Microsoft.Sql/servers", "shop-sql"),
    type="Microsoft.Sql/servers",
    name="shop-sql",
    resource_group="rg-data",
    subscription_id="sub-a",
    location="westeurope",
)
VAULT = Resource(
    id=rid("sub-b", "rg-sec", "Microsoft.KeyVault/vaults", "kv"),
    type="Microsoft.KeyVault/vaults",
    name="kv",
    resource_group="rg-sec",
    subscription_id="sub-b",
)

EXPECTED = """\
3 resources in 3 resource groups, 2 subscriptions
subscription sub-a
  resource group rg-data
    - shop-sql [Microsoft.Sql/servers, westeurope]
      id: /subscriptions/sub-a/resourceGroups/rg-data/providers/Microsoft.Sql/servers/shop-sql
  resource group rg-shop
    - checkout-api [Microsoft.Web/sites, westeurope]
      id: /subscriptions/sub-a/resourceGroups/rg-shop/providers/Microsoft.Web/sites/checkout-api
      tags: env=prod, service=checkout
      depends on: /subscriptions/sub-z/resourceGroups/rg-elsewhere/providers/Microsoft.Cache/redis/not-listed, shop-sql
subscription sub-b
  resource group rg-sec
    - kv [Microsoft.KeyVault/vaults, no region]
      id: /subscriptions/sub-b/resourceGroups/rg-sec/providers/Microsoft.KeyVault/vaults/kv"""


def test_resources_are_grouped_by_subscription_then_resource_group() -> None:
    assert render_topology([VAULT, API, SQL]) == EXPECTED


def test_the_text_does_not_depend_on_input_order() -> None:
    shuffled = [API, SQL, VAULT]
    random.Random(7).shuffle(shuffled)
    assert render_topology(shuffled) == render_topology([SQL, VAULT, API])


def test_the_focus_is_marked_and_named_in_the_header() -> None:
    text = render_topology([API, SQL, VAULT], around="shop-sql")
    assert text.splitlines()[0].endswith("; focus: shop-sql")
    assert "    - shop-sql [Microsoft.Sql/servers, westeurope]  <- focus" in text


def test_a_long_listing_ends_with_how_many_more_there_are() -> None:
    many = [Resource(id=f"/r/{n:03}", type="t", name=f"r{n:03}") for n in range(25)]
    text = render_topology(many, max_resources=10)
    assert "r009" in text
    assert "r010" not in text
    assert text.endswith("(truncated: 15 more)")


def test_many_dependencies_are_capped_with_a_count() -> None:
    hub = Resource(id="/hub", type="t", name="hub", depends_on=tuple(f"/dep/{n:02}" for n in range(20)))
    assert "/dep/11 (8 more)" in render_topology([hub])


def test_resources_without_group_or_subscription_are_still_shown() -> None:
    text = render_topology([Resource(id="/x", type="t", name="x")])
    assert "subscription (unknown)\n  resource group (none)\n    - x [t, no region]" in text


def test_no_resources_says_so() -> None:
    assert render_topology([]) == "no resources"
