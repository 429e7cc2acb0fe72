"""What a scenario's bundles hold is kept in the user's cache directory and read from there the next time."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from agentcore.scenarios import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


def _copy(tmp_path: Path, name: str) -> Path:
    """The example under a new path: the loader's in-process memory of scenarios does not know it."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / name))


def test_a_scenario_loaded_with_a_cache_is_the_one_loaded_without(tmp_path: Path) -> None:
    plain = load_scenario(_copy(tmp_path, "plain"))
    first = load_scenario(_copy(tmp_path, "first"), cache_dir=tmp_path / "cache")
    second = load_scenario(_copy(tmp_path, "second"), cache_dir=tmp_path / "cache")
    for loaded in (first, second):
        assert loaded.repos == {name: repo.model_copy(update={"bundle": loaded.repos[name].bundle})
                                for name, repo in plain.repos.items()}  # fmt: skip
        assert loaded.deployments == plain.deployments
        assert loaded.truth == plain.truth


def test_the_next_load_reads_the_kept_history_instead_of_the_bundle(tmp_path: Path) -> None:
    load_scenario(_copy(tmp_path, "first"), cache_dir=tmp_path / "cache")
    (entry,) = (tmp_path / "cache" / "bundles").glob("*.json")
    kept = json.loads(entry.read_text(encoding="utf-8"))
    kept["history"][0][3] = "a subject only the cache entry has"
    entry.write_text(json.dumps(kept), encoding="utf-8")
    second = load_scenario(_copy(tmp_path, "second"), cache_dir=tmp_path / "cache")
    assert second.repos["checkout"].history[0].subject == "a subject only the cache entry has"


def test_a_commit_name_the_entry_has_not_resolved_is_resolved_in_the_bundle(tmp_path: Path) -> None:
    first = load_scenario(_copy(tmp_path, "first"), cache_dir=tmp_path / "cache")
    full = first.deployments[-1].commit
    second_dir = _copy(tmp_path, "second")
    rows = [json.loads(line) for line in (second_dir / "deployments.jsonl").read_text().splitlines() if line.strip()]
    rows[-1]["commit"] = full[:9]  # an abbreviation no earlier load resolved
    (second_dir / "deployments.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    second = load_scenario(second_dir, cache_dir=tmp_path / "cache")
    assert second.deployments[-1].commit == full


def test_an_unreadable_entry_is_read_from_the_bundle_again(tmp_path: Path) -> None:
    first = load_scenario(_copy(tmp_path, "first"), cache_dir=tmp_path / "cache")
    (entry,) = (tmp_path / "cache" / "bundles").glob("*.json")
    entry.write_text("{not json", encoding="utf-8")
    second = load_scenario(_copy(tmp_path, "second"), cache_dir=tmp_path / "cache")
    assert second.repos["checkout"].history == first.repos["checkout"].history
    assert json.loads(entry.read_text(encoding="utf-8"))["head"] == first.repos["checkout"].head
