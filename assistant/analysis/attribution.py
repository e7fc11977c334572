"""Attribution of an index's daily move to its constituents, industries and top movers. Pure: no I/O.

Why it is built this way:
- The CSIndex weight file carries its own date `d` (usually weeks before the trade date `T`). Weights move
  with prices between rebalances, so each weight is drifted by the constituent's own price from `d` to the
  close before `T`: w_i(T-1) ∝ w_i(d) × P_i(T-1) / P_i(d), renormalised to 100 over the priced constituents.
- contribution_i (pp) = w_i(T-1)/100 × r_i × 100 = w_i(T-1) × r_i with r_i = close_T / close_before_T - 1.
  Their sum is compared with the index's own return; the gap (`residual`) is always reported and becomes a
  warning above a threshold, because an unexplained gap is a data problem, never something to hide.
- Values are never rounded here; rounding is a presentation concern.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from assistant.analysis.attribution_result import UNCLASSIFIED, Attribution, ConstituentMove, IndustryMove
from assistant.analysis.daily_move import (
    EX_RIGHTS_TOLERANCE_PP,
    DailyMove,
    _reported_pct_change,
    daily_move,
    ex_rights_warning,
)
from assistant.analysis.prices import (
    CONTRIBUTION_SOURCE,
    ETF_SOURCE,
    INDEX_SOURCE,
    RESIDUAL_SOURCE,
    STOCK_SOURCE,
    WEIGHTS_SOURCE,
    _Closes,
    close_before,
    close_on_or_before,
    closes,
    to_date,
)
from assistant.analysis.rebalance import (
    LookAheadError,
    latest_rebalance,
    rebalance_effective_date,
    second_friday,
    weights_date_check,
)
from assistant.errors import NotFoundError

DEFAULT_TOP_N = 5
DEFAULT_RESIDUAL_THRESHOLD_PP = 0.1
NEAR_ZERO_MOVE_PCT = 0.01
"""Below this absolute index return (%), a "share of the move" is a division by ~0 and is not reported."""


def attribute_index_move(
    weights: pd.DataFrame,
    stock_bars: Mapping[str, pd.DataFrame],
    trade_date: dt.date,
    index_return_pct: float | None,
    *,
    index: str | None = None,
    industries: Mapping[str, str | None] | None = None,
    top_n: int = DEFAULT_TOP_N,
    residual_threshold_pp: float = DEFAULT_RESIDUAL_THRESHOLD_PP,
    trading_days: Sequence[dt.date] | None = None,
) -> Attribution:
    """Decompose the index move on `trade_date` over the constituents of a CSIndex weight file.

    `weights`: WEIGHT_COLUMNS (date, code, name, weight in %); one 日期 for all rows.
    `stock_bars`: code -> BAR_COLUMNS frame covering at least the weights' date (or an earlier close) to T.
    `index_return_pct`: the index's actual return on T (for the residual and the top-N share); None skips
    both. Raises LookAheadError when the weights are dated after `trade_date`."""
    weights_date = _weights_date(weights)
    warnings: list[str] = []
    notes: list[str] = []
    stale = weights_date_check(weights_date, trade_date, trading_days)
    if stale:
        warnings.append(stale)
    index_code = index or _index_code(weights)
    industries = industries or {}

    priced = [
        _price_constituent(row, stock_bars.get(str(row["code"])), weights_date, trade_date)
        for row in _weight_rows(weights)
    ]
    moves = _drift_and_contribute(priced, industries)
    warnings.extend(_constituent_warnings(moves, stock_bars, trade_date))

    contribution_sum = math.fsum(c.contribution_pp for c in moves)
    residual = None if index_return_pct is None else index_return_pct - contribution_sum
    if residual is not None and abs(residual) > residual_threshold_pp:
        warnings.append(
            f"Constituent contributions sum to {contribution_sum:.4f} pp but the index returned "
            f"{index_return_pct:.4f}% on {trade_date}: residual {residual:.4f} pp exceeds "
            f"{residual_threshold_pp} pp (weights, prices or constituent list may be off)."
        )
    drivers, share, share_note = _top_n_share(moves, index_return_pct, top_n)
    if share_note:
        notes.append(share_note)
    traded = [c for c in moves if c.return_pct is not None]
    by_contribution = sorted((c for c in moves if c.priced), key=lambda c: (-c.contribution_pp, c.code))
    return Attribution(
        index=index_code,
        trade_date=trade_date,
        weights_date=weights_date,
        index_return_pct=index_return_pct,
        constituents=tuple(moves),
        industries=tuple(industry_contributions(moves)),
        contribution_sum_pp=contribution_sum,
        residual_pp=residual,
        top_n=top_n,
        top_contributors=tuple(by_contribution[:top_n]),
        bottom_contributors=tuple(sorted(by_contribution, key=lambda c: (c.contribution_pp, c.code))[:top_n]),
        top_gainers=tuple(sorted(traded, key=lambda c: (-(c.return_pct or 0.0), c.code))[:top_n]),
        top_losers=tuple(sorted(traded, key=lambda c: ((c.return_pct or 0.0), c.code))[:top_n]),
        drivers=tuple(drivers),
        top_n_share_pct=share,
        suspended=tuple(c.code for c in moves if c.suspended),
        unpriced=tuple(c.code for c in moves if not c.priced),
        warnings=tuple(warnings),
        notes=tuple(notes),
    )


def _weights_date(weights: pd.DataFrame) -> dt.date:
    """The weight file's own 日期; a file mixing dates is ambiguous and is refused."""
    if weights is None or weights.empty:
        raise NotFoundError("The constituent weight file is empty; the move cannot be attributed.")
    dates = {to_date(d) for d in weights["date"]}
    if len(dates) != 1:
        raise NotFoundError(
            f"The constituent weight file mixes dates {sorted(dates)}; expected one 日期 for all rows."
        )
    return dates.pop()


def _index_code(weights: pd.DataFrame) -> str:
    if "index_code" in weights.columns and len(weights):
        return str(weights["index_code"].iloc[0])
    return ""


def _weight_rows(weights: pd.DataFrame) -> list[dict[str, object]]:
    """Plain rows (code, name, weight) in file order; duplicates of a code are refused."""
    rows = []
    for code, name, weight in zip(
        weights["code"], weights.get("name", weights["code"]), weights["weight"], strict=True
    ):
        rows.append(
            {
                "code": str(code),
                "name": "" if name is None or pd.isna(name) else str(name),
                "weight": float(weight),
            }
        )
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        raise NotFoundError("The constituent weight file lists a stock code more than once.")
    return rows


@dataclass(frozen=True)
class _Priced:
    """Prices gathered for one constituent before drifting."""

    code: str
    name: str
    weight_file_pct: float
    base: tuple[dt.date, float] | None
    prev: tuple[dt.date, float] | None
    close: float | None  # on T, None when suspended
    note: str | None


def _price_constituent(
    row: Mapping[str, object], bars: pd.DataFrame | None, weights_date: dt.date, trade_date: dt.date
) -> _Priced:
    """P_i(d) (or nearest earlier close), last close before T, and close on T for one constituent."""
    series = _Closes(bars)
    base = series.on_or_before(weights_date)
    prev = series.before(trade_date)
    close = series.on(trade_date)
    notes = []
    if base is None:
        notes.append(f"no close on or before the weights date {weights_date}")
    elif base[0] != weights_date:
        notes.append(f"no close on the weights date {weights_date}; used {base[0]}")
    if prev is None:
        notes.append(f"no close before {trade_date}")
    weight = float(row["weight"])  # type: ignore[arg-type]
    return _Priced(str(row["code"]), str(row["name"]), weight, base, prev, close, "; ".join(notes) or None)


def _drift_and_contribute(
    priced: Sequence[_Priced], industries: Mapping[str, str | None]
) -> list[ConstituentMove]:
    """Drift weights to T-1 (renormalised over priced constituents) and compute contributions."""
    raw = {
        p.code: p.weight_file_pct * p.prev[1] / p.base[1]
        for p in priced
        if p.base is not None and p.prev is not None
    }
    total = math.fsum(raw.values())
    moves = []
    for p in priced:
        industry = industries.get(p.code) or UNCLASSIFIED
        if p.code not in raw or total <= 0:
            moves.append(
                ConstituentMove(
                    p.code,
                    p.name,
                    industry,
                    p.weight_file_pct,
                    None,
                    None,
                    0.0,
                    suspended=False,
                    priced=False,
                    note=p.note,
                )
            )
            continue
        assert p.base is not None and p.prev is not None
        weight = raw[p.code] / total * 100.0
        suspended = p.close is None
        ret = None if suspended else p.close / p.prev[1] - 1.0  # type: ignore[operator]
        moves.append(
            ConstituentMove(
                p.code,
                p.name,
                industry,
                p.weight_file_pct,
                weight,
                None if ret is None else ret * 100.0,
                0.0 if ret is None else weight * ret,  # = w/100 × r × 100 pp
                suspended=suspended,
                priced=True,
                base_close=p.base[1],
                base_close_date=p.base[0],
                prev_close=p.prev[1],
                prev_close_date=p.prev[0],
                close=p.close,
                note=p.note,
            )
        )
    return moves


def _constituent_warnings(
    moves: Sequence[ConstituentMove], stock_bars: Mapping[str, pd.DataFrame], trade_date: dt.date
) -> list[str]:
    """Unpriced and suspended constituents, and ex-rights days, stated rather than silently absorbed."""
    out = []
    unpriced = [c for c in moves if not c.priced]
    if unpriced:
        share = math.fsum(c.weight_file_pct for c in unpriced)
        out.append(
            f"{len(unpriced)} constituent(s) lack the prices needed for attribution and contribute 0 "
            f"({share:.4f}% of file weight): " + ", ".join(f"{c.code} ({c.note})" for c in unpriced)
        )
    suspended = [c.code for c in moves if c.suspended]
    if suspended:
        out.append(f"No bar on {trade_date} (suspended?) for {', '.join(suspended)}: counted as 0 return.")
    for c in moves:
        if c.priced and not c.suspended and c.return_pct is not None:
            bars = stock_bars.get(c.code)
            reported = _reported_pct_change(bars, trade_date) if bars is not None else None
            move = DailyMove(
                c.code,
                trade_date,
                c.prev_close_date or trade_date,
                c.close or 0.0,
                c.prev_close or 0.0,
                c.return_pct,
                STOCK_SOURCE,
                reported,
            )
            warning = ex_rights_warning(move)
            if warning:
                out.append(warning)
    return out


def industry_contributions(moves: Sequence[ConstituentMove]) -> list[IndustryMove]:
    """Contribution and drifted weight summed by industry (UNCLASSIFIED for unknown), largest first."""
    groups: dict[str, list[ConstituentMove]] = {}
    for c in moves:
        if c.priced:
            groups.setdefault(c.industry, []).append(c)
    result = [
        IndustryMove(
            name,
            math.fsum(c.weight_drifted_pct or 0.0 for c in members),
            math.fsum(c.contribution_pp for c in members),
            len(members),
        )
        for name, members in groups.items()
    ]
    return sorted(result, key=lambda m: (-m.contribution_pp, m.industry))


def _top_n_share(
    moves: Sequence[ConstituentMove], index_return_pct: float | None, top_n: int
) -> tuple[list[ConstituentMove], float | None, str | None]:
    """Top-N contributors in the direction of the index move, and their share of it (%).

    The share is None (with a note) when the index return is unknown or within NEAR_ZERO_MOVE_PCT of 0,
    where a ratio would be a division by ~0 and say nothing."""
    priced = [c for c in moves if c.priced]
    if index_return_pct is None:
        return (
            sorted(priced, key=lambda c: (-c.contribution_pp, c.code))[:top_n],
            None,
            "Index return unknown: share of the move explained by the top contributors not computed.",
        )
    sign = -1.0 if index_return_pct < 0 else 1.0
    drivers = sorted(priced, key=lambda c: (-sign * c.contribution_pp, c.code))[:top_n]
    if abs(index_return_pct) < NEAR_ZERO_MOVE_PCT:
        return (
            drivers,
            None,
            (
                f"Index return {index_return_pct:.4f}% is within {NEAR_ZERO_MOVE_PCT}% of zero: the share of the "
                "move explained by the top contributors is not meaningful and is not reported."
            ),
        )
    share = math.fsum(c.contribution_pp for c in drivers) / index_return_pct * 100.0
    return drivers, share, None


__all__ = [
    "CONTRIBUTION_SOURCE",
    "DEFAULT_RESIDUAL_THRESHOLD_PP",
    "DEFAULT_TOP_N",
    "ETF_SOURCE",
    "EX_RIGHTS_TOLERANCE_PP",
    "INDEX_SOURCE",
    "NEAR_ZERO_MOVE_PCT",
    "RESIDUAL_SOURCE",
    "STOCK_SOURCE",
    "UNCLASSIFIED",
    "WEIGHTS_SOURCE",
    "Attribution",
    "ConstituentMove",
    "DailyMove",
    "IndustryMove",
    "LookAheadError",
    "_Closes",
    "attribute_index_move",
    "close_before",
    "close_on_or_before",
    "closes",
    "daily_move",
    "ex_rights_warning",
    "industry_contributions",
    "latest_rebalance",
    "rebalance_effective_date",
    "second_friday",
    "to_date",
    "weights_date_check",
]
