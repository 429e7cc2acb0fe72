"""The other boundaries: the report before it is saved, the model-call ledger, the connector broker."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from agentcore.agent.session import Session
from agentcore.connectors.broker import ConnectorBroker, broker_socket_path
from agentcore.connectors.commands._broker_client import BrokerLogStore
from agentcore.connectors.logs import ColumnSchema, QueryResult, TableSchema
from agentcore.models import Message, SystemBlock
from agentcore.pipeline.report_builder import agent_report, egress_of
from agentcore.redaction import RedactionState, Redactor
from agentcore.reports import (
    Evidence,
    EvidenceSource,
    Recommendation,
    Report,
    Trigger,
    load_report,
    render_markdown,
    save_report,
)
from agentcore.reports.conclusion import Conclusion
from agentcore.reports.redact import redact_report
from agentcore.storage.local import LocalBlobStore
from agentcore.telemetry import JsonlLedger, ModelCallRecord
from agentcore.triage import Triage

AWS = "AKIA" + "QX7Z2M4N6P8R3T5V"
KEY = "sk-proj-" + "A1b2C3d4E5" * 5
STARTED = datetime(2026, 3, 2, 14, 6, tzinfo=UTC)


def report(summary: str, *, excerpt: str = "no secret here") -> Report:
    return Report(
        id="inv-1",
        title="Checkout fails",
        status="inconclusive",
        mode="agent",
        trigger=Trigger(kind="cli", ref="test"),
        started_at=STARTED,
        finished_at=STARTED,
        summary=summary,
        evidence=(
            Evidence(claim="a trace", source=EvidenceSource(kind="log_query", ref="AppTraces"), excerpt=excerpt),
        ),
        recommendation=Recommendation(auto_mitigate=False, transfer_to=None, reason="test"),
    )


def session_that_saw(*secrets: str) -> Session:
    live = Session(
        id="inv-1",
        investigation_id="inv-1",
        model="anthropic:claude-x",
        system=(SystemBlock(text="sys"),),
        messages=[Message(role="user", content="go")],
        bytes_sent=1234,
    )
    redactor = Redactor(live.redaction)
    for secret in secrets:
        redactor.redact(secret)
    return live


def test_a_secret_anywhere_in_a_report_is_replaced() -> None:
    redacted = redact_report(report(f"the key {KEY} leaked", excerpt=f"boto3 {AWS}"))
    assert redacted.summary == "the key [REDACTED:openai-key#1] leaked"
    assert redacted.evidence[0].excerpt == "boto3 [REDACTED:aws-access-key#1]"


def test_a_report_is_numbered_like_the_conversation_it_came_from() -> None:
    state = RedactionState()
    Redactor(state).redact(f"{KEY} {AWS}")
    redacted = redact_report(report(f"{AWS}"), state)
    assert redacted.summary == "[REDACTED:aws-access-key#1]"


def test_redacting_a_report_leaves_the_conversations_counts_alone() -> None:
    state = RedactionState()
    redact_report(report(f"{AWS}"), state)
    assert state.counts == {}


def test_a_clean_report_is_returned_as_it_is() -> None:
    clean = report("all fine")
    assert redact_report(clean) is clean


def test_the_data_egress_counts_what_the_session_redacted_by_kind() -> None:
    [egress] = egress_of(session_that_saw(KEY, KEY, AWS))
    assert egress.redactions == 3
    assert egress.redacted_kinds == {"aws-access-key": 1, "openai-key": 2}


def test_the_markdown_report_shows_the_redacted_kinds() -> None:
    built = agent_report(
        "inv-1", title="t", trigger=Trigger(kind="cli", ref="x"), started_at=STARTED, finished_at=STARTED,
        triage=Triage(suspects=(), evidence=(), new_errors=(), onset=None), session=session_that_saw(KEY, AWS),
        conclusion=None, conclusion_problem="none written",
    )  # fmt: skip
    markdown = render_markdown(built)
    assert "| Redactions | Redacted kinds |" in markdown
    assert "aws-access-key \u00d71, openai-key \u00d71" in markdown


def test_an_agent_report_copying_a_secret_holds_its_placeholder() -> None:
    conclusion = Conclusion.model_validate({
        "title": "Keys leak", "status": "inconclusive", "summary": f"we saw {AWS}", "root_cause": None,
        "evidence": [], "hypotheses": [], "mitigations": [],
        "recommendation": {"auto_mitigate": False, "transfer_to": None, "reason": f"rotate {KEY}"},
        "signals": {"what_worked": "grep", "what_was_hard": "nothing", "skill_gaps": [], "self_score": 3},
    })  # fmt: skip
    built = agent_report(
        "inv-1", title="t", trigger=Trigger(kind="cli", ref="x"), started_at=STARTED, finished_at=STARTED,
        triage=Triage(suspects=(), evidence=(), new_errors=(), onset=None), session=session_that_saw(KEY),
        conclusion=conclusion, conclusion_problem=None,
    )  # fmt: skip
    assert built.summary == "we saw [REDACTED:aws-access-key#1]"
    assert built.recommendation.reason == "rotate [REDACTED:openai-key#1]"


def test_a_saved_report_holds_no_secret_even_when_built_unredacted(tmp_path: Path) -> None:
    store = LocalBlobStore(tmp_path)
    location = save_report(store, report(f"leak {AWS}"))
    assert AWS not in store.get(location.json_name).data.decode()
    assert AWS not in store.get(location.markdown_name).data.decode()
    assert load_report(store, location).summary == "leak [REDACTED:aws-access-key#1]"


def test_the_model_call_ledger_writes_no_secret(tmp_path: Path) -> None:
    ledger = JsonlLedger(tmp_path / "calls.jsonl")
    ledger.record(
        ModelCallRecord(
            time=STARTED,
            investigation_id="inv-1",
            provider="openai",
            model="gpt",
            duration_s=1.0,
            outcome="error",
            error_class=f"http_401 for key {KEY}",
        )  # fmt: skip
    )
    written = (tmp_path / "calls.jsonl").read_text()
    assert KEY not in written
    assert ledger.read()[0].error_class == "http_401 for key [REDACTED:openai-key#1]"


class LeakyLogStore:
    """A log store whose rows hold a connection string, as Kusto's would."""

    def tables(self) -> list[TableSchema]:
        return []

    def query(self, kql: str, *, max_rows: int = 1000) -> QueryResult:
        return QueryResult(columns=(ColumnSchema(name="Message", type="string"),), rows=((f"boto3 {AWS}",),))


def test_the_connector_broker_redacts_results_before_the_sandbox_sees_them(tmp_path: Path) -> None:
    state = RedactionState()
    with ConnectorBroker(broker_socket_path(tmp_path), logs=LeakyLogStore(), redactor=Redactor(state)) as broker:
        rows = BrokerLogStore(broker.socket_path).query("AppTraces").rows
    assert rows == (("boto3 [REDACTED:aws-access-key#1]",),)
    assert state.counts == {"aws-access-key": 1}
