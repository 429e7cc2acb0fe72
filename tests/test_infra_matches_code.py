"""The infrastructure and the code agree: every setting infra sets is one the app reads, queues match triggers."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import AliasChoices

from agentcore.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = (ROOT / "infra" / "resources.bicep").read_text(encoding="utf-8")
HOST_SETTINGS = {
    "AzureWebJobsStorage__accountName",
    "AzureWebJobsStorage__credential",
    "AzureWebJobsStorage__clientId",
    "ServiceBusConnection__credential",
    "ServiceBusConnection__clientId",
    "APPLICATIONINSIGHTS_CONNECTION_STRING",
    "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
}


def settings_names() -> set[str]:
    """Every environment variable name the Settings object reads."""
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        names.add(f"SRE_AGENT_{field_name.upper()}")
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(str(choice) for choice in alias.choices)
        elif isinstance(alias, str):
            names.add(alias)
    return names


def test_every_app_setting_in_infra_is_read_by_the_app_or_the_functions_host() -> None:
    set_by_infra = set(re.findall(r"\{ name: '([A-Za-z0-9_]+)', value:", RESOURCES))
    assert set_by_infra, "no app settings found: has the Bicep layout changed?"
    unknown = set_by_infra - settings_names() - HOST_SETTINGS
    assert unknown == set()


def test_the_service_bus_queues_in_infra_are_the_ones_the_triggers_listen_on() -> None:
    triggers = set(re.findall(r'queue_name="([a-z]+)"', (ROOT / "functions" / "queues.py").read_text()))
    declared = set(re.findall(r"\[for name in \[([^\]]*)\]", RESOURCES)[0].replace("'", "").replace(",", " ").split())
    assert triggers <= declared


def test_the_trigger_connection_name_has_its_identity_settings_in_infra() -> None:
    connection = re.search(r'CONNECTION = "(\w+)"', (ROOT / "functions" / "queues.py").read_text())
    assert connection is not None
    assert f"'{connection.group(1)}__fullyQualifiedNamespace'" in RESOURCES
