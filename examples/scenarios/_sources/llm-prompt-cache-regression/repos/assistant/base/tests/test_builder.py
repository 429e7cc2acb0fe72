from datetime import UTC, datetime

from assistant.prompts import builder
from assistant.retrieval import Passage

TICKET = {
    "id": "T-1",
    "subject": "Where is my sofa?",
    "thread": "Hello, my order WG-2026-0148823 ...",
    "agent_first_name": "Lena",
}


def test_the_system_prompt_is_the_same_for_every_draft() -> None:
    first = builder.draft_messages(TICKET, [], datetime(2026, 3, 1, tzinfo=UTC), "r1", "de-DE")
    second = builder.draft_messages(TICKET, [], datetime(2026, 3, 2, tzinfo=UTC), "r2", "fr-FR")
    assert first[0] == second[0]


def test_passages_are_in_the_user_message() -> None:
    passages = [Passage("kb/returns.md", "30 days")]
    messages = builder.draft_messages(TICKET, passages, datetime(2026, 3, 1, tzinfo=UTC), "r1", "de-DE")
    assert "30 days" in messages[1]["content"]
