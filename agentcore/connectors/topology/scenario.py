"""ScenarioTopology: the resources of a scenario's `topology.json` (SCENARIOS.md).

The file is `{"resources": [{"id", "type", "name", "resourceGroup", "subscriptionId", "location",
"tags": {}, "dependsOn": [ids]}]}`. `id`, `type` and `name` are required; the rest may be missing or
null. Unknown fields are ignored (the format may grow). Anything else malformed is one ScenarioError
naming the file and the resource.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentcore.connectors.topology import Resource
from agentcore.errors import ScenarioError

MAX_TOPOLOGY_BYTES = 50_000_000
"""Largest topology.json read; a bigger one is refused rather than parsed into memory."""


class ScenarioTopology:
    """Reads `path` (a topology.json) on every call, so an edited file is seen at once."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def resources(self) -> list[Resource]:
        document = self._load()
        rows = document.get("resources", []) if isinstance(document, dict) else None
        if not isinstance(rows, list):
            raise ScenarioError(f"{self.path}: expected an object with a 'resources' list")
        resources = [self._resource(index, row) for index, row in enumerate(rows)]
        seen: dict[str, int] = {}
        for index, resource in enumerate(resources):
            first = seen.setdefault(resource.id.lower(), index)
            if first != index:
                raise ScenarioError(
                    f"{self.path}: resources[{index}] repeats the id of resources[{first}]: {resource.id}"
                )
        return resources

    def _load(self) -> Any:
        try:
            size = self.path.stat().st_size
            if size > MAX_TOPOLOGY_BYTES:
                raise ScenarioError(f"{self.path}: {size} bytes is more than the {MAX_TOPOLOGY_BYTES} allowed")
            return json.loads(self.path.read_bytes())
        except FileNotFoundError as e:
            raise ScenarioError(f"{self.path}: no such file") from e
        except (OSError, UnicodeDecodeError) as e:
            raise ScenarioError(f"{self.path}: cannot read: {e}") from e
        except json.JSONDecodeError as e:
            raise ScenarioError(f"{self.path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg})") from e

    def _resource(self, index: int, row: Any) -> Resource:
        where = f"{self.path}: resources[{index}]"
        if not isinstance(row, dict):
            raise ScenarioError(f"{where}: expected an object, got {type(row).__name__}")
        return Resource(
            id=_required_text(row, "id", where),
            type=_required_text(row, "type", where),
            name=_required_text(row, "name", where),
            resource_group=_text(row, "resourceGroup", where),
            subscription_id=_text(row, "subscriptionId", where),
            location=_text(row, "location", where),
            tags=_tags(row.get("tags"), where),
            depends_on=_depends_on(row.get("dependsOn"), where),
        )


def _required_text(row: dict[str, Any], key: str, where: str) -> str:
    value = _text(row, key, where)
    if value is None:
        raise ScenarioError(f"{where}: missing {key!r}")
    return value


def _text(row: dict[str, Any], key: str, where: str) -> str | None:
    value = row.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ScenarioError(f"{where}: {key!r} must be a string, got {type(value).__name__}")
    return value


def _tags(value: Any, where: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ScenarioError(f"{where}: 'tags' must be an object, got {type(value).__name__}")
    tags: dict[str, str] = {}
    for key, tag in value.items():
        if isinstance(tag, dict | list):
            raise ScenarioError(f"{where}: tag {key!r} must be a string, got {type(tag).__name__}")
        tags[str(key)] = "" if tag is None else str(tag)
    return tags


def _depends_on(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise ScenarioError(f"{where}: 'dependsOn' must be a list of resource ids")
    return tuple(dict.fromkeys(value))


__all__ = ["MAX_TOPOLOGY_BYTES", "ScenarioTopology"]
