"""What the sandbox commands share: one-line argument errors, durations, times, and the scenario file."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import NoReturn

from agentcore.connectors.code.deployment_log import parse_utc
from agentcore.errors import AgentCoreError, UserInputError

EXIT_OK, EXIT_MISSING, EXIT_USAGE = 0, 1, 2
SCENARIO_FILE = Path("data/scenario.json")

_DURATION = re.compile(r"(\d+)([smhdw])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
MAX_DURATION = timedelta(days=3650)


class UsageError(UserInputError):
    """A bad argument; the message is the whole explanation."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, but an error is one line (`prog: error: ... (try --help)`) and never exits by itself."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (try {self.prog} --help)")


def positive_int(limit: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= value <= limit:
            raise argparse.ArgumentTypeError(f"{value} is not between 1 and {limit}")
        return value

    return parse


def duration(text: str) -> timedelta:
    """`30m`, `6h`, `3d`, `2w`, or a sum such as `1d12h`."""
    cleaned = text.strip().lower()
    if not cleaned or _DURATION.sub("", cleaned):
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30m, 6h, 3d or 2w")
    total = timedelta(seconds=sum(int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION.findall(cleaned)))
    if not timedelta(0) < total <= MAX_DURATION:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0 and at most {MAX_DURATION.days}d")
    return total


def run(prog: str, parser: argparse.ArgumentParser, argv: Sequence[str] | None, act: Callable[..., int]) -> int:
    """Parse, act, and turn failures into one line on stderr with the right exit code."""
    try:
        args = parser.parse_args(argv)
        return act(args)
    except UsageError as e:
        return fail(prog, str(e), EXIT_USAGE)
    except UserInputError as e:
        return fail(prog, str(e), EXIT_MISSING)
    except AgentCoreError as e:
        return fail(prog, f"{type(e).__name__}: {e}", EXIT_MISSING)
    except SystemExit as e:  # --help, --version
        return e.code if isinstance(e.code, int) else EXIT_OK


def fail(prog: str, message: str, code: int) -> int:
    sys.stderr.write(f"{prog}: error: {' '.join(message.split())}\n")
    return code


def emit(lines: Sequence[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def stamp(moment: datetime) -> str:
    """`2026-03-02T14:05Z` (seconds dropped, they rarely matter and cost tokens)."""
    text = moment.strftime("%Y-%m-%dT%H:%M")
    return text + (f":{moment.second:02}Z" if moment.second else "Z")


def ago(delta: timedelta) -> str:
    """`25m`, `3h5m`, `2d1h`."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}d{hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h{minutes}m" if minutes else f"{hours}h"
    return f"{minutes}m"


@dataclass(frozen=True)
class ScenarioFacts:
    """What the commands need from data/scenario.json: "now", and which repo builds each service.

    `known` is False when the workspace has no scenario.json (local repositories investigated ad
    hoc): then "now" is the wall clock and each service is taken to share its repository's name.
    """

    incident_time: datetime
    repos_by_service: dict[str, str]
    known: bool = True


def read_scenario(workspace: Path) -> ScenarioFacts:
    path = workspace / SCENARIO_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ScenarioFacts(incident_time=datetime.now(UTC).replace(microsecond=0), repos_by_service={}, known=False)
    except (OSError, ValueError) as e:
        raise UserInputError(f"{SCENARIO_FILE} is not readable JSON: {e}") from e
    if not isinstance(data, dict) or not isinstance(data.get("incident_time"), str):
        raise UserInputError(f"{SCENARIO_FILE} has no incident_time")
    try:
        incident_time = parse_utc(data["incident_time"])
    except ValueError as e:
        raise UserInputError(f"{SCENARIO_FILE}: incident_time is not an ISO 8601 time") from e
    services = data.get("services")
    if not isinstance(services, list):
        services = []
    repos = {
        str(s["name"]): str(s["repo"])
        for s in services
        if isinstance(s, dict) and isinstance(s.get("name"), str) and isinstance(s.get("repo"), str)
    }
    return ScenarioFacts(incident_time=incident_time, repos_by_service=repos)


def count(number: int, noun: str) -> str:
    """`1 commit`, `3 commits`."""
    return f"{number} {noun}" + ("" if number == 1 else "s")


def capped(lines: list[str], limit: int, note: Callable[[int], str]) -> list[str]:
    """At most `limit` lines, then `note(hidden)` when some were left out."""
    if len(lines) <= limit:
        return lines
    return [*lines[:limit], note(len(lines) - limit)]
