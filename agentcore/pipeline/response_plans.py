"""Response plans: which instructions, skills, repositories, connectors, budget and autonomy an alert gets.

A YAML file (`Settings.response_plans_path`) lists plans in order; the intake stage applies the first
whose filters all match the alert, or the file's `default` plan when none does (a built-in review-only
`default` when the file names none). Without a file no plan applies and nothing changes.

```yaml
plans:
  - name: payments-sev1
    match: {severity: [Sev0, Sev1], service: [payments], title_contains: [exception], alert_rule: [...]}
    instructions: Page the payments on-call before any rollback.
    skills: [payments-runbook]
    repositories: [payments]
    connectors: [logs, changes]
    budget: {step_limit: 40, cost_limit_usd: 2.0}
    autonomy: autonomous        # review (report only, the default) | autonomous (may open a draft PR)
default:
  name: default
  autonomy: review
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from agentcore.alerts import Alert
from agentcore.errors import ConfigError
from agentcore.settings import Settings

Autonomy = Literal["review", "autonomous"]
REVIEW_ONLY_REFUSAL = "the response plan is review-only"
_SERVICE_DIMENSIONS = frozenset({"service", "approlename", "cloud_rolename", "cloud_role_name"})


def _as_tuple(value: object) -> object:
    """A single string is a list of one, so `severity: Sev1` reads as `severity: [Sev1]`."""
    return (value,) if isinstance(value, str) else value


Names = Annotated[tuple[str, ...], BeforeValidator(_as_tuple)]


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanMatch(_Strict):
    """Filters, all of which must hold (an empty one holds always); within one, any value may match."""

    severity: Names = ()
    service: Names = ()
    title_contains: Names = ()
    alert_rule: Names = ()


class PlanBudget(_Strict):
    """Limits that replace the settings' for the investigation's parent session; unset ones keep the settings'."""

    step_limit: int | None = Field(default=None, ge=1)
    token_limit: int | None = Field(default=None, ge=1)
    wall_time_limit_s: float | None = Field(default=None, gt=0)
    cost_limit_usd: float | None = Field(default=None, ge=0)


class ResponsePlan(_Strict):
    """What an investigation started by a matching alert gets, and how far it may act on its own."""

    name: str = Field(min_length=1, max_length=100)
    match: PlanMatch = PlanMatch()
    instructions: str = ""
    skills: Names = ()
    repositories: Names = ()
    connectors: Names = ()
    budget: PlanBudget = PlanBudget()
    autonomy: Autonomy = "review"

    def budgeted(self, settings: Settings) -> Settings:
        """`settings` with this plan's budget in place of its limits."""
        changes = self.budget.model_dump(exclude_none=True)
        return settings.model_copy(update=changes) if changes else settings

    def guidance(self) -> str:
        """The plan as the agent reads it in its task message; empty when the plan says nothing to it."""
        lines = [f"## Response plan `{self.name}`", "Set by the operators of this deployment."]
        if self.instructions.strip():
            lines.append(self.instructions.strip())
        for label, names in (("Skills to read first", self.skills), ("Repositories to focus on", self.repositories),
                             ("Connectors to use", self.connectors)):  # fmt: skip
            if names:
                lines.append(f"{label}: {', '.join(names)}.")
        if self.autonomy == "review":
            lines.append("Autonomy: review. Report only; no pull request will be opened.")
        return "\n".join(lines)


DEFAULT_PLAN = ResponsePlan(name="default")
"""The plan of an alert that matches none, when the file names no `default`: report only."""


class ResponsePlans(_Strict):
    """The plans of one file, in the order they are tried, and the default."""

    plans: tuple[ResponsePlan, ...] = ()
    default: ResponsePlan = DEFAULT_PLAN

    def choose(self, alert: Alert | None, title: str) -> ResponsePlan:
        """The first plan whose filters all match the alert (and the investigation's title); else the default."""
        for plan in self.plans:
            if plan_matches(plan.match, alert, title):
                return plan
        return self.default


def plan_matches(match: PlanMatch, alert: Alert | None, title: str) -> bool:
    """Whether every filter of `match` holds; an investigation without an alert matches alert filters never."""
    if match.title_contains and not any(part.lower() in title.lower() for part in match.title_contains):
        return False
    if not (match.severity or match.service or match.alert_rule):
        return True
    if alert is None:
        return False
    if match.severity and alert.severity.lower() not in {s.lower() for s in match.severity}:
        return False
    if match.alert_rule and alert.rule.lower() not in {r.lower() for r in match.alert_rule}:
        return False
    return not match.service or bool(alert_services(alert) & {s.lower() for s in match.service})


def alert_services(alert: Alert) -> set[str]:
    """The services an alert names: its `service` custom property and service-like condition dimensions."""
    names: set[str] = set()
    service = alert.custom_properties.get("service")
    if isinstance(service, str):
        names.add(service.lower())
    for condition in alert.conditions:
        names.update(v.lower() for k, v in condition.dimensions.items() if k.lower() in _SERVICE_DIMENSIONS)
    return names


def parse_response_plans(text: str, *, where: str) -> ResponsePlans:
    """Parse a response-plans YAML document; any problem is one ConfigError line naming `where`."""
    import yaml  # here: a run with no response plans configured never imports the YAML parser

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{where}: not valid YAML{at}: {getattr(e, 'problem', None) or e}") from e
    try:
        plans = ResponsePlans.model_validate(data if data is not None else {})
    except ValidationError as e:
        first = e.errors()[0]
        location = ".".join(str(part) for part in first["loc"]) or "the document"
        raise ConfigError(f"{where}: {location}: {first['msg']}") from e
    names = [plan.name for plan in plans.plans]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        raise ConfigError(f"{where}: plan names must be unique; repeated: {', '.join(duplicates)}")
    return plans


def load_response_plans(settings: Settings) -> ResponsePlans | None:
    """The configured plans, or None when no file is configured (then no plan applies)."""
    if not settings.response_plans_path:
        return None
    path = Path(settings.response_plans_path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"response plans {path}: {e.strerror or e}") from e
    return parse_response_plans(text, where=f"response plans {path}")


__all__ = [
    "DEFAULT_PLAN",
    "REVIEW_ONLY_REFUSAL",
    "Autonomy",
    "PlanBudget",
    "PlanMatch",
    "ResponsePlan",
    "ResponsePlans",
    "alert_services",
    "load_response_plans",
    "parse_response_plans",
    "plan_matches",
]
