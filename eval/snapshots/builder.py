"""Build complete, internally consistent ``market-snapshot/1`` folders from a description.

Why this exists: the assistant's numbers must be *provable* from the frames, so test and
sample snapshots must obey the arithmetic the analysis layer relies on. A hand-typed CSV
drifts (an index return that no constituent explains, a 涨跌幅 that disagrees with the
closes). Here everything is derived from one simulation:

* constituent closes are rounded to 0.01 yuan and every 涨跌幅 is recomputed from them;
  limit-up closes use the exchange rule (prev close × 1.1 or 1.2, rounded half-up);
* the index return on each day is Σ drifted weight × constituent return, where the weights
  are the CSI weights on the weights date drifted by price
  (w_i,t-1 ∝ W_i × P_i,t-1 / P_i,weights_date). The same identity is used backwards before
  the weights date, so the whole path is a fixed-share cap-weighted index. The only
  residual an attribution can find is the 0.01-point rounding of the published index close
  (and, if a rebalance took effect after the weights date, the stale basket, on purpose);
* the ETF NAV follows the index with a small tracking difference, its close is the NAV with
  a small premium rounded to 0.001, and the spot row's IOPV/基金折价率 are derived from them;
* units come from a plan, so that monthly scale/unit changes are exact by construction.

All randomness comes from ``numpy.random.default_rng(scenario.seed)`` drawn in a fixed
order, so the same scenario writes the same bytes.

Frames are written with AKShare 1.19.5's exact column names (read from the installed
package's source), UTF-8, dates as YYYY-MM-DD, codes as 6-digit strings.

Only pandas/numpy are needed; nothing from the ``assistant`` package is imported, so these
fixtures stay an independent check on the analysis code.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

FORMAT = "market-snapshot/1"
AKSHARE_VERSION = "1.19.5"

#: Exchange holidays (weekdays without trading) this generator knows about. Weekends are
#: always closed. Only the span used by the shipped scenarios (Oct 2025 - Jan 2026) is
#: covered: National Day 2025-10-01..08 and New Year 2026-01-01/02. December 2025 has no
#: weekday holidays.
HOLIDAYS: frozenset[date] = frozenset(
    [date(2025, 10, d) for d in range(1, 9)] + [date(2026, 1, 1), date(2026, 1, 2)]
)
KNOWN_CALENDAR = (date(2025, 10, 1), date(2026, 2, 13))


def trading_days(start: date, end: date) -> list[date]:
    """A-share trading days in [start, end] (weekdays minus :data:`HOLIDAYS`)."""
    if start < KNOWN_CALENDAR[0] or end > KNOWN_CALENDAR[1]:
        raise ValueError(f"calendar only known for {KNOWN_CALENDAR[0]}..{KNOWN_CALENDAR[1]}")
    out, d = [], start
    while d <= end:
        if d.weekday() < 5 and d not in HOLIDAYS:
            out.append(d)
        d += timedelta(days=1)
    return out


def round_half_up(x: float, places: int = 2) -> float:
    """Round like the exchanges do (half up), not like Python's round-half-even."""
    q = Decimal(1).scaleb(-places)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def pct_change(close: float, prev: float) -> float:
    """AKShare/EM 涨跌幅: percent, two decimals."""
    return round((close / prev - 1.0) * 100.0, 2)


def limit_ratio(code: str) -> float:
    """Daily price limit: 20% on ChiNext (300/301) and STAR (688/689), else 10%."""
    return 0.2 if code.startswith(("300", "301", "688", "689")) else 0.1


def limit_price(prev: float, code: str, up: bool = True) -> float:
    r = limit_ratio(code)
    return round_half_up(prev * (1 + r if up else 1 - r), 2)


def exchange_of(code: str) -> tuple[str, str]:
    """(交易所, 交易所英文名称) as in CSI weight files."""
    if code.startswith(("6", "5", "9")):
        return "上海证券交易所", "Shanghai Stock Exchange"
    return "深圳证券交易所", "Shenzhen Stock Exchange"


# --------------------------------------------------------------------------- description


@dataclass(frozen=True)
class Move:
    """A scripted move of one constituent on one day.

    kind ``ret``: close = prev × (1 + pct/100) rounded to 0.01 (not touched by calibration).
    kind ``limit_up`` / ``limit_down``: close = the limit price; if ``pct`` is given, the
    previous close is chosen (near its simulated value) so that the rounded 涨跌幅 equals it
    exactly, e.g. 10.00 or 9.99 (only for days after the weights date).
    kind ``suspended``: no bar that day (the stock_zh_a_hist frame lacks the row); price
    unchanged, so it contributes 0 to the index.
    """

    kind: Literal["ret", "limit_up", "limit_down", "suspended"]
    pct: float | None = None


@dataclass(frozen=True)
class Constituent:
    """One index member. ``weight`` is the CSI weight (%) on the weights date and
    ``price`` its close on that date; ``industry`` is an EM 行业 board name."""

    code: str
    name: str
    name_en: str
    industry: str
    weight: float
    price: float
    moves: Mapping[date, Move] = field(default_factory=dict)
    float_ratio: float = 0.85
    listed: str = ""  # 上市时间 YYYYMMDD, "" if unknown
    beta: float = 1.0


@dataclass(frozen=True)
class Rebalance:
    """A rebalance that took effect after the weights date: from ``effective`` on, the true
    index drops ``removed`` and adds ``added`` (each ``weight`` = its % of the new basket at
    the previous close). The weight file keeps the old basket, so attribution from it leaves
    a visible residual: that is the point of the scenario."""

    effective: date
    removed: tuple[str, ...]
    added: tuple[Constituent, ...]


@dataclass(frozen=True)
class UnitsPlan:
    """ETF units outstanding. Frames are written for every trading day in [start, T].

    If ``scale_change_yuan`` is given, units on ``start`` are solved so that
    units_T × close_T − units_start × close_start equals it (scale = units × close).
    """

    start: date
    units_change: int
    scale_change_yuan: float | None = None
    start_units: int | None = None
    step: int = 100


@dataclass(frozen=True)
class Scenario:
    """Everything needed to write one snapshot (one ETF tracking one index)."""

    seed: int
    trade_date: date
    as_of: str  # ISO 8601 with +08:00
    origin: Literal["sample", "synthetic", "recorded"]
    etf_code: str
    etf_name: str  # fund_etf_spot_em 名称
    etf_full_name: str
    etf_short_name: str  # fund_overview_em 基金简称 / exchange short name
    index_code: str
    index_name: str
    index_name_en: str
    index_short_name: str  # CSI 指数名称 in weight files (short name)
    weights_date: date
    start: date  # first bar date written
    constituents: tuple[Constituent, ...]
    index_close_on_weights_date: float
    etf_nav_on_weights_date: float
    units: UnitsPlan
    index_returns: Mapping[date, float] = field(default_factory=dict)  # target %, others drawn
    index_drift_pct: float = 0.03
    index_vol_pct: float = 0.9
    etf_returns: Mapping[date, float] = field(default_factory=dict)  # exact rounded 涨跌幅 %
    etf_tracking_sd_pct: float = 0.02
    etf_premium_sd_pct: float = 0.05
    rebalance: Rebalance | None = None
    fund_overview: Mapping[str, str] = field(default_factory=dict)
    sse_etf_type: str = "跨市场股票ETF"  # SSE scale file ETF类型 (label not verified live)
    news: Sequence[Mapping[str, Any]] = ()
    documents: Mapping[str, str] = field(default_factory=dict)  # file name -> text
    stock_news: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)

    @property
    def exchange(self) -> Literal["SSE", "SZSE"]:
        return "SSE" if self.etf_code.startswith("5") else "SZSE"


# --------------------------------------------------------------------------- simulation


@dataclass
class SimulatedMarket:
    """Closes and bars produced by :func:`simulate` (all dicts keyed by date)."""

    days: list[date]  # hidden day 0 + every written trading day
    close: dict[str, dict[date, float]]  # constituent closes (incl. suspended days)
    bars: dict[str, pd.DataFrame]  # stock_zh_a_hist frames
    index_level: dict[date, float]  # unrounded
    index_bars: pd.DataFrame
    etf_nav: dict[date, float]
    etf_close: dict[date, float]
    etf_bars: pd.DataFrame
    units: dict[date, int]
    index_members: dict[date, list[str]]  # true basket used for each day's return
    weights_used: dict[date, dict[str, float]]  # drifted weights (fractions) behind day's return


def _members_for(sc: Scenario, d: date) -> list[Constituent]:
    base = list(sc.constituents)
    if sc.rebalance and d >= sc.rebalance.effective:
        base = [c for c in base if c.code not in sc.rebalance.removed] + list(sc.rebalance.added)
    return base


def _scripted_returns(
    members: list[str],
    all_cons: dict[str, Constituent],
    day: date,
    limit_return: Callable[[str, Move], float] | None = None,
) -> dict[str, float]:
    """Returns fixed by the constituents' scripted moves on `day`; the rest are solved for by the caller.

    Limit moves need `limit_return` (their prior close is only known walking forward from the weights date)."""
    fixed: dict[str, float] = {}
    for c in members:
        mv = all_cons[c].moves.get(day)
        if mv is None:
            continue
        if mv.kind == "suspended":
            fixed[c] = 0.0
        elif mv.kind == "ret":
            fixed[c] = (mv.pct or 0.0) / 100.0
        elif limit_return is None:
            raise ValueError("limit moves are only supported after the weights date")
        else:
            fixed[c] = limit_return(c, mv)
    return fixed


def simulate(sc: Scenario) -> SimulatedMarket:
    """Run the deterministic simulation; see the module docstring for the identities."""
    rng = np.random.default_rng(sc.seed)
    T, wd = sc.trade_date, sc.weights_date
    written = trading_days(sc.start, T)
    if wd not in written:
        raise ValueError("weights date must be a trading day inside the written bars")
    prior = [x for x in trading_days(sc.start - timedelta(days=10), sc.start) if x < written[0]]
    days = [prior[-1], *written]  # hidden day 0 gives the first bar its prev close
    idx_wd = days.index(wd)
    all_cons: dict[str, Constituent] = {c.code: c for c in sc.constituents}
    if sc.rebalance:
        for c in sc.rebalance.added:
            all_cons[c.code] = c
    codes = sorted(all_cons)
    industries = sorted({c.industry for c in all_cons.values()})

    # Random draws in a fixed order: index targets, industry factors, idiosyncratic noise.
    targets = {}
    for d in days[1:]:
        draw = rng.normal(sc.index_drift_pct, sc.index_vol_pct)
        targets[d] = sc.index_returns.get(d, float(np.clip(draw, -3.0, 3.0))) / 100.0
    ind_f = {(i, d): rng.normal(0, 0.006) for d in days[1:] for i in industries}
    noise = {(c, d): rng.normal(0, 0.012) for d in days[1:] for c in codes}

    close: dict[str, dict[date, float]] = {c: {} for c in codes}
    for c in codes:
        close[c][wd] = all_cons[c].price

    def base_ret(c: str, d: date) -> float:
        k = all_cons[c]
        return k.beta * targets[d] + ind_f[(k.industry, d)] + noise[(c, d)]

    def clip_ret(c: str, r: float) -> float:
        lim = min(limit_ratio(c), 0.1) - 0.025
        return float(np.clip(r, -lim, lim))

    weights_used: dict[date, dict[str, float]] = {}
    index_members: dict[date, list[str]] = {}

    # ---- backwards from the weights date: P_{t-1} = P_t / (1 + r_t)
    W0 = {c.code: c.weight / 100.0 for c in sc.constituents}
    for j in range(idx_wd, 0, -1):
        d, dprev = days[j], days[j - 1]
        members = [c.code for c in sc.constituents]
        fixed = _scripted_returns(members, all_cons, d)
        free = [c for c in members if c not in fixed]
        delta = 0.0
        for _ in range(6):
            prev = {}
            for c in members:
                r = fixed[c] if c in fixed else clip_ret(c, base_ret(c, d) + delta)
                p = close[c][d] if r == 0.0 and c in fixed else round_half_up(close[c][d] / (1 + r), 2)
                prev[c] = max(p, 0.01)
            raw = {c: W0[c] * prev[c] / close[c][wd] for c in members}
            tot = sum(raw.values())
            w = {c: raw[c] / tot for c in members}
            R = sum(w[c] * (close[c][d] / prev[c] - 1) for c in members)
            err = targets[d] - R
            if abs(err) < 2e-6:
                break
            delta += err / max(sum(w[c] for c in free), 1e-9)
        for c in members:
            close[c][dprev] = prev[c]
        for c in codes:  # names added by a later rebalance trade before it too
            if c not in prev:
                close[c][dprev] = max(round_half_up(close[c][d] / (1 + clip_ret(c, base_ret(c, d))), 2), 0.01)
        weights_used[d] = w
        index_members[d] = members

    # ---- forwards from the weights date
    shares_cache: dict[str, float] = {}
    for j in range(idx_wd + 1, len(days)):
        d, dprev = days[j], days[j - 1]
        members_c = _members_for(sc, d)
        members = [c.code for c in members_c]
        if sc.rebalance and d == sc.rebalance.effective:
            # New basket: kept names keep their drifted value, added names get their weight.
            kept = [c for c in members if c in W0 or c in shares_cache]
            raw_kept = {c: W0[c] * close[c][dprev] / close[c][wd] for c in kept if c in W0}
            tot = sum(raw_kept.values())
            add_w = {c.code: c.weight / 100.0 for c in sc.rebalance.added}
            scale = (1 - sum(add_w.values())) / tot
            for c in raw_kept:
                shares_cache[c] = raw_kept[c] * scale / close[c][dprev]
            for c, wv in add_w.items():
                shares_cache[c] = wv / close[c][dprev]

        # Pins: a limit move tomorrow with an exact rounded 涨跌幅 fixes today's close.
        pinned: dict[str, float] = {}
        if j + 1 < len(days):
            dnext = days[j + 1]
            for c in members:
                mv = all_cons[c].moves.get(dnext)
                if mv and mv.kind in ("limit_up", "limit_down") and mv.pct is not None:
                    pinned[c] = float("nan")  # decided below from the natural close

        fixed = _scripted_returns(
            members,
            all_cons,
            d,
            lambda c, mv, dprev=dprev: (
                limit_price(close[c][dprev], c, up=mv.kind == "limit_up") / close[c][dprev] - 1
            ),
        )
        # Weights at the previous close: drifted from the rebalanced basket's shares, or from W0.
        if shares_cache and sc.rebalance and d >= sc.rebalance.effective:
            raw_prev = {c: shares_cache[c] * close[c][dprev] for c in members}
        else:
            raw_prev = {c: W0[c] * close[c][dprev] / close[c][wd] for c in members}
        tot_prev = sum(raw_prev.values())
        w = {c: raw_prev[c] / tot_prev for c in members}
        free = [c for c in members if c not in fixed and c not in pinned]
        # Natural closes for pinned names, then the nearest price meeting the exact pct.
        for c in pinned:
            natural = round_half_up(close[c][dprev] * (1 + clip_ret(c, base_ret(c, d))), 2)
            want = all_cons[c].moves[days[j + 1]]
            up = want.kind == "limit_up"
            best = None
            for k in range(400):
                for sgn in (1, -1):
                    p = round(natural + sgn * k * 0.01, 2)
                    if p <= 0:
                        continue
                    if pct_change(limit_price(p, c, up), p) == want.pct:
                        best = p
                        break
                if best is not None:
                    break
            if best is None:
                raise ValueError(f"no previous close gives {want.pct}% limit move for {c}")
            pinned[c] = best
        delta = 0.0
        for _ in range(6):
            new = {}
            for c in members:
                if c in pinned:
                    new[c] = pinned[c]
                elif c in fixed:
                    new[c] = (
                        close[c][dprev]
                        if fixed[c] == 0.0
                        else round_half_up(close[c][dprev] * (1 + fixed[c]), 2)
                    )
                    mv = all_cons[c].moves.get(d)
                    if mv and mv.kind in ("limit_up", "limit_down"):
                        new[c] = limit_price(close[c][dprev], c, up=mv.kind == "limit_up")
                else:
                    new[c] = max(
                        round_half_up(close[c][dprev] * (1 + clip_ret(c, base_ret(c, d) + delta)), 2), 0.01
                    )
            R = sum(w[c] * (new[c] / close[c][dprev] - 1) for c in members)
            err = targets[d] - R
            if abs(err) < 2e-6:
                break
            delta += err / max(sum(w[c] for c in free), 1e-9)
        for c in members:
            close[c][d] = new[c]
        # Stocks that left the basket keep trading (bars still exist), just off-index.
        for c in codes:
            if d not in close[c]:
                close[c][d] = max(round_half_up(close[c][dprev] * (1 + clip_ret(c, base_ret(c, d))), 2), 0.01)
        weights_used[d] = w
        index_members[d] = members

    # ---- index level: exact R_t chained from the weights-date anchor
    level: dict[date, float] = {wd: sc.index_close_on_weights_date}
    realized = {
        d: sum(weights_used[d][c] * (close[c][d] / close[c][days[j - 1]] - 1) for c in weights_used[d])
        for j, d in enumerate(days)
        if j > 0
    }
    for j in range(idx_wd, 0, -1):
        level[days[j - 1]] = level[days[j]] / (1 + realized[days[j]])
    for j in range(idx_wd + 1, len(days)):
        level[days[j]] = level[days[j - 1]] * (1 + realized[days[j]])

    bars = {c: _stock_bars(c, all_cons[c], days, close[c], rng) for c in codes}

    # ---- ETF NAV and close
    te = {d: rng.normal(0, sc.etf_tracking_sd_pct / 100) for d in days[1:]}
    prem = {d: rng.normal(0, sc.etf_premium_sd_pct / 100) for d in days}
    nav: dict[date, float] = {wd: sc.etf_nav_on_weights_date}
    for j in range(idx_wd, 0, -1):
        nav[days[j - 1]] = nav[days[j]] / (1 + realized[days[j]] + te[days[j]])
    for j in range(idx_wd + 1, len(days)):
        nav[days[j]] = nav[days[j - 1]] * (1 + realized[days[j]] + te[days[j]])
    # An exact rounded ETF return is only reachable from some price bands (a 0.001 tick is
    # ~0.07% of a 1.4-yuan ETF), so rescale the whole NAV path by a few basis points until
    # every target needs at most a couple of ticks of premium; NAV and closes stay coherent.
    found = None
    for ticks in (0, 1, 2):
        for step in range(1001):  # scale within ±5%
            s = 1 + (step // 2 + 1) * 0.0001 * (1 if step % 2 else -1) if step else 1.0
            trial = {d: round_half_up(nav[d] * s * (1 + prem[d]), 3) for d in days}
            try:
                for d, target in sorted(sc.etf_returns.items()):
                    _force_etf_return(trial, days, d, target, max_ticks=ticks)
            except ValueError:
                continue
            found = (s, trial)
            break
        if found:
            break
    if found is None:
        raise ValueError("cannot reach the requested ETF returns")
    nav = {d: v * found[0] for d, v in nav.items()}
    etf_close = found[1]

    units = _units(sc, days, etf_close, rng)
    etf_bars = _etf_bars(days, etf_close, units, rng)
    index_bars = _index_bars(days, level, bars, index_members, rng)
    return SimulatedMarket(
        days, close, bars, level, index_bars, nav, etf_close, etf_bars, units, index_members, weights_used
    )


def _force_etf_return(
    etf_close: dict[date, float], days: list[date], d: date, target: float, max_ticks: int = 60
) -> None:
    """Move the ETF close on ``d`` (and if needed on the day before, by a few ticks) so that
    the rounded 涨跌幅 equals ``target`` exactly; returns within 0.01 pp need both ends."""
    j = days.index(d)
    prev0, cur0 = etf_close[days[j - 1]], etf_close[d]
    for k in range(max_ticks + 1):
        for sgn in (1, -1):
            prev = round(prev0 + sgn * k * 0.001, 3)
            want = prev * (1 + target / 100)
            for c in (
                round_half_up(want, 3),
                round(round_half_up(want, 3) + 0.001, 3),
                round(round_half_up(want, 3) - 0.001, 3),
            ):
                if pct_change(c, prev) == target:
                    etf_close[days[j - 1]] = prev
                    etf_close[d] = c
                    return
    raise ValueError(f"cannot hit ETF return {target}% on {d} (closes {prev0}, {cur0})")


def _stock_bars(
    code: str, k: Constituent, days: list[date], close: dict[date, float], rng: np.random.Generator
) -> pd.DataFrame:
    total_shares = k.weight / 100 * 1.1e12 / k.price / k.float_ratio if k.weight > 0 else 5e8
    float_shares = total_shares * k.float_ratio
    rows = []
    for j in range(1, len(days)):
        d, p, c = days[j], close[days[j - 1]], close[days[j]]
        mv = k.moves.get(d)
        # Draw before any skip so that suspending a stock doesn't shift other draws.
        g = rng.normal(0, 0.006)
        u1, u2 = abs(rng.normal(0, 0.006)), abs(rng.normal(0, 0.006))
        tr = rng.lognormal(0.3, 0.4)
        if mv and mv.kind == "suspended":
            continue
        r = c / p - 1
        up, dn = limit_price(p, code, True), limit_price(p, code, False)
        o = float(np.clip(round_half_up(p * (1 + 0.4 * r + g), 2), dn, up))
        h = min(round_half_up(max(o, c) * (1 + u1), 2), up)
        lo = max(round_half_up(min(o, c) * (1 - u2), 2), dn)
        if mv and mv.kind == "limit_up":
            h = c
        turnover = min(tr * (1 + 12 * abs(r)), 15.0)  # %
        vol = int(float_shares * turnover / 100 / 100)  # 手
        amount = round(vol * 100 * (o + h + lo + c) / 4, 2)
        rows.append(
            {
                "日期": d.isoformat(),
                "股票代码": code,
                "开盘": o,
                "收盘": c,
                "最高": h,
                "最低": lo,
                "成交量": vol,
                "成交额": amount,
                "振幅": round((h - lo) / p * 100, 2),
                "涨跌幅": pct_change(c, p),
                "涨跌额": round(c - p, 2),
                "换手率": round(vol * 100 / float_shares * 100, 2),
            }
        )
    return pd.DataFrame(rows)


def _index_bars(
    days: list[date],
    level: dict[date, float],
    bars: dict[str, pd.DataFrame],
    members: dict[date, list[str]],
    rng: np.random.Generator,
) -> pd.DataFrame:
    vol_amt: dict[str, tuple[int, float]] = {}
    for c, df in bars.items():
        for d, v, a in zip(df["日期"], df["成交量"], df["成交额"]):
            vol_amt[f"{c}|{d}"] = (int(v), float(a))
    rows = []
    for j in range(1, len(days)):
        d = days[j]
        p, c = level[days[j - 1]], level[d]
        o = p * (1 + 0.4 * (c / p - 1) + rng.normal(0, 0.002))
        h = max(o, c) * (1 + abs(rng.normal(0, 0.003)))
        lo = min(o, c) * (1 - abs(rng.normal(0, 0.003)))
        v = sum(vol_amt.get(f"{m}|{d.isoformat()}", (0, 0.0))[0] for m in members[d])
        a = sum(vol_amt.get(f"{m}|{d.isoformat()}", (0, 0.0))[1] for m in members[d])
        rows.append(
            {
                "date": d.isoformat(),
                "open": round(o, 2),
                "close": round(c, 2),
                "high": round(h, 2),
                "low": round(lo, 2),
                "volume": v,
                "amount": round(a, 1),
            }
        )
    return pd.DataFrame(rows)


def _units(
    sc: Scenario, days: list[date], etf_close: dict[date, float], rng: np.random.Generator
) -> dict[date, int]:
    plan, T = sc.units, sc.trade_date
    if plan.start not in days:
        raise ValueError("units plan start must be a trading day inside the bars")
    if plan.scale_change_yuan is not None:
        cT, cM = etf_close[T], etf_close[plan.start]
        if abs(cT - cM) < 1e-9:
            raise ValueError("scale change cannot be solved when close is unchanged")
        u0 = (plan.scale_change_yuan - plan.units_change * cT) / (cT - cM)
        start_units = int(round(u0 / plan.step)) * plan.step  # noqa: RUF046 -- u0 may be a numpy float
    else:
        start_units = int(plan.start_units or 0)
    if start_units <= 0:
        raise ValueError(f"solved start units not positive: {start_units}")
    window = [d for d in days if plan.start <= d <= T]
    n = len(window) - 1
    # Spread the change over creation/redemption days in blocks of plan.step.
    steps = plan.units_change // plan.step
    shares = rng.dirichlet(np.ones(n) * 0.6) if n > 0 else np.array([])
    parts = np.floor(shares * steps).astype(int)
    if n > 0:
        parts[-1] += steps - int(parts.sum())
    units = {plan.start: start_units}
    for i, d in enumerate(window[1:]):
        units[d] = units[window[i]] + int(parts[i]) * plan.step
    for d in days:
        if d < plan.start:
            units[d] = start_units
    return units


def _etf_bars(
    days: list[date], close: dict[date, float], units: dict[date, int], rng: np.random.Generator
) -> pd.DataFrame:
    rows = []
    for j in range(1, len(days)):
        d, p, c = days[j], close[days[j - 1]], close[days[j]]
        o = round_half_up(p * (1 + 0.4 * (c / p - 1) + rng.normal(0, 0.002)), 3)
        h = round_half_up(max(o, c) * (1 + abs(rng.normal(0, 0.003))), 3)
        lo = round_half_up(min(o, c) * (1 - abs(rng.normal(0, 0.003))), 3)
        turnover = rng.lognormal(0.2, 0.35)  # %
        vol = int(units[d] * turnover / 100 / 100)
        rows.append(
            {
                "日期": d.isoformat(),
                "开盘": o,
                "收盘": c,
                "最高": h,
                "最低": lo,
                "成交量": vol,
                "成交额": round(vol * 100 * (o + h + lo + c) / 4, 1),
                "振幅": round((h - lo) / p * 100, 2),
                "涨跌幅": pct_change(c, p),
                "涨跌额": round(c - p, 3),
                "换手率": round(vol * 100 / units[d] * 100, 2),
            }
        )
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- writing


def _spot_frame(sc: Scenario, m: SimulatedMarket, rng: np.random.Generator) -> pd.DataFrame:
    """One fund_etf_spot_em row (all 37 columns, AKShare order) for the ETF on T.

    基金折价率 sign (EM f402): AKShare documents no convention. Evidence found: a public
    script's recorded ``ak.fund_etf_fund_daily_em()`` row (same EM family, field 折价率) for
    513880 on 2026-02-09 shows 单位净值 1.8002, 市价 1.8140, 折价率 -0.77%, i.e.
    (NAV − price) / NAV × 100 (positive = discount, negative = premium); another public
    test maps EM 基金折价率 0.2 to premium −0.2. We follow it:
    基金折价率 = round((IOPV − 最新价) / IOPV × 100, 2). It is indirect evidence for f402, so
    consumers should recompute the premium from 最新价 and IOPV实时估值.
    """
    T = sc.trade_date
    bar = m.etf_bars.iloc[-1]
    prev = m.etf_close[m.days[-2]]
    price = m.etf_close[T]
    iopv = round(m.etf_nav[T], 4)
    units = m.units[T]
    amount = float(bar["成交额"])
    main = round(amount * rng.uniform(-0.08, 0.12), 1)
    flows = {}
    for name, share in (("超大单", 0.6), ("大单", 0.4), ("中单", -0.5), ("小单", -0.5)):
        v = round(main * share, 1)
        flows[f"{name}净流入-净额"] = v
        flows[f"{name}净流入-净占比"] = round(v / amount * 100, 2)
    row = {
        "代码": sc.etf_code,
        "名称": sc.etf_name,
        "最新价": price,
        "IOPV实时估值": iopv,
        "基金折价率": round((iopv - price) / iopv * 100, 2),
        "涨跌额": round(price - prev, 3),
        "涨跌幅": pct_change(price, prev),
        "成交量": float(bar["成交量"]),
        "成交额": amount,
        "开盘价": float(bar["开盘"]),
        "最高价": float(bar["最高"]),
        "最低价": float(bar["最低"]),
        "昨收": prev,
        "振幅": float(bar["振幅"]),
        "换手率": float(bar["换手率"]),
        "量比": round(rng.uniform(0.7, 1.8), 2),
        "委比": round(rng.uniform(-40, 40), 2),
        "外盘": float(int(bar["成交量"] * 0.55)),
        "内盘": float(int(bar["成交量"]) - int(bar["成交量"] * 0.55)),
        "主力净流入-净额": main,
        "主力净流入-净占比": round(main / amount * 100, 2),
        **flows,
        "现手": float(int(rng.integers(5, 400))),
        "买一": price,
        "卖一": round(price + 0.001, 3),
        "最新份额": float(units),
        "流通市值": int(units * price),
        "总市值": int(units * price),
        "数据日期": T.isoformat(),
        "更新时间": f"{T.isoformat()} 15:00:00+08:00",
    }
    return pd.DataFrame([row])


def _info_frame(k: Constituent, last_close: float) -> pd.DataFrame:
    total = round(k.weight / 100 * 1.1e12 / k.price / k.float_ratio if k.weight > 0 else 5e8, 0)
    flt = round(total * k.float_ratio, 0)
    return pd.DataFrame(
        {
            "item": [
                "最新",
                "股票代码",
                "股票简称",
                "总股本",
                "流通股",
                "总市值",
                "流通市值",
                "行业",
                "上市时间",
            ],
            "value": [
                last_close,
                k.code,
                k.name,
                total,
                flt,
                round(total * last_close, 2),
                round(flt * last_close, 2),
                k.industry,
                k.listed,
            ],
        }
    )


def _overview_frame(sc: Scenario) -> pd.DataFrame:
    cols = [
        "基金全称",
        "基金简称",
        "基金代码",
        "基金类型",
        "发行日期",
        "成立日期/规模",
        "资产规模",
        "份额规模",
        "基金管理人",
        "基金托管人",
        "基金经理人",
        "成立来分红",
        "管理费率",
        "托管费率",
        "销售服务费率",
        "最高认购费率",
        "业绩比较基准",
        "跟踪标的",
    ]
    return pd.DataFrame([{c: str(sc.fund_overview.get(c, "---")) for c in cols}])


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def write_snapshot(
    sc: Scenario, out_dir: str | Path, market: SimulatedMarket | None = None
) -> SimulatedMarket:
    """Write a complete v1 snapshot for ``sc`` into ``out_dir`` (created; existing files with
    the same names are overwritten) and return the simulation behind it."""
    out = Path(out_dir)
    m = market or simulate(sc)
    rng = np.random.default_rng(sc.seed + 1)  # writing-time draws, independent of simulate()
    T, E, index_code = sc.trade_date, sc.etf_code, sc.index_code
    frames: list[dict[str, Any]] = []

    def add(function: str, params: dict[str, str], name: str, df: pd.DataFrame) -> None:
        _write_csv(df, out / "frames" / name)
        frames.append({"function": function, "params": params, "file": f"frames/{name}"})

    add("fund_etf_spot_em", {}, "fund_etf_spot_em.csv", _spot_frame(sc, m, rng))
    add(
        "fund_etf_hist_em",
        {"symbol": E, "period": "daily", "adjust": ""},
        f"fund_etf_hist_em_{E}.csv",
        m.etf_bars,
    )
    add("fund_overview_em", {"symbol": E}, f"fund_overview_em_{E}.csv", _overview_frame(sc))
    unit_days = [d for d in m.days if sc.units.start <= d <= T]
    if sc.exchange == "SSE":
        for d in unit_days:
            ymd = d.strftime("%Y%m%d")
            df = pd.DataFrame(
                [
                    {
                        "序号": 1,
                        "基金代码": E,
                        "基金简称": sc.etf_short_name,
                        "ETF类型": sc.sse_etf_type,
                        "统计日期": d.isoformat(),
                        "基金份额": float(m.units[d]),
                    }
                ]
            )
            add("fund_etf_scale_sse", {"date": ymd}, f"fund_etf_scale_sse_{ymd}.csv", df)
    else:
        df = pd.DataFrame(
            [
                {
                    "日期": d.isoformat(),
                    "基金代码": E,
                    "基金简称": sc.etf_short_name,
                    "基金份额": float(m.units[d]),
                }
                for d in unit_days
            ]
        )
        add("fund_scale_daily_szse", {"symbol": "ETF"}, "fund_scale_daily_szse_ETF.csv", df)
    add(
        "stock_zh_index_daily_em",
        {"symbol": f"csi{index_code}"},
        f"stock_zh_index_daily_em_csi{index_code}.csv",
        m.index_bars,
    )
    wrows = []
    for k in sorted(sc.constituents, key=lambda c: (-c.weight, c.code)):
        ex, ex_en = exchange_of(k.code)
        wrows.append(
            {
                "日期": sc.weights_date.isoformat(),
                "指数代码": index_code,
                "指数名称": sc.index_short_name,
                "指数英文名称": sc.index_name_en,
                "成分券代码": k.code,
                "成分券名称": k.name,
                "成分券英文名称": k.name_en,
                "交易所": ex,
                "交易所英文名称": ex_en,
                "权重": k.weight,
            }
        )
    add(
        "index_stock_cons_weight_csindex",
        {"symbol": index_code},
        f"index_stock_cons_weight_csindex_{index_code}.csv",
        pd.DataFrame(wrows),
    )
    # Frames exist for the constituents a recorder would know: the weight file's list.
    for k in sorted(sc.constituents, key=lambda c: c.code):
        add(
            "stock_zh_a_hist",
            {"symbol": k.code, "period": "daily", "adjust": ""},
            f"stock_zh_a_hist_{k.code}.csv",
            m.bars[k.code],
        )
    for k in sorted(sc.constituents, key=lambda c: c.code):
        add(
            "stock_individual_info_em",
            {"symbol": k.code},
            f"stock_individual_info_em_{k.code}.csv",
            _info_frame(k, m.close[k.code][T]),
        )
    for sym, rows in sorted(sc.stock_news.items()):
        cols = ["关键词", "新闻标题", "新闻内容", "发布时间", "文章来源", "新闻链接"]
        add(
            "stock_news_em",
            {"symbol": sym},
            f"stock_news_em_{sym}.csv",
            pd.DataFrame([{c: r[c] for c in cols} for r in rows], columns=cols),
        )

    manifest = {
        "format": FORMAT,
        "trade_date": T.isoformat(),
        "as_of": sc.as_of,
        "origin": sc.origin,
        "akshare_version": AKSHARE_VERSION,
        "universe": [{"etf": E, "index": index_code}],
        "frames": frames,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    if sc.news:
        (out / "news").mkdir(exist_ok=True)
        lines = [json.dumps(dict(a), ensure_ascii=False) for a in sc.news]
        (out / "news" / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name, text in sorted(sc.documents.items()):
        (out / "documents").mkdir(exist_ok=True)
        (out / "documents" / name).write_text(text, encoding="utf-8")
    return m


def attribution_check(sc: Scenario, out_dir: str | Path, day: date | None = None) -> tuple[float, float]:
    """Re-read the written frames and return (index return %, Σ drifted w × r in %) on ``day``
    (default T), using only the CSV files: weights from the weight file drifted by closes
    since its 日期, returns from stock_zh_a_hist (a missing bar = suspended = 0 return)."""
    out = Path(out_dir)
    d = (day or sc.trade_date).isoformat()
    idx = pd.read_csv(out / "frames" / f"stock_zh_index_daily_em_csi{sc.index_code}.csv")
    pos = int(np.flatnonzero(idx["date"] == d)[0])
    prev_day = idx["date"].iloc[pos - 1]
    index_ret = (idx["close"].iloc[pos] / idx["close"].iloc[pos - 1] - 1) * 100
    wts = pd.read_csv(
        out / "frames" / f"index_stock_cons_weight_csindex_{sc.index_code}.csv", dtype={"成分券代码": str}
    )
    wdate = wts["日期"].iloc[0]
    raw, rets = {}, {}
    for code, w in zip(wts["成分券代码"], wts["权重"]):
        bars = pd.read_csv(out / "frames" / f"stock_zh_a_hist_{code}.csv", dtype={"股票代码": str})
        cl = dict(zip(bars["日期"], bars["收盘"]))
        last_prev = bars.loc[bars["日期"] <= prev_day, "收盘"].iloc[-1]
        base = bars.loc[bars["日期"] <= wdate, "收盘"].iloc[-1]
        raw[code] = w * last_prev / base
        rets[code] = (cl[d] / last_prev - 1) if d in cl else 0.0
    tot = sum(raw.values())
    attributed = sum(raw[c] / tot * rets[c] for c in raw) * 100
    return float(index_ret), float(attributed)
