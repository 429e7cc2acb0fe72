"""Run in a process of its own by test_own_telemetry_export.py: the Azure Monitor distro installs global
providers, which must not leak into other tests. Non-loopback connections are refused here too."""

from __future__ import annotations

import logging
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from opentelemetry import _logs, trace

from agentcore.pipeline.wiring import build_dependencies
from agentcore.settings import Settings
from agentcore.telemetry.ledger import ModelCallRecord
from agentcore.telemetry.scope import bind_step
from tests.conftest import _guarded_connect


def main(data_dir: Path) -> None:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    deps = build_dependencies(Settings(data_dir=data_dir, model=None))
    bind_step("inv-export-1", 2)
    deps.ledger.record(
        ModelCallRecord(
            time=datetime.now(UTC),
            investigation_id="inv-export-1",
            provider="anthropic",
            model="claude-sonnet-4-6",
            input_tokens=900,
            cached_input_tokens=700,
            output_tokens=40,
            duration_s=1.25,
            outcome="ok",
        )  # fmt: skip
    )
    logging.getLogger("agentcore.pipeline.stages").warning("step %d ran long", 2)
    trace.get_tracer_provider().force_flush()  # type: ignore[attr-defined]
    _logs.get_logger_provider().force_flush()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main(Path(sys.argv[1]))
