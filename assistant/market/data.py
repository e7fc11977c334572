"""Typed accessors over any FrameSource (snapshot or live AKShare): the API analysis/, ingest/, retrieval/ and
answer/ code against. Signatures, column names and units below are the contract.

Every DataFrame returned has `df.attrs["source"]` = the AKShare function name it came from (for citations),
is sorted by date ascending where it has a date column, and never contains a row dated after
`info.trade_date` (or, for news, published after `info.as_of`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np
import pandas as pd

from assistant.errors import NotFoundError
from assistant.market import frames
from assistant.market.model import Article, Document, SourceInfo


class FrameSource(Protocol):
    """A recorded (snapshot) or live (AKShare) supplier of normalised AKShare frames."""

    @property
    def info(self) -> SourceInfo: ...

    @property
    def label(self) -> str:
        """How messages name the source ("snapshot sample-560500-2026-01-09", "live AKShare")."""
        ...

    @property
    def immutable(self) -> bool:
        """True when every fetch of the same key returns the same rows for the life of the source (a snapshot):
        MarketData then memoises its parsed, typed results."""
        ...

    def fetch(self, function: str, params: dict[str, str]) -> pd.DataFrame:
        """The normalised frame of one call-plan call (AKShare's Chinese column names, proper dtypes).

        `start_date` / `end_date` in `params` (YYYYMMDD) filter rows rather than select a frame.
        Raises NotFoundError when nothing is recorded / upstream returned no rows, UpstreamError when a live
        source fails."""
        ...

    def universe(self) -> dict[str, str]:
        """ETF code -> tracked index code."""
        ...

    def articles(self) -> list[Article]:
        """News articles known to this source (snapshot news/*.jsonl and stock_news_em frames)."""
        ...

    def documents(self) -> list[Document]: ...

    def calls(self, function: str) -> list[dict[str, str]]:
        """Params of every call of `function` recorded (a snapshot) or made so far (live)."""
        ...

    def recorded(self, function: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """The whole frame of a call, without date filtering or copying (read-only): what MarketData memoises."""
        ...

    def trading_days(self) -> list[dt.date] | None:
        """The source's trading calendar, or None: MarketData then derives it from the recorded bars."""
        ...


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


BAR_COLUMNS = ["date", "open", "close", "high", "low", "volume", "amount", "pct_change"]
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
# Live lookbacks when the caller gives no start date: enough for a T-1 drift and monthly changes.
_LIVE_BARS_LOOKBACK = dt.timedelta(days=70)
_LIVE_UNITS_LOOKBACK = dt.timedelta(days=40)
_T = TypeVar("_T")


class MarketData:
    """The one parsing path from AKShare-shaped frames to typed data, shared by snapshot and live sources."""

    def __init__(self, source: FrameSource) -> None:
        self.source = source
        self.info = source.info
        # An immutable source (a snapshot) is parsed once: typed frames and results are memoised for the life of
        # this object. Frames handed out are copy-on-write views (pandas 3), so a caller mutating one cannot
        # change the memo. A live source keeps its own TTL cache and is re-read on every call.
        self._memo: dict[tuple[Any, ...], Any] | None = {} if source.immutable else None
        self._last_ord = self.info.trade_date.toordinal()

    def _memoised(self, key: tuple[Any, ...], make: Callable[[], _T]) -> _T:
        memo = self._memo
        if memo is None:
            return make()
        try:
            return memo[key]  # type: ignore[no-any-return]
        except KeyError:
            value = make()
            memo[key] = value
            return value

    @property
    def _label(self) -> str:
        return self.source.label or f"{self.info.origin} data"

    @property
    def _live(self) -> bool:
        return self.info.origin == "live"

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
        return self._memoised(("industry", code), lambda: self._industry(code))

    def _industry(self, code: str) -> str | None:
        try:
            raw = self._fetch("stock_individual_info_em", {"symbol": code}, None, None)
        except NotFoundError:
            return None
        items = raw["item"].to_numpy(dtype=object)
        rows = raw["value"].to_numpy(dtype=object)[items == "行业"]
        value = rows[0] if len(rows) else None
        return value.strip() if isinstance(value, str) and value.strip() not in ("", "-") else None

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

    # --------------------------------------------------------------------------------------------- helpers

    def _fetch(
        self, function: str, params: dict[str, str], start: dt.date | None, end: dt.date | None
    ) -> pd.DataFrame:
        call = dict(params)
        if self._live and function in ("fund_etf_hist_em", "stock_zh_a_hist", "stock_zh_index_daily_em"):
            start = start or self.info.trade_date - _LIVE_BARS_LOOKBACK
        if start is not None:
            call["start_date"] = frames.ymd(start)
        if end is not None or start is not None:
            call["end_date"] = frames.ymd(min(end or self.info.trade_date, self.info.trade_date))
        return self.source.fetch(function, call)

    def _fetch_or_explain(
        self, function: str, params: dict[str, str], start: dt.date | None, end: dt.date | None, what: str
    ) -> pd.DataFrame:
        try:
            return self._fetch(function, params, start, end)
        except NotFoundError as err:
            raise NotFoundError(f"{what} in {self._label} ({err})") from err

    def _bars(
        self,
        raw: pd.DataFrame,
        mapping: dict[str, str],
        source: str,
        start: dt.date | None,
        end: dt.date | None,
    ) -> pd.DataFrame:
        bars = raw.rename(columns=mapping)[BAR_COLUMNS]
        return self._finish_bars(bars, source, start, end)

    def _finish_bars(
        self, bars: pd.DataFrame, source: str, start: dt.date | None, end: dt.date | None
    ) -> pd.DataFrame:
        last = min(end or self.info.trade_date, self.info.trade_date)
        keep = bars["date"].map(lambda d: d is not None and d <= last and (start is None or d >= start))
        # astype(bool): map() over an empty frame gives an object Series, which [] would take as column labels
        out = bars[keep.astype(bool)].sort_values("date", key=_ordinal).reset_index(drop=True)
        for column in BAR_COLUMNS[1:]:
            out[column] = out[column].astype("float64")
        out.attrs["source"] = source
        return out

    # ---------------------------------------------------------------------------------- memoised typed frames

    def _recorded(self, function: str, params: dict[str, str]) -> pd.DataFrame:
        """The whole recorded frame of a call (no date filter). Read-only: it may be the source's own object."""
        return self.source.recorded(function, params)

    def _typed_bars(
        self, function: str, params: dict[str, str], mapping: dict[str, str] | None
    ) -> _TypedBars:
        """BAR_COLUMNS (or the index's columns when `mapping` is None) of a whole recorded frame, rows dated on or
        before trade_date, sorted by date, numbers float64; parsed once per (function, params)."""
        key = ("typed", function, tuple(sorted(params.items())))
        memo = self._memo
        assert memo is not None
        typed = memo.get(key)
        if typed is None:
            raw = self._recorded(function, params)  # NotFoundError propagates (and is not memoised)
            typed = _TypedBars.build(raw, mapping, self._last_ord, function)
            memo[key] = typed
        return typed

    def _index_bars_memo(
        self, index: str, start: dt.date | None, end: dt.date | None, wide_start: dt.date | None
    ) -> pd.DataFrame:
        typed: _TypedBars | None = None
        for symbol in _index_symbols(index):
            try:
                typed = self._typed_bars("stock_zh_index_daily_em", {"symbol": symbol}, None)
                break
            except NotFoundError:
                continue
        if typed is None:
            raise NotFoundError(
                f"no stock_zh_index_daily_em bars for index {index} (symbol csi{index}) in {self._label}"
            )
        # Same steps as the live path: the window from wide_start, pct_change over it, then the cut to start.
        bars = typed.window(wide_start, end, self.info.trade_date, finish=False)
        bars["pct_change"] = bars["close"].pct_change() * 100.0
        return self._finish_bars(bars, "stock_zh_index_daily_em", start, end)

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


def _view(df: pd.DataFrame) -> pd.DataFrame:
    """A memoised frame for a caller: a copy-on-write shallow copy (mutating it never touches the memo)."""
    out = df.copy(deep=False)
    out.attrs = dict(df.attrs)
    return out


def _empty_bars(source: str) -> pd.DataFrame:
    empty = pd.DataFrame({c: pd.Series(dtype=object if c == "date" else "float64") for c in BAR_COLUMNS})
    empty.attrs["source"] = source
    return empty


_INDEX_COLUMNS = ["date", "open", "close", "high", "low", "volume", "amount"]


class _TypedBars:
    """One recorded bar frame, typed once: rows with a date on or before trade_date, sorted by date (stable), and
    the dates' ordinals for windowing by binary search. `window()` gives exactly what the per-call path gives
    (filter [start, min(end, trade_date)], sort, float64) as a copy-on-write slice."""

    __slots__ = ("frame", "ordinals", "source")

    def __init__(self, frame: pd.DataFrame, ordinals: np.ndarray, source: str) -> None:
        self.frame, self.ordinals, self.source = frame, ordinals, source

    @classmethod
    def build(
        cls, raw: pd.DataFrame, mapping: dict[str, str] | None, last_ord: int, source: str
    ) -> _TypedBars:
        if mapping is not None:
            date_col = next(k for k, v in mapping.items() if v == "date")
            columns = BAR_COLUMNS
            src = {v: k for k, v in mapping.items()}
        else:
            date_col, columns, src = "date", _INDEX_COLUMNS, {c: c for c in _INDEX_COLUMNS}
        dates = raw[date_col].to_numpy(dtype=object)
        ords = np.fromiter(
            (d.toordinal() if d is not None else -1 for d in dates), dtype=np.int64, count=len(dates)
        )
        rows = np.flatnonzero((ords >= 0) & (ords <= last_ord))
        rows = rows[np.argsort(ords[rows], kind="stable")]
        values = raw[[src[c] for c in columns[1:]]].to_numpy(dtype="float64")[rows]
        data: dict[str, Any] = {"date": dates[rows]}
        for i, column in enumerate(columns[1:]):
            data[column] = values[:, i]
        frame = pd.DataFrame(data, columns=columns)
        frame.attrs["source"] = source
        return cls(frame, ords[rows], source)

    def window(
        self, start: dt.date | None, end: dt.date | None, trade_date: dt.date, finish: bool = True
    ) -> pd.DataFrame:
        last = min(end or trade_date, trade_date).toordinal()
        lo = 0 if start is None else int(np.searchsorted(self.ordinals, start.toordinal(), side="left"))
        hi = int(np.searchsorted(self.ordinals, last, side="right"))
        out = self.frame.iloc[lo : max(lo, hi)].reset_index(drop=True)
        out.attrs = {"source": self.source} if finish else {}
        return out


def _index_symbols(index: str) -> list[str]:
    """stock_zh_index_daily_em symbols to try: the call plan's csi+code first, then the exchange prefixes."""
    exchange = "sz" if index.startswith("399") else "sh"
    return [f"csi{index}", f"{exchange}{index}"]


def _ordinal(series: pd.Series) -> pd.Series:
    return series.map(lambda d: d.toordinal() if d is not None else -1)


def _num(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number
