"""`python -m agentcore.cli` (and the `sre-agent` script) ends without the interpreter's teardown: its exit code and
every byte of its output must still come through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "scenarios" / "checkout-bad-deploy"


def sre_agent(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k == "SRE_AGENT_CACHE_DIR" or not k.startswith(("SRE_AGENT_", "ANTHROPIC_", "OPENAI_"))
    }
    command = [sys.executable, "-m", "agentcore.cli", *argv]
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120, check=False)


def test_an_investigation_exits_0_with_its_whole_report_json_on_stdout(tmp_path: Path) -> None:
    done = sre_agent("investigate", "--scenario", str(EXAMPLE), "--data-dir", str(tmp_path), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["status"], report["mode"]) == ("inconclusive", "evidence-only")
    assert done.stderr.rstrip().splitlines()[-1].strip().endswith(".json")


def test_bad_input_still_exits_2_with_its_one_line(tmp_path: Path) -> None:
    done = sre_agent("investigate", "--question", "  ", "--data-dir", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("sre-agent: error: ")
