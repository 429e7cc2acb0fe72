"""Rules of suspect scoring, each on hand-built candidates (the git side is covered in test_change_correlation)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agentcore.connectors.changes import ChangeCandidate, FileChange, IncidentSignals, rank_suspects

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)


def change(
    commit: str, minutes_before: float, *paths: str, identifiers: frozenset[str] = frozenset()
) -> ChangeCandidate:
    live = INCIDENT - timedelta(minutes=minutes_before)
    return ChangeCandidate(
        repo="shop",
        commit=commit,
        title=f"change {commit}",
        author="Ana Lima",
        committed_at=live - timedelta(minutes=30),
        files=tuple(FileChange(path, added=10, deleted=2) for path in paths),
        diff_identifiers=identifiers,
        deployed_at=live,
    )


def test_equal_scores_rank_the_most_recently_live_first_then_by_sha() -> None:
    older = change("aaa", 90, "src/a.py")
    newer_b = change("bbb", 30, "src/a.py")
    newer_c = replace(newer_b, commit="ccc")
    signals = IncidentSignals(incident_time=INCIDENT, new_error_first_seen=INCIDENT - timedelta(minutes=10))
    ranked = rank_suspects([newer_c, older, newer_b], signals)
    assert [s.commit for s in ranked] == ["bbb", "ccc", "aaa"]


def test_going_live_closer_before_the_errors_began_scores_higher() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, new_error_first_seen=INCIDENT - timedelta(minutes=60))
    ranked = rank_suspects([change("far", 600, "src/a.py"), change("near", 70, "src/a.py")], signals)
    assert [s.commit for s in ranked] == ["near", "far"]
    assert ranked[0].reasons[1] == "went live 10 min before the new error first appeared"


def test_a_stack_frame_with_a_windows_build_path_matches_the_repo_file() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, stack_files={r"D:\a\1\s\src\Shop\Coupons.cs"})
    suspect = rank_suspects([change("abc", 60, "src/Shop/Coupons.cs")], signals)[0]
    assert "touches src/Shop/Coupons.cs, which is in the exception's stack" in suspect.reasons


def test_a_frame_sharing_only_the_file_name_counts_less_and_says_so() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, stack_files={"/app/payments/coupons.py"})
    same_path = rank_suspects([change("abc", 60, "payments/coupons.py")], signals)[0]
    same_name = rank_suspects([change("abc", 60, "checkout/coupons.py")], signals)[0]
    assert same_name.score < same_path.score
    assert (
        "touches checkout/coupons.py, which shares its file name with stack frame /app/payments/coupons.py"
        in same_name.reasons
    )


def test_generic_frame_names_are_not_taken_as_evidence() -> None:
    signals = IncidentSignals(
        incident_time=INCIDENT, stack_functions={"<module>", "Shop.Coupons.<ApplyAsync>d__5.MoveNext()"}
    )
    suspect = rank_suspects([change("abc", 60, "src/a.py", identifiers=frozenset({"module", "movenext"}))], signals)[0]
    assert not any("function" in reason for reason in suspect.reasons)


def test_async_frames_match_the_method_they_were_generated_from() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, stack_functions={"Shop.Coupons.<ApplyAsync>d__5.MoveNext()"})
    suspect = rank_suspects([change("abc", 60, "src/a.cs", identifiers=frozenset({"applyasync"}))], signals)[0]
    assert "its diff mentions `applyasync`, a function in the stack" in suspect.reasons


def test_common_words_of_an_error_message_are_not_taken_as_evidence() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, error_messages=["Error: the value is invalid for this request"])
    words = frozenset({"error", "the", "value", "invalid", "this", "request"})
    suspect = rank_suspects([change("abc", 60, "src/a.py", identifiers=words)], signals)[0]
    assert not any("error message" in reason for reason in suspect.reasons)


def test_an_undeployed_commit_made_after_the_errors_began_is_ruled_out() -> None:
    late = replace(change("late", 5, "src/a.py"), deployed_at=None)
    early = replace(change("early", 600, "README.md"), deployed_at=None)
    signals = IncidentSignals(incident_time=INCIDENT, new_error_first_seen=INCIDENT - timedelta(minutes=60))
    ranked = rank_suspects([late, early], signals)
    assert [s.commit for s in ranked] == ["early", "late"]
    assert ranked[1].score == 0.0
    assert ranked[1].reasons[1].endswith("after the new error first appeared, so it cannot have caused it")


def test_a_change_that_touches_no_files_scores_low() -> None:
    suspect = rank_suspects([change("empty", 5)], IncidentSignals(incident_time=INCIDENT))[0]
    assert suspect.score < 0.1
    assert "changes no files, so it cannot change runtime behaviour" in suspect.reasons


def test_a_change_deployed_after_the_incident_is_ruled_out_and_says_why() -> None:
    late = change("late", -20, "src/a.py")
    suspect = rank_suspects([late, change("early", 60, "src/b.py")], IncidentSignals(incident_time=INCIDENT))[-1]
    assert (suspect.commit, suspect.score) == ("late", 0.0)
    assert suspect.reasons[0] == "deployed 20 min after the incident, so it cannot have caused it"
