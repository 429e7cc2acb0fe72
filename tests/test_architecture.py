"""The one-way import rule: Azure Functions stays at the edge, vendor SDKs stay in their adapters."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Vendor SDK prefix -> the adapter modules allowed to import it (paths relative to the repo root).
ADAPTERS: dict[str, set[str]] = {
    "anthropic": {"agentcore/models/anthropic.py"},
    "openai": {"agentcore/models/openai.py"},
    "azure.identity": {
        "agentcore/models/openai.py",
        "agentcore/telemetry/azure_monitor.py",
        "agentcore/storage/azure.py",
        "agentcore/queues/servicebus.py",
        "agentcore/connectors/logs/kusto.py",
        "agentcore/connectors/topology/azure.py",
        "agentcore/sandbox/remote.py",
    },
    "azure.core": {
        "agentcore/models/openai.py",
        "agentcore/storage/azure.py",
        "agentcore/queues/servicebus.py",
        "agentcore/connectors/logs/kusto.py",
        "agentcore/connectors/topology/azure.py",
    },
    "azure.storage": {"agentcore/storage/azure.py"},
    "azure.servicebus": {"agentcore/queues/servicebus.py"},
    "azure.kusto": {"agentcore/connectors/logs/kusto.py"},
    "azure.monitor": {"agentcore/telemetry/azure_monitor.py"},
    "github": {"agentcore/connectors/code/github.py"},
    # the local HTTP server: the ASGI app, and the server that runs it
    "starlette": {"agentcore/pipeline/asgi.py", "agentcore/sandbox/server/_app.py"},
    "uvicorn": {"agentcore/pipeline/http_server.py", "agentcore/sandbox/server/__main__.py"},
    "h11": {"agentcore/pipeline/http_server.py"},
}
EDGE_ONLY = ("azure.functions", "azure.durable_functions")


def python_files(*folders: str) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> Iterator[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


def _matches(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def test_the_core_never_imports_azure_functions() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("agentcore")
        for module in imported_modules(path)
        if any(_matches(module, edge) for edge in EDGE_ONLY)
    ]
    assert offenders == []


def test_vendor_sdks_are_imported_only_by_their_adapters() -> None:
    offenders = []
    for path in python_files("agentcore", "functions"):
        relative = path.relative_to(ROOT).as_posix()
        for module in imported_modules(path):
            for prefix, allowed in ADAPTERS.items():
                if _matches(module, prefix) and relative not in allowed:
                    offenders.append(f"{relative} imports {module}; only {sorted(allowed)} may")
    assert offenders == []


def test_the_core_never_imports_the_functions_layer() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("agentcore")
        for module in imported_modules(path)
        if _matches(module, "functions") or _matches(module, "function_app")
    ]
    assert offenders == []


def test_lower_layers_never_import_the_pipeline() -> None:
    lower = ["agent", "context", "tools", "sandbox", "models", "storage", "queues", "connectors", "reports", "triage"]
    lower += ["workspace", "scenarios", "git"]
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for layer in lower
        if (ROOT / "agentcore" / layer).exists()
        for path in python_files(f"agentcore/{layer}")
        for module in imported_modules(path)
        if _matches(module, "agentcore.pipeline") or _matches(module, "agentcore.cli")
    ]
    assert offenders == []


TRIAGE_READS = ("agentcore.triage", "agentcore.connectors.changes", "agentcore.connectors.logs", "agentcore.reports")
TRIAGE_READS += ("agentcore.errors", "agentcore.models.caching")  # each model's minimum cacheable prompt
"""Triage sits between the pipeline (and the context hooks, the `changes` command) and the connectors: it reads
change records and logs and writes report suspects, nothing else of the core."""


def test_triage_reads_only_change_records_logs_and_the_report_schema() -> None:
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files("agentcore/triage")
        for module in imported_modules(path)
        if _matches(module, "agentcore") and not any(_matches(module, allowed) for allowed in TRIAGE_READS)
    ]
    assert offenders == []


def _imports_of(folder: str) -> Iterator[tuple[str, str]]:
    for path in python_files(folder):
        for module in imported_modules(path):
            yield path.relative_to(ROOT).as_posix(), module


def test_the_workspace_sits_between_the_pipeline_and_what_it_lays_out() -> None:
    """pipeline → workspace → {scenarios, connectors, storage, git, errors, sandbox (its quota), triage (its
    `ServiceRepo` input)}; nothing below imports it back."""
    allowed = ("agentcore.workspace", "agentcore.scenarios", "agentcore.connectors", "agentcore.storage")
    allowed += ("agentcore.git", "agentcore.errors", "agentcore.sandbox", "agentcore.triage")
    offenders = [
        f"{path} imports {module}"
        for path, module in _imports_of("agentcore/workspace")
        if _matches(module, "agentcore") and not any(_matches(module, a) for a in allowed)
    ]
    offenders += [
        f"{path} imports {module}"
        for layer in ("scenarios", "connectors", "storage", "git")
        for path, module in _imports_of(f"agentcore/{layer}")
        if _matches(module, "agentcore.workspace")
    ]
    assert offenders == []


def test_connectors_and_the_report_schema_never_import_triage() -> None:
    below = ["connectors", "reports", "storage", "queues", "models", "sandbox", "tools"]
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for layer in below
        for path in python_files(f"agentcore/{layer}")
        for module in imported_modules(path)
        if _matches(module, "agentcore.triage")
    ]
    assert offenders == []


def test_the_git_runner_imports_nothing_of_the_core_but_its_errors() -> None:
    offenders = [
        f"{path} imports {module}"
        for path, module in _imports_of("agentcore/git")
        if _matches(module, "agentcore") and not _matches(module, "agentcore.git") and module != "agentcore.errors"
    ]
    assert offenders == []


def starts_a_git_process(path: Path) -> bool:
    """Whether the module names the git binary itself: `["git", ...]` or `shutil.which("git")`."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.List | ast.Tuple) and node.elts:
            first = node.elts[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                return True
        if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("which") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value == "git":
                return True
    return False


def test_only_the_git_runner_starts_git() -> None:
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in python_files("agentcore", "functions")
        if not path.is_relative_to(ROOT / "agentcore" / "git") and starts_a_git_process(path)
    ]
    assert offenders == []


def test_the_git_rule_catches_a_module_that_runs_git_itself(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('import shutil, subprocess\nsubprocess.run(["git", "log"])\n')
    worse = tmp_path / "worse.py"
    worse.write_text('import shutil\nexe = shutil.which("git")\n')
    fine = tmp_path / "fine.py"
    fine.write_text('names = ("gitlab", "git log")\n')
    assert [starts_a_git_process(p) for p in (bad, worse, fine)] == [True, True, False]


def test_the_rule_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import azure.functions as func\nfrom anthropic import Anthropic\n")
    assert list(imported_modules(bad)) == ["azure.functions", "anthropic"]
    assert _matches("azure.functions", "azure.functions")
    assert not _matches("azure.functionsx", "azure.functions")
