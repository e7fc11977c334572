"""`market-assistant record`: capture today's call plan for some ETFs from live AKShare into a v1 snapshot.

The ETF, index and weights calls are essential: if one fails the recording aborts (a snapshot without them
would be rejected anyway). Per-constituent and news calls are best effort: a failure becomes a note in the
manifest and a logged warning, because one delisted or throttled stock must not cost the whole day.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd

from assistant.errors import NotFoundError, UpstreamError
from assistant.market import frames
from assistant.market.akshare_source import AkshareSource
from assistant.market.writer import SnapshotWriter

log = logging.getLogger(__name__)
_DAILY = {"period": "daily", "adjust": ""}


def record(
    source: AkshareSource,
    out: Path,
    etfs: list[str],
    *,
    bars_days: int = 62,
    news_top_n: int = 5,
    max_constituents: int | None = None,
) -> Path:
    """Record a snapshot (origin "recorded") of the call plan for `etfs` into `out`; returns `out`.

    bars_days: calendar days of ETF / index bars before trade_date; news_top_n: constituents (by weight) whose
    stock_news_em is recorded besides the ETF's own; max_constituents: cap the per-stock calls (tests, quick
    looks; attribution then covers only the largest weights)."""
    universe = {}
    for etf in etfs:
        if etf not in source.universe():
            raise NotFoundError(
                f"ETF {etf} is not in the ETF registry; add it with MARKET_ASSISTANT_ETF_REGISTRY"
            )
        universe[etf] = source.universe()[etf]
    info = source.info
    t = info.trade_date
    writer = SnapshotWriter(out, t, info.as_of, "recorded", universe, source.akshare_version)
    rec = _Recorder(source, writer)
    bars_start = t - dt.timedelta(days=bars_days)

    spot = source.fetch("fund_etf_spot_em", {})
    writer.add_frame("fund_etf_spot_em", {}, spot[spot["代码"].isin(list(universe))])

    etf_bars: dict[str, pd.DataFrame] = {}
    for etf in universe:
        etf_bars[etf] = rec.essential("fund_etf_hist_em", {"symbol": etf, **_DAILY}, bars_start, t)
        rec.optional("fund_overview_em", {"symbol": etf})
    _record_units(rec, universe, etf_bars, t)

    for index in dict.fromkeys(universe.values()):
        rec.essential("stock_zh_index_daily_em", {"symbol": f"csi{index}"}, bars_start, t)
        weights = rec.essential("index_stock_cons_weight_csindex", {"symbol": index})
        _record_constituents(rec, weights, t, bars_start, news_top_n, max_constituents)

    for etf in universe:
        rec.optional("stock_news_em", {"symbol": etf})
    writer.notes.extend(rec.notes)
    return writer.finish()


class _Recorder:
    """Fetch-and-add with the essential / best-effort split; remembers what was already added."""

    def __init__(self, source: AkshareSource, writer: SnapshotWriter) -> None:
        self.source, self.writer = source, writer
        self.notes: list[str] = []
        self._done: set[frames.FrameKey] = set()

    def essential(
        self, function: str, params: dict[str, str], start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        call = dict(params)
        if start is not None:
            call["start_date"] = frames.ymd(start)
        if end is not None:
            call["end_date"] = frames.ymd(end)
        df = self.source.fetch(function, call)
        key = frames.frame_key(function, params)
        if key not in self._done:
            self.writer.add_frame(function, params, df)
            self._done.add(key)
        return df

    def optional(
        self, function: str, params: dict[str, str], start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame | None:
        try:
            return self.essential(function, params, start, end)
        except (NotFoundError, UpstreamError, ValueError) as err:
            note = f"{function}({', '.join(f'{k}={v}' for k, v in params.items())}) not recorded: {err}"
            log.warning(note)
            self.notes.append(note)
            return None


def _record_units(
    rec: _Recorder, universe: dict[str, str], etf_bars: dict[str, pd.DataFrame], t: dt.date
) -> None:
    """Scale frames for T, T-1 and about a month earlier, filtered to the universe's ETFs."""
    codes = list(universe)
    days = sorted({d for bars in etf_bars.values() for d in bars["日期"] if d is not None and d <= t})
    month_ago = [d for d in days if d <= t - dt.timedelta(days=30)]
    wanted = sorted(set(days[-2:] + month_ago[-1:]))
    if any(not c.startswith("1") for c in codes):
        for day in wanted:
            params = {"date": frames.ymd(day)}
            try:
                df = rec.source.fetch("fund_etf_scale_sse", params)
                rec.writer.add_frame("fund_etf_scale_sse", params, df[df["基金代码"].isin(codes)])
            except (NotFoundError, UpstreamError) as err:
                rec.notes.append(f"fund_etf_scale_sse(date={params['date']}) not recorded: {err}")
                log.warning(rec.notes[-1])
    if any(c.startswith("1") for c in codes) and wanted:
        params = {"symbol": "ETF", "start_date": frames.ymd(wanted[0]), "end_date": frames.ymd(t)}
        try:
            df = rec.source.fetch("fund_scale_daily_szse", params)
            rec.writer.add_frame("fund_scale_daily_szse", {"symbol": "ETF"}, df[df["基金代码"].isin(codes)])
        except (NotFoundError, UpstreamError) as err:
            rec.notes.append(f"fund_scale_daily_szse not recorded: {err}")
            log.warning(rec.notes[-1])


def _record_constituents(
    rec: _Recorder,
    weights: pd.DataFrame,
    t: dt.date,
    bars_start: dt.date,
    news_top_n: int,
    max_constituents: int | None,
) -> None:
    """Bars (from a few days before the weights' date) and industry per constituent; news for the largest."""
    ranked = weights.sort_values("权重", ascending=False)
    weights_date = min((d for d in ranked["日期"] if d is not None), default=t)
    start = min(weights_date, bars_start + dt.timedelta(days=31)) - dt.timedelta(days=7)
    codes = list(dict.fromkeys(ranked["成分券代码"]))
    if max_constituents is not None:
        codes = codes[:max_constituents]
    for code in codes:
        rec.optional("stock_zh_a_hist", {"symbol": code, **_DAILY}, start, t)
        rec.optional("stock_individual_info_em", {"symbol": code})
    for code in codes[:news_top_n]:
        rec.optional("stock_news_em", {"symbol": code})
