"""The suspect score of one change and the reasons behind it.

score = runtime_factor * (0.35 timing + 0.35 stack + 0.20 message + 0.35 symptom + 0.10 size), each part in
0..1, and 0 when the change went live after the symptom began. The symptom part only counts when the incident
is a latency or failure regression without a new exception, and the stack and message parts only when there
is one, so at most 0.80 of the weights apply to an incident of either kind. See `assess` for each part.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from agentcore.connectors.changes import (
    ChangeCandidate,
    DeploymentRecord,
    FileChange,
    is_documentation,
    is_runtime_config,
    is_test,
)
from agentcore.triage._matching import (
    dependency_words,
    function_name,
    message_terms,
    path_match_strength,
    path_words,
    setting_identifiers,
)
from agentcore.triage._signals import IncidentSignals

TIMING_WEIGHT = 0.35
STACK_WEIGHT = 0.35
MESSAGE_WEIGHT = 0.20
SYMPTOM_WEIGHT = 0.35
"""Weight of how well a change fits a regression without a new exception (configuration, dependency words)."""
SIZE_WEIGHT = 0.10
TIMING_SCALE_H = 2.0
"""Hours after which the timing part has halved: 1 / (1 + gap_h / TIMING_SCALE_H)."""
UNDEPLOYED_TIMING_FACTOR = 0.5
"""Commit time only stands in for an unknown deploy time, so it counts for half."""
NON_RUNTIME_FACTOR = 0.2
"""Docs-only, test-only and empty changes cannot change what runs in production."""
FUNCTION_MATCH = 0.8
"""Stack part when the diff names a stack function (it may be a caller, not the function itself)."""
FILE_WITHOUT_FUNCTION = 0.8
"""Share of the stack part a change to a stack file earns when it changes none of the stack's functions: the
lines that threw are elsewhere in the file, so it is weaker evidence than a change to the throwing function."""
FUNCTION_IN_FILE = 0.2
"""Added when a change to a stack file also names a stack function (its hunks are in or name that function)."""
MESSAGE_FULL_WEIGHT = 2.0
"""Matched message-term weight that gives the full message part (two identifiers, or four words)."""
CONFIG_SHARE = 0.6
"""Share of the symptom part earned by changing runtime configuration (the rest: naming the dependency)."""
CONFIG_WITHOUT_SETTINGS = 0.5
"""Config part of a configuration change that names no connection, pool, timeout or retry setting."""
_LISTED = 3


@dataclass(frozen=True)
class Assessment:
    """A change's score, whether its timing rules it out, and the reasons, most telling first."""

    score: float
    ruled_out: bool
    reasons: tuple[str, ...]


def assess(candidate: ChangeCandidate, signals: IncidentSignals) -> Assessment:
    """Score `candidate` against `signals`; every part that contributed leaves a reason."""
    timing, ruled_out, reasons = _timing(candidate, signals)
    runtime_files = [c for c in candidate.files if _can_change_what_runs(c)]
    runtime_factor = 1.0
    if not runtime_files:
        runtime_factor = NON_RUNTIME_FACTOR
        reasons.append(_non_runtime_reason(candidate))
    stack, stack_reasons = _stack(candidate, signals)
    message, message_reasons = _message(candidate, signals)
    symptom, symptom_reasons = _symptom(candidate, signals)
    runtime_lines = sum(c.lines_changed for c in runtime_files) if runtime_files else candidate.lines_changed
    size = min(1.0, math.log10(1 + runtime_lines) / 3)
    reasons += stack_reasons + message_reasons + symptom_reasons + [_size_reason(candidate)]
    raw = TIMING_WEIGHT * timing + STACK_WEIGHT * stack + MESSAGE_WEIGHT * message + SIZE_WEIGHT * size
    raw += SYMPTOM_WEIGHT * symptom
    score = 0.0 if ruled_out else round(min(1.0, runtime_factor * raw), 3)
    return Assessment(score=score, ruled_out=ruled_out, reasons=tuple(reasons))


def _timing(candidate: ChangeCandidate, signals: IncidentSignals) -> tuple[float, bool, list[str]]:
    """1 for going live just before the symptom, halving every TIMING_SCALE_H hours earlier; ruled out after it.

    A regression's onset is only known to the width of its time bins, so a change that went live inside
    that resolution after the onset still counts, as if it went live at the onset.
    """
    live = candidate.live_since
    deployed = candidate.deployed_at is not None
    if deployed:
        reasons = [_relative("deployed", live, signals.incident_time, "the incident") + _label(candidate.deployment)]
    else:
        reasons = ["no deployment record; " + _relative("committed", live, signals.incident_time, "the incident")]
    onset = latest_cause = signals.incident_time
    if signals.symptom_onset is not None:
        verb = "went live" if deployed else "was committed"
        reasons.append(_relative(verb, live, signals.symptom_onset, signals.symptom))
        onset = min(onset, signals.symptom_onset)
        latest_cause = min(latest_cause, signals.symptom_onset + signals.symptom_onset_resolution)
    if live > latest_cause:
        too_late = 0 if live > signals.incident_time else 1
        reasons[too_late] += ", so it cannot have caused it"
        return 0.0, True, reasons
    if live > onset:
        width = describe_duration(signals.symptom_onset_resolution)
        reasons[-1] += f", inside the {width} bin its onset was read from, so it still counts"
    start = _first_run(live, signals, reasons)
    gap_h = max(0.0, (onset - start).total_seconds() / 3600)
    timing = 1 / (1 + gap_h / TIMING_SCALE_H)
    return (timing if deployed else timing * UNDEPLOYED_TIMING_FACTOR), False, reasons


def _first_run(live: datetime, signals: IncidentSignals, reasons: list[str]) -> datetime:
    """When the change's code could first run: later than `live` when an enabling event (a flag or configuration
    change, the next call of a rarely called operation) came between its deploy and the first sighting."""
    exposed = signals.exposure.exposed_at(live) if signals.exposure is not None else None
    if exposed is None:
        return live
    moment, why = exposed
    reasons.append(
        f"the failing code path could first run at {moment:%Y-%m-%d %H:%M}Z ({why}), so the time before says nothing"
    )
    return moment


def _stack(candidate: ChangeCandidate, signals: IncidentSignals) -> tuple[float, list[str]]:
    in_stack: list[str] = []
    name_only: list[tuple[str, str]] = []
    file_part = 0.0
    for change in (c for c in candidate.files if c.code_changed):
        strengths = [(path_match_strength(change.path, frame), frame) for frame in sorted(signals.stack_files)]
        strength, frame = max(strengths, default=(0.0, ""))
        file_part = max(file_part, strength)
        if strength >= 1.0:
            in_stack.append(change.path)
        elif strength > 0:
            name_only.append((change.path, frame))
    names = sorted({name for f in signals.stack_functions if (name := function_name(f)) is not None})
    functions = [name for name in names if name in candidate.diff_identifiers]
    reasons: list[str] = []
    if in_stack:
        verb = "is" if len(in_stack) == 1 else "are"
        reasons.append(f"touches {_listing(in_stack)}, which {verb} in the exception's stack")
    reasons += [
        f"touches {path}, which shares its file name with stack frame {frame}" for path, frame in name_only[:_LISTED]
    ]
    if functions:
        noun = "a function" if len(functions) == 1 else "functions"
        reasons.append(f"its diff mentions {_listing([f'`{n}`' for n in functions])}, {noun} in the stack")
    if not functions:
        return FILE_WITHOUT_FUNCTION * file_part, reasons
    return min(1.0, max(file_part, FUNCTION_MATCH) + FUNCTION_IN_FILE * file_part), reasons


def _message(candidate: ChangeCandidate, signals: IncidentSignals) -> tuple[float, list[str]]:
    terms = message_terms(signals.error_messages)
    matched = sorted((term for term in terms if term in candidate.diff_identifiers), key=lambda t: (-terms[t], t))
    if not matched:
        return 0.0, []
    weight = sum(terms[term] for term in matched)
    words = _listing([f"`{term}`" for term in matched])
    return min(1.0, weight / MESSAGE_FULL_WEIGHT), [f"its diff mentions {words} from the error message"]


def _symptom(candidate: ChangeCandidate, signals: IncidentSignals) -> tuple[float, list[str]]:
    """How well a change fits a latency or failure regression that came without a new exception.

    With no new code path in a stack, what changed behaviour is more often configuration (pool sizes,
    timeouts, retries, connection settings) than a code refactor; and a change whose diff or paths name the
    regressed dependency (its host, or the kind of system it is) is closer to it than one that does not.
    """
    if signals.has_new_error or not signals.regressions:
        return 0.0, []
    config, reasons = _config_fit(candidate)
    dependency, dependency_reasons = _dependency_fit(candidate, signals)
    return CONFIG_SHARE * config + (1 - CONFIG_SHARE) * dependency, reasons + dependency_reasons


def _config_fit(candidate: ChangeCandidate) -> tuple[float, list[str]]:
    configs = [change.path for change in candidate.files if is_runtime_config(change.path)]
    if not configs:
        return 0.0, []
    settings = setting_identifiers(candidate.config_identifiers)
    keys = [name for name in settings if "_" in name] or settings
    if not keys:
        return CONFIG_WITHOUT_SETTINGS, [
            f"changes runtime configuration ({_listing(configs)}), a common lever of a regression without a new error"
        ]
    named = _listing([f"`{key}`" for key in keys])
    return 1.0, [
        f"changes connection, pool, timeout or retry settings ({named}) in {_listing(configs)}; "
        "with no new error, configuration is a likelier cause than code"
    ]


def _dependency_fit(candidate: ChangeCandidate, signals: IncidentSignals) -> tuple[float, list[str]]:
    own = path_words(candidate.repo)
    vocabulary = set(candidate.diff_identifiers) | {part for i in candidate.diff_identifiers for part in i.split("_")}
    vocabulary |= {word for change in candidate.files for word in path_words(change.path)}
    for regression in signals.regressions:
        if not regression.dependency:
            continue
        words = dependency_words(regression.dependency, regression.dependency_type, regression.caller) - own
        found = sorted(words & vocabulary)
        if found:
            named = _listing([f"`{word}`" for word in found])
            return 1.0, [f"its diff or paths mention {named}, naming the regressed dependency {regression.dependency}"]
    return 0.0, []


def _can_change_what_runs(change: FileChange) -> bool:
    """Documentation, tests, and edits of only comments, docstrings or whitespace cannot."""
    return change.code_changed and not (is_documentation(change.path) or is_test(change.path))


def _non_runtime_reason(candidate: ChangeCandidate) -> str:
    paths = [change.path for change in candidate.files]
    if not paths:
        return "changes no files, so it cannot change runtime behaviour"
    kinds = {
        "documentation" if is_documentation(c.path) else "tests" if is_test(c.path) else "comments or layout"
        for c in candidate.files
    }
    kind = " and ".join(sorted(kinds))
    return f"only touches {kind} ({_listing(paths)}), which cannot change runtime behaviour"


def _size_reason(candidate: ChangeCandidate) -> str:
    lines, files = candidate.lines_changed, len(candidate.files)
    return f"changes {lines:,} line{'s' if lines != 1 else ''} in {files} file{'s' if files != 1 else ''}"


def _label(deployment: DeploymentRecord | None) -> str:
    if deployment is None:
        return ""
    parts = [f"version {deployment.version}"] if deployment.version else []
    if deployment.pr is not None:
        parts.append(f"PR #{deployment.pr}")
    return f" ({', '.join(parts)})" if parts else ""


def _listing(items: list[str]) -> str:
    shown = items[:_LISTED]
    more = len(items) - len(shown)
    if more:
        return ", ".join(shown) + f" and {more} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _relative(verb: str, when: datetime, reference: datetime, label: str) -> str:
    delta = reference - when
    side = "before" if delta >= timedelta(0) else "after"
    return f"{verb} {describe_duration(abs(delta))} {side} {label}"


def describe_duration(delta: timedelta) -> str:
    """`38 min`, `2 h 5 min`, `3 days 4 h`, or `under a minute`."""
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        unit = "day" if days == 1 else "days"
        return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"
