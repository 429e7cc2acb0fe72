"""Pipeline fixtures: Azurite for the pipeline-on-Azure-Blob-Storage test."""

from __future__ import annotations

from tests.azurite_fixture import azurite

__all__ = ["azurite"]
