"""`changes`: what was deployed and committed before the incident, read from the workspace.

    changes list [--service S] [--since 6h] [--limit N]
        deployments up to the incident time, newest first, each with the commits it made live
        (from data/deployments.jsonl, data/scenario.json and the clones under repos/)
    changes show <sha> [--repo R] [--max-lines N]
        one commit: header, message, pull requests, changed files with line counts, and its diff
        (cut after N lines, with a note saying how to see the rest)

Durations: 30m, 6h, 3d, 2w, or sums such as 1d12h. "Now" is the incident time of data/scenario.json.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from agentcore.connectors.code import ChangedFile, CommitInfo, UnknownCommitError
from agentcore.connectors.code.git import LocalGitCodeHost
from agentcore.connectors.commands._change_list import ListRequest, list_changes, repo_names
from agentcore.connectors.commands._cli import (
    EXIT_OK,
    OneLineParser,
    capped,
    duration,
    emit,
    positive_int,
    run,
    stamp,
)
from agentcore.errors import UserInputError

PROG = "changes"
DEFAULT_SINCE = "7d"
MAX_FILES_SHOWN = 60
MAX_MESSAGE_LINES = 25
DEFAULT_DIFF_LINES = 300
STATUS_LETTER = {"added": "A", "modified": "M", "deleted": "D", "renamed": "R"}


def _parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{list,show}", parser_class=OneLineParser)
    listing = commands.add_parser("list", help="deployments before the incident and the commits each made live")
    listing.add_argument("--service", help="only this service")
    listing.add_argument(
        "--since",
        type=duration,
        default=duration(DEFAULT_SINCE),
        help=f"window before the incident (default {DEFAULT_SINCE})",
    )
    listing.add_argument("--limit", type=positive_int(500), default=20, help="deployments shown (default 20)")
    show = commands.add_parser("show", help="one commit: header, files and diff")
    show.add_argument("sha", help="a commit sha (abbreviated is fine) or another name git resolves")
    show.add_argument("--repo", help="the repository under repos/ (default: the one that has the commit)")
    show.add_argument(
        "--max-lines",
        type=positive_int(5000),
        default=DEFAULT_DIFF_LINES,
        help=f"diff lines shown (default {DEFAULT_DIFF_LINES})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    return run(PROG, _parser(), argv, _act)


def _act(args: argparse.Namespace) -> int:
    workspace = Path.cwd()
    if args.command == "list":
        emit(list_changes(workspace, ListRequest(service=args.service, since=args.since, limit=args.limit)))
    else:
        emit(show_commit(workspace, args.sha, repo=args.repo, max_lines=args.max_lines))
    return EXIT_OK


def show_commit(workspace: Path, sha: str, *, repo: str | None, max_lines: int) -> list[str]:
    host = LocalGitCodeHost(workspace / "repos", follow_links=True)  # inside the sandbox: repos may be linked
    repo, full = _find(host, workspace, sha, repo)
    commit = host.commit(repo, full)
    lines = [f"commit {commit.sha}  (repos/{repo})", f"author {commit.author}, committed {stamp(commit.time)}"]
    if len(commit.parents) > 1:
        lines.append(f"merge of {', '.join(p[:10] for p in commit.parents)} (files and diff against the first parent)")
    pulls = host.pull_requests_for(repo, full)
    if pulls:
        lines.append("pull requests: " + "; ".join(f"#{p.number} {p.title}" for p in pulls))
    lines += ["", *capped(
        [f"    {line}" for line in commit.message.splitlines()],
        MAX_MESSAGE_LINES,
        lambda hidden: f"    ({hidden} more message lines; git -C repos/{repo} log -1 {full[:10]})",
    ), ""]  # fmt: skip
    lines += _file_lines(commit, repo)
    diff, total = host.diff_lines(repo, full, max_lines=max_lines)
    lines.append(f"diff ({total} lines):" if total <= max_lines else f"diff (first {max_lines} of {total} lines):")
    lines += diff
    if total > max_lines:
        lines.append(
            f"(diff cut: {total - max_lines} more lines; one file: git -C repos/{repo} show {full[:10]} -- <path>, "
            "or raise --max-lines)"
        )
    return lines


def _find(host: LocalGitCodeHost, workspace: Path, sha: str, repo: str | None) -> tuple[str, str]:
    """(repo, full sha): in `repo` when given, else in the one repository that has the commit."""
    if repo is not None:
        return repo, host.resolve(repo, sha)
    repos = repo_names(workspace)
    if not repos:
        raise UserInputError("there are no repositories under repos/")
    found: dict[str, str] = {}
    for name in repos:
        try:
            found[name] = host.resolve(name, sha)
        except UnknownCommitError:
            continue
    if not found:
        raise UnknownCommitError(f"no commit {sha!r} in {', '.join(f'repos/{r}' for r in repos)}")
    if len(found) > 1:
        raise UserInputError(f"{sha!r} names commits in {', '.join(sorted(found))}; pass --repo")
    [(name, full)] = found.items()
    return name, full


def _file_lines(commit: CommitInfo, repo: str) -> list[str]:
    files = commit.files or ()
    added = sum(f.additions for f in files)
    deleted = sum(f.deletions for f in files)
    header = f"files ({len(files)} changed, +{added} -{deleted}):"
    return [header, *capped(
        [_file_line(f) for f in files],
        MAX_FILES_SHOWN,
        lambda hidden: f"  ({hidden} more files; git -C repos/{repo} show --stat {commit.sha[:10]})",
    ), ""]  # fmt: skip


def _file_line(change: ChangedFile) -> str:
    path = f"{change.previous_path} -> {change.path}" if change.previous_path else change.path
    return f"  {STATUS_LETTER[change.status]}  {path}  +{change.additions} -{change.deletions}"


if __name__ == "__main__":
    sys.exit(main())
