"""The one settings object. Built once at the edge (CLI, function app) and passed down.

This is the only module that reads the environment; app settings arrive as environment variables.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


def _user_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/sre-agent`, else `~/.cache/sre-agent`."""
    root = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(root) / "sre-agent"


class Settings(BaseSettings):
    """Configuration for sre-agent. Every field can be set as an environment variable."""

    model_config = SettingsConfigDict(env_prefix="SRE_AGENT_", extra="ignore", populate_by_name=True)

    model: str | None = None
    """`provider:model`, e.g. `anthropic:claude-sonnet-4-6` or `openai:gpt-4.1`; None means evidence-only."""

    base_url: str | None = None
    """Base URL of an OpenAI-compatible server (llama.cpp, vLLM); implies the `openai` provider."""

    anthropic_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("ANTHROPIC_API_KEY", "SRE_AGENT_ANTHROPIC_API_KEY")
    )
    """Key for the Anthropic Messages API."""

    openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("OPENAI_API_KEY", "SRE_AGENT_OPENAI_API_KEY")
    )
    """Key for OpenAI or an OpenAI-compatible server."""

    azure_openai_endpoint: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_ENDPOINT", "SRE_AGENT_AZURE_OPENAI_ENDPOINT")
    )
    """Azure OpenAI resource endpoint; with no key, an azure-identity token is used."""

    azure_openai_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_OPENAI_API_KEY", "SRE_AGENT_AZURE_OPENAI_API_KEY")
    )
    """Azure OpenAI key, if key auth is used instead of Entra ID."""

    azure_openai_api_version: str = "2024-10-21"
    """Azure OpenAI REST API version."""

    azure_storage_connection_string: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AZURE_STORAGE_CONNECTION_STRING", "SRE_AGENT_AZURE_STORAGE_CONNECTION_STRING"),
    )
    """When set, blobs go to Azure Storage (or Azurite) instead of the local data directory."""

    kusto_cluster_url: str | None = None
    """Azure Data Explorer cluster, or the ADX proxy URL of a Log Analytics / Application Insights
    resource. When set (with `kusto_database`), triage and the sandbox's `logs` command query it."""

    kusto_database: str | None = None
    """Database (or workspace) name for `kusto_cluster_url`."""

    kusto_request_timeout_s: float = 60.0
    """Server timeout of one Kusto query."""

    data_dir: Path = Path(".sre-agent")
    """Local folder for blobs, workspaces and the model-call ledger on the embedded default."""

    cache_dir: Path = Field(default_factory=_user_cache_dir)
    """Folder of what outlives a data directory and is safe to lose: translations of KQL query shapes, so that a
    short run (an evidence-only investigation) skips the KQL parser. Default `$XDG_CACHE_HOME/sre-agent`, else
    `~/.cache/sre-agent`."""

    applicationinsights_connection_string: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "APPLICATIONINSIGHTS_CONNECTION_STRING", "SRE_AGENT_APPLICATIONINSIGHTS_CONNECTION_STRING"
        ),
    )
    """When set, sre-agent's own spans and logs (model and tool calls) are exported to this Application
    Insights resource; unset, they land as log-table rows under `<data_dir>/telemetry/` (the embedded default)."""

    applicationinsights_authentication_string: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "APPLICATIONINSIGHTS_AUTHENTICATION_STRING", "SRE_AGENT_APPLICATIONINSIGHTS_AUTHENTICATION_STRING"
        ),
    )
    """`Authorization=AAD` (optionally `ClientId=<id>;Authorization=AAD`): export with an Entra ID token of the
    managed identity, as a resource with local authentication disabled requires. Holds no secret."""

    sandbox: Literal["bubblewrap", "subprocess"] = "bubblewrap"
    """Where shell commands run. `subprocess` is for development only: it is not a boundary."""

    sandbox_env_allowlist: tuple[str, ...] = ()
    """Extra environment variable names passed into the sandbox beside PATH, HOME, LANG and TZ."""

    sandbox_pool_endpoint: str | None = None
    """Management endpoint of an Azure Container Apps dynamic-sessions pool (custom container: the sandbox
    server image). When set, shell commands run in a session of it, one per investigation workspace, instead of
    the local `sandbox`; the Function App's managed identity needs the pool's Session Executor role."""

    sandbox_session_audience: str = "https://dynamicsessions.io"
    """Microsoft Entra audience of the token sent to `sandbox_pool_endpoint`."""

    sandbox_session_request_timeout_s: float = Field(default=60.0, gt=0)
    """Seconds one request to a sandbox session may take (a command's answer is held at most 20 s, then polled)."""

    command_timeout_s: float = 120.0
    """Default wall-clock limit of one shell command."""

    command_cpu_time_s: int = 120
    """CPU-seconds limit of one shell command."""

    command_memory_bytes: int = 2 * 1024**3
    """Address-space limit of one shell command."""

    command_file_size_bytes: int = 1024**3
    """Largest file one shell command may write."""

    command_max_processes: int = 256
    """Most processes one shell command may have at once."""

    command_output_bytes: int = 1024 * 1024
    """Bytes of combined stdout and stderr kept from one shell command; the rest is counted and dropped."""

    workspace_quota_bytes: int = 4 * 1024**3
    """Most bytes the files of one investigation's workspace may hold (repos included): writes past it are
    refused, a command that passes it is told so, and a workspace over it is not checkpointed."""

    step_limit: int = 60
    """Most model turns in one investigation session."""

    token_limit: int = 3_000_000
    """Most input plus output tokens over one session."""

    wall_time_limit_s: float = 1800.0
    """Most seconds spent in one session, summed over the stages that ran it."""

    cost_limit_usd: float = 5.0
    """Most estimated spend of one session."""

    max_output_tokens: int = 8192
    """Output token cap of one model call."""

    malformed_tool_call_limit: int = 3
    """Malformed tool calls in a row before the session ends as failed."""

    subagent_parallelism: int = 4
    """Most child sessions running at once for one `spawn`."""

    subagent_step_limit: int = 20
    """Step limit of each child session."""

    # -- the pipeline: stages over queues, state in blobs (agentcore.pipeline) --------------------

    servicebus_connection_string: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ServiceBusConnection", "SRE_AGENT_SERVICEBUS_CONNECTION_STRING"),
    )
    """When set, stage messages go to Azure Service Bus; otherwise to the in-process LocalQueue."""

    servicebus_namespace: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "ServiceBusConnection__fullyQualifiedNamespace", "SRE_AGENT_SERVICEBUS_NAMESPACE"
        ),
    )
    """Fully qualified Service Bus namespace for identity-based access (the Functions identity setting)."""

    blob_account_url: str | None = Field(
        default=None, validation_alias=AliasChoices("SRE_AGENT_BLOB_ACCOUNT_URL", "blob_account_url")
    )
    """Blob endpoint (https://<account>.blob.core.windows.net) for identity-based access to state and reports."""

    managed_identity_client_id: str | None = Field(
        default=None, validation_alias=AliasChoices("AZURE_CLIENT_ID", "SRE_AGENT_MANAGED_IDENTITY_CLIENT_ID")
    )
    """Client id of the user-assigned managed identity; None uses the system-assigned one or a developer login."""

    writeback_webhook_url: SecretStr | None = None
    """Incoming webhook (Teams, Slack or any JSON endpoint) that gets each report's summary and link, once."""

    writeback_format: Literal["slack", "teams", "generic"] = "generic"
    """Payload shape for `writeback_webhook_url`."""

    public_base_url: str | None = None
    """Base URL of the HTTP API, e.g. https://func-x.azurewebsites.net; write-back links point there."""

    turn_slice_s: float = Field(default=480.0, gt=0)
    """Wall-clock seconds one `turns` stage runs the agent before it checkpoints and hands over."""

    turn_slice_max_steps: int | None = Field(default=None, ge=1)
    """Most agent steps in one `turns` stage; None bounds a slice by `turn_slice_s` only."""

    stage_max_delivery_count: int = Field(default=10, ge=1)
    """Deliveries of one stage message before it is dead-lettered: the queue's MaxDeliveryCount."""

    stage_message_max_bytes: int = Field(default=16 * 1024, ge=256)
    """Largest stage message body accepted; a bigger one is poison (messages carry blob names only)."""

    queue_lock_duration_s: float = Field(default=900.0, gt=0)
    """Peek-lock duration of the local queue: longer than a turn slice, so a running stage keeps its message."""

    stage_lease_s: float = Field(default=30.0, ge=15, le=60)
    """Seconds a stage's lease on its investigation lasts unless renewed (renewed every third of it while it runs)."""

    stage_lease_wait_s: float = Field(default=30.0, ge=0)
    """Seconds a delivery waits for another delivery's lease on its investigation before it is abandoned."""

    local_workers: int = Field(default=4, ge=1)
    """Threads that run stage messages in the local runner (`sre-agent investigate` and `serve`)."""

    alert_attach_window_s: float = Field(default=3600.0, ge=0)
    """Seconds after an investigation starts during which an alert with the same fingerprint attaches to it."""

    snapshot_zstd_level: int = Field(default=3, ge=1, le=22)
    """zstd level of workspace snapshots (`investigations/<id>/workspace/*.tar.zst`)."""

    http_max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    """Largest HTTP request body the API accepts (Azure Monitor caps alert payloads at 256 KB)."""

    http_read_timeout_s: float = Field(default=10.0, gt=0)
    """`sre-agent serve`: seconds a client has for a request's headers, and again for its body; then 408, cut."""

    http_max_concurrency: int = Field(default=512, ge=2)
    """`sre-agent serve`: connections (kept-alive ones too) and requests at once; a request beyond is answered 503.
    Route work runs on a bounded thread pool (anyio's, 40 threads) whatever this is."""

    http_backlog_connections: int = Field(default=2048, ge=16)
    """`sre-agent serve`: connections the kernel queues before the server accepts them (capped by somaxconn)."""

    cluster_investigations_top_n: int = Field(default=3, ge=0)
    """Clusters at the top of a clusters report (timer or `sre-agent cluster`) whose new ones each get an
    investigation, at most one per cluster and day; 0 starts none."""

    skills_org_dir: Path | None = None
    """Folder of the organization's skills (`<name>/SKILL.md`); unset, they come from blobs `skills/org/`."""

    skills_team_dir: Path | None = None
    """Folder of the team's skills (`<name>/SKILL.md`), winning over organization and built-in skills of the
    same name; unset, they come from blobs `skills/team/`."""

    skill_health_window_days: int = Field(default=14, ge=2)
    """Days of finished investigations (by start date, today included) the daily skill-health report covers."""

    cluster_trace_top_n: int = Field(default=3, ge=0)
    """Clusters, from the top of the daily ranking, traced into `trace_repos`."""

    topology_subscriptions: tuple[str, ...] = ()
    """Azure subscription ids whose resources (Azure Resource Graph, with the managed identity) make the
    deployment's topology; daily memory gardening checks resource citations against it. Empty: no topology."""

    trace_repos: tuple[str, ...] = ()
    """Local clones the daily clustering traces clusters into, as `SERVICE=PATH[@COMMIT]` (SERVICE is the
    AppRoleName; COMMIT what runs, `HEAD` when not given). A cluster of another service is reported untraced."""

    memory_repos: tuple[str, ...] = ()
    """Repositories the daily memory check verifies citations against, as `NAME=PATH[@COMMIT]` (local clones at
    the deployed commit; `HEAD` when no commit is given). Citations of other repositories stay unverified."""

    memory_snapshot_retention_days: int = Field(default=30, ge=1)
    """Days a daily snapshot of the whole memory (`memory-snapshots/<date>/`) is kept."""

    checkout_idle_days: float = Field(default=7.0, gt=0)
    """Days a shared repository checkout (`<data_dir>/checkouts/`) may go unused before the daily job removes it
    (a workspace that still links to it gets it again at its next restore)."""

    pr_repo_allowlist: tuple[str, ...] = ()
    """Repositories a draft pull request may be opened against; empty means the `pr` stage refuses all."""

    pr_approval_required: bool = True
    """Whether the `pr` stage waits for a person's approval recorded on the investigation."""

    pr_max_diff_lines: int = Field(default=200, ge=1)
    """Most changed lines (added plus deleted, over all files) of a patch that may become a pull request."""

    pr_path_denylist: tuple[str, ...] = (
        "infra/**", "deploy/**", "terraform/**", ".github/**", ".azure-pipelines/**", ".gitlab-ci.yml",
        "azure-pipelines.yml", "Jenkinsfile", "*.bicep", "*.tf", "*.tfvars", "Dockerfile*", "docker-compose*.yml",
        "*secret*", ".env*", "*.pem", "*.key", "CODEOWNERS",
    )  # fmt: skip
    """Globs (gitignore style: `*` within a folder, `**` across, no slash = any folder) of paths a pull
    request may not touch: infrastructure, CI configuration, secrets. A patch touching one stays in the report."""

    pr_label: str = "sre-agent"
    """Label put on every pull request the `pr` stage opens (they are always drafts, never merged)."""

    response_plans_path: str | None = None
    """YAML file of response plans (`agentcore.pipeline.response_plans`): which instructions, skills, budget and
    autonomy an alert gets. None or empty: no plan applies. In Azure, a path inside the deployed package."""

    conclusion_min_confidence: float = Field(default=0.5, ge=0.0, le=1.0)
    """Least evidence-based confidence (0 to 1) a root cause needs; below it the report is `inconclusive`,
    with the best leads, instead of a guess."""

    github_api_url: str = "https://api.github.com"
    """GitHub's REST API root; GitHub Enterprise Server's is https://<host>/api/v3."""

    github_token: SecretStr | None = None
    """Token that opens draft pull requests (contents and pull-requests write on the allowlisted repositories).
    Without it (or a GitHub App) no pull request is opened and a patch stays in the report."""

    github_app_id: int | None = None
    """GitHub App id, instead of `github_token` (with `github_app_private_key` and `github_app_installation_id`)."""

    github_app_private_key: SecretStr | None = None
    """The GitHub App's private key, PEM text."""

    github_app_installation_id: int | None = None
    """The GitHub App's installation id on the organisation that owns the allowlisted repositories."""


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with explicit overrides winning."""
    return Settings(**overrides)  # type: ignore[arg-type]
