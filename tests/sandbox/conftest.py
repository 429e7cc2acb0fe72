"""Fixtures of the sandbox tests: the stand-in pool for the remote sandbox."""

from __future__ import annotations

from tests.remote_sandbox_fixture import standin_pool, standin_pool_subprocess

__all__ = ["standin_pool", "standin_pool_subprocess"]
