"""The Topology port: which Azure resources exist, where, and what each depends on.

Adapters: `ScenarioTopology` (a scenario's `topology.json`, in `agentcore.connectors.topology.scenario`)
and `AzureResourceGraphTopology` (Azure Resource Graph over REST, in
`agentcore.connectors.topology.azure`). Import adapters from their modules so that the port never
pulls in a vendor SDK.

`neighbourhood` and `render_topology` are pure: the "resource topology" hook and the sandbox's
`topology show` command both render through them, so the agent sees one format whoever answered.
Azure resource ids are case-insensitive; every comparison here is too.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from agentcore.errors import AgentCoreError, UserInputError

MAX_RENDERED_RESOURCES = 200
"""Resources `render_topology` shows before it says how many more there are."""

MAX_RENDERED_DEPENDENCIES = 12
"""Dependencies listed per resource before a "(N more)" note."""

MAX_RENDERED_TAGS = 8
"""Tags listed per resource before a "(N more)" note."""

MAX_DEPTH = 10
"""Deepest neighbourhood `neighbourhood` walks."""


class TopologyError(AgentCoreError):
    """A topology source could not be read (the service refused or failed); not a bad argument."""


@dataclass(frozen=True)
class Resource:
    """One Azure resource, in the shape of an Azure Resource Graph row (see SCENARIOS.md)."""

    id: str
    type: str
    name: str
    resource_group: str | None = None
    subscription_id: str | None = None
    location: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    """Ids of the resources this one needs; they may be outside the listing."""


@runtime_checkable
class Topology(Protocol):
    """A source of resources."""

    def resources(self) -> list[Resource]:
        """Every resource the source knows, in a stable order. Raise TopologyError if it cannot answer."""
        ...


def find_resource(resources: Sequence[Resource], wanted: str) -> Resource:
    """The resource whose id (or, failing that, whose unique name) is `wanted`, case-insensitively.

    Raise UserInputError when nothing matches or a name is ambiguous; the message suggests close names.
    """
    key = wanted.strip().lower()
    for resource in resources:
        if resource.id.lower() == key:
            return resource
    named = [r for r in resources if r.name.lower() == key]
    if len(named) == 1:
        return named[0]
    if named:
        ids = ", ".join(sorted(r.id for r in named)[:5])
        raise UserInputError(f"{len(named)} resources are named {wanted!r}; pass one of their ids: {ids}")
    close = sorted({r.name for r in resources if key and (key in r.name.lower() or r.name.lower() in key)})[:5]
    hint = f"; similar names: {', '.join(close)}" if close else ""
    raise UserInputError(f"no resource with id or name {wanted!r} among {len(resources)} resources{hint}")


def neighbourhood(resources: Sequence[Resource], around: str | None, depth: int) -> list[Resource]:
    """The resources within `depth` dependsOn-hops of `around`, following edges both ways.

    `around` is a resource id or a unique name (see `find_resource`); None means every resource.
    Depth 0 is the resource alone. The result keeps the order of `resources`.
    """
    if around is None:
        return list(resources)
    if not 0 <= depth <= MAX_DEPTH:
        raise UserInputError(f"depth must be between 0 and {MAX_DEPTH}, got {depth}")
    start = find_resource(resources, around).id.lower()
    edges = _undirected_edges(resources)
    reached = {start: 0}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        if reached[current] == depth:
            continue
        for neighbour in sorted(edges[current]):
            if neighbour not in reached:
                reached[neighbour] = reached[current] + 1
                queue.append(neighbour)
    return [r for r in resources if r.id.lower() in reached]


def _undirected_edges(resources: Iterable[Resource]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for resource in resources:
        source = resource.id.lower()
        for target in resource.depends_on:
            edges[source].add(target.lower())
            edges[target.lower()].add(source)
    return edges


def render_topology(
    resources: Sequence[Resource], around: str | None = None, *, max_resources: int = MAX_RENDERED_RESOURCES
) -> str:
    """Subscriptions → resource groups → resources, each with its type, region, id, tags and dependencies.

    Deterministic: groups and resources are sorted case-insensitively, whatever order they came in.
    `around` (an id or unique name) marks that resource as the focus; it does not filter (use
    `neighbourhood` for that). After `max_resources` resources a "(truncated: N more)" line ends the text.
    """
    if not resources:
        return "no resources"
    focus_resource = find_resource(resources, around) if around is not None else None
    focus = focus_resource.id.lower() if focus_resource is not None else None
    names = _dependency_labels(resources)
    ordered = sorted(resources, key=_sort_key)
    shown = ordered[:max_resources]
    groups = {(r.subscription_id or "", r.resource_group or "") for r in resources}
    subscriptions = {r.subscription_id or "" for r in resources}
    lines = [
        f"{_count(len(resources), 'resource')} in {_count(len(groups), 'resource group')}, "
        f"{_count(len(subscriptions), 'subscription')}"
        + (f"; focus: {focus_resource.name}" if focus_resource is not None else "")
    ]
    current_subscription: str | None = None
    current_group: str | None = None
    for resource in shown:
        subscription, group = resource.subscription_id or "", resource.resource_group or ""
        if subscription != current_subscription:
            lines.append(f"subscription {subscription or '(unknown)'}")
            current_subscription, current_group = subscription, None
        if group != current_group:
            lines.append(f"  resource group {group or '(none)'}")
            current_group = group
        lines.extend(_resource_lines(resource, names, resource.id.lower() == focus))
    if len(ordered) > len(shown):
        lines.append(f"(truncated: {len(ordered) - len(shown)} more)")
    return "\n".join(lines)


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _dependency_labels(resources: Sequence[Resource]) -> dict[str, str]:
    """Id -> the label a dependency on it gets: the name when no other listed resource shares it."""
    counts: dict[str, int] = defaultdict(int)
    for resource in resources:
        counts[resource.name.lower()] += 1
    return {r.id.lower(): r.name if counts[r.name.lower()] == 1 else r.id for r in resources}


def _sort_key(resource: Resource) -> tuple[str, str, str, str]:
    return (
        (resource.subscription_id or "").lower(),
        (resource.resource_group or "").lower(),
        resource.name.lower(),
        resource.id.lower(),
    )


def _resource_lines(resource: Resource, names: Mapping[str, str], is_focus: bool) -> list[str]:
    marker = "  <- focus" if is_focus else ""
    lines = [f"    - {resource.name} [{resource.type}, {resource.location or 'no region'}]{marker}"]
    lines.append(f"      id: {resource.id}")
    if resource.tags:
        tags = [f"{key}={resource.tags[key]}" for key in sorted(resource.tags, key=str.lower)]
        lines.append(f"      tags: {_capped(tags, MAX_RENDERED_TAGS)}")
    if resource.depends_on:
        targets = sorted({names.get(target.lower(), target) for target in resource.depends_on}, key=str.lower)
        lines.append(f"      depends on: {_capped(targets, MAX_RENDERED_DEPENDENCIES)}")
    return lines


def _capped(items: Sequence[str], limit: int) -> str:
    text = ", ".join(items[:limit])
    return text + (f" ({len(items) - limit} more)" if len(items) > limit else "")


__all__ = [
    "MAX_DEPTH",
    "MAX_RENDERED_RESOURCES",
    "Resource",
    "Topology",
    "TopologyError",
    "find_resource",
    "neighbourhood",
    "render_topology",
]
