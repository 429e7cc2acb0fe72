"""What kind of file a change touches, and which words name a dependency: the matching rules, one by one."""

from __future__ import annotations

import pytest

from agentcore.connectors.changes import is_documentation, is_runtime_config
from agentcore.triage._matching import dependency_words, setting_identifiers


@pytest.mark.parametrize(
    "path",
    ["assistant/prompts/system.md", "app/templates/email/receipt.txt", "llm/system_prompts/draft.md"]
    + ["src/Prompts/Router.md", "app/templates/page.jinja"],
)
def test_prompt_and_page_templates_are_not_documentation(path: str) -> None:
    assert not is_documentation(path)


@pytest.mark.parametrize(
    "path",
    ["README.md", "docs/prompts/guide.md", "assistant/prompts/README.md", ".github/ISSUE_TEMPLATE/bug.md"]
    + ["CHANGELOG.md", "notes/design.md"],
)
def test_other_markdown_stays_documentation(path: str) -> None:
    assert is_documentation(path)


@pytest.mark.parametrize(
    "path",
    ["config/production.yaml", "appsettings.Production.json", "src/main/resources/application.properties"]
    + ["charts/inventory/values.yaml", ".env.production", "settings.toml", "deploy/app.ini"],
)
def test_settings_files_the_service_reads_are_runtime_configuration(path: str) -> None:
    assert is_runtime_config(path)


@pytest.mark.parametrize(
    "path",
    ["package.json", "pyproject.toml", "pnpm-lock.yaml", ".github/workflows/ci.yml", "tests/fixtures/order.json"]
    + ["tsconfig.json", ".eslintrc.json", "src/locales/fr.json", "docs/config.yaml", "src/app.py"],
)
def test_manifests_ci_tests_translations_and_code_are_not_runtime_configuration(path: str) -> None:
    assert not is_runtime_config(path)


def test_setting_identifiers_are_the_connection_pool_timeout_and_retry_ones() -> None:
    found = setting_identifiers({"max_idle_conns", "requesttimeout", "retry_count", "log_level", "host"})
    assert found == ["max_idle_conns", "requesttimeout", "retry_count"]


def test_a_database_host_gives_its_own_words_and_its_kinds() -> None:
    words = dependency_words(
        "psql-inventory-prod.postgres.database.azure.com | inventory", "postgresql", "inventory-api"
    )
    assert {"psql", "postgres", "postgresql", "sql", "database"} <= words
    assert not words & {"inventory", "prod", "azure", "com", "api"}


def test_an_http_dependency_gives_only_its_host_words() -> None:
    assert dependency_words("api.parcelpoint.example", "HTTP", "fulfillment-worker") == {"parcelpoint"}
