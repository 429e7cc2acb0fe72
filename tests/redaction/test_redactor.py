"""The redactor: stable numbering per investigation, counts by kind, idempotent, state without secrets."""

from __future__ import annotations

from agentcore.redaction import RedactionState, Redactor, redact_text

KEY_A = "sk-proj-" + "A1b2C3d4E5" * 5
KEY_B = "sk-proj-" + "Z9y8X7w6V5" * 5
AWS = "AKIA" + "QX7Z2M4N6P8R3T5V"


def test_the_same_secret_gets_the_same_placeholder_every_time() -> None:
    redactor = Redactor()
    first = redactor.redact(f"key {KEY_A}")
    second = redactor.redact(f"again {KEY_A}")
    assert first == "key [REDACTED:openai-key#1]"
    assert second == "again [REDACTED:openai-key#1]"


def test_different_secrets_of_one_kind_are_numbered_in_order_of_first_sight() -> None:
    redactor = Redactor()
    text = redactor.redact(f"{KEY_A} {KEY_B} {KEY_A}")
    assert text == "[REDACTED:openai-key#1] [REDACTED:openai-key#2] [REDACTED:openai-key#1]"


def test_numbers_are_kept_per_kind() -> None:
    redactor = Redactor()
    assert redactor.redact(f"{KEY_A} {AWS}") == "[REDACTED:openai-key#1] [REDACTED:aws-access-key#1]"


def test_counts_are_occurrences_by_kind() -> None:
    redactor = Redactor()
    redactor.redact(f"{KEY_A} {KEY_B} {KEY_A} {AWS}")
    assert redactor.state.counts == {"openai-key": 3, "aws-access-key": 1}
    assert redactor.state.total == 4


def test_numbering_survives_a_round_trip_of_the_state_through_json() -> None:
    state = RedactionState()
    Redactor(state).redact(f"{KEY_A} {KEY_B}")
    resumed = RedactionState.model_validate_json(state.model_dump_json())
    assert Redactor(resumed).redact(KEY_B) == "[REDACTED:openai-key#2]"


def test_the_stored_state_holds_no_secret() -> None:
    state = RedactionState()
    Redactor(state).redact(f"{KEY_A} {AWS} password=Hunter2-secret")
    stored = state.model_dump_json()
    assert KEY_A not in stored
    assert AWS not in stored
    assert "Hunter2" not in stored


def test_two_investigations_hash_the_same_secret_differently() -> None:
    first, second = RedactionState(), RedactionState()
    assert first.digest(KEY_A) != second.digest(KEY_A)


def test_redacting_a_redacted_text_changes_nothing_and_counts_nothing() -> None:
    redactor = Redactor()
    once = redactor.redact(f"password={KEY_A} {AWS} postgres://u:pw1234@h/db")
    total = redactor.state.total
    assert redactor.redact(once) == once
    assert redactor.state.total == total


def test_a_clean_text_is_returned_as_is() -> None:
    text = "2026-02-01T10:00:00Z INFO GET /health 200 in 3 ms\n" * 100
    assert Redactor().redact(text) is text


def test_json_values_are_redacted_at_any_depth() -> None:
    value = {"args": ["--key", KEY_A], "env": {"AWS_ACCESS_KEY_ID": AWS}, "n": 3}
    assert Redactor().redact_json(value) == {
        "args": ["--key", "[REDACTED:openai-key#1]"],
        "env": {"AWS_ACCESS_KEY_ID": "[REDACTED:aws-access-key#1]"},
        "n": 3,
    }


def test_redact_text_is_a_one_call_entry_for_other_writers() -> None:
    assert redact_text(f"memory note: used {AWS}") == "memory note: used [REDACTED:aws-access-key#1]"


def test_a_subagents_state_adds_its_counts_and_numbers_to_its_parents() -> None:
    parent = RedactionState()
    Redactor(parent).redact(KEY_A)
    child = parent.model_copy(deep=True, update={"counts": {}})
    Redactor(child).redact(f"{KEY_A} {KEY_B}")
    parent.absorb(child)
    assert parent.counts == {"openai-key": 3}
    assert Redactor(parent).redact(f"{KEY_B} {AWS}") == "[REDACTED:openai-key#2] [REDACTED:aws-access-key#1]"
