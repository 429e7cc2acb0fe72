"""The remote sandbox, measured on loopback: RemoteSandbox -> stand-in pool -> sandbox server -> local sandbox.

- baseline: shell `true` in the local BubblewrapSandbox (SubprocessSandbox where bwrap cannot run here),
  in this run;
- per command: shell `true` through the remote sandbox (a session that holds the workspace already), a
  command that writes a file (its change comes back to the mirror), and a 2 KB write;
- first command: a fresh session (the stand-in starts a server process, as the pool allocates a session),
  the upload of a small workspace and `true`;
- snapshot: uploading a workspace of 100 MB (10 MB with --quick) to the session, bringing all of it
  back to the mirror after a command touched every file, and the next stage's first command when the
  mirror is unchanged (it goes on with the session instead of uploading).
Loopback has no network latency: in Azure every round trip adds the pool's (a command costs one round trip,
two when it changed files). The stand-in pool is a Python proxy, so it adds its own cost to each request.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import httpx

from agentcore.sandbox import Sandbox, SandboxLimits
from agentcore.sandbox._pool_client import SessionPoolClient
from agentcore.sandbox.bubblewrap import BubblewrapSandbox, bubblewrap_available
from agentcore.sandbox.remote import RemoteSandbox
from agentcore.sandbox.server.standin_pool import StandinPool, StaticTokenCredential
from agentcore.sandbox.subprocess import SubprocessSandbox
from bench._timing import FULL, QUICK, BenchResult, Plan, Timing, bench_result, measure, measure_each

BASELINE = "shell `true` in the local sandbox (bubblewrap, else subprocess), this run"
_TOKEN = "bench-stand-in-token"
_LIMITS = SandboxLimits(wall_time_s=60.0, cpu_time_s=60)
_SLOW = Plan(warmup=0, repeat=3, budget_s=0.0, min_repeat=3)
_SLOW_QUICK = Plan(warmup=0, repeat=2, budget_s=0.0, min_repeat=2)


def run(quick: bool = False) -> list[BenchResult]:
    plan, slow = (QUICK, _SLOW_QUICK) if quick else (FULL, _SLOW)
    big_mb = 10 if quick else 100
    with tempfile.TemporaryDirectory(prefix="sre-agent-bench-remote-") as temp, httpx.Client(timeout=300) as http:
        base = Path(temp)
        local, local_name = _local_sandbox(_workspace(base / "local"))
        baseline = measure(lambda: local.run("true"), plan)
        with StandinPool(base / "pool", token=_TOKEN) as pool:
            remote = _remote(pool, http, _workspace(base / "remote"))
            remote.run("true")
            rows = [
                bench_result("baseline", f"shell `true`, {local_name}", baseline, baseline),
                bench_result(
                    "command", "shell `true`, RemoteSandbox", measure(lambda: remote.run("true"), plan), baseline
                ),
                bench_result(
                    "command",
                    "shell writing one file (its change comes back), RemoteSandbox",
                    measure(lambda: remote.run("echo x > notes/out.txt"), plan),
                    baseline,
                ),
                bench_result(
                    "command",
                    "write_bytes 2 KB, RemoteSandbox",
                    measure(lambda: remote.write_bytes("notes/plan.md", b"x" * 2048), plan),
                    baseline,
                ),
                bench_result(
                    "first", "fresh session: start, upload, `true`", _first_command(pool, http, base, slow), baseline
                ),
            ]
            rows += _snapshot_rows(pool, http, base / "big", big_mb, slow, baseline)
    return rows


def _workspace(root: Path) -> Path:
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "plan.md").write_text("# Plan\n")
    return root


def _local_sandbox(root: Path) -> tuple[Sandbox, str]:
    if bubblewrap_available():
        return BubblewrapSandbox(root, _LIMITS), "BubblewrapSandbox"
    return SubprocessSandbox(root, _LIMITS), "SubprocessSandbox"


def _remote(pool: StandinPool, http: httpx.Client, root: Path) -> RemoteSandbox:
    client = SessionPoolClient(
        pool.endpoint, StaticTokenCredential(_TOKEN), identifier=f"bench-{uuid.uuid4().hex[:12]}", http=http
    )
    return RemoteSandbox(root, client, _LIMITS)


def _first_command(pool: StandinPool, http: httpx.Client, base: Path, plan: Plan) -> Timing:
    def setup() -> RemoteSandbox:
        return _remote(pool, http, _workspace(base / f"fresh-{uuid.uuid4().hex[:8]}"))

    def first(sandbox: RemoteSandbox) -> None:
        sandbox.run("true")
        pool.recycle(sandbox.client.identifier)

    return measure_each(setup, first, plan)


def _snapshot_rows(
    pool: StandinPool, http: httpx.Client, root: Path, size_mb: int, plan: Plan, baseline: Timing
) -> list[BenchResult]:
    """Upload and bring back a workspace of `size_mb`: half compressible text, half random bytes."""
    _fill(root, size_mb)
    sandbox = _remote(pool, http, root)
    upload = measure(sandbox.upload, plan)
    download = measure(lambda: sandbox.run("find repos -type f -exec touch {} +"), plan)
    # The next stage's sandbox over the same, unchanged mirror: it goes on with the session, no upload.
    resume = measure(lambda: RemoteSandbox(root, sandbox.client, _LIMITS).run("true"), plan)
    detail = f"{size_mb} MB in 50 files, half random"
    return [
        bench_result("snapshot", f"upload a {size_mb} MB workspace", upload, baseline, detail=detail),
        bench_result(
            "snapshot", f"bring back a {size_mb} MB workspace (every file touched)", download, baseline, detail=detail
        ),
        bench_result(
            "snapshot", f"next stage, same {size_mb} MB mirror: go on with the session, `true`", resume, baseline
        ),
    ]


def _fill(root: Path, size_mb: int) -> None:
    files = 50
    size = size_mb * 1024**2 // files
    folder = root / "repos" / "service"
    folder.mkdir(parents=True)
    line = b"2026-03-14T09:30:00Z INFO checkout request handled in 12 ms status=200\n"
    for number in range(files):
        data = os.urandom(size) if number % 2 else (line * (size // len(line) + 1))[:size]
        (folder / f"file-{number:02d}.bin").write_bytes(data)
