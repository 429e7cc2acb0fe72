"""Benchmarks of sre-agent's own costs. `python -m bench [module ...] [--quick]` runs them.

A benchmark module exposes `run(quick: bool) -> list[BenchResult]`; each row carries its ratio to a
baseline the module measured in the same run, because absolute times only describe one machine.
"""

from bench._timing import BenchResult

__all__ = ["BenchResult"]
