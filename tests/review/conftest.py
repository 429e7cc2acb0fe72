"""Review app fixtures: a blob store holding a real evidence-only run and a hand-made agent run.

The evidence-only investigation is run once per session, for real, on the example scenario
(`examples/scenarios/checkout-bad-deploy`, no model); each test gets its own copy of the blobs, so
feedback and follow-ups written by one test never reach another.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentcore.pipeline import InvestigationRequest, run_investigation
from agentcore.pipeline._stage_io import StageContext
from agentcore.pipeline.wiring import build_dependencies, local_queue, override
from agentcore.settings import Settings
from agentcore.storage import BlobStore
from agentcore.storage.local import LocalBlobStore
from tests.azurite_fixture import azurite
from tests.review.agent_investigation import store_agent_investigation

__all__ = ["azurite"]

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "examples" / "scenarios" / "checkout-bad-deploy"


@dataclass(frozen=True)
class Investigations:
    """Where the two investigations are, and their ids."""

    data_dir: Path
    evidence_only: str
    agent: str


@pytest.fixture(scope="session")
def stored_investigations(tmp_path_factory: pytest.TempPathFactory) -> Investigations:
    data_dir = tmp_path_factory.mktemp("review-data")
    settings = Settings(data_dir=data_dir, model=None, sandbox="subprocess")
    deps = build_dependencies(settings)
    request = InvestigationRequest.from_cli(scenario=SCENARIO, alert_file=None, question=None, repos=())
    outcome = run_investigation(request, deps)
    agent = store_agent_investigation(deps.blob_store, datetime.now(UTC))
    return Investigations(data_dir, outcome.report.id, agent)


@dataclass(frozen=True)
class Review:
    """One test's copy of the investigations, and the pipeline context that serves them."""

    ctx: StageContext
    store: BlobStore
    evidence_only: str
    agent: str


@pytest.fixture
def review(stored_investigations: Investigations, tmp_path: Path) -> Iterator[Review]:
    data_dir = tmp_path / "data"
    shutil.copytree(stored_investigations.data_dir / "blobs", data_dir / "blobs")
    settings = Settings(data_dir=data_dir, model=None, sandbox="subprocess")
    store = LocalBlobStore(data_dir / "blobs")
    with override(settings=settings, blob_store=store, model=None):
        deps = build_dependencies(settings)
        yield Review(StageContext(deps, local_queue(settings)), store, stored_investigations.evidence_only,
                     stored_investigations.agent)  # fmt: skip
