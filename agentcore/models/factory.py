"""Choose and build the ModelClient from settings, at the edge. None means evidence-only mode.

`SRE_AGENT_MODEL` is `provider:model` with provider one of `anthropic`, `openai`, `azure-openai` (the
model is the deployment name) or `openai-compatible`; `SRE_AGENT_BASE_URL` turns `openai` into
`openai-compatible`. With no model set, the one configured provider gets a default model.
"""

from __future__ import annotations

from agentcore.errors import ConfigError
from agentcore.models import ModelClient
from agentcore.settings import Settings
from agentcore.telemetry.ledger import ModelCallLedger

PROVIDERS = ("anthropic", "openai", "azure-openai", "openai-compatible")
DEFAULT_MODELS = {"anthropic": "claude-sonnet-4-6", "openai": "gpt-5.4"}
"""Used only when SRE_AGENT_MODEL is unset and exactly one provider is configured."""


def build_model_client(settings: Settings, *, ledger: ModelCallLedger | None) -> ModelClient | None:
    """The configured ModelClient, None when no provider is configured; ConfigError names what to set."""
    if settings.model is None:
        provider = _only_configured_provider(settings)
        if provider is None:
            return None
        model = _default_model(provider)
    else:
        provider, model = _parse_model(settings.model, settings)
    if provider == "anthropic":
        return _anthropic(model, settings, ledger)
    if provider == "azure-openai":
        return _azure_openai(model, settings, ledger)
    return _openai(provider, model, settings, ledger)


def _parse_model(value: str, settings: Settings) -> tuple[str, str]:
    provider, sep, model = value.partition(":")
    provider, model = provider.strip().lower(), model.strip()
    if not sep or not model:
        raise ConfigError(f"SRE_AGENT_MODEL={value!r} must be provider:model, e.g. anthropic:claude-sonnet-4-6")
    if provider not in PROVIDERS:
        raise ConfigError(f"SRE_AGENT_MODEL names unknown provider {provider!r}; use one of {', '.join(PROVIDERS)}")
    if provider == "openai" and settings.base_url:
        provider = "openai-compatible"
    if settings.base_url and provider != "openai-compatible":
        raise ConfigError(f"SRE_AGENT_BASE_URL is for OpenAI-compatible servers; unset it to use {provider}")
    return provider, model


def _only_configured_provider(settings: Settings) -> str | None:
    configured = []
    if settings.anthropic_api_key is not None:
        configured.append("anthropic")
    if settings.azure_openai_endpoint or settings.azure_openai_api_key is not None:
        configured.append("azure-openai")
    if settings.base_url:
        configured.append("openai-compatible")
    elif settings.openai_api_key is not None:
        configured.append("openai")
    if len(configured) > 1:
        raise ConfigError(
            f"several model providers are configured ({', '.join(configured)}); choose one with SRE_AGENT_MODEL"
        )
    return configured[0] if configured else None


def _default_model(provider: str) -> str:
    if provider == "azure-openai":
        raise ConfigError("Azure OpenAI needs its deployment name: set SRE_AGENT_MODEL=azure-openai:<deployment>")
    if provider == "openai-compatible":
        raise ConfigError(
            "an OpenAI-compatible server needs a model name: set SRE_AGENT_MODEL=openai-compatible:<model>"
        )
    return DEFAULT_MODELS[provider]


def _anthropic(model: str, settings: Settings, ledger: ModelCallLedger | None) -> ModelClient:
    from agentcore.models.anthropic import AnthropicModelClient

    if settings.anthropic_api_key is None:
        raise ConfigError(f"model anthropic:{model} needs ANTHROPIC_API_KEY")
    return AnthropicModelClient(model, api_key=settings.anthropic_api_key.get_secret_value(), ledger=ledger)


def _azure_openai(deployment: str, settings: Settings, ledger: ModelCallLedger | None) -> ModelClient:
    from agentcore.models.openai import OpenAIModelClient

    if not settings.azure_openai_endpoint:
        raise ConfigError(f"model azure-openai:{deployment} needs AZURE_OPENAI_ENDPOINT")
    key = settings.azure_openai_api_key
    return OpenAIModelClient.azure(
        settings.azure_openai_endpoint,
        deployment,
        api_version=settings.azure_openai_api_version,
        api_key=key.get_secret_value() if key is not None else None,
        ledger=ledger,
    )


def _openai(provider: str, model: str, settings: Settings, ledger: ModelCallLedger | None) -> ModelClient:
    from agentcore.models.openai import OpenAIModelClient

    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key is not None else None
    if provider == "openai-compatible":
        if not settings.base_url:
            raise ConfigError(f"model openai-compatible:{model} needs SRE_AGENT_BASE_URL")
        # Compatible servers reject or ignore OpenAI's cache routing hint; send it only to OpenAI.
        return OpenAIModelClient(
            model, api_key=key, base_url=settings.base_url, ledger=ledger, prompt_cache_key_supported=False
        )
    if key is None:
        raise ConfigError(f"model openai:{model} needs OPENAI_API_KEY")
    return OpenAIModelClient(model, api_key=key, ledger=ledger)


__all__ = ["DEFAULT_MODELS", "PROVIDERS", "build_model_client"]
