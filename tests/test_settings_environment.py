"""`Settings` reads the environment by the rules pydantic-settings applied to it: the same names, precedence,
parsing and errors. Each case is checked against a pydantic-settings twin of `Settings` built from its fields."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError, create_model
from pydantic_settings import BaseSettings, SettingsConfigDict

from agentcore._settings_environment import SettingsParseError
from agentcore.settings import Settings


class _Twin(BaseSettings):
    """`Settings` as it was: a BaseSettings with the same fields, prefix and options."""

    model_config = SettingsConfigDict(env_prefix="SRE_AGENT_", extra="ignore", populate_by_name=True)


TWIN = create_model("Settings", __base__=_Twin, **{n: (f.annotation, f) for n, f in Settings.model_fields.items()})

ENVIRONMENTS = [
    {},
    {"SRE_AGENT_MODEL": "anthropic:claude-haiku-4-5", "SRE_AGENT_STEP_LIMIT": "7"},
    {"sre_agent_model": "openai:gpt-4.1", "Sre_Agent_Data_Dir": "/tmp/somewhere"},
    {"ANTHROPIC_API_KEY": "k1", "SRE_AGENT_ANTHROPIC_API_KEY": "k2"},
    {"SRE_AGENT_ANTHROPIC_API_KEY": "k2"},
    {"ServiceBusConnection": "Endpoint=sb://x/", "ServiceBusConnection__fullyQualifiedNamespace": "x.servicebus"},
    {"servicebusconnection__fullyqualifiednamespace": "y.servicebus", "AZURE_CLIENT_ID": "id-1"},
    {"blob_account_url": "https://a.blob.core.windows.net", "SRE_AGENT_BLOB_ACCOUNT_URL": "https://b.blob"},
    {"SRE_AGENT_TRACE_REPOS": '["checkout=/repos/checkout@HEAD"]', "SRE_AGENT_PR_REPO_ALLOWLIST": "[]"},
    {"SRE_AGENT_PR_APPROVAL_REQUIRED": "false", "SRE_AGENT_TURN_SLICE_MAX_STEPS": "3", "SRE_AGENT_GITHUB_APP_ID": "9"},
    {"SRE_AGENT_SANDBOX": "subprocess", "SRE_AGENT_CACHE_DIR": "/tmp/cache", "SRE_AGENT_UNKNOWN": "ignored"},
    {"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=x", "SRE_AGENT_MODEL": ""},
]


def _only(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> None:
    for name in list(os.environ):
        if name.upper().startswith(("SRE_AGENT_", "ANTHROPIC_", "OPENAI_", "AZURE_", "APPLICATIONINSIGHTS_")) or (
            name.lower().startswith(("servicebusconnection", "blob_account_url"))
        ):
            monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_settings_read_the_environment_as_pydantic_settings_did(
    monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]
) -> None:
    _only(monkeypatch, environment)
    assert Settings().model_dump() == TWIN().model_dump()


@pytest.mark.parametrize(
    "given", [{"model": "openai:gpt-4.1"}, {"ANTHROPIC_API_KEY": "given"}, {"anthropic_api_key": "given"}]
)
def test_a_given_value_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch, given: dict[str, str]) -> None:
    _only(monkeypatch, {"SRE_AGENT_MODEL": "anthropic:x", "ANTHROPIC_API_KEY": "from-env"})
    assert Settings(**given).model_dump() == TWIN(**given).model_dump()


def test_an_invalid_value_fails_validation_with_the_same_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _only(monkeypatch, {"SRE_AGENT_STAGE_LEASE_S": "5"})
    with pytest.raises(ValidationError) as ours:
        Settings()
    with pytest.raises(ValidationError) as theirs:
        TWIN()
    assert str(ours.value).splitlines()[:3] == str(theirs.value).splitlines()[:3]


def test_a_complex_setting_that_is_not_json_fails_with_the_same_message(monkeypatch: pytest.MonkeyPatch) -> None:
    _only(monkeypatch, {"SRE_AGENT_TRACE_REPOS": "checkout=/repos/checkout"})
    with pytest.raises(SettingsParseError) as ours:
        Settings()
    with pytest.raises(ValueError, match="error parsing value") as theirs:
        TWIN()
    assert str(ours.value) == str(theirs.value)


def test_building_settings_does_not_import_pydantic_settings() -> None:
    probe = "import sys, agentcore.settings as s; s.load_settings(); print('pydantic_settings' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=Path.cwd())
    assert done.stdout.strip() == "False"
