"""Deterministic generators of market snapshots (format ``market-snapshot/1``).

Use ``from eval.snapshots import Scenario, write_snapshot`` (never ``import eval``:
the package name shadows the builtin). ``eval.snapshots.sample_560500`` writes the
bundled sample; ``eval.snapshots.scenarios`` writes extra synthetic scenarios for tests.
"""

from eval.snapshots.builder import (
    Constituent,
    Move,
    Rebalance,
    Scenario,
    SimulatedMarket,
    UnitsPlan,
    simulate,
    trading_days,
    write_snapshot,
)

__all__ = [
    "Constituent",
    "Move",
    "Rebalance",
    "Scenario",
    "SimulatedMarket",
    "UnitsPlan",
    "simulate",
    "trading_days",
    "write_snapshot",
]
