"""Benchmarks run by `market-assistant bench NAME`: each prints its figures next to a baseline measured in the
same run. Each module has `main(argv) -> exit code`; it is imported only when run.
"""

from __future__ import annotations

import importlib

BENCHMARKS: dict[str, str] = {
    "retrieval": "eval.bench.retrieval",
    "answer": "eval.bench.answer",
    "llm": "eval.bench.llm",
    "api": "eval.bench.api",
}


def run(name: str, argv: list[str]) -> int:
    """Run one benchmark by name with its own command-line arguments; its exit code."""
    module = importlib.import_module(BENCHMARKS[name])
    return int(module.main(argv) or 0)


__all__ = ["BENCHMARKS", "run"]
