"""The `pr` stage's GitHub comes from settings: a token or a GitHub App; nothing configured, no host."""

from __future__ import annotations

from pathlib import Path

from agentcore.connectors.code.github import GitHubCodeHost
from agentcore.pipeline.wiring import build_dependencies
from tests.pipeline.pipeline_harness import pipeline_settings


def test_a_github_token_wires_a_github_pull_request_host(tmp_path: Path) -> None:
    deps = build_dependencies(pipeline_settings(tmp_path, github_token="ghp_token"))
    assert isinstance(deps.pull_request_host, GitHubCodeHost)
    assert "ghp_token" not in repr(deps.pull_request_host)


def test_without_github_settings_there_is_no_pull_request_host(tmp_path: Path) -> None:
    assert build_dependencies(pipeline_settings(tmp_path)).pull_request_host is None


def test_an_enterprise_api_url_is_where_the_host_points(tmp_path: Path) -> None:
    settings = pipeline_settings(tmp_path, github_token="t", github_api_url="https://ghe.example.com/api/v3")
    assert (
        repr(build_dependencies(settings).pull_request_host)
        == "GitHubCodeHost(base_url='https://ghe.example.com/api/v3')"
    )
