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

import bisect
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from assistant.analysis.figures import Figure
from assistant.errors import NotFoundError

UNCLASSIFIED = "未分类"
"""Canonical industry key for a constituent whose 行业 is unknown (data is Chinese, so the key is too)."""

DEFAULT_TOP_N = 5
DEFAULT_RESIDUAL_THRESHOLD_PP = 0.1
NEAR_ZERO_MOVE_PCT = 0.01
"""Below this absolute index return (%), a "share of the move" is a division by ~0 and is not reported."""
EX_RIGHTS_TOLERANCE_PP = 0.05
"""Close-to-close return vs AKShare 涨跌幅 gap above which the day is flagged (likely ex-rights/dividend)."""

ETF_SOURCE = "fund_etf_hist_em"
INDEX_SOURCE = "stock_zh_index_daily_em"
STOCK_SOURCE = "stock_zh_a_hist"
WEIGHTS_SOURCE = "index_stock_cons_weight_csindex"
CONTRIBUTION_SOURCE = f"{STOCK_SOURCE}+{WEIGHTS_SOURCE}"
RESIDUAL_SOURCE = f"{STOCK_SOURCE}+{WEIGHTS_SOURCE}+{INDEX_SOURCE}"


class LookAheadError(NotFoundError):
    """The weight file is dated after the trade date: using it would leak information from the future."""


# --------------------------------------------------------------------------------------------------
# Small date helpers
# --------------------------------------------------------------------------------------------------


def to_date(value: object) -> dt.date:
    """One date from a str 'YYYY-MM-DD', datetime, Timestamp or date (frames disagree on date dtypes)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return pd.Timestamp(value).date()  # type: ignore[arg-type]


def closes(bars: pd.DataFrame | None) -> pd.Series:
    """Close prices indexed by dt.date, ascending, NaN and non-positive closes dropped.

    Accepts any BAR_COLUMNS frame (only `date` and `close` are read); an empty or missing frame gives an
    empty series, so a stock without bars is handled by the caller as "unpriced" instead of crashing."""
    if bars is None or bars.empty or "close" not in bars.columns:
        return pd.Series([], dtype="float64")
    values = pd.to_numeric(bars["close"], errors="coerce").astype("float64").to_numpy()
    dates = [to_date(d) for d in bars["date"]]
    series = pd.Series(values, index=dates, dtype="float64")
    series = series[series.notna() & (series > 0)]
    series = series[~series.index.duplicated(keep="last")]
    return series.sort_index()


class _Closes:
    """What `closes()` gives, as two sorted lists (dates, closes) for O(log n) lookups: built ~20x faster than the
    Series, which matters for ~100 constituents per explanation. Same rows, same float values."""

    __slots__ = ("dates", "values")

    def __init__(self, bars: pd.DataFrame | None) -> None:
        self.dates: list[dt.date] = []
        self.values: list[float] = []
        if bars is None or bars.empty or "close" not in bars.columns:
            return
        column = bars["close"]
        if column.dtype != "float64":
            column = pd.to_numeric(column, errors="coerce").astype("float64")
        last: dict[dt.date, float] = {}
        for d, v in zip(bars["date"].tolist(), column.tolist(), strict=True):
            day = to_date(d)
            if v > 0:  # drops NaN and non-positive closes; a later valid close of the same date wins
                last[day] = v
        for day in sorted(last):
            self.dates.append(day)
            self.values.append(last[day])

    def on(self, day: dt.date) -> float | None:
        i = bisect.bisect_left(self.dates, day)
        return self.values[i] if i < len(self.dates) and self.dates[i] == day else None

    def on_or_before(self, day: dt.date) -> tuple[dt.date, float] | None:
        i = bisect.bisect_right(self.dates, day) - 1
        return (self.dates[i], self.values[i]) if i >= 0 else None

    def before(self, day: dt.date) -> tuple[dt.date, float] | None:
        i = bisect.bisect_left(self.dates, day) - 1
        return (self.dates[i], self.values[i]) if i >= 0 else None


def close_on_or_before(series: pd.Series, day: dt.date) -> tuple[dt.date, float] | None:
    """The last close dated on or before `day` (the nearest earlier close when `day` has none)."""
    eligible = series[[d <= day for d in series.index]]
    if eligible.empty:
        return None
    return eligible.index[-1], float(eligible.iloc[-1])


def close_before(series: pd.Series, day: dt.date) -> tuple[dt.date, float] | None:
    """The last close strictly before `day`: T-1 for a stock that traded yesterday, else its last close."""
    eligible = series[[d < day for d in series.index]]
    if eligible.empty:
        return None
    return eligible.index[-1], float(eligible.iloc[-1])


# --------------------------------------------------------------------------------------------------
# Rebalance calendar (CSI semi-annual: effective the trading day after the 2nd Friday of June / December)
# --------------------------------------------------------------------------------------------------


def second_friday(year: int, month: int) -> dt.date:
    """The second Friday of a month."""
    first = dt.date(year, month, 1)
    first_friday = first + dt.timedelta(days=(4 - first.weekday()) % 7)
    return first_friday + dt.timedelta(days=7)


def rebalance_effective_date(year: int, month: int, trading_days: Sequence[dt.date] | None = None) -> dt.date:
    """First trading day after the second Friday of `month` (6 or 12).

    With `trading_days` covering that fortnight, the first listed day after the Friday is used (so a holiday
    Monday is skipped); otherwise the next weekday, i.e. the Monday (exchange holidays are unknown then)."""
    friday = second_friday(year, month)
    if trading_days:
        after = sorted(d for d in trading_days if friday < d <= friday + dt.timedelta(days=14))
        if after:
            return after[0]
    return friday + dt.timedelta(days=3)


def latest_rebalance(on_or_before: dt.date, trading_days: Sequence[dt.date] | None = None) -> dt.date:
    """The most recent semi-annual rebalance effective on or before the given date."""
    candidates = [
        rebalance_effective_date(year, month, trading_days)
        for year in (on_or_before.year - 1, on_or_before.year)
        for month in (6, 12)
    ]
    return max(d for d in candidates if d <= on_or_before)


def weights_date_check(
    weights_date: dt.date, trade_date: dt.date, trading_days: Sequence[dt.date] | None = None
) -> str | None:
    """A warning when the weights predate the latest rebalance; LookAheadError when they postdate T."""
    if weights_date > trade_date:
        raise LookAheadError(
            f"The constituent weights are dated {weights_date}, after {trade_date}; using them to explain "
            f"{trade_date} would use information that did not exist yet."
        )
    rebalance = latest_rebalance(trade_date, trading_days)
    if weights_date < rebalance:
        return (
            f"Constituent weights are dated {weights_date}, before the semi-annual rebalance effective "
            f"{rebalance}; the constituent list may be stale."
        )
    return None


# --------------------------------------------------------------------------------------------------
# Daily move of one security (ETF or index)
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DailyMove:
    """Close-to-close move of one security on `date` vs its previous bar (`prev_date`)."""

    subject: str
    date: dt.date
    prev_date: dt.date
    close: float
    prev_close: float
    return_pct: float
    source: str
    reported_pct_change: float | None = None  # the frame's own 涨跌幅 when present, for cross-checks

    def figures(self, kind: str) -> list[Figure]:
        """`kind` is "etf" or "index": figures named {kind}_close, {kind}_prev_close, {kind}_return_pct."""
        note = f"close {self.date} vs previous close {self.prev_date}"
        return [
            Figure(
                f"{kind}_close",
                self.subject,
                self.close,
                "points" if kind == "index" else "元/份",
                self.date,
                self.source,
            ),
            Figure(
                f"{kind}_prev_close",
                self.subject,
                self.prev_close,
                "points" if kind == "index" else "元/份",
                self.prev_date,
                self.source,
            ),
            Figure(f"{kind}_return_pct", self.subject, self.return_pct, "%", self.date, self.source, note),
        ]


def daily_move(bars: pd.DataFrame, date: dt.date, *, subject: str, source: str) -> DailyMove:
    """Return on `date` from the bar on `date` and the previous bar in the same frame.

    Raises NotFoundError when the frame has no bar on `date` or no earlier bar to compare with."""
    series = _Closes(bars)
    on_day = series.on(date)
    if on_day is None:
        raise NotFoundError(f"No {source} bar for {subject} on {date} (not a trading day, or not recorded).")
    prev = series.before(date)
    if prev is None:
        raise NotFoundError(f"No {source} bar for {subject} before {date}, so its daily return is unknown.")
    close = float(on_day)
    reported = _reported_pct_change(bars, date)
    return_pct = (close / prev[1] - 1.0) * 100.0
    return DailyMove(subject, date, prev[0], close, prev[1], return_pct, source, reported)


def _reported_pct_change(bars: pd.DataFrame, date: dt.date) -> float | None:
    """The frame's 涨跌幅 (`pct_change`) on `date`, if the frame has one."""
    if bars is None or bars.empty or "pct_change" not in bars.columns:
        return None
    for d, v in zip(bars["date"].tolist(), bars["pct_change"].tolist(), strict=True):
        if to_date(d) == date and v is not None and not pd.isna(v):
            return float(v)
    return None


def ex_rights_warning(move: DailyMove) -> str | None:
    """Flag a day where close/previous close disagrees with the reported 涨跌幅 (ex-rights, dividend)."""
    if move.reported_pct_change is None:
        return None
    gap = move.return_pct - move.reported_pct_change
    if abs(gap) <= EX_RIGHTS_TOLERANCE_PP:
        return None
    return (
        f"{move.subject} on {move.date}: close-to-close return {move.return_pct:.4f}% differs from the "
        f"reported 涨跌幅 {move.reported_pct_change:.4f}% ({move.source}); likely an ex-rights/dividend day."
    )


# --------------------------------------------------------------------------------------------------
# Constituent attribution
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConstituentMove:
    """One constituent's drifted weight, return and contribution on the trade date.

    `return_pct` is None when the stock did not trade on T (`suspended`) or has no usable prices (not
    `priced`); both contribute 0. `weight_drifted_pct` is None for an unpriced constituent (it is left out
    of the renormalisation)."""

    code: str
    name: str
    industry: str  # UNCLASSIFIED when unknown
    weight_file_pct: float
    weight_drifted_pct: float | None
    return_pct: float | None
    contribution_pp: float
    suspended: bool
    priced: bool = True
    base_close: float | None = None  # P_i(d), or the nearest earlier close
    base_close_date: dt.date | None = None
    prev_close: float | None = None  # last close before T
    prev_close_date: dt.date | None = None
    close: float | None = None  # close on T
    note: str | None = None


@dataclass(frozen=True)
class IndustryMove:
    """Sum over the constituents of one industry."""

    industry: str
    weight_drifted_pct: float
    contribution_pp: float
    count: int

    @property
    def return_pct(self) -> float | None:
        """Weight-averaged return of the industry's constituents (contribution / weight)."""
        if self.weight_drifted_pct == 0:
            return None
        return self.contribution_pp / self.weight_drifted_pct * 100.0


@dataclass(frozen=True)
class Attribution:
    """The index move on `trade_date` decomposed over constituents (pp of index return)."""

    index: str
    trade_date: dt.date
    weights_date: dt.date
    index_return_pct: float | None
    constituents: tuple[ConstituentMove, ...]  # in weight-file order (weight descending)
    industries: tuple[IndustryMove, ...]  # by contribution descending
    contribution_sum_pp: float
    residual_pp: float | None  # index_return_pct - contribution_sum_pp
    top_n: int
    top_contributors: tuple[ConstituentMove, ...]  # largest contributions first
    bottom_contributors: tuple[ConstituentMove, ...]  # most negative contributions first
    top_gainers: tuple[ConstituentMove, ...]  # by return, traded only
    top_losers: tuple[ConstituentMove, ...]
    drivers: tuple[ConstituentMove, ...]  # top N in the direction of the index move
    top_n_share_pct: float | None  # Σ drivers' contributions / index return × 100
    suspended: tuple[str, ...]
    unpriced: tuple[str, ...]
    warnings: tuple[str, ...]
    notes: tuple[str, ...]

    def figures(self) -> list[Figure]:
        """Every number of the attribution as a Figure (unrounded)."""
        t = self.trade_date
        drift_note = f"weights dated {self.weights_date}, drifted by price to the close before {t}"
        out: list[Figure] = []
        for c in self.constituents:
            if not c.priced:
                continue
            out.append(
                Figure(
                    "constituent_weight_pct",
                    c.code,
                    c.weight_drifted_pct or 0.0,
                    "%",
                    t,
                    CONTRIBUTION_SOURCE,
                    drift_note,
                )
            )
            out.append(
                Figure(
                    "constituent_weight_file_pct",
                    c.code,
                    c.weight_file_pct,
                    "%",
                    self.weights_date,
                    WEIGHTS_SOURCE,
                )
            )
            if c.return_pct is not None:
                out.append(
                    Figure(
                        "constituent_return_pct",
                        c.code,
                        c.return_pct,
                        "%",
                        t,
                        STOCK_SOURCE,
                        f"close {t} vs previous close {c.prev_close_date}",
                    )
                )
            out.append(
                Figure(
                    "constituent_contribution_pp",
                    c.code,
                    c.contribution_pp,
                    "pp",
                    t,
                    CONTRIBUTION_SOURCE,
                    "suspended on this day: contributes 0" if c.suspended else None,
                )
            )
        for ind in self.industries:
            out.append(
                Figure(
                    "industry_contribution_pp",
                    ind.industry,
                    ind.contribution_pp,
                    "pp",
                    t,
                    CONTRIBUTION_SOURCE + "+stock_individual_info_em",
                )
            )
            out.append(
                Figure(
                    "industry_weight_pct",
                    ind.industry,
                    ind.weight_drifted_pct,
                    "%",
                    t,
                    CONTRIBUTION_SOURCE + "+stock_individual_info_em",
                    drift_note,
                )
            )
        out.append(
            Figure(
                "contribution_sum_pp",
                self.index,
                self.contribution_sum_pp,
                "pp",
                t,
                CONTRIBUTION_SOURCE,
                f"sum over {len(self.constituents)} constituents",
            )
        )
        if self.residual_pp is not None:
            out.append(
                Figure(
                    "attribution_residual_pp",
                    self.index,
                    self.residual_pp,
                    "pp",
                    t,
                    RESIDUAL_SOURCE,
                    "index return minus the sum of contributions",
                )
            )
        if self.top_n_share_pct is not None:
            codes = ",".join(c.code for c in self.drivers)
            out.append(
                Figure(
                    "top_n_share_pct",
                    self.index,
                    self.top_n_share_pct,
                    "%",
                    t,
                    RESIDUAL_SOURCE,
                    f"top {self.top_n} contributors in the direction of the move ({codes}) "
                    "as a share of the index return",
                )
            )
        return out


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
