"""grep and find on a 50,000-file repository, each timed against the command-line tool it stands in for.

A synthetic repository is built once in a temp dir (50,000 small source files in 2,000 folders, plus a
`.git/`). Every row's ratio is its median over the median of its reference, measured in the same run:
- grep, rare word (3 files): the tool against `rg -n WORD` (and GNU `grep -rn` for comparison);
- grep, common word with early stop (`max_matches=100`): the tool against `rg -n WORD | head -100`;
- find, a rare name (a whole walk) against GNU `find -name`, and a common one (`*.py`, the tool stops at
  500) against `find -name '*.py' | head -501`.
grep runs through the Sandbox port twice: with ripgrep (what ships) and with the Python fallback; find
walks in Python either way. The tool rows run once more on a workspace whose `repos/big` links to the
repository as a read-only mount (what a restore makes: a symlink to the shared checkout), at that path.
The target is ≤ 2× the reference for the rows that ship (grep with ripgrep, find); each row's detail
says whether it is met.
"""

from __future__ import annotations

import logging
import random
import shlex
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from agentcore.sandbox._local_files import LocalWorkspaceFiles
from agentcore.sandbox._ripgrep import ripgrep_path
from agentcore.sandbox.subprocess import SubprocessSandbox
from agentcore.tools import ToolResult
from agentcore.tools.find import FindTool
from agentcore.tools.grep import GrepTool
from bench._timing import QUICK, BenchResult, Plan, Timing, bench_result, measure

BASELINE = "the group's reference row (a command-line tool)"
TARGET_RATIO = 2.0
"""The ripgrep rows should take at most this many times their reference."""

FOLDERS, SUBFOLDERS, FILES_PER_FOLDER = 40, 50, 25
"""40 × 50 folders of 25 files: 50,000 files."""
QUICK_FOLDERS = 4
"""A quick run (a smoke test) builds 4 × 50 folders: 5,000 files."""
RARE_WORD = "ZebrafishQuota"
COMMON_WORD = "return"
RARE_NAME = "*quota_settings*"
PLAN = Plan(warmup=1, repeat=15, budget_s=3.0, min_repeat=5)
_WORDS = ("order", "payment", "retry", "cache", "token", "client", "ledger", "refund", "queue", "span")


def run(quick: bool = False) -> list[BenchResult]:
    """grep and find rows, each with its reference row first."""
    rg = ripgrep_path()
    if rg is None:
        raise RuntimeError("rg not found: install the locked requirements (the ripgrep package ships it)")
    plan = QUICK if quick else PLAN
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-tools-") as temp:
        repo = Path(temp) / "repo"
        files = build_repo(repo, QUICK_FOLDERS if quick else FOLDERS)
        logging.getLogger(__name__).info("built %d files in %s", files, repo)
        with_rg, python = _sandboxes(repo)
        linked = _linked_sandboxes(Path(temp) / "workspace", repo)
        rows = _Rows(plan, repo)
        _grep_rows(rows, rg, (with_rg, python), linked)
        _find_rows(rows, with_rg, linked[0])
        return rows.results


def build_repo(root: Path, folders: int = FOLDERS) -> int:
    """The synthetic repository; RARE_WORD lies in 3 files (first, middle, last folder), RARE_NAME in 2."""
    rng = random.Random(7)
    count = 0
    for top in range(folders):
        for sub in range(SUBFOLDERS):
            folder = root / f"service_{top:02d}" / f"pkg_{sub:02d}"
            folder.mkdir(parents=True)
            for index in range(FILES_PER_FOLDER):
                (folder / f"module_{index:02d}.py").write_text(_module(rng, top, sub, index), encoding="utf-8")
                count += 1
    for top, sub in ((0, 3), (folders // 2, 10), (folders - 1, SUBFOLDERS - 1)):
        path = root / f"service_{top:02d}" / f"pkg_{sub:02d}" / "module_07.py"
        path.write_text(path.read_text(encoding="utf-8") + f"LIMIT = {RARE_WORD}(42)\n", encoding="utf-8")
    for top in (1, folders - 2):
        (root / f"service_{top:02d}" / "pkg_00" / "module_00.py").rename(
            root / f"service_{top:02d}" / "pkg_00" / "quota_settings.py"
        )
    git = root / ".git" / "objects"
    git.mkdir(parents=True)
    (git / "pack").write_text(f"{RARE_WORD} {COMMON_WORD}\n" * 100, encoding="utf-8")
    return count


def _module(rng: random.Random, top: int, sub: int, index: int) -> str:
    noun, other = rng.choice(_WORDS), rng.choice(_WORDS)
    return (
        f'"""Module {index} of package {sub} in service {top}."""\n\n'
        f"import {other}\n\n\n"
        f"def load_{noun}_{index}(key: str, retries: int = {rng.randint(1, 9)}) -> dict:\n"
        f'    """Load one {noun} by key."""\n'
        f"    value = {other}.get(key)\n"
        f"    if value is None:\n"
        f"        raise KeyError(key)\n"
        f"    {COMMON_WORD} {{'{noun}': value, 'retries': retries}}\n\n\n"
        f"class {noun.title()}Handler{index}:\n"
        f"    def handle(self, event: dict) -> None:\n"
        f"        self.last = event.get('{other}_id', {rng.randint(0, 10**6)})\n"
    )


def _sandboxes(repo: Path) -> tuple[SubprocessSandbox, SubprocessSandbox]:
    logging.getLogger("agentcore.sandbox.subprocess").setLevel(logging.ERROR)
    with_rg, python = SubprocessSandbox(repo), SubprocessSandbox(repo)
    python.files = LocalWorkspaceFiles(repo, use_ripgrep=False)
    if not with_rg.files.uses_ripgrep or python.files.uses_ripgrep:
        raise RuntimeError("the two sandboxes must walk differently: one with rg, one in Python")
    return with_rg, python


def _linked_sandboxes(workspace: Path, repo: Path) -> tuple[SubprocessSandbox, SubprocessSandbox]:
    """Sandboxes over a workspace whose repos/big links to `repo`, named as a read-only mount."""
    (workspace / "repos").mkdir(parents=True)
    (workspace / "repos" / "big").symlink_to(repo, target_is_directory=True)
    mounts = {"repos/big": repo}
    with_rg, python = SubprocessSandbox(workspace, read_only=mounts), SubprocessSandbox(workspace, read_only=mounts)
    python.files = LocalWorkspaceFiles(workspace, use_ripgrep=False, read_only=mounts)
    return with_rg, python


class _Rows:
    """Rows timed so far; each tool row's ratio is to the reference timed just before it."""

    def __init__(self, plan: Plan, repo: Path) -> None:
        self.plan = plan
        self.repo = repo
        self.results: list[BenchResult] = []
        self._reference = Timing((1.0,))
        self._reference_name = ""

    def reference(self, group: str, command: str, *, rg: str = "rg") -> None:
        """Time `command` in the repository (`rg` in it stands for the rg found)."""
        shell = f"{shlex.quote(rg)}{command.removeprefix('rg')}" if command.startswith("rg ") else command
        argv = ["/bin/sh", "-c", shell]
        self._reference = measure(lambda: _run(argv, self.repo), self.plan)
        self._reference_name = command
        self.results.append(bench_result(group, command, self._reference, self._reference, detail="reference"))

    def compare(self, group: str, name: str, action: Callable[[], object], *, target: bool) -> None:
        timing = measure(action, self.plan)
        ratio = timing.median_s / self._reference.median_s
        verdict = "met" if ratio <= TARGET_RATIO else "NOT met"
        goal = f"target ≤ {TARGET_RATIO:g}× `{self._reference_name}`: {verdict}" if target else "for comparison"
        self.results.append(bench_result(group, name, timing, self._reference, detail=goal))


def _tool(tool: GrepTool | FindTool, arguments: dict[str, object], expect: str) -> Callable[[], ToolResult]:
    def action() -> ToolResult:
        result = tool.run(arguments)
        if expect not in result.content:
            raise AssertionError(f"{arguments}: expected {expect!r} in the answer, got {result.content[-300:]!r}")
        return result

    return action


_Pair = tuple[SubprocessSandbox, SubprocessSandbox]
_LINKED = {"path": "repos/big"}


def _grep_rows(rows: _Rows, rg: str, plain: _Pair, linked: _Pair) -> None:
    rare = {"pattern": RARE_WORD}
    rows.reference("grep rare word", f"rg -n {RARE_WORD}", rg=rg)
    for where, (with_rg, python), extra in (("", plain, {}), (", linked repos/big", linked, _LINKED)):
        arguments = rare | extra
        rows.compare("grep rare word", f"grep tool, ripgrep{where}", _tool(GrepTool(with_rg), arguments, "(3 matches"),
                     target=True)  # fmt: skip
        rows.compare("grep rare word", f"grep tool, Python{where}", _tool(GrepTool(python), arguments, "(3 matches"),
                     target=False)  # fmt: skip
    gnu = ["grep", "-rn", RARE_WORD, "."]
    rows.compare("grep rare word", f"GNU {shlex.join(gnu)}", lambda: _run(gnu, rows.repo), target=False)
    common = {"pattern": COMMON_WORD, "max_matches": 100}
    rows.reference("grep common word, first 100", f"rg -n {COMMON_WORD} | head -100", rg=rg)
    for where, pair, extra in (("", plain, {}), (", linked repos/big", linked, _LINKED)):
        for name, sandbox, target in (("ripgrep", pair[0], True), ("Python", pair[1], False)):
            action = _tool(GrepTool(sandbox), common | extra, "(100 matches")
            rows.compare("grep common word, first 100", f"grep tool max_matches=100, {name}{where}", action,
                         target=target)  # fmt: skip


def _find_rows(rows: _Rows, sandbox: SubprocessSandbox, linked: SubprocessSandbox) -> None:
    rows.reference("find rare name", f"find . -name '{RARE_NAME}'")
    for where, tool, extra in (("", FindTool(sandbox), {}), (", linked repos/big", FindTool(linked), _LINKED)):
        action = _tool(tool, {"pattern": RARE_NAME} | extra, "(2 files)")
        rows.compare("find rare name", f"find tool{where}", action, target=True)
    rows.reference("find *.py, first 500", "find . -name '*.py' | head -501")
    for where, tool, extra in (("", FindTool(sandbox), {}), (", linked repos/big", FindTool(linked), _LINKED)):
        action = _tool(tool, {"pattern": "*.py"} | extra, "more match")
        rows.compare("find *.py, first 500", f"find tool{where}", action, target=True)


def _run(argv: list[str], cwd: Path) -> None:
    subprocess.run(argv, cwd=cwd, stdout=subprocess.DEVNULL, check=False)
