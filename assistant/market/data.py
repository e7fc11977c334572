"""Typed accessors over any FrameSource (snapshot or live AKShare): the API analysis/, ingest/, retrieval/ and
answer/ code against. Signatures, column names and units below are the contract.

Every DataFrame returned has `df.attrs["source"]` = the AKShare function name it came from (for citations),
is sorted by date ascending where it has a date column, and never contains a row dated after
`info.trade_date` (or, for news, published after `info.as_of`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from assistant.errors import NotFoundError
from assistant.market import frames
from assistant.market.frame_reader import (
    BAR_COLUMNS,
    FrameReader,
    _empty_bars,
    _index_symbols,
    _ordinal,
    _view,
)
from assistant.market.frame_source import FrameSource
from assistant.market.model import Article, Document


@dataclass(frozen=True)
class EtfSpot:
    """One fund_etf_spot_em row. Prices in 元/份, volume in 手 (100 份), amounts and market values in 元."""

    code: str
    name: str
    price: float
    iopv: float | None
    discount_rate_pct: float | None  # 基金折价率 as AKShare returns it; sign convention checked by analysis
    change: float | None
    pct_change: float | None
    volume_lots: float | None
    amount_yuan: float | None
    open: float | None
    high: float | None
    low: float | None
    prev_close: float | None
    turnover_rate_pct: float | None
    units: float | None  # 最新份额, 份
    float_market_value_yuan: float | None
    total_market_value_yuan: float | None
    data_date: dt.date
    update_time: dt.datetime | None


# BAR_COLUMNS (date, open, close, high, low, volume, amount, pct_change) lives in frame_reader, which types them.
WEIGHT_COLUMNS = [
    "date",
    "index_code",
    "index_name",
    "index_name_en",
    "code",
    "name",
    "name_en",
    "exchange",
    "weight",
]
UNIT_COLUMNS = ["date", "units"]


_EM_BARS = {
    "日期": "date",
    "开盘": "open",
    "收盘": "close",
    "最高": "high",
    "最低": "low",
    "成交量": "volume",
    "成交额": "amount",
    "涨跌幅": "pct_change",
}
_WEIGHTS = {
    "日期": "date",
    "指数代码": "index_code",
    "指数名称": "index_name",
    "指数英文名称": "index_name_en",
    "成分券代码": "code",
    "成分券名称": "name",
    "成分券英文名称": "name_en",
    "交易所": "exchange",
    "权重": "weight",
}
_DAILY = {"period": "daily", "adjust": ""}

# Live lookback for units when the caller gives no start date (monthly changes).
_LIVE_UNITS_LOOKBACK = dt.timedelta(days=40)


class MarketData(FrameReader):
    """The one parsing path from AKShare-shaped frames to typed data, shared by snapshot and live sources."""

    # -------------------------------------------------------------------------------------------- universe

    def universe(self) -> dict[str, str]:
        return self.source.universe()

    def index_of(self, etf: str) -> str:
        """Tracked index of an ETF; NotFoundError for an ETF outside the universe."""
        universe = self.universe()
        if etf not in universe:
            known = ", ".join(sorted(universe)) or "none"
            raise NotFoundError(f"ETF {etf} is not in the universe of {self._label} (known ETFs: {known})")
        return universe[etf]

    # ------------------------------------------------------------------------------------------------ bars

    def etf_bars(self, etf: str, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        """fund_etf_hist_em daily unadjusted bars. BAR_COLUMNS; volume in 手, amount in 元, pct_change in %."""
        if self._memo is not None:
            try:
                typed = self._typed_bars("fund_etf_hist_em", {"symbol": etf, **_DAILY}, _EM_BARS)
            except NotFoundError as err:
                raise NotFoundError(
                    f"no fund_etf_hist_em bars for ETF {etf} in {self._label} ({err})"
                ) from err
            return typed.window(start, end, self.info.trade_date)
        raw = self._fetch_or_explain(
            "fund_etf_hist_em",
            {"symbol": etf, **_DAILY},
            start,
            end,
            f"no fund_etf_hist_em bars for ETF {etf}",
        )
        return self._bars(raw, _EM_BARS, "fund_etf_hist_em", start, end)

    def index_bars(
        self, index: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """stock_zh_index_daily_em("csi"+index) bars. BAR_COLUMNS (pct_change computed from close)."""
        raw: pd.DataFrame | None = None
        # pct_change needs the close before `start`, so fetch a few extra weeks and cut afterwards.
        wide_start = start - dt.timedelta(days=20) if start else None
        if self._memo is not None:
            return self._index_bars_memo(index, start, end, wide_start)
        for symbol in _index_symbols(index):
            try:
                raw = self._fetch("stock_zh_index_daily_em", {"symbol": symbol}, wide_start, end)
                break
            except NotFoundError:
                continue
        if raw is None:
            raise NotFoundError(
                f"no stock_zh_index_daily_em bars for index {index} (symbol csi{index}) in {self._label}"
            )
        bars = raw[["date", "open", "close", "high", "low", "volume", "amount"]]
        bars = bars[bars["date"].map(lambda d: d is not None and d <= self.info.trade_date).astype(bool)]
        bars = bars.sort_values("date", key=_ordinal).reset_index(drop=True)
        bars["pct_change"] = bars["close"].pct_change() * 100.0
        return self._finish_bars(bars, "stock_zh_index_daily_em", start, end)

    def stock_bars(self, code: str, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        """stock_zh_a_hist daily unadjusted bars, BAR_COLUMNS; an empty frame (same columns) when none exist."""
        if self._memo is not None:
            try:
                typed = self._typed_bars("stock_zh_a_hist", {"symbol": code, **_DAILY}, _EM_BARS)
            except NotFoundError:
                return _empty_bars("stock_zh_a_hist")
            return typed.window(start, end, self.info.trade_date)
        try:
            raw = self._fetch("stock_zh_a_hist", {"symbol": code, **_DAILY}, start, end)
        except NotFoundError:
            return _empty_bars("stock_zh_a_hist")
        return self._bars(raw, _EM_BARS, "stock_zh_a_hist", start, end)

    def trading_days(self) -> list[dt.date]:
        """Known trading days up to trade_date (from the index / ETF bars), ascending."""
        return list(self._memoised(("trading_days",), self._trading_days))

    def _trading_days(self) -> list[dt.date]:
        known = self.source.trading_days()
        if known is not None:
            return [d for d in known if d <= self.info.trade_date]
        days: set[dt.date] = set()
        for etf, index in self.universe().items():
            for getter, code in ((self.etf_bars, etf), (self.index_bars, index)):
                try:
                    days.update(getter(code)["date"])
                except NotFoundError:
                    continue
        return sorted(d for d in days if d is not None and d <= self.info.trade_date)

    # -------------------------------------------------------------------------------------- index & stocks

    def weights(self, index: str) -> pd.DataFrame:
        """index_stock_cons_weight_csindex rows, WEIGHT_COLUMNS, weight in %, sorted by weight descending."""
        return _view(self._memoised(("weights", index), lambda: self._weights(index)))

    def _weights(self, index: str) -> pd.DataFrame:
        raw = self._fetch_or_explain(
            "index_stock_cons_weight_csindex",
            {"symbol": index},
            None,
            None,
            f"no index_stock_cons_weight_csindex weights for index {index}",
        )
        out = raw.rename(columns=_WEIGHTS)[WEIGHT_COLUMNS]
        out = out[out["date"].map(lambda d: d is None or d <= self.info.trade_date).astype(bool)]
        if out.empty:
            raise NotFoundError(
                f"index_stock_cons_weight_csindex has no weights for index {index} dated on or "
                f"before {self.info.trade_date} in {self._label}"
            )
        out = out.sort_values("weight", ascending=False, kind="stable").reset_index(drop=True)
        out.attrs["source"] = "index_stock_cons_weight_csindex"
        return out

    def industry(self, code: str) -> str | None:
        """行业 from stock_individual_info_em, None when not recorded."""
        if self._memo is not None and ("industry parts",) not in self._memo:
            self._industries_of_shared_parts()
        return self._memoised(("industry", code), lambda: self._industry(code))

    def _industry(self, code: str) -> str | None:
        try:
            raw = self._fetch("stock_individual_info_em", {"symbol": code}, None, None)
        except NotFoundError:
            return None
        items = raw["item"].to_numpy(dtype=object)
        rows = raw["value"].to_numpy(dtype=object)[items == "行业"]
        return _industry_value(rows[0] if len(rows) else None)

    def _industries_of_shared_parts(self) -> None:
        """行业 of every stock whose frame shares its group (a cached snapshot), in one pass: an explanation asks
        for all its constituents, ~0.4 ms each one by one. Same rows as `_industry`: the first 行业 item."""
        memo = self._memo
        assert memo is not None
        memo[("industry parts",)] = True
        for group, members in self._shared_parts("stock_individual_info_em"):
            values = group["value"].to_numpy(dtype=object)
            hits = np.flatnonzero(group["item"].to_numpy(dtype=object) == "行业")
            for params, start, stop in members:
                if set(params) != {"symbol"}:  # not the frame a call {"symbol": code} reads
                    continue
                first = int(np.searchsorted(hits, start))
                value = values[hits[first]] if first < len(hits) and hits[first] < stop else None
                memo.setdefault(("industry", params["symbol"]), _industry_value(value))

    # ------------------------------------------------------------------------------------------------ ETFs

    def etf_spot(self, etf: str) -> EtfSpot:
        return self._memoised(("etf_spot", etf), lambda: self._etf_spot(etf))

    def _etf_spot(self, etf: str) -> EtfSpot:
        raw = self._fetch_or_explain("fund_etf_spot_em", {}, None, None, "no fund_etf_spot_em quotes")
        rows = raw[raw["代码"] == etf]
        if rows.empty:
            raise NotFoundError(f"no fund_etf_spot_em row for ETF {etf} in {self._label}")
        row = rows.iloc[0]
        price = _num(row["最新价"])
        if price is None:
            raise NotFoundError(f"fund_etf_spot_em has no 最新价 for ETF {etf} in {self._label} (suspended?)")
        update = row["更新时间"]
        update_time = None if pd.isna(update) else pd.Timestamp(update).to_pydatetime()
        data_date = row["数据日期"] or (update_time.date() if update_time else None) or self.info.trade_date
        return EtfSpot(
            code=etf,
            name=str(row["名称"] or ""),
            price=price,
            iopv=_num(row["IOPV实时估值"]),
            discount_rate_pct=_num(row["基金折价率"]),
            change=_num(row["涨跌额"]),
            pct_change=_num(row["涨跌幅"]),
            volume_lots=_num(row["成交量"]),
            amount_yuan=_num(row["成交额"]),
            open=_num(row["开盘价"]),
            high=_num(row["最高价"]),
            low=_num(row["最低价"]),
            prev_close=_num(row["昨收"]),
            turnover_rate_pct=_num(row["换手率"]),
            units=_num(row["最新份额"]),
            float_market_value_yuan=_num(row["流通市值"]),
            total_market_value_yuan=_num(row["总市值"]),
            data_date=data_date,
            update_time=update_time,
        )

    def etf_units(self, etf: str, start: dt.date | None = None, end: dt.date | None = None) -> pd.DataFrame:
        """Units outstanding (份) by date: fund_etf_scale_sse (5xxxxx) or fund_scale_daily_szse (1xxxxx)."""
        return _view(self._memoised(("etf_units", etf, start, end), lambda: self._etf_units(etf, start, end)))

    def _etf_units(self, etf: str, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
        if etf.startswith("1"):
            function = "fund_scale_daily_szse"
            if self._live:  # SZSE needs an explicit range of at most 6 months
                last = end or self.info.trade_date
                start = start or last - _LIVE_UNITS_LOOKBACK
            frames_ = [
                self._fetch_or_explain(
                    function, {"symbol": "ETF"}, start, end, f"no fund_scale_daily_szse units for ETF {etf}"
                )
            ]
            date_col = "日期"
        else:
            function, date_col = "fund_etf_scale_sse", "统计日期"
            frames_ = []
            for day in self._sse_scale_dates(start, end):
                try:
                    frames_.append(self._fetch(function, {"date": frames.ymd(day)}, None, None))
                except NotFoundError:
                    continue
        rows = [df[df["基金代码"] == etf][[date_col, "基金份额"]] for df in frames_]
        units = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=[date_col, "基金份额"])
        units = units.rename(columns={date_col: "date", "基金份额": "units"})
        units = units[
            units["date"]
            .map(
                lambda d: (
                    d is not None
                    and d <= self.info.trade_date
                    and (start is None or d >= start)
                    and (end is None or d <= end)
                )
            )
            .astype(bool)
        ]
        if units.empty:
            raise NotFoundError(f"no {function} units for ETF {etf} in {self._label}")
        units = units.drop_duplicates("date", keep="last").sort_values("date", key=_ordinal)
        units = units.reset_index(drop=True)[UNIT_COLUMNS]
        units["units"] = units["units"].astype("float64")
        units.attrs["source"] = function
        return units

    def fund_overview(self, etf: str) -> dict[str, str]:
        """fund_overview_em's single row as {column: value} (strings as AKShare returns them)."""
        return dict(self._memoised(("fund_overview", etf), lambda: self._fund_overview(etf)))

    def _fund_overview(self, etf: str) -> dict[str, str]:
        raw = self._fetch_or_explain(
            "fund_overview_em", {"symbol": etf}, None, None, f"no fund_overview_em profile for ETF {etf}"
        )
        if raw.empty:
            raise NotFoundError(f"fund_overview_em returned no row for ETF {etf} in {self._label}")
        return {str(k): str(v) for k, v in raw.iloc[0].items() if v is not None and not pd.isna(v)}

    # ------------------------------------------------------------------------------------------------ text

    def articles(self) -> list[Article]:
        """All news with published_at <= info.as_of."""
        return list(
            self._memoised(
                ("articles",),
                lambda: [a for a in self.source.articles() if a.published_at <= self.info.as_of],
            )
        )

    def news_for(self, symbol: str) -> list[Article]:
        """stock_news_em articles for one code (as recorded, or fetched live), newest first; [] when none."""
        return list(self._memoised(("news_for", symbol), lambda: self._news_for(symbol)))

    def _news_for(self, symbol: str) -> list[Article]:
        try:
            raw = self._fetch("stock_news_em", {"symbol": symbol}, None, None)
        except NotFoundError:
            return []
        items = [a for a in frames.news_articles(raw, symbol) if a.published_at <= self.info.as_of]
        return sorted(items, key=lambda a: a.published_at, reverse=True)

    def documents(self) -> list[Document]:
        return list(self._memoised(("documents",), self.source.documents))

    def _sse_scale_dates(self, start: dt.date | None, end: dt.date | None) -> list[dt.date]:
        """Dates to read fund_etf_scale_sse for: every recorded date, or (live) the trading days needed."""
        if not self._live:
            recorded = [
                frames.parse_param_date(c.get("date")) for c in self.source.calls("fund_etf_scale_sse")
            ]
            return sorted(d for d in recorded if d is not None)
        days = self.trading_days()
        last = min(end or self.info.trade_date, self.info.trade_date)
        days = [d for d in days if d <= last]
        if start is not None:
            return [d for d in days if d >= start]
        month_ago = last - dt.timedelta(days=30)
        earlier = [d for d in days if d <= month_ago]
        return sorted(set(days[-2:] + earlier[-1:]))


def _industry_value(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() not in ("", "-") else None


def _num(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


__all__ = ["BAR_COLUMNS", "UNIT_COLUMNS", "WEIGHT_COLUMNS", "EtfSpot", "FrameSource", "MarketData"]
