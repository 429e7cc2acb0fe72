"""The scenario format of SCENARIOS.md as pydantic models. Unknown fields are ignored (the format is
a public contract that may grow); missing required ones are errors."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from agentcore.alerts import Alert
from agentcore.errors import UserInputError


def _to_utc(moment: datetime) -> datetime:
    """Aware times are converted to UTC; naive ones are taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_to_utc)]
RepoName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")]
"""A bundle's file stem: no separators, no leading dot, so never a path."""
CommitName = Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{7,64}$")]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_LENIENT = ConfigDict(frozen=True, extra="ignore")


class Service(BaseModel):
    """A service of the scenario: the repo that builds it and the `AppRoleName` it logs under."""

    model_config = _LENIENT

    name: NonEmpty
    repo: RepoName
    app_role: NonEmpty

    @model_validator(mode="before")
    @classmethod
    def _app_role_defaults_to_name(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("app_role") is None and "name" in data:
            return {**data, "app_role": data["name"]}
        return data


class ScenarioSpec(BaseModel):
    """`scenario.json`."""

    model_config = _LENIENT

    name: NonEmpty
    description: str = ""
    incident_time: UtcDatetime
    services: tuple[Service, ...] = ()


class Deployment(BaseModel):
    """One row of `deployments.jsonl`. After loading, `commit` is the full sha."""

    model_config = _LENIENT

    time: UtcDatetime
    service: NonEmpty
    environment: NonEmpty
    commit: CommitName
    version: str | None = None
    pr: int | None = None
    author: str | None = None


class Culprit(BaseModel):
    model_config = _LENIENT

    repo: RepoName
    commit: CommitName


class Truth(BaseModel):
    """`truth.json`: what really happened. Never shown to the agent."""

    model_config = _LENIENT

    root_cause: str
    category: str
    culprit: Culprit | None = None
    notes: str = ""


class Resource(BaseModel):
    """One Azure Resource Graph row of `topology.json`."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    id: NonEmpty
    type: NonEmpty
    name: NonEmpty
    resource_group: str | None = Field(default=None, alias="resourceGroup")
    subscription_id: str | None = Field(default=None, alias="subscriptionId")
    location: str | None = None
    tags: dict[str, str] = {}
    depends_on: tuple[str, ...] = Field(default=(), alias="dependsOn")


class Topology(BaseModel):
    model_config = _LENIENT

    resources: tuple[Resource, ...] = ()


class RepoCommit(BaseModel):
    model_config = ConfigDict(frozen=True)

    sha: str
    committed_at: datetime
    """Committer time, UTC."""
    author: str
    subject: str


class RepoBundle(BaseModel):
    """A repository of the scenario: its bundle and HEAD's first-parent history, newest first."""

    model_config = ConfigDict(frozen=True)

    name: str
    bundle: Path
    head: str
    head_ref: str
    """The ref HEAD was taken from: `HEAD` when the bundle carries one, else a branch name."""
    history: tuple[RepoCommit, ...]


class DeployedCommit(BaseModel):
    """Which commit of a service's repo ran at the incident, and which rule said so."""

    model_config = ConfigDict(frozen=True)

    service: str
    repo: str
    commit: str
    rule: Literal["deployment", "history", "head"]
    reason: str
    deployment: Deployment | None = None


class Scenario(BaseModel):
    """A loaded, validated scenario directory."""

    model_config = ConfigDict(frozen=True)

    directory: Path
    name: str
    description: str
    incident_time: datetime
    services: tuple[Service, ...]
    alert: Alert
    repos: dict[str, RepoBundle]
    deployments: tuple[Deployment, ...] = ()
    telemetry: dict[str, Path] = {}
    """Table name -> its JSONL file."""
    topology: Topology | None = None
    memory_dir: Path | None = None
    skills_dir: Path | None = None
    truth: Truth | None = None

    def service(self, name: str) -> Service:
        for service in self.services:
            if name in (service.name, service.app_role):
                return service
        known = ", ".join(s.name for s in self.services) or "none"
        raise UserInputError(f"no service {name!r} in scenario.json (services: {known})")

    def deployed_commit(self, service: str, *, environment: str | None = None) -> DeployedCommit:
        """The latest deployment of `service` at or before the incident; else the last commit of the
        bundle's HEAD history committed at or before it; else HEAD. `environment` narrows the rows."""
        chosen = self.service(service)
        repo = self.repos[chosen.repo]
        incident = _iso(self.incident_time)
        rows = [
            (index, row)
            for index, row in enumerate(self.deployments)
            if row.service in (chosen.name, chosen.app_role)
            and row.time <= self.incident_time
            and environment in (None, row.environment)
        ]
        if rows:
            _, latest = max(rows, key=lambda pair: (pair[1].time, pair[0]))
            version = f" {latest.version}" if latest.version else ""
            return DeployedCommit(
                service=chosen.name,
                repo=repo.name,
                commit=latest.commit,
                rule="deployment",
                deployment=latest,
                reason=f"deployments.jsonl: {latest.service}{version} deployed to {latest.environment} at "
                f"{_iso(latest.time)}, the latest deployment at or before the incident ({incident})",
            )
        for commit in repo.history:
            if commit.committed_at <= self.incident_time:
                return DeployedCommit(
                    service=chosen.name,
                    repo=repo.name,
                    commit=commit.sha,
                    rule="history",
                    reason=f"no deployment of {chosen.name} at or before the incident; the last commit on "
                    f"{repo.head_ref} committed at or before {incident} ({_iso(commit.committed_at)})",
                )
        return DeployedCommit(
            service=chosen.name,
            repo=repo.name,
            commit=repo.head,
            rule="head",
            reason=f"no deployment of {chosen.name} and no commit at or before {incident}: the bundle's HEAD",
        )


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
