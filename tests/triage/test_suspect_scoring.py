"""Rules of suspect scoring, each on hand-built candidates (the git side is covered in test_change_correlation)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from agentcore.connectors.changes import ChangeCandidate, FileChange
from agentcore.triage import IncidentSignals, RegressionSignal, rank_suspects
from agentcore.triage.ranking import shared_ranks

INCIDENT = datetime(2026, 3, 2, 14, 5, tzinfo=UTC)
DATABASE = "psql-stock-prod.postgres.database.azure.com | stock"


def change(
    commit: str,
    minutes_before: float,
    *paths: str,
    identifiers: frozenset[str] = frozenset(),
    config: frozenset[str] = frozenset(),
    repo: str = "shop",
) -> ChangeCandidate:
    live = INCIDENT - timedelta(minutes=minutes_before)
    return ChangeCandidate(
        repo=repo,
        commit=commit,
        title=f"change {commit}",
        author="Ana Lima",
        committed_at=live - timedelta(minutes=30),
        files=tuple(FileChange(path, added=10, deleted=2) for path in paths),
        diff_identifiers=identifiers | config,
        config_identifiers=config,
        deployed_at=live,
    )


def test_equal_scores_rank_the_most_recently_live_first_then_by_sha() -> None:
    older = change("aaa", 90, "src/a.py")
    newer_b = change("bbb", 30, "src/a.py")
    newer_c = replace(newer_b, commit="ccc")
    signals = IncidentSignals(incident_time=INCIDENT, symptom_onset=INCIDENT - timedelta(minutes=10))
    ranked = rank_suspects([newer_c, older, newer_b], signals)
    assert [s.commit for s in ranked] == ["bbb", "ccc", "aaa"]


def test_going_live_closer_before_the_errors_began_scores_higher() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, symptom_onset=INCIDENT - timedelta(minutes=60))
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
    signals = IncidentSignals(incident_time=INCIDENT, symptom_onset=INCIDENT - timedelta(minutes=60))
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


# Regressions without a new error: configuration, the dependency's own words, and the onset's resolution.


def slowdown(*regressions: RegressionSignal, onset_minutes_before: float = 60) -> IncidentSignals:
    """A slowdown with no new exception, read from 10-minute bins."""
    return IncidentSignals(
        incident_time=INCIDENT,
        symptom_onset=INCIDENT - timedelta(minutes=onset_minutes_before),
        symptom="stock-api's postgresql calls got slower",
        symptom_onset_resolution=timedelta(minutes=10),
        regressions=regressions or (RegressionSignal("latency", "stock-api", DATABASE, "postgresql"),),
    )


POOL_CHANGE = change("pool", 70, "config/production.yaml", config=frozenset({"max_idle_conns", "idle"}))
REFACTOR = change("refactor", 70, "internal/orders/query.go", "internal/orders/rows.go")


def test_with_a_slowdown_and_no_new_error_a_pool_setting_outranks_a_bigger_code_change() -> None:
    ranked = rank_suspects([REFACTOR, POOL_CHANGE], slowdown())
    assert [s.commit for s in ranked] == ["pool", "refactor"]
    assert (
        "changes connection, pool, timeout or retry settings (`max_idle_conns`) in config/production.yaml; "
        "with no new error, configuration is a likelier cause than code"
    ) in ranked[0].reasons


def test_with_a_new_error_configuration_earns_nothing_extra() -> None:
    signals = IncidentSignals(
        incident_time=INCIDENT,
        stack_files={"internal/orders/query.go"},
        regressions=(RegressionSignal("failures", "stock-api"),),
    )
    ranked = rank_suspects([POOL_CHANGE, REFACTOR], signals)
    assert ranked[0].commit == "refactor"
    assert not any("configuration" in reason for reason in ranked[1].reasons)


def test_without_a_regression_configuration_earns_nothing_extra() -> None:
    suspect = rank_suspects([POOL_CHANGE], IncidentSignals(incident_time=INCIDENT))[0]
    assert not any("configuration" in reason for reason in suspect.reasons)


def test_a_config_change_naming_no_setting_counts_for_less() -> None:
    flags = change("flags", 70, "config/production.yaml", config=frozenset({"new_checkout_banner"}))
    ranked = rank_suspects([flags, POOL_CHANGE], slowdown())
    assert [s.commit for s in ranked] == ["pool", "flags"]
    assert (
        "changes runtime configuration (config/production.yaml), a common lever of a regression without a new error"
        in ranked[1].reasons
    )


def test_a_dependency_bump_in_a_package_manifest_is_not_runtime_configuration() -> None:
    bump = change("bump", 70, "package.json", config=frozenset({"timeout"}))
    suspect = rank_suspects([bump], slowdown())[0]
    assert not any("configuration" in reason for reason in suspect.reasons)


def test_a_change_whose_diff_names_the_regressed_dependency_says_so_and_ranks_higher() -> None:
    cache = RegressionSignal("latency", "stock-api", "redis-stock-prod.redis.cache.windows.net:6380", "Redis")
    client = change("client", 70, "internal/cache/client.go", identifiers=frozenset({"redis_addr"}))
    other = change("other", 70, "internal/cache/client.go", identifiers=frozenset({"ttl"}))
    ranked = rank_suspects([other, client], slowdown(cache))
    assert [s.commit for s in ranked] == ["client", "other"]
    assert (
        "its diff or paths mention `redis`, naming the regressed dependency "
        "redis-stock-prod.redis.cache.windows.net:6380" in ranked[0].reasons
    )


def test_a_path_can_name_the_kind_of_dependency_that_regressed() -> None:
    suspect = rank_suspects([change("db", 70, "internal/db/pool.go")], slowdown())[0]
    assert any(reason.startswith("its diff or paths mention `db`") for reason in suspect.reasons)


def test_the_services_own_name_in_a_dependency_host_is_no_evidence() -> None:
    """`stock` names the database (psql-stock-prod | stock) but also everything in the stock repo."""
    own = change("own", 70, "internal/stock/levels.go", identifiers=frozenset({"stock"}), repo="stock")
    suspect = rank_suspects([own], slowdown())[0]
    assert not any("regressed dependency" in reason for reason in suspect.reasons)


def test_the_regressions_onset_is_the_symptom_the_timing_names() -> None:
    suspect = rank_suspects([POOL_CHANGE], slowdown())[0]
    assert suspect.reasons[1] == "went live 10 min before stock-api's postgresql calls got slower"


def test_a_change_live_inside_the_onsets_bin_still_counts_and_one_after_it_is_ruled_out() -> None:
    inside = change("inside", 55, "config/production.yaml")
    after = change("after", 45, "config/production.yaml")
    ranked = rank_suspects([after, inside], slowdown(onset_minutes_before=60))
    assert [(s.commit, s.score > 0) for s in ranked] == [("inside", True), ("after", False)]
    assert ranked[0].reasons[1] == (
        "went live 5 min after stock-api's postgresql calls got slower, "
        "inside the 10 min bin its onset was read from, so it still counts"
    )
    assert ranked[1].reasons[1].endswith("got slower, so it cannot have caused it")


def test_a_prompt_template_change_is_runtime_code_not_documentation() -> None:
    prompt = rank_suspects([change("prompt", 60, "assistant/prompts/system.md")], IncidentSignals(INCIDENT))[0]
    readme = rank_suspects([change("readme", 60, "assistant/prompts/README.md")], IncidentSignals(INCIDENT))[0]
    assert prompt.score > 0.2
    assert not any("documentation" in reason for reason in prompt.reasons)
    assert readme.score < 0.1


def test_a_change_to_only_comments_of_a_stack_file_does_not_touch_the_stack() -> None:
    signals = IncidentSignals(incident_time=INCIDENT, stack_files={"/app/src/pricing.py"})
    code = change("code", 120, "src/pricing.py")
    comments = replace(
        change("comments", 20, "src/pricing.py"), files=(FileChange("src/pricing.py", 9, 3, code_changed=False),)
    )
    ranked = rank_suspects([comments, code], signals)
    assert [s.commit for s in ranked] == ["code", "comments"]
    assert ranked[1].reasons[-1] != "touches src/pricing.py, which is in the exception's stack"
    assert (
        "only touches comments or layout (src/pricing.py), which cannot change runtime behaviour" in ranked[1].reasons
    )


def test_scores_closer_than_the_tie_margin_share_a_rank() -> None:
    signals = IncidentSignals(incident_time=INCIDENT)
    same = [change("aaa", 30, "src/a.py"), change("bbb", 31, "src/a.py"), change("ccc", 600, "src/a.py")]
    ranked = rank_suspects(same, signals)
    assert [(s.commit, s.rank) for s in ranked] == [("aaa", 1), ("bbb", 1), ("ccc", 3)]


def test_a_tie_does_not_chain_beyond_the_margin_from_the_first_of_its_rank() -> None:
    assert shared_ranks([(False, 0.50), (False, 0.49), (False, 0.48), (False, 0.47)], margin=0.02) == [1, 1, 3, 3]


def test_a_change_that_went_live_too_late_never_ties_with_one_that_could_have_caused_it() -> None:
    assert shared_ranks([(False, 0.0), (True, 0.0)]) == [1, 2]


def test_a_change_to_the_function_that_threw_beats_one_elsewhere_in_the_same_file() -> None:
    signals = IncidentSignals(
        incident_time=INCIDENT, stack_files={"/app/src/export.py"}, stack_functions={"export.export_invoices"}
    )
    inside = change("inside", 60, "src/export.py", identifiers=frozenset({"export_invoices"}))
    elsewhere = change("elsewhere", 60, "src/export.py", identifiers=frozenset({"format_row"}))
    ranked = rank_suspects([elsewhere, inside], signals)
    assert [(s.commit, s.rank) for s in ranked] == [("inside", 1), ("elsewhere", 2)]
