"""`sre-agent`: run the pipeline's stages in-process on this machine (the embedded default).

The CLI's output layer: the only place that prints. Errors are one line on stderr, never a traceback
(unless --debug), with a non-zero exit.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore._cli_console import CliConsole
from agentcore.errors import AgentCoreError, ConfigError, UserInputError

if TYPE_CHECKING:
    from datetime import timedelta

    from agentcore.agent.loop import StepEvent
    from agentcore.clustering.report import ClusteringReport
    from agentcore.pipeline.clustering import StoredClusteringReport
    from agentcore.pipeline.wiring import Dependencies
    from agentcore.settings import Settings

EXIT_USAGE = 2
EXIT_FAILED = 1

_err = CliConsole(stderr=True)
_out = CliConsole(stderr=False)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sre-agent", description="An AI site-reliability agent.")
    parser.add_argument("--debug", action="store_true", help="log at DEBUG and show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    investigate = commands.add_parser("investigate", help="investigate an incident in-process")
    source = investigate.add_mutually_exclusive_group(required=True)
    source.add_argument("--scenario", type=Path, help="a scenario directory (see SCENARIOS.md)")
    source.add_argument("--alert", type=Path, help="an Azure Monitor common-alert-schema JSON file")
    source.add_argument("--question", help="an ad hoc question")
    investigate.add_argument("--repo", type=Path, action="append", default=[], help="a local git repository")
    investigate.add_argument("--model", help="PROVIDER:MODEL, e.g. anthropic:claude-sonnet-4-6 (default: env)")
    investigate.add_argument("--data-dir", type=Path, help="where blobs, workspaces and the ledger go")
    investigate.add_argument("--sandbox", choices=["bubblewrap", "subprocess"], help="where shell commands run")
    investigate.add_argument("--json", action="store_true", help="print the report JSON to stdout")

    serve = commands.add_parser("serve", help="the HTTP API of the Functions app, with its stages, on this machine")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: loopback only)")
    serve.add_argument("--port", type=int, default=7071, help="port to listen on (0: any free one)")
    serve.add_argument("--model", help="PROVIDER:MODEL, e.g. anthropic:claude-sonnet-4-6 (default: env)")
    serve.add_argument("--data-dir", type=Path, help="where blobs, workspaces and the ledger go")
    serve.add_argument("--sandbox", choices=["bubblewrap", "subprocess"], help="where shell commands run")
    cluster = commands.add_parser("cluster", help="cluster error records (a log store, a scenario, or plain lines)")
    source_of_errors = cluster.add_mutually_exclusive_group()
    source_of_errors.add_argument("--lines", type=Path, help="a plain log file, one record per line")
    source_of_errors.add_argument("--scenario", type=Path, help="a scenario's telemetry, up to its incident time")
    source_of_errors.add_argument(
        "--self", dest="own", action="store_true",
        help="sre-agent's own telemetry under --data-dir/telemetry, investigated in its own source",
    )  # fmt: skip
    cluster.add_argument("--assignments", type=Path, help="with --lines: write line,cluster_id,template to this CSV")
    cluster.add_argument("--since", default="24h", help="the window, ending now or at the incident (default 24h)")
    cluster.add_argument("--service", help="only this AppRoleName")
    cluster.add_argument("--data-dir", type=Path, help="where the clusters report is stored")
    cluster.add_argument("--json", action="store_true", help="print the clusters report JSON to stdout")
    _add_eval(commands)
    from agentcore.pipeline.memory_cli import add_memory_parser

    add_memory_parser(commands)
    return parser


def _add_eval(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    evaluate = commands.add_parser("eval", help="score investigations of cases with known answers; compare scorecards")
    cases_help = "scenario directories with truth.json, or reports with feedback beside them; others are skipped"
    evaluate.add_argument("cases", nargs="*", type=Path, help=cases_help)
    evaluate.add_argument("--model", help="PROVIDER:MODEL of the agent and judge (default: env; else evidence-only)")
    evaluate.add_argument("--runs", type=int, default=1, help="runs of each case (and gradings of its first report)")
    evaluate.add_argument("--out", type=Path, help="where the scorecard and the runs' data go")
    evaluate.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"), help="two scorecards side by side")
    evaluate.add_argument("--record", type=Path, help="record the model's calls to this cassette (JSONL)")
    evaluate.add_argument("--replay", type=Path, help="answer from a recorded cassette instead of a model (offline)")
    evaluate.add_argument("--sandbox", choices=["bubblewrap", "subprocess"], help="where shell commands run")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    try:
        from agentcore.pipeline.input_checks import check_data_dir

        settings = _settings_from(args)
        named_as = "--data-dir" if getattr(args, "data_dir", None) else "data directory"
        check_data_dir(settings.data_dir, named_as=named_as)
        if args.command == "investigate":
            return _investigate(args, settings)
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "cluster":
            return _cluster(args, settings)
        if args.command == "eval":
            from agentcore.evals.command import run_eval_command

            return run_eval_command(args, settings, _err.rich_console(), _out.rich_console())
        if args.command == "memory":
            return _memory(args, settings)
    except AgentCoreError as e:
        if args.debug:
            raise
        _fail(f"error: {e}")
        return EXIT_USAGE if isinstance(e, UserInputError | ConfigError) else EXIT_FAILED
    except KeyboardInterrupt:
        _fail("interrupted")
        return 130
    except Exception as e:
        if args.debug:
            raise
        _fail(f"unexpected {type(e).__name__}: {e} (run with --debug for details)")
        return EXIT_FAILED
    return EXIT_USAGE


def _memory(args: argparse.Namespace, settings: Settings) -> int:
    from agentcore.pipeline.memory_cli import run_memory_command
    from agentcore.pipeline.wiring import build_dependencies

    printed = run_memory_command(args, build_dependencies(settings))
    for line in printed.out:
        _out.print(line, markup=False, soft_wrap=True, highlight=False)
    for line in printed.err:
        _err.print(line, markup=False, soft_wrap=True)
    return printed.code


def _fail(message: str) -> None:
    """One line on stderr, however long or multi-line the message."""
    print("sre-agent: " + " ".join(message.split()), file=sys.stderr)


def _settings_from(args: argparse.Namespace) -> Settings:
    from agentcore.settings import load_settings  # after `run()` has set the collector up for the imports

    overrides: dict[str, object] = {}
    model, data_dir, sandbox = (getattr(args, name, None) for name in ("model", "data_dir", "sandbox"))
    if model is not None and not model.strip():
        raise UserInputError("--model is empty; give PROVIDER:MODEL, e.g. anthropic:claude-sonnet-4-6")
    if model:
        overrides["model"] = model
    if data_dir:
        overrides["data_dir"] = data_dir
    if sandbox:
        overrides["sandbox"] = sandbox
    try:
        return load_settings(**overrides)
    except ValueError as e:
        raise ConfigError(f"invalid settings: {e}".splitlines()[0]) from e


def _cluster(args: argparse.Namespace, settings: Settings) -> int:
    from agentcore.clustering.commands import parse_window, write_line_assignments

    if args.lines is not None:
        if args.assignments is None:
            raise UserInputError("--lines needs --assignments OUT.csv (where each line's cluster goes)")
        count = write_line_assignments(args.lines, args.assignments)
        _err.print(f"clustered {count:,} lines: {args.assignments}", markup=False, soft_wrap=True)
        return 0
    if args.assignments is not None:
        raise UserInputError("--assignments goes with --lines")
    from agentcore.pipeline.wiring import build_dependencies

    deps = build_dependencies(settings)
    scenario = _self_scenario(deps) if args.own else args.scenario
    report = _cluster_report(args, deps, parse_window(args.since), scenario)
    report, stored = _investigate_clusters(deps, report, scenario, own=args.own)
    if args.json:
        from agentcore.redaction import redact_model

        _out.print(redact_model(report).model_dump_json(indent=2), markup=False, soft_wrap=True)
    new = sum(cluster.new for cluster in report.clusters)
    _err.print(f"{report.records} error records in {len(report.clusters)} clusters ({new} new)", soft_wrap=True)
    for rank, cluster in enumerate(report.clusters[:10], start=1):
        flag = "new " if cluster.new else "    "
        _err.print(
            f"{rank:>3}. {flag}{cluster.count:>6}  {cluster.id}  {cluster.title[:90]}", markup=False, soft_wrap=True
        )
    _err.print(f"report: {stored.markdown_name}", markup=False, soft_wrap=True)
    for investigation_id in report.investigations:
        _err.print(f"investigation: {investigation_id}", markup=False, soft_wrap=True)
    return 0


def _cluster_report(
    args: argparse.Namespace, deps: Dependencies, window: timedelta, scenario: Path | None
) -> ClusteringReport:
    from agentcore.clustering import cluster_window
    from agentcore.clustering.commands import cluster_scenario
    from agentcore.telemetry.local import APP_ROLE_NAME

    if scenario is not None:
        top_n = deps.settings.cluster_investigations_top_n
        service = APP_ROLE_NAME if args.own else args.service
        return cluster_scenario(scenario, window=window, service=service, trace_top_n=top_n)
    if deps.log_store is not None:
        return cluster_window(deps.log_store, window_end=deps.now(), window=window, service=args.service)
    raise UserInputError("no log store is configured: give --scenario DIR or --lines FILE, or set the Kusto settings")


def _self_scenario(deps: Dependencies) -> Path:
    """sre-agent's own telemetry and source, frozen as a scenario under the data directory."""
    from agentcore.clustering.self_scenario import new_self_scenario_dir, prune_self_scenarios, write_self_scenario

    now, data_dir = deps.now(), deps.settings.data_dir
    target = write_self_scenario(data_dir / "telemetry", new_self_scenario_dir(data_dir, now), now=now)
    prune_self_scenarios(target.parent)
    return target


def _investigate_clusters(
    deps: Dependencies, report: ClusteringReport, scenario: Path | None, *, own: bool = False
) -> tuple[ClusteringReport, StoredClusteringReport]:
    """Start the new top clusters' investigations and store the report; on the local queue, run them to the end."""
    from agentcore.pipeline import LocalRunner
    from agentcore.pipeline._stage_io import StageContext
    from agentcore.pipeline.clustering import investigate_and_store
    from agentcore.queues.local import LocalQueue

    scenario_dir = str(scenario.resolve()) if scenario is not None else None
    if deps.queue is not None and not isinstance(deps.queue, LocalQueue):
        context = StageContext(deps, deps.queue)
        return investigate_and_store(context, report, now=deps.now(), trigger="cli", scenario_dir=scenario_dir, own=own)
    with LocalRunner(deps) as runner:
        done = investigate_and_store(
            runner.context, report, now=deps.now(), trigger="cli", scenario_dir=scenario_dir, own=own
        )
        runner.wait_for(done[0].investigations)
    return done


def _investigate(args: argparse.Namespace, settings: Settings) -> int:
    from agentcore.pipeline import InvestigationRequest, run_investigation
    from agentcore.pipeline.input_checks import check_repos, check_telemetry
    from agentcore.pipeline.wiring import build_dependencies
    from agentcore.workspace import telemetry_cache_dir

    check_repos(args.repo)
    request = InvestigationRequest.from_cli(
        scenario=args.scenario, alert_file=args.alert, question=args.question, repos=args.repo,
        cache_dir=settings.cache_dir,
    )  # fmt: skip
    if request.scenario is not None:
        check_telemetry(request.scenario, telemetry_cache_dir(settings.cache_dir))
    deps = build_dependencies(settings)
    mode = f"agent ({deps.model.provider}:{deps.model.model})" if deps.model else "evidence-only (no model configured)"
    _err.print(f"[bold]sre-agent[/] investigating — {mode}")
    with _err.status("starting") as status:

        def show(event: StepEvent) -> None:
            tools = ", ".join(event.tools) or "answer"
            who = "" if event.session_id.count(".") == 0 else f"[dim]{event.session_id}[/] "
            line = (
                f"{who}step {event.step:>3}  {tools:<24} {event.duration_s:6.2f} s  "
                f"in {event.usage.input_tokens:>7,}  out {event.usage.output_tokens:>6,}"
            )
            _err.print(line)
            status.update(f"step {event.step}")

        outcome = run_investigation(request, deps, on_step=show)
    report = outcome.report
    if args.json:
        _out.print(report.model_dump_json(indent=2), markup=False, soft_wrap=True)
    first_line = outcome.markdown.splitlines()[0] if outcome.markdown else report.title
    # soft_wrap: paths and the verdict stay on one line each, whatever the terminal width (copy-paste).
    _err.print(first_line, markup=False, soft_wrap=True)
    _err.print(f"status: {report.status}  mode: {report.mode}  suspects: {len(report.suspects)}", soft_wrap=True)
    _err.print(f"report: {outcome.report_path_md}", markup=False, soft_wrap=True)
    _err.print(f"        {outcome.report_path_json}", markup=False, soft_wrap=True)
    return 0 if report.status != "failed" else EXIT_FAILED


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from agentcore.pipeline.http_server import ApiServer
    from agentcore.pipeline.local_runner import LocalRunner
    from agentcore.pipeline.wiring import build_dependencies

    if not 0 <= args.port <= 65535:
        raise UserInputError(f"--port {args.port}: must be 0 (any free port) to 65535")
    deps = build_dependencies(settings)
    mode = f"agent ({deps.model.provider}:{deps.model.model})" if deps.model else "evidence-only (no model configured)"
    with LocalRunner(deps) as runner:
        runner.resume_unfinished()  # what a killed server left: its queue died with it
        try:
            server = ApiServer(runner.context, args.host, args.port)
        except OSError as e:
            raise UserInputError(f"cannot listen on {args.host}:{args.port}: {e.strerror or e}") from e
        host, port = server.address
        _err.print(f"[bold]sre-agent[/] serving http://{host}:{port}/api — {mode}; Ctrl-C stops", soft_wrap=True)
        if args.host not in {"127.0.0.1", "::1", "localhost"}:
            _err.print(
                "[bold yellow]warning:[/] not loopback, and `serve` checks no keys: anyone who can reach it can use it"
            )
        server.serve_forever()
    return 0


CLI_GC_THRESHOLDS = (20_000, 10, 10)
"""The cyclic collector's thresholds in the `sre-agent` process. Python's (700, 10, 10) suit objects that die
young; a CLI run mostly makes objects that live until it exits (modules, classes, pydantic schemas, DuckDB's
bindings), so at 700 each young collection frees next to nothing and the older generations are walked over
and over: about 40 ms of an evidence-only run. Collections still run (`serve` and agent runs go on for hours),
just 30 times less often in the young generation."""


def run() -> None:
    """The `sre-agent` console script: `main()`, then exit without tearing every module down.

    Freeing the KQL parser's tables, DuckDB, pydantic and the rest as the interpreter exits takes about
    0.15-0.2 s, a sixth of an evidence-only run. Once `main()` has returned, the exit handlers have run,
    output is flushed and no other non-daemon thread is alive, nothing needs that teardown, so the
    process ends at once with `main()`'s exit code. With such a thread alive it exits normally.
    """
    gc.set_threshold(*CLI_GC_THRESHOLDS)
    code = main()
    if any(t is not threading.main_thread() and not t.daemon and t.is_alive() for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()  # what normal exit runs first: logging.shutdown, temporary directories, ...
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
