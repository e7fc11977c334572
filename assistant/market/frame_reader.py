"""How MarketData reads frames from its source: the call's date window (with live lookbacks), the memo of an
immutable source (a snapshot is parsed once), and bar frames typed once (a group of frames that share one
frame, such as a cached snapshot's per-stock bars, in one pass) and windowed by binary search."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from assistant.errors import NotFoundError
from assistant.market import frames
from assistant.market.frame_files import FramePart
from assistant.market.frame_source import FrameSource

BAR_COLUMNS = ["date", "open", "close", "high", "low", "volume", "amount", "pct_change"]
# Live lookback when the caller gives no start date: enough for a T-1 drift and monthly changes.
_LIVE_BARS_LOOKBACK = dt.timedelta(days=70)
_T = TypeVar("_T")


class FrameReader:
    """The frame-reading half of `MarketData` (its base class): source, memo, windows and typed bars."""

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
        key = ("typed", *frames.frame_key(function, params))
        memo = self._memo
        assert memo is not None
        typed = memo.get(key)
        if typed is None and ("typed parts", function) not in memo:
            self._type_shared_parts(function, mapping)
            typed = memo.get(key)
        if typed is None:
            raw = self._recorded(function, params)  # NotFoundError propagates (and is not memoised)
            typed = _TypedBars.build(raw, mapping, self._last_ord, function)
            memo[key] = typed
        return typed

    def _type_shared_parts(self, function: str, mapping: dict[str, str] | None) -> None:
        """Type, in one pass per group frame, every recorded frame of `function` that shares its group with others
        (a cached snapshot's hundred per-stock bar frames are one frame): typing them one by one cost ~1 ms each,
        most of a cold explanation. A frame alone in its group is typed when first asked for, as before."""
        memo = self._memo
        assert memo is not None
        memo[("typed parts", function)] = True
        groups: dict[int, list[tuple[dict[str, str], FramePart]]] = {}
        for params, part in self.source.recorded_parts(function):
            groups.setdefault(id(part.group), []).append((params, part))
        for members in groups.values():
            if len(members) < 2:
                continue
            spans = [(part.start, part.stop) for _, part in members]
            typed_parts = _TypedBars.build_group(
                members[0][1].group, spans, mapping, self._last_ord, function
            )
            for (params, _), typed in zip(members, typed_parts, strict=True):
                memo.setdefault(("typed", *frames.frame_key(function, params)), typed)

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
    (filter [start, min(end, trade_date)], sort, float64) as a copy-on-write slice. The rows are
    frame[offset : offset + len(ordinals)]: the frames of one group share one typed frame."""

    __slots__ = ("frame", "offset", "ordinals", "source")

    def __init__(self, frame: pd.DataFrame, ordinals: np.ndarray, source: str, offset: int = 0) -> None:
        self.frame, self.ordinals, self.source, self.offset = frame, ordinals, source, offset

    @classmethod
    def build(
        cls, raw: pd.DataFrame, mapping: dict[str, str] | None, last_ord: int, source: str
    ) -> _TypedBars:
        return cls.build_group(raw, [(0, len(raw))], mapping, last_ord, source)[0]

    @classmethod
    def build_group(
        cls,
        raw: pd.DataFrame,
        spans: list[tuple[int, int]],
        mapping: dict[str, str] | None,
        last_ord: int,
        source: str,
    ) -> list[_TypedBars]:
        """The frames raw[start:stop] of `spans`, typed together: one date pass and one float64 conversion per
        column over `raw`, each frame's rows sorted within its own span."""
        if mapping is not None:
            date_col = next(k for k, v in mapping.items() if v == "date")
            columns = BAR_COLUMNS
            src = {v: k for k, v in mapping.items()}
        else:
            date_col, columns, src = "date", _INDEX_COLUMNS, {c: c for c in _INDEX_COLUMNS}
        lengths = [max(0, stop - start) for start, stop in spans]
        picked = np.concatenate(
            [np.arange(start, start + n, dtype=np.int64) for (start, _), n in zip(spans, lengths)]
        )
        owner = np.repeat(np.arange(len(spans), dtype=np.int64), lengths)
        dates = raw[date_col].to_numpy(dtype=object)[picked]
        ords = np.fromiter(
            (d.toordinal() if d is not None else -1 for d in dates), dtype=np.int64, count=len(dates)
        )
        keep = np.flatnonzero((ords >= 0) & (ords <= last_ord))
        # by owner, then date (stable): ordinals are < 2**32, so one int64 key orders both
        keep = keep[np.argsort((owner[keep] << 32) + ords[keep], kind="stable")]
        rows = picked[keep]
        data: dict[str, Any] = {"date": dates[keep]}
        for column in columns[1:]:  # column by column: a sub-frame first would copy it
            data[column] = raw[src[column]].to_numpy(dtype="float64")[rows]
        frame = pd.DataFrame(data, columns=columns)
        frame.attrs["source"] = source
        ordinals = ords[keep]
        bounds = np.searchsorted(owner[keep], np.arange(len(spans) + 1), side="left")
        return [
            cls(frame, ordinals[bounds[i] : bounds[i + 1]], source, int(bounds[i])) for i in range(len(spans))
        ]

    def window(
        self, start: dt.date | None, end: dt.date | None, trade_date: dt.date, finish: bool = True
    ) -> pd.DataFrame:
        last = min(end or trade_date, trade_date).toordinal()
        lo = 0 if start is None else int(np.searchsorted(self.ordinals, start.toordinal(), side="left"))
        hi = int(np.searchsorted(self.ordinals, last, side="right"))
        base = self.offset
        out = self.frame.iloc[base + lo : base + max(lo, hi)].reset_index(drop=True)
        out.attrs = {"source": self.source} if finish else {}
        return out


def _index_symbols(index: str) -> list[str]:
    """stock_zh_index_daily_em symbols to try: the call plan's csi+code first, then the exchange prefixes."""
    exchange = "sz" if index.startswith("399") else "sh"
    return [f"csi{index}", f"{exchange}{index}"]


def _ordinal(series: pd.Series) -> pd.Series:
    return series.map(lambda d: d.toordinal() if d is not None else -1)
