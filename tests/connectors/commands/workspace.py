"""A workspace as the sandbox commands see it: repos/shop (shop_history.py), data/scenario.json and
data/deployments.jsonl. The incident is at 14:05 on the day of the history."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.connectors.code.shop_history import ShopHistory, build_shop

INCIDENT = "2026-03-01T14:05:00Z"


@dataclass(frozen=True)
class Workspace:
    root: Path
    shop: ShopHistory

    def deployments(self, *rows: dict[str, Any]) -> None:
        (self.root / "data" / "deployments.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))

    def scenario(self, **fields: Any) -> None:
        (self.root / "data" / "scenario.json").write_text(json.dumps(fields))


def make_workspace(root: Path) -> Workspace:
    (root / "data").mkdir(parents=True)
    shop = build_shop(root / "repos")
    shop.deployment_log.rename(root / "data" / "deployments.jsonl")
    workspace = Workspace(root, shop)
    workspace.scenario(
        name="shop-outage",
        incident_time=INCIDENT,
        services=[{"name": "shop-api", "repo": "shop", "app_role": "shop-api"}],
    )
    return workspace
