"""The app as the host indexes it: which functions, bound to what, and function_app.py stays thin."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def bindings(function: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = json.loads(function.get_function_json())["bindings"]
    return result


def trigger(function: Any) -> dict[str, Any]:
    return next(b for b in bindings(function) if b["type"].endswith("Trigger"))


def test_every_trigger_family_is_registered(functions: dict[str, Any]) -> None:
    assert set(functions) == {
        "post_alert", "post_investigation", "get_investigation", "get_report", "post_message", "post_pr_approval",
        "on_alert", "on_stage", "on_dead_stage",
        "fan_out_hypotheses", "run_hypothesis", "finish_fan_out",
        "daily_error_clustering",
        "review_list", "review_report", "review_feedback", "review_follow_up", "review_pr_approval",
    }  # fmt: skip


def test_http_routes_need_a_function_key(functions: dict[str, Any]) -> None:
    routes = {}
    names = ("post_alert", "post_investigation", "get_investigation", "get_report", "post_message", "post_pr_approval",
             "review_list", "review_report", "review_feedback", "review_follow_up", "review_pr_approval")  # fmt: skip
    for name in names:
        binding = trigger(functions[name])
        assert binding["authLevel"] == "FUNCTION"
        routes[name] = (tuple(binding["methods"]), binding["route"])
    assert routes == {
        "post_alert": (("POST",), "alerts"),
        "post_investigation": (("POST",), "investigations"),
        "get_investigation": (("GET",), "investigations/{id}"),
        "get_report": (("GET",), "investigations/{id}/report"),
        "post_message": (("POST",), "investigations/{id}/messages"),
        "post_pr_approval": (("POST",), "investigations/{id}/pr-approval"),
        "review_list": (("GET",), "review"),
        "review_report": (("GET",), "review/investigations/{id}"),
        "review_feedback": (("POST",), "review/investigations/{id}/feedback"),
        "review_follow_up": (("POST",), "review/investigations/{id}/follow-up"),
        "review_pr_approval": (("POST",), "review/investigations/{id}/pr-approval"),
    }


def test_service_bus_triggers_listen_on_their_queues(functions: dict[str, Any]) -> None:
    queues = {name: trigger(functions[name])["queueName"] for name in ("on_alert", "on_stage", "on_dead_stage")}
    assert queues == {"on_alert": "alerts", "on_stage": "stages", "on_dead_stage": "stages/$DeadLetterQueue"}
    assert {trigger(functions[n])["connection"] for n in queues} == {"ServiceBusConnection"}
    assert "durableClient" in {b["type"] for b in bindings(functions["on_stage"])}


def test_the_fan_out_is_an_orchestrator_and_two_activities(functions: dict[str, Any]) -> None:
    assert trigger(functions["fan_out_hypotheses"])["type"] == "orchestrationTrigger"
    assert trigger(functions["run_hypothesis"])["type"] == "activityTrigger"
    assert trigger(functions["finish_fan_out"])["type"] == "activityTrigger"


def test_the_clustering_timer_runs_daily(functions: dict[str, Any]) -> None:
    binding = trigger(functions["daily_error_clustering"])
    assert binding["schedule"] == "0 0 6 * * *"
    assert binding["runOnStartup"] is False


def test_function_app_only_registers_blueprints() -> None:
    tree = ast.parse((REPO / "function_app.py").read_text())
    kinds = set()
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            kinds.add("docstring")
        elif isinstance(node, ast.Import | ast.ImportFrom):
            kinds.add("import")
        elif isinstance(node, ast.Assign):
            kinds.add("app")
        else:
            assert isinstance(node, ast.Expr)
            assert isinstance(node.value, ast.Call)
            assert isinstance(node.value.func, ast.Attribute)
            assert node.value.func.attr == "register_functions"
            kinds.add("register")
    assert kinds == {"docstring", "import", "app", "register"}


def test_blueprints_stay_thin() -> None:
    for path in sorted((REPO / "functions").glob("*.py")):
        assert len(path.read_text().splitlines()) <= 110, path.name


def test_host_json_renews_locks_for_a_whole_stage() -> None:
    host = json.loads((REPO / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensions"]["serviceBus"]["maxAutoLockRenewalDuration"] == "00:30:00"
