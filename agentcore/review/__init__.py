"""Reviewing reports: the feedback people give on them, and the web pages they read them in.

- `feedback`: the Feedback model, stored beside each report with every version kept
  (`record_feedback`, `read_feedback_at`), and `iter_feedback` for the daily job and the signals
  aggregation. `agentcore.pipeline.review_app.read_feedback` finds it by investigation id.
- `pages`: server-rendered HTML (autoescaped Jinja2, no JavaScript) from view models.
- `timeline`: the report page's timeline chart, laid out for inline SVG.

The routes that serve the pages live in `agentcore.pipeline.review_app` (they read investigation state).
"""

from agentcore.review.feedback import (
    Culprit,
    Feedback,
    FeedbackConflictError,
    FeedbackRecord,
    Verdict,
    feedback_blob,
    iter_feedback,
    read_feedback_at,
    record_feedback,
)

__all__ = [
    "Culprit",
    "Feedback",
    "FeedbackConflictError",
    "FeedbackRecord",
    "Verdict",
    "feedback_blob",
    "iter_feedback",
    "read_feedback_at",
    "record_feedback",
]
