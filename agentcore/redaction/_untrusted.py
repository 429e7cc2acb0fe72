"""The delimiter that marks tool output as untrusted data, which text inside it cannot close.

Every tool result reaches the model as

    <untrusted-data id="NONCE">
    ...content...
    </untrusted-data id="NONCE">

The nonce is random per session and fixed for its life (so the prompt stays byte-stable). Content
cannot forge the closing tag: it was written before the nonce existed, and any `<untrusted-data` or
`</untrusted-data` inside it is neutralized (its `<` becomes `&lt;`) before wrapping.
"""

from __future__ import annotations

import re
import secrets

UNTRUSTED_TAG = "untrusted-data"

_TAG_OPENING = re.compile(r"<(\s*/?\s*" + UNTRUSTED_TAG + ")", re.IGNORECASE)


def new_nonce() -> str:
    """A fresh delimiter id: 16 hex characters from the OS's CSPRNG."""
    return secrets.token_hex(8)


def neutralize(content: str) -> str:
    """`content` with every opening or closing delimiter tag defused, whatever its id."""
    if UNTRUSTED_TAG not in content.lower():
        return content
    return _TAG_OPENING.sub(r"&lt;\1", content)


def wrap_untrusted(content: str, nonce: str) -> str:
    """`content` inside the session's delimiter, any delimiter inside it defused."""
    return f'<{UNTRUSTED_TAG} id="{nonce}">\n{neutralize(content)}\n</{UNTRUSTED_TAG} id="{nonce}">'


def unwrap_untrusted(text: str) -> str:
    """The content of a `wrap_untrusted` text (still defused), or `text` itself when it is not wrapped."""
    if not text.startswith(f"<{UNTRUSTED_TAG} id="):
        return text
    first_newline = text.find("\n")
    last_newline = text.rfind("\n")
    if first_newline == -1 or last_newline <= first_newline:
        return text
    return text[first_newline + 1 : last_newline]
