"""Each example repo is kept as files a reader can open: `examples/scenarios/_sources/<scenario>/repos/<repo>/`
holds `base/` (the first commit's tree) and one `git format-patch` file per later commit. These tests hold
those files to the committed bundle, so what a reader sees is the history the agent investigates, and the
culprit of every truth.json is one of the patches."""

from __future__ import annotations

import json
import subprocess
from email import message_from_string
from email.policy import default
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
SOURCES = EXAMPLES / "_sources"


def repo_sources() -> list[Path]:
    return sorted(p for p in SOURCES.glob("*/repos/*") if p.is_dir())


def patches(source: Path) -> list[Path]:
    return sorted(source.glob("[0-9][0-9][0-9][0-9]-*.patch"))


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def clone(source: Path, into: Path) -> Path:
    """The committed bundle of the repo that `source` describes, cloned into `into`."""
    scenario, repo = source.parents[1].name, source.name
    bundle = EXAMPLES / scenario / "repos" / f"{repo}.bundle"
    subprocess.run(["git", "clone", "-q", str(bundle), str(into)], capture_output=True, check=True)
    return into


def source_id(source: Path) -> str:
    return f"{source.parents[1].name}/{source.name}"


def test_every_example_scenario_keeps_its_repos_as_sources() -> None:
    scenarios = sorted(p for p in EXAMPLES.iterdir() if (p / "scenario.json").is_file())
    bundled = {f"{s.name}/{b.stem}" for s in scenarios for b in (s / "repos").glob("*.bundle")}
    assert bundled == {source_id(source) for source in repo_sources()}


@pytest.mark.parametrize("source", repo_sources(), ids=source_id)
def test_each_patch_is_the_bundled_commit_at_its_position(source: Path, tmp_path: Path) -> None:
    repo = clone(source, tmp_path / "repo")
    history = git(repo, "rev-list", "--reverse", "HEAD").split()
    named = [patch.read_text(encoding="utf-8").split()[1] for patch in patches(source)]
    assert named == history[1:]


@pytest.mark.parametrize("source", repo_sources(), ids=source_id)
def test_each_patch_has_the_author_and_subject_of_its_commit(source: Path, tmp_path: Path) -> None:
    repo = clone(source, tmp_path / "repo")
    commits = git(repo, "log", "--reverse", "--format=%an <%ae>%x00%s", "HEAD").splitlines()[1:]
    headers = [message_from_string(p.read_text(encoding="utf-8"), policy=default) for p in patches(source)]
    assert [f"{h['From']}\0{h['Subject']}" for h in headers] == commits


@pytest.mark.parametrize("source", repo_sources(), ids=source_id)
def test_base_folder_is_the_tree_of_the_first_commit(source: Path, tmp_path: Path) -> None:
    repo = clone(source, tmp_path / "repo")
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    tracked = git(repo, "ls-tree", "-r", "--name-only", first).splitlines()
    base = source / "base"
    on_disk = sorted(p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file())
    assert on_disk == sorted(tracked)
    shown = {
        path: subprocess.run(["git", "show", f"{first}:{path}"], cwd=repo, capture_output=True).stdout
        for path in tracked
    }
    assert [path for path in tracked if (base / path).read_bytes() != shown[path]] == []


@pytest.mark.parametrize("scenario", sorted(p.name for p in SOURCES.iterdir() if p.is_dir()))
def test_the_truths_culprit_is_a_patch_a_reader_can_open(scenario: str) -> None:
    truth = json.loads((EXAMPLES / scenario / "truth.json").read_text(encoding="utf-8"))
    culprit = truth["culprit"]
    series = patches(SOURCES / scenario / "repos" / culprit["repo"])
    assert [p.name for p in series if p.read_text(encoding="utf-8").startswith(f"From {culprit['commit']} ")] != []
