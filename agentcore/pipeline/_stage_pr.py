"""The agent's patch: attached to the report by the `report` stage, and made a draft pull request by the
`pr` stage only when the policy allows (`_pr_policy`) and a PullRequestHost (GitHub) is configured.

Idempotent: the branch is `sre-agent/<investigation id>`; a redelivered message finds the pull request
(or the branch it pushed before a crash) and opens no second one. Nothing here merges.
"""

from __future__ import annotations

import logging
from pathlib import Path

from agentcore.connectors.code import PullRequestHost, PullRequestInfo
from agentcore.errors import BlobNotFoundError, ConfigError, UserInputError
from agentcore.pipeline._patch import Patch, PatchError, apply_patch, read_patch
from agentcore.pipeline._pr_policy import check_access, check_patch
from agentcore.pipeline._stage_io import Loaded, StageContext, commit
from agentcore.pipeline.response_plans import REVIEW_ONLY_REFUSAL
from agentcore.pipeline.state import InvestigationState, Stage
from agentcore.reports import Mitigation, Report, load_report, save_report
from agentcore.settings import Settings
from agentcore.storage import BlobStore

logger = logging.getLogger(__name__)

PATCH_PATH = "report/fix.patch"
"""Where the agent writes its fix in the workspace: a unified diff against the deployed commit."""

PATCH_NOTE_PREFIX = "Apply the attached patch"
MAX_EVIDENCE_IN_BODY = 8


def patch_blob(report_json: str) -> str:
    """The patch is stored beside the report: `reports/<date>/<id>.patch`."""
    return report_json.removesuffix(".json") + ".patch"


def branch_name(investigation_id: str) -> str:
    return f"sre-agent/{investigation_id}"


def read_workspace_patch(root: Path) -> str | None:
    """The text of `report/fix.patch` in the workspace, when it is a regular file inside it."""
    path = root / PATCH_PATH
    if path.is_symlink() or not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        return None
    return path.read_text(encoding="utf-8", errors="replace")


def attach_patch(
    store: BlobStore, report: Report, report_json: str, patch_text: str | None, settings: Settings, *, pr_next: bool
) -> Report:
    """Store the patch beside the report and say in the report what happens to it."""
    if patch_text is None or not patch_text.strip():
        return report
    name = patch_blob(report_json)
    store.put(name, patch_text.encode("utf-8"), content_type="text/x-diff; charset=utf-8")
    if pr_next:
        fate = "The pr stage decides by policy whether it becomes a draft pull request."
    elif not _github_configured(settings):
        fate = "No pull request was opened: GitHub is not configured."
    else:
        fate = "No pull request was opened: that needs a code defect found with confidence in an allowed repository."
    return with_patch_note(report, f"{PATCH_NOTE_PREFIX} ({name}). {fate}")


def with_patch_note(report: Report, action: str) -> Report:
    """`report` with its patch mitigation replaced by `action` (added when it had none)."""
    kept = tuple(m for m in report.mitigations if not m.action.startswith(PATCH_NOTE_PREFIX))
    note = Mitigation(action=action, risk="medium", automated=False)
    return report.model_copy(update={"mitigations": (*kept, note)})


def _github_configured(settings: Settings) -> bool:
    return settings.github_token is not None or settings.github_app_id is not None


def run_pr(ctx: StageContext, loaded: Loaded) -> None:
    """Decide on a draft pull request by policy, open it when allowed, and record the outcome."""
    state = loaded.state
    note = pr_decision(ctx, state)
    logger.info("investigation=%s pull request: %s", state.id, note)
    if state.report_json is not None:
        _record_in_report(ctx, state.report_json, note)
    next_stage = Stage.TURNS if state.follow_ups else Stage.DONE
    new_state = state.next_step(ctx.deps.now(), next_stage).with_pr_note(note)
    commit(ctx, loaded, new_state)


def _record_in_report(ctx: StageContext, report_json: str, note: str) -> None:
    store = ctx.deps.blob_store
    try:
        store.get(patch_blob(report_json))
    except BlobNotFoundError:
        return
    report = load_report(store, report_json)
    save_report(
        store, with_patch_note(report, f"{PATCH_NOTE_PREFIX} ({patch_blob(report_json)}). Pull request: {note}")
    )


def pr_decision(ctx: StageContext, state: InvestigationState) -> str:
    """What the `pr` stage did, in words: `opened ...`, `found ...`, `refused: ...` or `not opened: ...`."""
    settings = ctx.deps.settings
    if state.report_json is None:
        return "refused: there is no report"
    if state.response_plan is not None and state.response_plan.autonomy == "review":
        return f"refused: {REVIEW_ONLY_REFUSAL} ({state.response_plan.name})"
    report = load_report(ctx.deps.blob_store, state.report_json)
    repo = report.suspects[0].repo if report.suspects else None
    access = check_access(settings, repo=repo, approved_by=state.pr_approved_by)
    if access.refusal is not None:
        return f"refused: {access.refusal}"
    patch = _stored_patch(ctx.deps.blob_store, state.report_json)
    if isinstance(patch, str):
        return f"refused: {patch}"
    if (refusal := check_patch(settings, patch)) is not None:
        return f"refused: {refusal}"
    host = ctx.deps.pull_request_host
    if host is None:
        return f"not opened: GitHub is not configured; the patch stays in the report ({patch_blob(state.report_json)})"
    github_repo, base = access.github_repo, _deployed_commit(state, repo)
    if github_repo is None or "/" not in github_repo:
        return f"refused: the allowlist names {repo!r} without its GitHub owner (owner/name)"
    if base is None:
        return f"refused: no deployed commit of {repo!r} is recorded to base the patch on"
    try:
        pull, reused = open_pull_request(host, github_repo, state.id, base, patch, _title(report),
                                         pull_request_body(report, ctx, state), settings.pr_label)  # fmt: skip
    except PatchError as e:
        return f"refused: {e}"
    except (ConfigError, UserInputError) as e:
        return f"not opened: {e}"
    verb = "found the existing" if reused else "opened"
    return f"{verb} draft pull request #{pull.number} in {github_repo}: {pull.url or ''}".rstrip(": ")


def _stored_patch(store: BlobStore, report_json: str) -> Patch | str:
    try:
        text = store.get(patch_blob(report_json)).data.decode("utf-8", errors="replace")
    except BlobNotFoundError:
        return f"the agent wrote no patch ({PATCH_PATH})"
    try:
        return read_patch(text)
    except PatchError as e:
        return str(e)


def _deployed_commit(state: InvestigationState, repo: str | None) -> str | None:
    for source in state.repos:
        if repo is not None and source.path.rstrip("/").rsplit("/", 1)[-1] == repo:
            return source.commit
    return None


def open_pull_request(
    host: PullRequestHost, repo: str, investigation_id: str, base: str, patch: Patch, title: str, body: str, label: str
) -> tuple[PullRequestInfo, bool]:
    """Open the draft pull request of branch `sre-agent/<id>`, or find it: (pull request, whether it existed)."""
    branch = branch_name(investigation_id)
    labels = (label,) if label else ()
    existing = host.find_pull_request(repo, branch)
    if existing is not None:
        host.add_labels(repo, existing.number, labels)  # a crash may have come between opening and labelling
        return existing, True
    if not host.branch_exists(repo, branch):
        files = apply_patch(patch, host.read_files(repo, base, patch.original_paths))
        message = f"{title}\n\nProposed by sre-agent investigation {investigation_id}; a person reviews and merges."
        host.push_branch(repo, branch, base, files, message)
    return host.open_draft_pull_request(repo, branch, title=title, body=body, labels=labels), False


def _title(report: Report) -> str:
    statement = report.root_cause.statement if report.root_cause else report.title
    first_line = " ".join(statement.split())
    return f"sre-agent: {first_line[:100]}"


def pull_request_body(report: Report, ctx: StageContext, state: InvestigationState) -> str:
    """Root cause, evidence, the cluster (for a clustering investigation) and a link to the report."""
    base = ctx.deps.settings.public_base_url
    link = f"{base.rstrip('/')}/api/investigations/{report.id}/report" if base else state.report_markdown or ""
    lines = ["Draft opened by sre-agent. It is a proposal: review it, test it, and merge it yourself.", ""]
    if report.root_cause is not None:
        cause = report.root_cause
        lines += ["## Root cause", "", f"{cause.statement} ({cause.category}, confidence {cause.confidence:.2f})", ""]
    if report.evidence:
        lines += ["## Evidence", ""]
        lines += [
            f"- {item.claim} ({item.source.kind}: `{item.source.ref}`)"
            for item in report.evidence[:MAX_EVIDENCE_IN_BODY]
        ]
        lines.append("")
    trigger = state.request.trigger
    if trigger.ref.startswith("cluster:"):
        lines += ["## Error cluster", "", f"`{trigger.ref.removeprefix('cluster:')}`", ""]
    lines += ["## Report", "", f"Investigation `{report.id}`: {link}"]
    return "\n".join(lines) + "\n"


__all__ = [
    "PATCH_PATH",
    "attach_patch",
    "branch_name",
    "open_pull_request",
    "patch_blob",
    "pr_decision",
    "pull_request_body",
    "read_workspace_patch",
    "run_pr",
    "with_patch_note",
]
