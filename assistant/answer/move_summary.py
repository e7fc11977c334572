"""The compact view of an `explain_move` result that a model sees by default (a few hundred tokens).

The full result is ~3,200 tokens and 147 figures: too much for a small model's attention, and most of it is
the constituent table. The summary keeps what an answer about a move needs -- returns, tracking, the top
contributors and industries in the direction of the move, top-N share, premium and flows -- each figure with
its evidence marker, and says how to ask for everything (`detail="full"`). All figures stay registered for
the grounding check either way; only what is shown changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.analysis.figures import FactName

Cite = Callable[[str], str]
"""citation id -> the marker the model should write ("[3]" when evidence is numbered)."""


def _signed(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def summary(result: Any, cite: Cite, top: int = 3) -> str:
    """A few hundred tokens: the move, its drivers and industries, premium and flows, with markers."""

    def mark(name: str, subject: str | None = None) -> str:
        fact = result.fact(name, subject)
        return cite(fact.cite) if fact is not None else ""

    etf_name = f" {result.etf_name}" if result.etf_name else ""
    index_name = f" {result.index_name}" if result.index_name else ""
    lines = [
        (
            f"explain_move summary: ETF {result.etf}{etf_name}, tracking index {result.index}{index_name}; "
            f"trade date {result.trade_date.isoformat()} (previous close {result.prev_date.isoformat()})."
        ),
        (
            f"- ETF {result.etf} return {_signed(result.etf_return_pct)}% {mark(FactName.ETF_RETURN_PCT)}; "
            f"index {result.index} return {_signed(result.index_return_pct)}% {mark(FactName.INDEX_RETURN_PCT)}; "
            f"tracking difference {_signed(result.tracking_difference_pp)} pp (ETF minus index)."
        ),
        (
            f"- Largest contributors in the direction of the move (pp of the index return; weights as of "
            f"{result.weights_date.isoformat()}):"
        ),
    ]
    for c in result.drivers[:top]:
        ret = "suspended" if c.suspended else f"return {_signed(c.return_pct)}%"
        weight = f", weight {c.weight_pct:.2f}%" if c.weight_pct is not None else ""
        lines.append(
            f"  - {c.name} ({c.code}): contribution {_signed(c.contribution_pp)} pp, {ret}{weight} "
            f"{mark(FactName.CONSTITUENT_CONTRIBUTION_PP, c.code)}"
        )
    movers = sorted(result.industries, key=lambda i: -abs(i.contribution_pp))[:top]
    if movers:
        lines.append(
            "- Industries: "
            + "; ".join(
                f"{i.industry} {_signed(i.contribution_pp)} pp ({i.count} stocks, weight {i.weight_pct:.2f}%)"
                for i in movers
            )
            + f" {mark(FactName.INDUSTRY_CONTRIBUTION_PP, movers[0].industry)}"
        )
    if result.top_n_share_pct is not None:
        lines.append(
            f"- The top {result.top_n} contributors explain {result.top_n_share_pct:.1f}% of the index "
            f"move {mark(FactName.TOP_N_SHARE_PCT)}."
        )
    if result.premium_pct is not None:
        lines.append(
            f"- Premium to IOPV {_signed(result.premium_pct)}% (negative = discount) "
            f"{mark(FactName.ETF_PREMIUM_PCT)}."
        )
    if result.units_change is not None and result.period_start is not None:
        pct = f" ({_signed(result.units_change_pct)}%)" if result.units_change_pct is not None else ""
        lines.append(
            f"- Units outstanding changed {result.units_change:+,.0f} 份{pct} since "
            f"{result.period_start.isoformat()} {mark(FactName.ETF_UNITS_CHANGE)}."
        )
    if result.units_change_1d is not None:
        lines.append(
            f"- Units change on the day {result.units_change_1d:+,.0f} 份 {mark(FactName.ETF_UNITS_CHANGE_1D)}."
        )
    if result.suspended:
        lines.append("- Suspended constituents: " + ", ".join(result.suspended) + ".")
    lines += [f"- Warning: {w}" for w in result.warnings]
    lines.append(
        'For every constituent, the losers and all figures, call explain_move again with detail="full".'
    )
    return "\n".join(
        line.replace("  ", " ").rstrip() if not line.startswith("  -") else line.rstrip() for line in lines
    )


__all__ = ["summary"]
