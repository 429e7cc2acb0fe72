"""Matching a change against incident signals: file kinds, stack paths, function names, message terms."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import PurePosixPath

_DOC_SUFFIXES = frozenset({".md", ".markdown", ".rst", ".adoc"})
_DOC_STEMS = frozenset(
    {"readme", "license", "licence", "changelog", "changes", "authors", "contributors", "contributing", "notice"}
)
_DOC_DIRS = frozenset({"doc", "docs", "documentation"})
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
    """Docs: under a docs folder, a Markdown/reST/AsciiDoc file, or README/LICENSE/CHANGELOG and kin."""
    pure = PurePosixPath(path)
    directories = {part.lower() for part in pure.parts[:-1]}
    return (
        bool(directories & _DOC_DIRS)
        or pure.suffix.lower() in _DOC_SUFFIXES
        or pure.stem.lower() in _DOC_STEMS
        or pure.name.lower() == "codeowners"
    )


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
