"""infra/ declares the sandbox the code expects: a custom-container session pool of the sandbox image, no
egress, the Session Executor role for the app's identity, and the pool's endpoint in the app's settings."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = (ROOT / "infra" / "sandbox.bicep").read_text(encoding="utf-8")
RESOURCES = (ROOT / "infra" / "resources.bicep").read_text(encoding="utf-8")
SESSION_EXECUTOR = "0fb8eba5-a2bb-4abe-b1c1-49dfad359bb0"


def test_the_pool_runs_the_sandbox_image_as_custom_containers_without_egress() -> None:
    assert "resource pool 'Microsoft.App/sessionPools@" in SANDBOX
    assert "containerType: 'CustomContainer'" in SANDBOX
    assert "sessionNetworkConfiguration: { status: 'EgressDisabled' }" in SANDBOX
    assert "/sre-agent-sandbox:${imageTag}'" in SANDBOX


def test_the_pool_forwards_to_the_port_the_image_listens_on() -> None:
    [entry] = re.findall(r"^ENTRYPOINT\s+(.+)$", (ROOT / "Dockerfile").read_text(encoding="utf-8"), re.MULTILINE)
    argv = json.loads(entry)
    port = argv[argv.index("--port") + 1]

    assert f"ingress: {{ targetPort: {port} }}" in SANDBOX


def test_the_apps_identity_may_execute_sessions_and_pull_the_image() -> None:
    assert f"var sessionExecutor = '{SESSION_EXECUTOR}'" in SANDBOX
    assert "scope: pool" in SANDBOX
    assert "scope: registry" in SANDBOX


def test_the_app_reads_the_pools_endpoint() -> None:
    setting = "{ name: 'SRE_AGENT_SANDBOX_POOL_ENDPOINT', value: sandbox.outputs.poolManagementEndpoint }"

    assert setting in RESOURCES
    assert "output poolManagementEndpoint string = pool.properties.poolManagementEndpoint" in SANDBOX


def test_azd_builds_the_image_and_points_the_pool_at_it() -> None:
    azure_yaml = (ROOT / "azure.yaml").read_text(encoding="utf-8")

    assert "az acr build" in azure_yaml
    assert "--file Dockerfile" in azure_yaml
    assert "az containerapp sessionpool update" in azure_yaml
