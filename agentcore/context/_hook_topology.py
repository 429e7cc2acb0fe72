"""Hook: resource topology from the workspace's data/topology.json (Azure Resource Graph rows).

Rendered by `agentcore.connectors.topology.render_topology`, the same text `topology show` prints:
subscription → resource group → resource, with types, regions, tags and dependencies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from agentcore.connectors.topology import Resource, render_topology
from agentcore.context._text_budget import clip_chars
from agentcore.errors import AgentCoreError
from agentcore.sandbox import Sandbox

TOPOLOGY_PATH = "data/topology.json"
MAX_TOPOLOGY_BYTES = 5_000_000
MAX_RESOURCES = 60


def render_topology_hook(sandbox: Sandbox, budget_chars: int) -> str | None:
    """`## Resource topology`, or None when the workspace has no topology file."""
    try:
        size = sandbox.stat(TOPOLOGY_PATH).size
        if size > MAX_TOPOLOGY_BYTES:
            return _section(f"{TOPOLOGY_PATH} holds {size} bytes, too many to summarize; use `topology show`.")
        document = json.loads(sandbox.read_bytes(TOPOLOGY_PATH, 0, size))
    except FileNotFoundError:
        return None
    except (OSError, AgentCoreError, ValueError) as e:
        return _section(f"{TOPOLOGY_PATH} could not be read: {e}")
    rows = document.get("resources") if isinstance(document, dict) else None
    if not isinstance(rows, list):
        return _section(f"{TOPOLOGY_PATH} has no `resources` list.")
    resources = [resource for row in rows if (resource := _resource(row)) is not None]
    skipped = len(rows) - len(resources)
    text = render_topology(resources, max_resources=MAX_RESOURCES)
    if skipped:
        text += f"\n({skipped} malformed rows skipped)"
    return clip_chars(_section(text), budget_chars)


def _section(body: str) -> str:
    return f"## Resource topology ({TOPOLOGY_PATH}; `topology show` for more)\n{body}"


def _resource(row: Any) -> Resource | None:
    """A Resource from one row, or None when `id`, `type` or `name` is missing."""
    if not isinstance(row, Mapping):
        return None
    required = [row.get(key) for key in ("id", "type", "name")]
    if not all(isinstance(value, str) and value for value in required):
        return None
    tags = row.get("tags")
    depends_on = row.get("dependsOn")
    return Resource(
        id=str(row["id"]),
        type=str(row["type"]),
        name=str(row["name"]),
        resource_group=_text(row.get("resourceGroup")),
        subscription_id=_text(row.get("subscriptionId")),
        location=_text(row.get("location")),
        tags={str(k): str(v) for k, v in tags.items()} if isinstance(tags, Mapping) else {},
        depends_on=tuple(str(d) for d in depends_on if isinstance(d, str)) if isinstance(depends_on, list) else (),
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
