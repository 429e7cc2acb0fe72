"""`sre-agent memory check|snapshot|restore|import|export|teach`: the arguments and what each one does.

It returns what to print (the CLI's output layer prints it): `Printed.out` for stdout, `Printed.err` for
stderr, with the exit code.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agentcore.errors import UserInputError

if TYPE_CHECKING:  # the commands' modules are imported when one runs: `sre-agent investigate` builds this parser too
    from agentcore.pipeline.wiring import Dependencies

EXIT_REFUSED = 1


@dataclass(frozen=True)
class Printed:
    code: int = 0
    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)


def add_memory_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    memory = commands.add_parser("memory", help="the team's memory: check, snapshot, restore, import, export")
    memory.add_argument("--data-dir", type=Path, help="where the blobs are")
    actions = memory.add_subparsers(dest="memory_command", required=True)
    check = actions.add_parser("check", help="re-verify every active file's citations; mark stale ones")
    check.add_argument("--repo", action="append", default=[], help="NAME=PATH[@COMMIT]: a repo at its deployed commit")
    check.add_argument("--topology", type=Path, help="a topology.json (a scenario's) to check resources against")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    actions.add_parser("snapshot", help="copy the whole memory to memory-snapshots/<today>/ and prune old ones")
    restore = actions.add_parser("restore", help="make memory what a snapshot holds (the present is kept first)")
    restore.add_argument("date", help="a snapshot folder, e.g. 2026-03-14")
    imported = actions.add_parser("import", help="merge a folder of Markdown with front matter into memory")
    imported.add_argument("folder", type=Path)
    exported = actions.add_parser("export", help="write every memory file into a folder")
    exported.add_argument("folder", type=Path)
    teach = actions.add_parser("teach", help='a "remember ..." or "forget ..." follow-up: the agent edits memory')
    teach.add_argument("investigation", help="the investigation whose agent is taught (its session continues)")
    teach.add_argument("message", help='starts with "remember" or "forget"')
    teach.add_argument("--model", help="PROVIDER:MODEL, e.g. anthropic:claude-sonnet-4-6 (default: env)")
    teach.add_argument("--sandbox", choices=["bubblewrap", "subprocess"], help="where shell commands run")


def run_memory_command(args: argparse.Namespace, deps: Dependencies) -> Printed:
    from agentcore.pipeline.memory_daily import (
        export_folder,
        import_folder,
        prune_snapshots,
        restore_memory,
        snapshot_memory,
    )

    blobs, now = deps.blob_store, deps.now()
    command = args.memory_command
    if command == "check":
        return _check(args, deps)
    if command == "snapshot":
        prefix = snapshot_memory(blobs, now=now)
        pruned = prune_snapshots(blobs, now=now, retention_days=deps.settings.memory_snapshot_retention_days)
        return Printed(out=[prefix], err=[f"pruned {len(pruned)} old snapshot(s)"] if pruned else [])
    if command == "restore":
        kept = restore_memory(blobs, args.date, now=now)
        return Printed(err=[f"memory restored from {args.date}; what it replaced is in {kept}"])
    if command == "teach":
        return _teach(args, deps)
    if command == "import":
        written, problems = import_folder(blobs, args.folder, now=now)
        return Printed(code=EXIT_REFUSED if problems else 0, out=written,
                       err=[*problems, f"imported {len(written)} file(s), refused {len(problems)}"])  # fmt: skip
    written = export_folder(blobs, args.folder)
    return Printed(err=[f"exported {len(written)} file(s) to {args.folder}"])


def _teach(args: argparse.Namespace, deps: Dependencies) -> Printed:
    """The message as a follow-up to the investigation, run here to the end; the files its report stage wrote."""
    from http import HTTPStatus

    from agentcore.pipeline.api import dispatch
    from agentcore.pipeline.local_runner import LocalRunner
    from agentcore.pipeline.memory_session import latest_record
    from agentcore.pipeline.memory_teach import is_teaching

    if not is_teaching(args.message):
        raise UserInputError('a teaching message starts with "remember" or "forget"')
    body = json.dumps({"message": args.message}).encode()
    with LocalRunner(deps) as runner:
        answer = dispatch(runner.context, "POST", f"/api/investigations/{args.investigation}/messages", body=body)
        if answer.status != HTTPStatus.ACCEPTED:
            raise UserInputError(str(json.loads(answer.body).get("error", answer.status)))
        [state] = runner.wait_for([args.investigation])
    record = latest_record(deps.blob_store, state.id)
    written = record.written if record is not None else []
    return Printed(
        out=written, err=[f"investigation {state.id} is {state.stage.value}; memory files written: {len(written)}"]
    )


def _check(args: argparse.Namespace, deps: Dependencies) -> Printed:
    from agentcore.connectors.topology.scenario import ScenarioTopology
    from agentcore.memory.content_cache import memory_content_cache
    from agentcore.pipeline.memory_daily import check_memory
    from agentcore.pipeline.memory_world import DeployedWorld, parse_repo_option

    repos = [parse_repo_option(value) for value in [*deps.settings.memory_repos, *args.repo]]
    world = DeployedWorld(
        repos={r.name: r for r in repos},
        topology=ScenarioTopology(args.topology) if args.topology else None,
        log_store=deps.log_store,
    )
    cache = memory_content_cache(deps.settings.cache_dir)
    summary = check_memory(deps.blob_store, world, now=deps.now(), content_cache=cache)
    if args.json:
        return Printed(out=[json.dumps(summary.as_json(), indent=1)])
    lines = [f"stale: {c.name}: {c.reason}" for c in summary.stale]
    lines.append(f"checked {len(summary.checks)} active file(s): {len(summary.stale)} became stale")
    return Printed(out=lines)


__all__ = ["Printed", "add_memory_parser", "run_memory_command"]
