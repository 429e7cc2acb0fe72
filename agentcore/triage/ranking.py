"""Ranking the changes that went live before an incident: scores, reasons, and ties.

Deterministic (no model): evidence-only mode reports its output as the suspects, and the "what changed"
context hook shows it to the agent. Scores are sums of coarse, hand-set parts (`_scoring`), so two changes
whose scores differ by less than TIE_MARGIN are not told apart: they share a rank, and the report says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from agentcore.connectors.changes import ChangeCandidate
from agentcore.reports import Suspect
from agentcore.triage._scoring import Assessment, assess
from agentcore.triage._signals import IncidentSignals

__all__ = ["TIE_MARGIN", "rank_suspects", "shared_ranks"]

TIE_MARGIN = 0.02
"""Scores closer than this to the best score of a rank share that rank. One identifier of the error message adds
0.1, an hour further from the onset takes off up to 0.12, a tenfold size adds 0.033; what differs by less than
0.02 is a few lines of size or a plain word of the message, which cannot tell a culprit from its neighbour."""


def rank_suspects(candidates: Iterable[ChangeCandidate], signals: IncidentSignals) -> list[Suspect]:
    """Suspects, best first: highest score, then most recently live, then by sha; each with its rank.

    A change that went live after the symptom first showed (or after the incident) scores 0 and ranks
    below every change that could have caused it. Changes within TIE_MARGIN of the first of a rank share it.
    """
    assessed = [(candidate, assess(candidate, signals)) for candidate in candidates]
    assessed.sort(key=_rank_key)
    ranks = shared_ranks([(a.ruled_out, a.score) for _, a in assessed])
    return [
        Suspect(
            repo=candidate.repo,
            commit=candidate.commit,
            title=candidate.title,
            author=candidate.author,
            deployed_at=candidate.deployed_at,
            score=assessment.score,
            reasons=assessment.reasons,
            rank=rank,
        )
        for (candidate, assessment), rank in zip(assessed, ranks, strict=True)
    ]


def shared_ranks(ordered: Sequence[tuple[bool, float]], margin: float | None = None) -> list[int]:
    """Ranks of (ruled_out, score) pairs already sorted best first; a tie never chains past `margin` (default
    TIE_MARGIN) from the first of its rank, and a ruled-out change never ties with one that could have caused it."""
    margin = TIE_MARGIN if margin is None else margin
    ranks: list[int] = []
    leader: tuple[bool, float] | None = None
    for position, (ruled_out, score) in enumerate(ordered, start=1):
        if leader is not None and leader[0] == ruled_out and leader[1] - score < margin:
            ranks.append(ranks[-1])
            continue
        leader = (ruled_out, score)
        ranks.append(position)
    return ranks


def _rank_key(item: tuple[ChangeCandidate, Assessment]) -> tuple[bool, float, float, str]:
    candidate, assessment = item
    return (assessment.ruled_out, -assessment.score, -candidate.live_since.timestamp(), candidate.commit)
