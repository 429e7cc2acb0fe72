"""`report.md` gives the on-call engineer the report in reading order, and untrusted text cannot break it."""

from __future__ import annotations

from collections.abc import Callable

from agentcore.reports import Report, render_markdown

ReportFactory = Callable[..., Report]

SUSPECT = {
    "repo": "checkout",
    "commit": "3f9a2c1d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    "title": "Apply coupons",
    "author": "Ana Lima",
    "deployed_at": "2026-03-02T13:27:00Z",
    "score": 0.5,
    "reasons": ["deployed 38 min before the incident"],
}


def _evidence_only(make_report: ReportFactory) -> Report:
    return make_report(mode="evidence-only", root_cause=None, signals=None, hypotheses=[])


def test_an_evidence_only_report_says_in_its_first_line_that_no_agent_reasoned(
    make_report: ReportFactory,
) -> None:
    first_line = render_markdown(_evidence_only(make_report)).splitlines()[0]
    assert "no agent reasoned" in first_line
    assert "deterministic steps only" in first_line


def test_an_agent_report_starts_with_its_title(make_report: ReportFactory) -> None:
    assert render_markdown(make_report()).splitlines()[0] == "# Checkout returns 500 on coupon orders"


def test_the_header_shows_status_and_root_cause_confidence(make_report: ReportFactory) -> None:
    assert "**Status:** completed (root cause confidence 82 %)" in render_markdown(make_report())


def test_the_header_says_when_there_is_no_root_cause(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report(status="inconclusive", root_cause=None))
    assert "**Status:** inconclusive (no root cause)" in markdown


def test_sections_come_in_the_order_an_on_call_engineer_reads_them(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report())
    order = [
        "## Summary", "## Root cause", "## Evidence", "## Suspects", "## Hypotheses", "## Mitigations",
        "## Recommendation", "## Usage", "## Errors",
    ]  # fmt: skip
    positions = [markdown.index(heading) for heading in order]
    assert positions == sorted(positions)


def test_the_root_cause_shows_statement_category_and_confidence(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report())
    assert "apply_discount dereferences coupon.percent" in markdown
    assert "Category: `code-defect` · confidence 82 %" in markdown


def test_an_evidence_only_root_cause_section_points_at_the_suspects(make_report: ReportFactory) -> None:
    markdown = render_markdown(_evidence_only(make_report))
    assert "Not determined: no agent reasoned in this run. Start from the suspects below." in markdown


def test_each_evidence_item_shows_its_claim_source_and_excerpt(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report())
    assert "**[1]** AttributeError on every coupon order since 13:31" in markdown
    assert "Source: log query `AppExceptions | where ProblemId has 'coupons'`" in markdown
    assert "```text\nAttributeError: 'NoneType' object has no attribute 'percent'\n```" in markdown


def test_hypotheses_cite_evidence_by_the_numbers_the_evidence_section_shows(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report())
    assert "1. **confirmed**: The 13:27 deploy broke coupons (evidence [1], [2])" in markdown
    assert "2. **refuted**: The payment provider is down (no evidence cited)" in markdown


def test_the_suspects_table_has_a_row_per_suspect_with_its_reasons(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report())
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert row == (
        "| 1 | 0.91 | `checkout@3f9a2c1d5e` | Apply percentage coupons in apply_discount | Ana Lima "
        "| 2026-03-02 13:27:00 UTC | deployed 38 min before the incident; touches checkout/coupons.py |"
    )


def test_a_suspect_without_a_deployment_record_says_so(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report(suspects=[SUSPECT | {"deployed_at": None}]))
    assert "| not recorded |" in markdown


def test_pipes_and_newlines_in_untrusted_text_cannot_break_a_table(make_report: ReportFactory) -> None:
    suspect = SUSPECT | {"title": "fix | split\nlines", "reasons": ["a|b"]}
    markdown = render_markdown(make_report(suspects=[suspect]))
    row = next(line for line in markdown.splitlines() if line.startswith("| 1 |"))
    assert "fix \\| split lines" in row
    assert row.endswith("| a\\|b |")


def test_an_excerpt_containing_a_code_fence_stays_inside_its_block(make_report: ReportFactory) -> None:
    evidence = [{"claim": "c", "source": {"kind": "file", "ref": "README.md"}, "excerpt": "```\n# not a heading"}]
    markdown = render_markdown(make_report(evidence=evidence, hypotheses=[]))
    assert "````text\n```\n# not a heading\n````" in markdown


def test_the_recommendation_shows_auto_mitigation_transfer_and_reason(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report())
    assert "- **Auto-mitigate:** no\n- **Transfer to:** team-checkout\n- **Reason:** Code defect." in markdown


def test_usage_shows_calls_tokens_cache_and_cost(make_report: ReportFactory) -> None:
    assert (
        "14 model calls · input 120,000 tokens (90,000 cached, 8,000 written to cache) · "
        "output 3,500 tokens · cost $0.4213"
    ) in render_markdown(make_report())


def test_a_report_without_model_calls_says_so(make_report: ReportFactory) -> None:
    markdown = render_markdown(make_report(usage={}, data_egress=[]))
    assert "No model calls." in markdown
    assert "Nothing was sent to a model provider." in markdown


def test_errors_list_stage_class_and_message(make_report: ReportFactory) -> None:
    errors = [{"stage": "investigate", "error_class": "ModelError", "message": "429 after 3 tries"}]
    assert "| investigate | ModelError | 429 after 3 tries |" in render_markdown(make_report(errors=errors))


def test_rendering_is_deterministic(make_report: ReportFactory) -> None:
    assert render_markdown(make_report()) == render_markdown(make_report())


def test_the_data_egress_section_says_where_shell_commands_ran(make_report: ReportFactory) -> None:
    report = make_report().model_copy(update={"commands_ran_in": "on the agent's host, in the bubblewrap sandbox"})

    section = render_markdown(report).split("## Data sent to model providers", 1)[1].split("\n## ", 1)[0]

    assert "Shell commands ran on the agent's host, in the bubblewrap sandbox." in section
