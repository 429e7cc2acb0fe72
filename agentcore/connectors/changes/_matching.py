"""Matching a change against incident signals: file kinds, stack paths, function names, message terms,
runtime settings and the words of a regressed dependency."""

from __future__ import annotations

import re
from collections.abc import Iterable
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
_SETTING_WORDS = (
    "timeout", "deadline", "retry", "retries", "backoff", "pool", "idle", "conns", "connection", "keepalive",
    "keep_alive", "lifetime", "max_open", "concurrency", "circuit", "throttle", "ratelimit", "rate_limit",
)  # fmt: skip
_HOST_NOISE = frozenset(
    {"com", "net", "org", "www", "api", "apis", "app", "apps", "svc", "service", "services", "cluster", "local"}
    | {"localhost", "internal", "prod", "production", "staging", "stage", "dev", "test", "qa", "uat", "azure"}
    | {"windows", "core", "cloud", "amazonaws", "googleapis", "example", "http", "https", "database", "default"}
    | {"primary", "secondary", "replica", "east", "west", "north", "south", "central", "eastus", "westus"}
    | {"westeurope", "northeurope", "azurecr", "azurewebsites", "azurecontainerapps", "servicebus", "vault"}
    | {"cache", "documents", "search", "blob", "queue", "table", "file", "web", "dfs", "privatelink", "rds"}
)
"""Words of cloud host names that name the provider, region, environment or service suffix
(`redis.cache.windows.net`, `documents.azure.com`), not the dependency itself."""
_DEPENDENCY_FAMILIES = (
    (("postgres",), ("postgres", "postgresql", "psql", "pgx", "pgbouncer", "libpq", "npgsql")),
    (("mysql", "mariadb"), ("mysql", "mariadb")),
    (("sql",), ("sql", "database", "datasource", "dsn", "jdbc", "db")),
    (("documentdb", "cosmos"), ("cosmos", "cosmosdb", "documentdb", "database", "db")),
    (("mongo",), ("mongo", "mongodb", "database", "db")),
    (("redis",), ("redis",)),
    (("memcache",), ("memcache", "memcached")),
    (("service bus", "servicebus"), ("servicebus",)),
    (("event hubs", "eventhub", "kafka"), ("eventhub", "eventhubs", "kafka")),
    (("blob",), ("blob",)),
)
_TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testdata"})
_TEST_FILE = re.compile(
    r"(^test_.+\.py$|^conftest\.py$|_test\.(py|go)$|\.(test|spec)\.[cm]?[jt]sx?$|Tests?\.(cs|java|kt)$|_spec\.rb$)"
)

_GENERIC_BASENAMES = frozenset(
    {"__init__.py", "__main__.py", "main.py", "app.py", "index.js", "index.ts", "main.go", "main.rs", "lib.rs"}
    | {"mod.rs", "program.cs", "startup.cs", "utils.py", "helpers.py"}
)
_GENERIC_FUNCTIONS = frozenset(
    {"movenext", "lambda", "module", "main", "__init__", "__call__", "wrapper", "inner", "run", "invoke"}
    | {"execute", "handle", "handler", "anonymous", "callback", "dispatch", "get", "set", "call"}
)
_COMPILER_GENERATED = re.compile(r"^[a-z]__\d+$")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{2,}")
_WORD = re.compile(r"[a-z0-9]+")
_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"|`([^`]*)`")
_EXCEPTION_NAME = re.compile(r"(Error|Exception|Fault)$")
_STOPWORD_TEXT = """
    the and for with from into onto that this these those was were are is has have had not but any all
    can cannot could would should will may might must does did done been being its it's than then there
    here when where which while who whom what why how out off too very via per one two some each other
    error errors exception exceptions failed failure fail fails invalid unexpected unknown unable
    object objects attribute attributes type types value values none null nil undefined true false
    argument arguments parameter key keys index item items call called calling line lines file files
    traceback most recent last stack trace raised raise thrown throw occurred during request response
    self return returned def class function method module instance reference set get not_found found
    missing expected got given required string str int float bool list dict tuple number message
    nonetype nullreferenceexception
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


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


def setting_identifiers(identifiers: Iterable[str]) -> list[str]:
    """The identifiers that name a connection, pool, timeout or retry setting (`max_idle_conns`,
    `request_timeout`, `retryCount`), sorted."""
    return sorted(i for i in identifiers if any(word in i.lower() for word in _SETTING_WORDS))


def dependency_words(target: str, dependency_type: str, caller: str) -> set[str]:
    """Distinctive lower-case words for a dependency: its host or resource name split at dots, dashes and the
    like (`psql-inventory-prod.postgres.database.azure.com` -> `psql`, `postgres`), with words of the kind of
    system it is (`postgresql` -> `sql`, `database`, ...). Hosting suffixes, environment names and the calling
    service's own name are left out: they say nothing about this dependency."""
    noise = _HOST_NOISE | set(_WORD.findall(caller.lower()))
    words = {word for word in _WORD.findall(target.lower()) if len(word) >= 3 and not word.isdigit()} - noise
    kind = f"{dependency_type} {target}".lower()
    for keys, family in _DEPENDENCY_FAMILIES:
        if any(key in kind for key in keys):
            words |= set(family)
    return words


def path_words(path: str) -> set[str]:
    """Lower-case words of a file path (`internal/db/pool.go` -> `internal`, `db`, `pool`, `go`)."""
    return set(_WORD.findall(path.lower()))


def is_test(path: str) -> bool:
    """Tests: under a test folder, or named as a test by pytest, Go, Jest, xUnit/JUnit or RSpec."""
    pure = PurePosixPath(path)
    directories = {part.lower() for part in pure.parts[:-1]}
    return bool(directories & _TEST_DIRS) or bool(_TEST_FILE.search(pure.name))


def _path_parts(path: str) -> list[str]:
    return [part.lower() for part in path.replace("\\", "/").split("/") if part not in ("", ".")]


def path_match_strength(changed_path: str, frame_path: str) -> float:
    """How surely a changed file is the file of a stack frame, from 0 to 1.

    1.0 when one path ends with the other (a frame path from the build machine ending in the repo path,
    or a bare basename); 0.5 when they share only a trailing part such as the file name; generic file
    names (`__init__.py`, `index.js`, ...) count for less.
    """
    changed, frame = _path_parts(changed_path), _path_parts(frame_path)
    common = 0
    while common < min(len(changed), len(frame)) and changed[-1 - common] == frame[-1 - common]:
        common += 1
    if common == 0:
        return 0.0
    generic = changed[-1] in _GENERIC_BASENAMES
    if common in (len(changed), len(frame)):
        return 0.4 if generic and common == 1 else 1.0
    return 0.2 if generic else 0.5


def function_name(frame_function: str) -> str | None:
    """The searchable name of a stack frame's function: `a.b.Cart.total(x)` -> `total`, or None if generic."""
    tokens: list[str] = _IDENTIFIER.findall(frame_function.split("(", 1)[0])
    for token in reversed(tokens):
        lowered = token.lower()
        if lowered not in _GENERIC_FUNCTIONS and not _COMPILER_GENERATED.match(lowered):
            return lowered
    return None


def _looks_like_identifier(token: str) -> bool:
    return "_" in token or any(c.isdigit() for c in token) or any(c.isupper() for c in token[1:])


def message_terms(messages: Iterable[str]) -> dict[str, float]:
    """Distinctive words of error messages (lower-cased), weighted by how code-like they are.

    Identifiers (snake_case, camelCase, with digits) and quoted words weigh 1.0; plain words and
    exception type names weigh 0.5; common English and generic error vocabulary is dropped.
    """
    terms: dict[str, float] = {}
    for message in messages:
        quoted = {
            word.lower() for groups in _QUOTED.findall(message) for part in groups for word in _IDENTIFIER.findall(part)
        }
        for token in _IDENTIFIER.findall(message):
            lowered = token.lower()
            if lowered in _STOPWORDS:
                continue
            code_like = _looks_like_identifier(token) or lowered in quoted
            weight = 0.5 if _EXCEPTION_NAME.search(token) or not code_like else 1.0
            terms[lowered] = max(terms.get(lowered, 0.0), weight)
    return terms
