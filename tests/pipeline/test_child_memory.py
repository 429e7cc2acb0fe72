"""Subagents' memory edits reach the store: each child's added or changed files are merged into the parent's
`memory/` at fan-in, section by section, and the report stage writes them with the parent's own edits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.memory import MemoryStatus, MemoryStore, parse_document
from agentcore.models import Message, ModelRequest, ModelResponse, ToolCall, Usage
from agentcore.pipeline import InvestigationRequest, run_investigation
from agentcore.pipeline.child_memory import MemoryChange, apply_child_memory, memory_changes, memory_texts
from agentcore.pipeline.wiring import build_dependencies, override
from agentcore.settings import Settings
from agentcore.storage.local import LocalBlobStore
from tests.pipeline.pipeline_harness import EXAMPLE, ConversationModel

NOW = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


def note(summary: str, body: str, *, by: str = "subagent") -> str:
    return (
        f"---\ncreated: 2026-03-14T09:00:00Z\nupdated: 2026-03-14T09:00:00Z\nby: {by}\nstatus: active\n"
        f"summary: '{summary}'\n---\n{body}"
    )


TEAM = note("checkout team", "# Team\nAurora.\n\n# Escalation\nPage #checkout-oncall.\n", by="user")


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)


def test_a_child_lists_the_files_it_added_or_changed_with_the_text_it_started_from(tmp_path: Path) -> None:
    write(tmp_path, "services/checkout/team.md", TEAM)
    write(tmp_path, "services/checkout/old.md", note("old", "# Old\n"))
    before = memory_texts(tmp_path)
    edited = TEAM.replace("Aurora.", "Aurora (since March).")
    write(tmp_path, "services/checkout/team.md", edited)
    write(tmp_path, "services/checkout/coupons.md", note("coupons", "# Coupons\nOpen campaigns.\n"))
    (tmp_path / "services/checkout/old.md").unlink()
    write(tmp_path, "MEMORY.md", "- an index the store rebuilds\n")
    assert memory_changes(before, tmp_path) == {
        "services/checkout/coupons.md": MemoryChange(base=None, text=note("coupons", "# Coupons\nOpen campaigns.\n")),
        "services/checkout/team.md": MemoryChange(base=TEAM, text=edited),
    }


def test_a_file_only_the_child_changed_takes_the_childs_text(tmp_path: Path) -> None:
    write(tmp_path, "services/checkout/team.md", TEAM)
    edited = TEAM.replace("Aurora.", "Aurora (since March).")
    changed = apply_child_memory(tmp_path, [("subagent 0", {"services/checkout/team.md": MemoryChange(
        base=TEAM, text=edited)})], now=NOW)  # fmt: skip
    assert changed == ["services/checkout/team.md"]
    assert (tmp_path / "services/checkout/team.md").read_text() == edited


def test_two_children_editing_different_sections_both_land(tmp_path: Path) -> None:
    write(tmp_path, "services/checkout/team.md", TEAM)
    first = TEAM.replace("Aurora.", "Aurora (since March).")
    second = TEAM.replace("Page #checkout-oncall.", "Page #checkout-oncall, then the EM.")
    apply_child_memory(tmp_path, [
        ("subagent 0", {"services/checkout/team.md": MemoryChange(base=TEAM, text=first)}),
        ("subagent 1", {"services/checkout/team.md": MemoryChange(base=TEAM, text=second)}),
    ], now=NOW)  # fmt: skip
    merged = parse_document((tmp_path / "services/checkout/team.md").read_text(), name="team.md")
    assert "Aurora (since March)." in merged.body
    assert "then the EM." in merged.body
    assert merged.front.status is MemoryStatus.ACTIVE


def test_two_children_writing_one_section_differently_keep_both_and_ask_for_review(tmp_path: Path) -> None:
    apply_child_memory(tmp_path, [
        ("subagent 0", {"services/checkout/coupons.md": MemoryChange(base=None, text=note("a", "# Coupons\nA.\n"))}),
        ("subagent 1", {"services/checkout/coupons.md": MemoryChange(base=None, text=note("b", "# Coupons\nB.\n"))}),
    ], now=NOW)  # fmt: skip
    merged = parse_document((tmp_path / "services/checkout/coupons.md").read_text(), name="coupons.md")
    assert "A." in merged.body
    assert "B." in merged.body
    assert merged.front.status is MemoryStatus.NEEDS_REVIEW


def test_applying_the_same_children_again_changes_nothing(tmp_path: Path) -> None:
    write(tmp_path, "services/checkout/team.md", TEAM)
    children = [("subagent 0", {"services/checkout/team.md": MemoryChange(base=TEAM, text=TEAM + "\n# More\nx\n")})]
    apply_child_memory(tmp_path, children, now=NOW)
    assert apply_child_memory(tmp_path, children, now=NOW) == []


@pytest.mark.parametrize("name", ["../escape.md", "/etc/passwd.md", "MEMORY.md", "notes.txt"])
def test_a_name_that_is_not_a_memory_file_is_refused(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "memory"
    folder.mkdir()
    assert apply_child_memory(folder, [("subagent 0", {name: MemoryChange(base=None, text="x")})], now=NOW) == []
    assert list(tmp_path.rglob("*")) == [folder]


# -- end to end: an investigation whose subagents write memory --------------------------------------------


@dataclass
class NoteTakingChildren:
    """The parent follows the pipeline harness's script; each child first writes a memory note named after
    its hypothesis, then answers."""

    parent: ConversationModel = field(default_factory=ConversationModel)
    provider: str = "scripted"
    model: str = "conversation"

    def complete(self, request: ModelRequest) -> ModelResponse:
        first = request.messages[0].content
        if not first.startswith("Hypothesis to check:"):
            return self.parent.complete(request)
        topic = "coupons" if "coupon" in first else "gateway"
        if not any(m.role == "assistant" for m in request.messages):
            content = note(f"{topic} finding", f"# {topic.title()}\nChecked by a subagent.\n")
            call = ToolCall(id="c0", name="write", arguments={"path": f"memory/services/checkout/{topic}.md",
                                                               "content": content})  # fmt: skip
            return _response(Message(role="assistant", content="", tool_calls=(call,)))
        answer = {"verdict": "confirmed", "answer": f"{topic}: noted", "confidence": 0.8}
        return _response(Message(role="assistant", content=json.dumps(answer)))


def _response(message: Message) -> ModelResponse:
    stop = "tool_use" if message.tool_calls else "end_turn"
    return ModelResponse(message=message, stop_reason=stop, usage=Usage(input_tokens=10, output_tokens=5),
                         model="conversation")  # fmt: skip


def test_notes_written_by_subagents_are_in_the_store_after_the_report(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", model=None, sandbox="bubblewrap")
    request = InvestigationRequest.from_cli(scenario=EXAMPLE, alert_file=None, question=None, repos=[])
    with override(model=NoteTakingChildren()):
        outcome = run_investigation(request, build_dependencies(settings))
    assert outcome.report.status == "completed"
    store = MemoryStore(LocalBlobStore(settings.data_dir / "blobs"))
    for topic in ("coupons", "gateway"):
        entry = store.read(f"services/checkout/{topic}.md")
        assert entry is not None, f"the {topic} subagent's note was lost"
        assert "Checked by a subagent." in entry.text
    assert not [e for e in outcome.report.errors if e.stage == "memory"]


def test_the_index_name_is_the_stores() -> None:
    from agentcore.memory import INDEX_NAME
    from agentcore.pipeline import child_memory

    assert child_memory.INDEX_NAME == INDEX_NAME
