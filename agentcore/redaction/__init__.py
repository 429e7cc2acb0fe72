"""Redaction: secrets never reach the model, the stored session, the report, memory or telemetry.

`Redactor` replaces each secret with `[REDACTED:<kind>#<n>]`, numbering distinct values per kind in a
`RedactionState` that travels with the investigation. `wrap_untrusted` marks tool output as data.
"""

from agentcore.redaction._redactor import Redactor, may_hold_secret, redact_text
from agentcore.redaction._rules import PLACEHOLDER_PREFIX, RULES, Rule, shannon_entropy
from agentcore.redaction._state import RedactionState
from agentcore.redaction._structured import redact_json, redact_model
from agentcore.redaction._untrusted import UNTRUSTED_TAG, new_nonce, unwrap_untrusted, wrap_untrusted

__all__ = [
    "PLACEHOLDER_PREFIX",
    "RULES",
    "UNTRUSTED_TAG",
    "RedactionState",
    "Redactor",
    "Rule",
    "may_hold_secret",
    "new_nonce",
    "redact_json",
    "redact_model",
    "redact_text",
    "shannon_entropy",
    "unwrap_untrusted",
    "wrap_untrusted",
]
