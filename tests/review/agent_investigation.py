"""A hand-made agent-mode investigation in a blob store: evidence, hypotheses, subagents, hostile log text.

Its log excerpts and a subagent's finding carry script and image-handler markup, as logs can; the
review pages must show them as text.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from agentcore.agent.session import ChildRecord, Session, SessionStatus
from agentcore.models import SystemBlock, Usage
from agentcore.pipeline.child_outcome import ChildOutcome
from agentcore.pipeline.state import (
    AttachedAlert,
    InvestigationState,
    RequestSpec,
    Stage,
    child_blob,
    state_blob,
)
from agentcore.reports import (
    DataEgress,
    Evidence,
    EvidenceSource,
    Hypothesis,
    Mitigation,
    Recommendation,
    Report,
    RootCause,
    Signals,
    Suspect,
    Trigger,
    UsageTotals,
    save_report,
)
from agentcore.storage import BlobStore
from agentcore.triage import NewError, Triage

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(2)>"
HOSTILE_LOG_LINE = f"WARN coupon rejected code={SCRIPT} referrer={IMAGE}"
CULPRIT = "b12894d2a204d77c6fb92f7f4d24d80f1afcc181"
TITLE = "checkout-api 5xx after the coupons deploy"


def _suspects(deployed: datetime) -> tuple[Suspect, ...]:
    return (
        Suspect(repo="checkout", commit=CULPRIT, title="coupons: accept marketing campaign codes",
                author="Marcus Chen", deployed_at=deployed, score=0.85, rank=1,
                reasons=("deployed 40 min before the incident", "touches checkout/coupons.py, in the stack")),
        Suspect(repo="checkout", commit="3945ab1c9b4f7d30fcaa8f8858ef3555089f1d7a",
                title="pricing: move money rounding into checkout/money.py", author="Sofia Alvarez",
                deployed_at=deployed, score=0.74, rank=2, reasons=("same deployment",)),
    )  # fmt: skip


def _evidence() -> tuple[Evidence, ...]:
    return (
        Evidence(claim="TypeError in coupons.apply first appeared one minute after the deploy",
                 source=EvidenceSource(kind="log_query", ref="AppExceptions | where AppRoleName == 'checkout-api'"
                                       " | summarize count() by ProblemId, bin(TimeGenerated, 1m)"),
                 excerpt=f"13:26:02 TypeError: can't compare offset-naive and aware datetimes\n{HOSTILE_LOG_LINE}"),
        Evidence(claim="The campaign-code branch compares a naive expiry with an aware now()",
                 source=EvidenceSource(kind="file", ref="repos/checkout/checkout/coupons.py:41-58"),
                 excerpt="if campaign.expires_at < datetime.now(UTC):"),
        Evidence(claim="The commit added the campaign-code branch",
                 source=EvidenceSource(kind="commit", ref=CULPRIT), excerpt="+    if code.startswith('MKT-'):"),
        Evidence(claim="Rounding matches the old results on the last 10k quotes",
                 source=EvidenceSource(kind="command", ref="python scripts/compare_rounding.py --last 10000"),
                 excerpt="0 differences in 10000 quotes"),
    )  # fmt: skip


def store_agent_investigation(store: BlobStore, now: datetime, *, suffix: str = "a9e17c", title: str = TITLE) -> str:
    """Write a finished agent-mode investigation (state, report, session, two subagents); return its id."""
    started = now - timedelta(minutes=14)
    investigation_id = f"inv-{started:%Y%m%d-%H%M%S}-{suffix}"
    incident = started - timedelta(minutes=20)
    deployed = incident - timedelta(minutes=40)
    report = Report(
        id=investigation_id, title=title, status="completed", mode="agent",
        trigger=Trigger(kind="http", ref="question"), started_at=started, finished_at=now - timedelta(minutes=2),
        summary="The coupons deploy broke campaign codes: every checkout with an MKT- code fails with a TypeError.",
        root_cause=RootCause(statement="Campaign expiry is naive and compared with an aware now()",
                             category="code-defect", confidence=0.86),
        evidence=_evidence(), suspects=_suspects(deployed),
        hypotheses=(Hypothesis(statement="The coupons change causes the TypeError", status="confirmed",
                               evidence=(0, 1, 2)),
                    Hypothesis(statement="The rounding change alters totals", status="refuted", evidence=(3,)),
                    Hypothesis(statement="A payment-provider outage adds to the errors", status="open")),
        mitigations=(Mitigation(action="Roll checkout back to 1.4.2", risk="medium", automated=False),),
        recommendation=Recommendation(auto_mitigate=False, transfer_to="team-checkout",
                                      reason="A code defect in checkout; the owning team should roll back and fix."),
        usage=UsageTotals(model_calls=23, input_tokens=412_000, cached_input_tokens=351_000,
                          cache_write_tokens=40_000, output_tokens=9_800, cost_usd=0.4172),
        data_egress=(DataEgress(provider="anthropic", model="claude-sonnet-4-6", region="eu", bytes_sent=1_480_221,
                                redactions=17),),
        signals=Signals(what_worked="The stack pointed straight at coupons.py", what_was_hard="Nothing much",
                        self_score=4),
    )  # fmt: skip
    location = save_report(store, report)
    session_blob = _store_sessions(store, investigation_id)
    triage = Triage(
        suspects=_suspects(deployed), evidence=(), onset=deployed + timedelta(minutes=1),
        new_errors=(NewError(exception_type="TypeError", app_role="checkout-api", count=412,
                             first_seen=deployed + timedelta(minutes=1), message="can't compare datetimes",
                             stack_files=("checkout/coupons.py",), stack_functions=("apply",)),),
    )  # fmt: skip
    state = InvestigationState(
        id=investigation_id, step=7, stage=Stage.DONE, mode="agent",
        request=RequestSpec(trigger=Trigger(kind="http", ref="question"), question="why is checkout failing?",
                            scope='{"service": "checkout-api"}'),
        title=title, started_at=started, updated_at=now - timedelta(minutes=2), incident_time=incident,
        triage=triage, session_blob=session_blob,
        attached_alerts=(AttachedAlert(dedupe_key="k1", fired_at=incident + timedelta(minutes=3),
                                       monitor_condition="Fired"),),
        report_json=location.json_name, report_markdown=location.markdown_name, report_status="completed",
        usage=report.usage,
    )  # fmt: skip
    store.put(state_blob(investigation_id), state.to_json_bytes())
    return investigation_id


def _store_sessions(store: BlobStore, investigation_id: str) -> str:
    answers = [
        ('{"verdict": "confirmed", "answer": "coupons.apply raises on every MKT- code", "confidence": 0.9, '
         '"findings": [{"claim": "412 TypeErrors, all with MKT- codes; one logged ' + SCRIPT.replace('"', '\\"')
         + '", "evidence": "outputs/3-exceptions.txt"}], "not_checked": ["mobile clients"]}'),
        '{"verdict": "refuted", "answer": "rounding is unchanged", "confidence": 0.8}',
    ]  # fmt: skip
    hypotheses = ["The coupons change causes the TypeError", "The rounding change alters totals"]
    system = (SystemBlock(text="You are an SRE agent."),)
    children = []
    for index, (answer, hypothesis) in enumerate(zip(answers, hypotheses, strict=True)):
        child = Session(id=f"s-child-{index}", investigation_id=investigation_id, parent_id="s-parent",
                        system=system, status=SessionStatus.COMPLETED,
                        final_answer=f"```json\n{answer}\n```")  # fmt: skip
        store.put(child_blob(investigation_id, 3, index), ChildOutcome(session=child).model_dump_json().encode())
        children.append(ChildRecord(session_id=child.id, hypothesis=hypothesis, status=SessionStatus.COMPLETED,
                                    usage=Usage(), model_calls=4, cost_usd=0.03))  # fmt: skip
    parent = Session(id="s-parent", investigation_id=investigation_id, model="anthropic:claude-sonnet-4-6",
                     system=system, status=SessionStatus.COMPLETED, children=children)  # fmt: skip
    name = f"investigations/{investigation_id}/session/7-0a1b2c.json"
    store.put(name, parent.to_json().encode())
    return name
