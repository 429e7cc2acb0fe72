"""The code of a source file without its comments, docstrings and layout, to tell a code change from a
comment-only one and to keep only the names a change's code (not its comments) adds or removes.

A line diff counts a reworded docstring or a re-indented block as changed lines, and the identifiers on them
as names the change touches; neither changes what runs. Here both versions of a file are reduced to their code
lines (comments and docstrings removed, whitespace collapsed) and compared: no changed code line means the file
change is cosmetic. Languages without a lexer here are treated as all code.
"""

from __future__ import annotations

import difflib
import io
import re
import tokenize
from pathlib import PurePosixPath

__all__ = ["code_lines", "has_lexer", "changed_code_lines"]

_C_FAMILY = frozenset(
    {".c", ".h", ".cc", ".cpp", ".hpp", ".cs", ".java", ".kt", ".kts", ".scala", ".go", ".rs", ".swift"}
    | {".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".php", ".dart"}
)
_HASH_COMMENT = frozenset({".rb", ".sh", ".bash", ".pl", ".r"})
_C_TOKEN = re.compile(
    r"""(?P<comment>//[^\n]*|/\*.*?\*/)|(?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)""",
    re.DOTALL,
)
_HASH_TOKEN = re.compile(r"""(?P<comment>#[^\n]*)|(?P<string>"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')""")
_SPACE = re.compile(r"\s+")


def has_lexer(path: str) -> bool:
    """Whether comments of this file's language are recognised (Python, C-family, hash-comment scripts)."""
    suffix = PurePosixPath(path).suffix.lower()
    return suffix == ".py" or suffix in _C_FAMILY or suffix in _HASH_COMMENT


def code_lines(path: str, text: str) -> list[str]:
    """The non-empty lines of `text` with comments and docstrings removed and whitespace collapsed."""
    suffix = PurePosixPath(path).suffix.lower()
    if suffix == ".py":
        stripped = _python_code(text)
    elif suffix in _C_FAMILY:
        stripped = _without_comments(text, _C_TOKEN)
    elif suffix in _HASH_COMMENT:
        stripped = _without_comments(text, _HASH_TOKEN)
    else:
        stripped = text
    lines = (_SPACE.sub(" ", line).strip() for line in stripped.splitlines())
    return [line for line in lines if line]


def changed_code_lines(path: str, old: str, new: str) -> list[str]:
    """The code lines removed from `old` or added in `new`; empty when only comments or layout changed."""
    before, after = code_lines(path, old), code_lines(path, new)
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    changed: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            changed += before[i1:i2] + after[j1:j2]
    return changed


def _without_comments(text: str, token: re.Pattern[str]) -> str:
    """Comments replaced by the newlines they spanned; strings kept as they are."""

    def keep(match: re.Match[str]) -> str:
        return "\n" * match.group().count("\n") if match.group("comment") is not None else match.group()

    return token.sub(keep, text)


def _python_code(text: str) -> str:
    """Python source without comments and docstrings (a string that is a whole statement), one logical line
    per line. Source that does not tokenize is returned as it is: it is all treated as code."""
    lines: list[str] = []
    current: list[str] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
                if not (len(current) == 1 and current[0][:1] in "\"'rbuRBUfF" and _is_string(current[0])):
                    lines.append(" ".join(current))
                current = []
            elif tok.type not in (tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT):
                current.append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        return text
    return "\n".join(lines)


def _is_string(token: str) -> bool:
    return token.rstrip("\"'") != token and token.lstrip("rbuRBUfF")[:1] in "\"'"
