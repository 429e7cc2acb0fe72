"""A change that edits only comments, docstrings or whitespace is not a code change, and the names it
mentions in comments are not names the change touches."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentcore.connectors.changes import collect_candidates
from agentcore.connectors.changes._code_text import changed_code_lines, code_lines

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)

PRICING_V1 = '''"""Pricing."""


def apply_discount(total, coupon):
    return total - coupon.amount
'''
PRICING_COMMENTED = '''"""Pricing rules for carts.

apply_discount never sees a coupon_ledger entry.
"""


def apply_discount(total,   coupon):
    """Subtract the coupon; see coupon_ledger for refunds."""
    # coupon_ledger keeps the history
    return total - coupon.amount  # never negative
'''
PRICING_CODE = PRICING_COMMENTED.replace("return total - coupon.amount", "return max(0, total - coupon.amount)")


def test_python_code_lines_leave_out_comments_docstrings_and_layout() -> None:
    assert code_lines("pricing.py", PRICING_COMMENTED) == [
        "def apply_discount ( total , coupon ) :",
        "return total - coupon . amount",
    ]


def test_a_python_string_that_is_an_argument_is_code_not_a_docstring() -> None:
    assert code_lines("a.py", 'raise ValueError("coupon_ledger missing")\n') == [
        'raise ValueError ( "coupon_ledger missing" )'
    ]


def test_c_family_comments_go_and_strings_that_look_like_comments_stay() -> None:
    source = 'var url = "http://x/*y*/"; // the url\n/* block\n comment */ int n = 1;\n'
    assert code_lines("Refunds.cs", source) == ['var url = "http://x/*y*/";', "int n = 1;"]


def test_rewording_comments_and_reindenting_changes_no_code_line() -> None:
    assert changed_code_lines("pricing.py", PRICING_V1, PRICING_COMMENTED) == []


def test_a_changed_statement_is_a_changed_code_line() -> None:
    assert changed_code_lines("pricing.py", PRICING_V1, PRICING_CODE) == [
        "return total - coupon . amount",
        "return max ( 0 , total - coupon . amount )",
    ]


def _commit(repo: Path, when: datetime, title: str, files: dict[str, str]) -> str:
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content)
    env = os.environ | {
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Ana Lima",
        "GIT_AUTHOR_EMAIL": "ana@example.com",
        "GIT_COMMITTER_NAME": "Ana Lima",
        "GIT_COMMITTER_EMAIL": "ana@example.com",
        "GIT_AUTHOR_DATE": when.isoformat(),
        "GIT_COMMITTER_DATE": when.isoformat(),
    }
    subprocess.run(["git", "add", "-A"], cwd=repo, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", title], cwd=repo, env=env, check=True)
    done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pricing")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    _commit(path, INCIDENT - timedelta(hours=3), "pricing", {"pricing.py": PRICING_V1})
    _commit(path, INCIDENT - timedelta(hours=2), "docs: explain discounts", {"pricing.py": PRICING_COMMENTED})
    _commit(path, INCIDENT - timedelta(hours=1), "pricing: never negative", {"pricing.py": PRICING_CODE})
    return path


def test_a_comment_only_commit_marks_its_file_change_as_no_code_change(repo: Path) -> None:
    candidates = {c.title: c for c in collect_candidates(repo, "pricing", [], INCIDENT)}
    assert [f.code_changed for f in candidates["docs: explain discounts"].files] == [False]
    assert [f.code_changed for f in candidates["pricing: never negative"].files] == [True]


def test_names_mentioned_only_in_comments_are_not_names_the_change_touches(repo: Path) -> None:
    candidates = {c.title: c for c in collect_candidates(repo, "pricing", [], INCIDENT)}
    assert "coupon_ledger" not in candidates["docs: explain discounts"].diff_identifiers
    assert "apply_discount" not in candidates["docs: explain discounts"].diff_identifiers
    assert "max" in candidates["pricing: never negative"].diff_identifiers


def test_the_first_commit_of_a_file_counts_as_a_code_change(repo: Path) -> None:
    candidates = {c.title: c for c in collect_candidates(repo, "pricing", [], INCIDENT)}
    assert [f.code_changed for f in candidates["pricing"].files] == [True]
    assert "apply_discount" in candidates["pricing"].diff_identifiers
