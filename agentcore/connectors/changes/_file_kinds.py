"""What kind of file a change touches: documentation, tests, prompt templates, runtime configuration.

These describe change records themselves, so git history reading and triage's ranking share them.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_DOC_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".adoc"})
_DOC_STEMS = frozenset(
    {"readme", "license", "licence", "changelog", "changes", "authors", "contributors", "contributing", "notice"}
)
_DOC_DIRS = frozenset({"doc", "docs", "documentation"})
_TEMPLATE_SUFFIXES = frozenset({".md", ".markdown", ".txt", ".jinja", ".jinja2", ".j2", ".tmpl", ".tpl", ".mustache"})
_TEMPLATE_DIRS = frozenset({"template", "templates", "tmpl"})
_CONFIG_SUFFIXES = frozenset({".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".conf", ".properties", ".env"})
_CONFIG_SUFFIXES |= frozenset({".hcl", ".tfvars"})
_NOT_RUNTIME_CONFIG = frozenset(
    {"package.json", "package-lock.json", "npm-shrinkwrap.json", "composer.json", "composer.lock", "pyproject.toml"}
    | {"cargo.toml", "pipfile", "poetry.lock", "pnpm-lock.yaml", "yarn.lock", "renovate.json", "tsconfig.json"}
    | {"jsconfig.json", "tslint.json", "mkdocs.yml", "codecov.yml", ".pre-commit-config.yaml", ".gitlab-ci.yml"}
    | {"azure-pipelines.yml", "dependabot.yml", "global.json", "nuget.config", ".editorconfig", "setup.cfg"}
    | {"tox.ini", "pytest.ini", "mypy.ini", ".flake8", ".coveragerc", "ruff.toml", "go.work"}
)
_NOT_RUNTIME_CONFIG_DIRS = frozenset(
    {".github", ".circleci", ".devcontainer", ".vscode", ".idea", "locales", "locale", "i18n", "l10n", "fixtures"}
    | {"translations", "schemas", "examples"}
)
_NOT_RUNTIME_CONFIG_STEM = re.compile(
    r"^(\.?eslintrc|\.?prettierrc|\.?babelrc|\.?stylelintrc|tsconfig\..+|jest\.config)"
)
_TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testdata"})
_TEST_FILE = re.compile(
    r"(^test_.+\.py$|^conftest\.py$|_test\.(py|go)$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.(cs|java|kt)$|_spec\.rb$)"
)


def is_documentation(path: str) -> bool:
    """Docs: under a docs folder, a Markdown/reST/AsciiDoc file, or README/LICENSE/CHANGELOG and kin.

    A text or Markdown file under a prompts or templates folder is not documentation: it is a prompt or page
    template the service renders at run time (`assistant/prompts/system.md`), so changing it changes behaviour.
    """
    pure = PurePosixPath(path)
    directories = {part.lower() for part in pure.parts[:-1]}
    if directories & _DOC_DIRS or pure.stem.lower() in _DOC_STEMS or pure.name.lower() == "codeowners":
        return True
    return pure.suffix.lower() in _DOC_SUFFIXES and not is_runtime_template(path)


def is_runtime_template(path: str) -> bool:
    """A prompt or page template (`.md`, `.txt`, `.jinja`, `.j2`, `.tmpl`, ...) under a folder named like
    `prompts` or `templates` (GitHub's `.github/ISSUE_TEMPLATE` and docs folders excepted)."""
    pure = PurePosixPath(path.replace("\\", "/"))
    directories = [part.lower() for part in pure.parts[:-1]]
    if pure.suffix.lower() not in _TEMPLATE_SUFFIXES or ".github" in directories or set(directories) & _DOC_DIRS:
        return False
    return any("prompt" in part or part in _TEMPLATE_DIRS for part in directories)


def is_runtime_config(path: str) -> bool:
    """Configuration the service reads at run time: YAML/JSON/TOML/INI/properties/.env files, Helm values and
    the like; package manifests, lock files, CI, editor, linter and test settings are not."""
    pure = PurePosixPath(path.replace("\\", "/"))
    name = pure.name.lower()
    directories = {part.lower() for part in pure.parts[:-1]}
    if name in _NOT_RUNTIME_CONFIG or directories & _NOT_RUNTIME_CONFIG_DIRS or _NOT_RUNTIME_CONFIG_STEM.match(name):
        return False
    if is_test(path) or is_documentation(path):
        return False
    return pure.suffix.lower() in _CONFIG_SUFFIXES or name == ".env" or name.startswith(".env.")


def is_test(path: str) -> bool:
    """Tests: under a test folder, or named as a test by pytest, Go, Jest, xUnit/JUnit or RSpec."""
    pure = PurePosixPath(path)
    directories = {part.lower() for part in pure.parts[:-1]}
    return bool(directories & _TEST_DIRS) or bool(_TEST_FILE.search(pure.name))
