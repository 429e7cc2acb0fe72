"""The pull-request policy and the patch it judges: each refusal says why; a patch applies exactly or not at all."""

from __future__ import annotations

import pytest

from agentcore.pipeline._patch import PatchError, apply_patch, read_patch
from agentcore.pipeline._pr_policy import allowed_repository, check_access, check_patch, denied_path
from agentcore.settings import Settings

ONE_LINE_FIX = (
    "--- a/checkout/payments.py\n+++ b/checkout/payments.py\n@@ -1,3 +1,3 @@\n"
    " def charge(order):\n-    total = order.total\n+    total = order.total or 0\n     return total\n"
)
ORIGINAL = b"def charge(order):\n    total = order.total\n    return total\n"


def settings(**changes: object) -> Settings:
    values: dict[str, object] = {"pr_repo_allowlist": ("acme/checkout",), "pr_approval_required": False}
    values.update(changes)
    return Settings(**values)  # type: ignore[arg-type]


def patch_touching(path: str, lines: int = 1) -> str:
    removed = "".join(f"-old {i}\n" for i in range(lines))
    added = "".join(f"+new {i}\n" for i in range(lines))
    return f"--- a/{path}\n+++ b/{path}\n@@ -1,{lines} +1,{lines} @@\n{removed}{added}"


def test_a_repository_off_the_allowlist_is_refused() -> None:
    verdict = check_access(settings(), repo="payments", approved_by=None)
    assert verdict.refusal == "repository 'payments' is not on the pull-request allowlist"


def test_an_allowlist_entry_names_a_workspace_repository_by_its_github_name() -> None:
    assert allowed_repository("checkout", ("acme/payments", "acme/checkout")) == "acme/checkout"


def test_a_required_approval_that_is_missing_is_refused() -> None:
    verdict = check_access(settings(pr_approval_required=True), repo="checkout", approved_by=None)
    assert verdict.refusal == "a person's approval is required and none is recorded"


def test_an_approved_allowlisted_repository_passes_with_its_github_name() -> None:
    verdict = check_access(settings(pr_approval_required=True), repo="checkout", approved_by="alice")
    assert (verdict.refusal, verdict.github_repo) == (None, "acme/checkout")


def test_a_patch_over_the_size_limit_is_refused() -> None:
    patch = read_patch(patch_touching("checkout/payments.py", lines=6))
    assert patch.changed_lines == 12
    assert check_patch(settings(pr_max_diff_lines=10), patch) == (
        "the patch changes 12 lines, more than the limit of 10"
    )


def test_a_patch_at_the_size_limit_passes() -> None:
    assert check_patch(settings(pr_max_diff_lines=12), read_patch(patch_touching("checkout/payments.py", 6))) is None


@pytest.mark.parametrize(
    ("path", "glob"),
    [
        ("infra/main.bicep", "infra/**"),
        (".github/workflows/deploy.yml", ".github/**"),
        ("services/checkout/app.bicep", "*.bicep"),
        ("terraform/prod/main.tf", "terraform/**"),
        ("checkout/config/secrets.yaml", "*secret*"),
        (".env.production", ".env*"),
        ("checkout/Dockerfile", "Dockerfile*"),
        ("certs/server.key", "*.key"),
    ],
)
def test_a_patch_touching_a_denied_path_is_refused_with_the_glob(path: str, glob: str) -> None:
    refusal = check_patch(settings(), read_patch(patch_touching(path)))
    assert refusal == f"the patch touches {path}, which the path denylist refuses ({glob})"


@pytest.mark.parametrize("path", ["checkout/payments.py", "docs/infra.md", "checkout/environment.py", "README.md"])
def test_application_code_is_not_denied(path: str) -> None:
    assert denied_path(path, Settings().pr_path_denylist) is None


def test_a_rename_is_judged_by_both_of_its_paths() -> None:
    rename = "--- a/app/settings.py\n+++ b/infra/settings.py\n@@ -1 +1 @@\n-a\n+b\n"
    assert check_patch(settings(), read_patch(rename)) == (
        "the patch touches infra/settings.py, which the path denylist refuses (infra/**)"
    )


def test_hunk_lines_that_look_like_file_headers_are_counted_as_lines() -> None:
    tricky = "--- a/notes.md\n+++ b/notes.md\n@@ -1,2 +1,2 @@\n--- not a header\n+++ not a header either\n x\n"
    [notes] = read_patch(tricky).files
    assert (notes.old_path, notes.added_lines, notes.deleted_lines) == ("notes.md", 1, 1)


def test_added_and_deleted_files_name_dev_null_on_one_side() -> None:
    added = "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1,2 @@\n+a\n+b\n"
    deleted = "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n"
    patch = read_patch(added + deleted)
    assert [(f.old_path, f.new_path) for f in patch.files] == [(None, "new.py"), ("old.py", None)]
    assert patch.original_paths == ("old.py",)


@pytest.mark.parametrize("path", ["../etc/passwd", "/etc/passwd", ".git/config", "a/../../x"])
def test_a_path_outside_the_repository_is_refused(path: str) -> None:
    with pytest.raises(PatchError, match="outside the repository"):
        read_patch(f"--- {path}\n+++ {path}\n@@ -1 +1 @@\n-a\n+b\n")


def test_text_without_a_file_header_is_not_a_patch() -> None:
    with pytest.raises(PatchError, match="changes no file"):
        read_patch("I would change the total to default to zero.\n")


def test_a_patch_applies_to_the_base_files() -> None:
    files = apply_patch(read_patch(ONE_LINE_FIX), {"checkout/payments.py": ORIGINAL})
    assert files == {"checkout/payments.py": b"def charge(order):\n    total = order.total or 0\n    return total\n"}


def test_a_patch_that_does_not_match_the_base_is_refused() -> None:
    with pytest.raises(PatchError, match="does not apply to the base commit"):
        apply_patch(read_patch(ONE_LINE_FIX), {"checkout/payments.py": b"something else entirely\n"})


def test_an_applied_deletion_yields_none() -> None:
    deleted = "--- a/old.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n"
    assert apply_patch(read_patch(deleted), {"old.py": b"a\n"}) == {"old.py": None}
