"""build_model_client: each way of configuring a provider, and the one-line ConfigErrors."""

from __future__ import annotations

import pytest

from agentcore.errors import ConfigError
from agentcore.models import ModelClient
from agentcore.models.anthropic import AnthropicModelClient
from agentcore.models.factory import DEFAULT_MODELS, build_model_client
from agentcore.models.openai import OpenAIModelClient
from agentcore.settings import Settings
from agentcore.telemetry.ledger import InMemoryLedger

ENVIRONMENT = (
    "ANTHROPIC_API_KEY",
    "OPENAI_API_KEY",
    "AZURE_OPENAI_ENDPOINT",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "OPENAI_BASE_URL",
    "ANTHROPIC_BASE_URL",
    "SRE_AGENT_MODEL",
    "SRE_AGENT_BASE_URL",
    "SRE_AGENT_ANTHROPIC_API_KEY",
    "SRE_AGENT_OPENAI_API_KEY",
    "SRE_AGENT_AZURE_OPENAI_ENDPOINT",
    "SRE_AGENT_AZURE_OPENAI_API_KEY",
)
ENDPOINT = "https://contoso-aoai.openai.azure.com"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)


def build(**fields: object) -> ModelClient | None:
    return build_model_client(Settings(**fields), ledger=InMemoryLedger())  # type: ignore[arg-type]


def config_error(**fields: object) -> str:
    with pytest.raises(ConfigError) as caught:
        build(**fields)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_nothing_configured_means_evidence_only_mode() -> None:
    assert build() is None


def test_anthropic_model_with_its_key() -> None:
    client = build(model="anthropic:claude-opus-4-6", anthropic_api_key="sk-ant-x")
    assert isinstance(client, AnthropicModelClient)
    assert client.model == "claude-opus-4-6"


def test_openai_model_with_its_key() -> None:
    client = build(model="openai:gpt-4.1", openai_api_key="sk-x")
    assert isinstance(client, OpenAIModelClient)
    assert (client.provider, client.model) == ("openai", "gpt-4.1")


def test_base_url_turns_openai_into_openai_compatible_without_a_key() -> None:
    client = build(model="openai:qwen3-8b", base_url="http://127.0.0.1:8080/v1")
    assert isinstance(client, OpenAIModelClient)
    assert (client.provider, client.model) == ("openai-compatible", "qwen3-8b")


def test_openai_compatible_model_with_a_base_url() -> None:
    client = build(model="openai-compatible:llama-3.1-8b", base_url="http://127.0.0.1:8000/v1", openai_api_key="k")
    assert client is not None
    assert (client.provider, client.model) == ("openai-compatible", "llama-3.1-8b")


def test_azure_openai_model_is_the_deployment() -> None:
    client = build(model="azure-openai:sre-gpt", azure_openai_endpoint=ENDPOINT, azure_openai_api_key="az-key")
    assert isinstance(client, OpenAIModelClient)
    assert (client.provider, client.model) == ("azure-openai", "sre-gpt")


def test_azure_openai_without_a_key_uses_entra_id() -> None:
    client = build(model="azure-openai:sre-gpt", azure_openai_endpoint=ENDPOINT)
    assert client is not None
    assert client.provider == "azure-openai"


def test_only_an_anthropic_key_picks_the_default_anthropic_model() -> None:
    client = build(anthropic_api_key="sk-ant-x")
    assert isinstance(client, AnthropicModelClient)
    assert client.model == DEFAULT_MODELS["anthropic"]


def test_only_an_openai_key_picks_the_default_openai_model() -> None:
    client = build(openai_api_key="sk-x")
    assert client is not None
    assert (client.provider, client.model) == ("openai", DEFAULT_MODELS["openai"])


def test_keys_are_read_from_the_providers_own_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-env")
    monkeypatch.setenv("SRE_AGENT_MODEL", "anthropic:claude-haiku-4-5")
    client = build_model_client(Settings(), ledger=None)
    assert client is not None
    assert (client.provider, client.model) == ("anthropic", "claude-haiku-4-5")


def test_several_providers_without_a_model_is_an_error() -> None:
    message = config_error(anthropic_api_key="sk-ant-x", openai_api_key="sk-x")
    assert "SRE_AGENT_MODEL" in message


def test_azure_endpoint_alone_needs_a_deployment_name() -> None:
    assert "SRE_AGENT_MODEL=azure-openai:<deployment>" in config_error(azure_openai_endpoint=ENDPOINT)


def test_base_url_alone_needs_a_model_name() -> None:
    assert "SRE_AGENT_MODEL=openai-compatible:<model>" in config_error(base_url="http://127.0.0.1:8080/v1")


def test_unknown_provider_is_an_error() -> None:
    assert "unknown provider 'mistral'" in config_error(model="mistral:large")


def test_model_without_a_provider_is_an_error() -> None:
    assert "provider:model" in config_error(model="claude-sonnet-4-6")


def test_anthropic_without_its_key_names_the_key() -> None:
    assert "ANTHROPIC_API_KEY" in config_error(model="anthropic:claude-sonnet-4-6")


def test_openai_without_its_key_names_the_key() -> None:
    assert "OPENAI_API_KEY" in config_error(model="openai:gpt-4.1")


def test_azure_openai_without_an_endpoint_names_the_endpoint() -> None:
    assert "AZURE_OPENAI_ENDPOINT" in config_error(model="azure-openai:sre-gpt", azure_openai_api_key="az-key")


def test_openai_compatible_without_a_base_url_names_it() -> None:
    assert "SRE_AGENT_BASE_URL" in config_error(model="openai-compatible:qwen3-8b")


def test_base_url_with_another_provider_is_contradictory() -> None:
    message = config_error(model="anthropic:claude-sonnet-4-6", anthropic_api_key="k", base_url="http://127.0.0.1:1")
    assert "SRE_AGENT_BASE_URL" in message
