"""What a workspace's repository costs to restore and to materialize, old way against new, same run.

A synthetic repository of 50,000 small files (5,000 with --quick) and a short history is built once
per run with `git fast-import`, bundled, and put behind a one-file scenario. Then:
- baseline, the old restore: a full, independent copy of the clone cache (`clone --bare
  --no-hardlinks`) and a checkout of every file, as `pipeline/_repos.py` did it;
- the previous restore: a `--shared` clone that borrows the cache's objects, and the same checkout into
  the workspace;
- the restore now (`agentcore.workspace.restore_repository`): `repos/<name>` becomes a symlink to the
  commit's shared, read-only checkout (`<data_dir>/checkouts/`). Three rows: the checkout exists (every
  stage after intake, every subagent, every investigation of the same deploy on this machine), the first
  restore of the commit when the previous commit's checkout is here (the next deploy: its unchanged files
  are hard links to that one's), and the first restore of the repository on this machine, which writes
  every file (shared clone, checkout, read-only modes);
- the floor under any restore that writes the files: the checkout alone, into a ready shared clone, and
  what the first restore adds to it: making the checkout read-only (`chmod -R a-w`, parts of the tree at once);
- materializing the scenario without a clone cache (every object fetched from the bundle: the old
  way) and with one, the commit's checkout made (what the pipeline's intake does for a new deploy).
Rows are timed in rounds, one sample of each per round, so that the machine's load changing (these
calls take seconds) hits every row alike. Each row prints its ratio to the old restore; restore rows
say whether they meet the target.
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from agentcore.git import run_git
from agentcore.scenarios import load_scenario
from agentcore.workspace import RepoSource, cached_clone, checkouts_dir, materialize_workspace, restore_repository
from agentcore.workspace._checkout_cache import make_read_only, remove_tree
from agentcore.workspace.checkout import check_out_shared
from bench._timing import BenchResult, Timing, bench_result

BASELINE = "old restore: full copy of the clone cache + checkout"
EXISTS = (
    "restore, the commit's shared checkout exists (every stage after intake, every subagent, every "
    "investigation of the same deploy)"
)
"""The row for the < 1 s target."""
FILES = {False: 50_000, True: 5_000}
"""Files in the generated repository, by --quick."""
COMMITS = 20
RESTORE_TARGET_S = 1.0
"""Issue 9, point 10: restoring the 50k-file repository should take under a second."""
_INCIDENT = "2026-03-02T14:05:00Z"


def run(quick: bool = False, *, files: int | None = None) -> list[BenchResult]:
    samples = 1 if quick else 3
    count = files if files is not None else FILES[quick]
    shape = f"{count} files, {COMMITS} commits"
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-workspace-") as temp, _quiet():
        folder = Path(temp)
        scenario_dir = _scenario(folder / "scenario", count)
        bundle = scenario_dir / "repos" / "big.bundle"
        head = run_git(None, "bundle", "list-heads", str(bundle)).split()[0]
        repo = RepoSource(path="repos/big", source=str(bundle.resolve()), commit=head)
        cache_dir = folder / "clone-cache"
        cache = cached_clone(bundle, cache_dir)
        scenario = load_scenario(scenario_dir)
        fresh = _fresh_roots(folder)

        def unchecked() -> Path:
            destination = fresh() / repo.path
            run_git(None, "clone", "--quiet", "--shared", "--no-checkout", str(cache), str(destination))
            return destination

        def no_checkouts() -> Path:
            remove_tree(checkouts_dir(cache_dir))
            return fresh()

        def checked_out() -> Path:
            destination = fresh() / repo.path
            check_out_shared(cache, destination, head)
            return destination

        previous = RepoSource(
            path=repo.path, source=repo.source, commit=run_git(cache, "rev-parse", f"{head}~1").strip()
        )

        def only_the_previous_commits_checkout() -> Path:
            remove_tree(checkouts_dir(cache_dir))
            restore_repository(previous, fresh(), cache_dir)  # the deploy before: its checkout made, untimed
            return fresh()

        def checkout_exists() -> Path:
            restore_repository(repo, fresh(), cache_dir)  # makes the shared checkout if a row removed it
            return fresh()

        rows: list[tuple[str, str, Callable[[], Path], Callable[[Path], object]]] = [
            ("restore", BASELINE, fresh, lambda root: _old_restore(cache, root / repo.path, head)),
            ("restore", "previous restore: --shared clone of the cache + checkout in the workspace", fresh,
             lambda root: check_out_shared(cache, root / repo.path, head)),
            ("restore", EXISTS, checkout_exists, lambda root: restore_repository(repo, root, cache_dir)),
            ("restore", "restore, first on this machine for this commit (the checkout is made)", no_checkouts,
             lambda root: restore_repository(repo, root, cache_dir)),
            ("restore", "restore, first for this commit, the previous commit's checkout here (the next deploy)",
             only_the_previous_commits_checkout, lambda root: restore_repository(repo, root, cache_dir)),
            ("restore", "floor: the checkout alone (every file written)", unchecked,
             lambda destination: run_git(destination, "-c", "checkout.workers=0", "checkout", "-q", "--detach", head)),
            ("part", "making a checkout read-only (chmod -R a-w on every core; part of the first restore)", checked_out,
             make_read_only),
            ("materialize", "materialize the scenario, objects fetched from the bundle (old)", fresh,
             lambda root: materialize_workspace(scenario, root / "materialized")),
            ("materialize", "materialize the scenario with the clone cache, the commit's checkout made", no_checkouts,
             lambda root: materialize_workspace(scenario, root / "materialized", clone_cache=cache_dir)),
        ]  # fmt: skip
        timings = _interleaved([(setup, action) for _, _, setup, action in rows], samples)
        results = []
        for (group, name, _, _), timing in zip(rows, timings, strict=True):
            detail = f"{shape}; {_target(timing)}" if group == "restore" else shape
            results.append(bench_result(group, name, timing, timings[0], detail=detail))
        return results


def _interleaved(rows: Sequence[tuple[Callable[[], Path], Callable[[Path], object]]], samples: int) -> list[Timing]:
    """Each round times every row once, in order: a change of the machine's load hits all rows alike,
    which series run one after the other would not (these calls take seconds)."""
    durations: list[list[float]] = [[] for _ in rows]
    for _ in range(samples):
        for index, (setup, action) in enumerate(rows):
            prepared = setup()
            begin = time.perf_counter()
            action(prepared)
            durations[index].append(time.perf_counter() - begin)
    return [Timing(tuple(d)) for d in durations]


def _target(timing: Timing) -> str:
    verdict = "met" if timing.median_s < RESTORE_TARGET_S else "missed"
    return f"target < {RESTORE_TARGET_S:g} s: {verdict}"


def _fresh_roots(folder: Path) -> Callable[[], Path]:
    """A new, empty workspace root per sample; the previous one is removed first (untimed)."""
    counter = iter(range(10**6))
    previous: list[Path] = []

    def fresh() -> Path:
        for root in previous:
            remove_tree(root)  # a shared checkout made read-only may be among them
        root = folder / f"ws-{next(counter)}"
        (root / "repos").mkdir(parents=True)
        previous[:] = [root]
        return root

    return fresh


def _old_restore(cache: Path, destination: Path, commit: str) -> None:
    """The restore this package replaced: an independent copy of every object, then a checkout."""
    git_dir = destination / ".git"
    destination.mkdir(parents=True)
    run_git(None, "clone", "--bare", "--quiet", "--no-hardlinks", str(cache), str(git_dir), timeout_s=600)
    run_git(git_dir, "config", "core.bare", "false")
    run_git(destination, "remote", "remove", "origin")
    run_git(destination, "checkout", "--quiet", "--force", "--detach", commit, timeout_s=600)


def _scenario(root: Path, files: int) -> Path:
    """A scenario whose one service is built from a generated repository of `files` files."""
    work = root.parent / "big"
    _generate_repo(work, files)
    (root / "repos").mkdir(parents=True)
    run_git(work, "bundle", "create", "--quiet", str((root / "repos" / "big.bundle").resolve()), "--all")
    facts = {
        "name": "bench",
        "incident_time": _INCIDENT,
        "services": [{"name": "big", "repo": "big", "app_role": "big"}],
    }
    (root / "scenario.json").write_text(json.dumps(facts), encoding="utf-8")
    example = Path(__file__).resolve().parents[1] / "examples" / "scenarios" / "checkout-bad-deploy" / "alert.json"
    shutil.copyfile(example, root / "alert.json")
    return root


def _generate_repo(target: Path, files: int) -> None:
    """`files` small Python files in folders of 500, then COMMITS commits that each touch 1 file in ~1,000."""
    stream = bytearray()
    for number in range(COMMITS + 1):
        message = b"initial\n" if number == 0 else b"change %d\n" % number
        stream += b"commit refs/heads/main\ncommitter Bench <b@x> %d +0000\n" % (1_760_000_000 + number * 3600)
        stream += b"data %d\n%s" % (len(message), message)
        changed = range(files) if number == 0 else range(number % 997, files, 997)
        for index in changed:
            data = (f"# module {index}, revision {number}\n" + f"VALUE_{index} = {number}\n" * 12).encode()
            stream += b"M 100644 inline src/pkg%03d/mod%05d.py\ndata %d\n%s\n" % (index // 500, index, len(data), data)
    target.mkdir(parents=True)
    run_git(None, "init", "--quiet", "--bare", "-b", "main", str(target))
    run_git(target, "fast-import", "--quiet", stdin=stream.decode("ascii"), timeout_s=600)


@contextmanager
def _quiet() -> Iterator[None]:
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)
    try:
        yield
    finally:
        logging.disable(previous)
