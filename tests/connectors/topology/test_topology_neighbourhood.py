"""`neighbourhood`: the resources within N dependsOn-hops of one resource, following edges both ways."""

from __future__ import annotations

import pytest

from agentcore.connectors.topology import Resource, find_resource, neighbourhood
from agentcore.errors import UserInputError

SUB = "/subscriptions/0000/resourceGroups/rg-shop/providers"


def resource(name: str, kind: str, *depends_on: str) -> Resource:
    return Resource(id=f"{SUB}/{kind}/{name}", type=kind, name=name, depends_on=tuple(f"{SUB}/{d}" for d in depends_on))


# frontdoor -> checkout-api -> {checkout-db, plan}; payments-api -> checkout-db; lonely has no edges.
FRONTDOOR = resource("frontdoor", "Microsoft.Cdn/profiles", "Microsoft.Web/sites/checkout-api")
CHECKOUT = resource(
    "checkout-api", "Microsoft.Web/sites", "Microsoft.Sql/servers/checkout-db", "Microsoft.Web/serverfarms/plan"
)
DB = resource("checkout-db", "Microsoft.Sql/servers")
PLAN = resource("plan", "Microsoft.Web/serverfarms")
PAYMENTS = resource("payments-api", "Microsoft.Web/sites", "Microsoft.Sql/servers/checkout-db")
LONELY = resource("lonely", "Microsoft.Storage/storageAccounts")
ALL = [FRONTDOOR, CHECKOUT, DB, PLAN, PAYMENTS, LONELY]


def names(resources: list[Resource]) -> list[str]:
    return [r.name for r in resources]


def test_depth_one_follows_dependencies_and_dependents() -> None:
    assert names(neighbourhood(ALL, CHECKOUT.id, 1)) == ["frontdoor", "checkout-api", "checkout-db", "plan"]


def test_depth_zero_is_the_resource_alone() -> None:
    assert names(neighbourhood(ALL, CHECKOUT.id, 0)) == ["checkout-api"]


def test_depth_two_reaches_a_sibling_through_a_shared_dependency() -> None:
    assert names(neighbourhood(ALL, PAYMENTS.id, 2)) == ["checkout-api", "checkout-db", "payments-api"]


def test_no_focus_means_every_resource() -> None:
    assert neighbourhood(ALL, None, 0) == ALL


def test_ids_match_case_insensitively() -> None:
    assert names(neighbourhood(ALL, CHECKOUT.id.upper(), 0)) == ["checkout-api"]


def test_a_unique_name_stands_for_its_id() -> None:
    assert names(neighbourhood(ALL, "plan", 1)) == ["checkout-api", "plan"]


def test_an_unknown_resource_is_a_user_error_with_similar_names() -> None:
    with pytest.raises(UserInputError, match="no resource with id or name 'checkout'.*checkout-api"):
        neighbourhood(ALL, "checkout", 1)


def test_an_ambiguous_name_asks_for_an_id() -> None:
    twin = Resource(id="/subscriptions/1111/x/plan", type="Microsoft.Web/serverfarms", name="plan")
    with pytest.raises(UserInputError, match="2 resources are named 'plan'"):
        find_resource([*ALL, twin], "plan")


@pytest.mark.parametrize("depth", [-1, 11])
def test_a_depth_out_of_range_is_refused(depth: int) -> None:
    with pytest.raises(UserInputError, match="depth must be between 0 and 10"):
        neighbourhood(ALL, CHECKOUT.id, depth)


def test_a_dependency_cycle_terminates() -> None:
    a = Resource(id="/a", type="t", name="a", depends_on=("/b",))
    b = Resource(id="/b", type="t", name="b", depends_on=("/a",))
    assert names(neighbourhood([a, b], "/a", 10)) == ["a", "b"]
