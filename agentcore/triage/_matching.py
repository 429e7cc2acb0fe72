"""Matching a change against incident signals: file kinds, stack paths, function names, message terms,
runtime settings and the words of a regressed dependency."""

from __future__ import annotations

import re
from collections.abc import Iterable

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
PLAIN_WORD_WEIGHT = 0.1
"""An ordinary word of an error message (`config`, `customer`, `profile`) names no code: most diffs of a service
use such words, so finding several in one diff is weak evidence, while one identifier is strong."""
EXCEPTION_NAME_WEIGHT = 0.5
"""An exception type named in the message: specific, but raised and caught in many places."""


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

    Identifiers (snake_case, camelCase, with digits) and quoted words weigh 1.0; exception type names
    EXCEPTION_NAME_WEIGHT, plain words PLAIN_WORD_WEIGHT; common English and generic error vocabulary is dropped.
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
            weight = EXCEPTION_NAME_WEIGHT if _EXCEPTION_NAME.search(token) else 1.0 if code_like else PLAIN_WORD_WEIGHT
            terms[lowered] = max(terms.get(lowered, 0.0), weight)
    return terms
