"""A complete agent-mode report to vary from, so each test states only what it is about."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from agentcore.reports import Report

ReportFactory = Callable[..., Report]


def _report_fields() -> dict[str, Any]:
    return {
        "id": "inv-20260302-checkout",
        "title": "Checkout returns 500 on coupon orders",
        "status": "completed",
        "mode": "agent",
        "trigger": {"kind": "alert", "ref": "/subscriptions/s1/alerts/a1"},
        "started_at": datetime(2026, 3, 2, 14, 6, 0, tzinfo=UTC),
        "finished_at": datetime(2026, 3, 2, 14, 10, 30, tzinfo=UTC),
        "summary": "Orders with a coupon fail since the 13:27 deploy of checkout.",
        "root_cause": {
            "statement": "apply_discount dereferences coupon.percent, which is None for fixed-amount coupons.",
            "category": "code-defect",
            "confidence": 0.82,
        },
        "evidence": [
            {
                "claim": "AttributeError on every coupon order since 13:31",
                "source": {"kind": "log_query", "ref": "AppExceptions | where ProblemId has 'coupons'"},
                "excerpt": "AttributeError: 'NoneType' object has no attribute 'percent'",
            },
            {
                "claim": "The deploy at 13:27 introduced the dereference",
                "source": {"kind": "commit", "ref": "checkout@3f9a2c1d"},
                "excerpt": "+    return total * coupon.percent / 100",
            },
        ],
        "suspects": [
            {
                "repo": "checkout",
                "commit": "3f9a2c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
                "title": "Apply percentage coupons in apply_discount",
                "author": "Ana Lima",
                "deployed_at": datetime(2026, 3, 2, 13, 27, tzinfo=UTC),
                "score": 0.91,
                "reasons": ["deployed 38 min before the incident", "touches checkout/coupons.py"],
            }
        ],
        "hypotheses": [
            {"statement": "The 13:27 deploy broke coupons", "status": "confirmed", "evidence": [0, 1]},
            {"statement": "The payment provider is down", "status": "refuted", "evidence": []},
        ],
        "mitigations": [{"action": "Roll checkout back to 1.4.1", "risk": "low", "automated": False}],
        "recommendation": {"auto_mitigate": False, "transfer_to": "team-checkout", "reason": "Code defect."},
        "usage": {
            "model_calls": 14,
            "input_tokens": 120_000,
            "cached_input_tokens": 90_000,
            "cache_write_tokens": 8_000,
            "output_tokens": 3_500,
            "cost_usd": 0.4213,
        },
        "data_egress": [
            {"provider": "anthropic", "model": "claude-x", "region": "eu", "bytes_sent": 480_000, "redactions": 3}
        ],
        "signals": {
            "what_worked": "Change correlation pointed at the right commit.",
            "what_was_hard": "Stack frames had container paths.",
            "skill_gaps": ["kusto joins"],
            "self_score": 4,
        },
        "errors": [],
    }


@pytest.fixture
def make_report() -> ReportFactory:
    """Build a valid agent-mode report; keyword arguments replace top-level fields."""

    def build(**overrides: Any) -> Report:
        return Report.model_validate(_report_fields() | overrides)

    return build
