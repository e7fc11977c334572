"""AkshareSource: the live FrameSource, calling the real AKShare functions of the call plan.

East Money and friends ban bursts and drop connections (see the call plan), so every call goes through:
a per-host rate limit (pyrate-limiter), retries with exponential backoff on connection-type errors only
(tenacity; a KeyError from a changed payload will not get better by asking again), a disk cache with TTLs,
and frames.normalise, the same parser the snapshot replay uses. Failures surface as UpstreamError naming the
host and function; empty answers as NotFoundError. There is deliberately no fallback to sample data: a live
answer built on illustrative numbers would be wrong without saying so.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter, wait_none

from assistant.caveats import report
from assistant.config import Settings
from assistant.errors import InputError, NotFoundError, UpstreamError
from assistant.market import frames
from assistant.market.frame_cache import SHANGHAI, FrameCache, cache_expiry, next_session_open
from assistant.market.frame_files import FramePart
from assistant.market.model import Article, Document, SourceInfo
from assistant.market.registry import Registry, load_registry
from assistant.market.upstream_guard import UpstreamGuard, is_connection_error

log = logging.getLogger(__name__)
# The market-wide index whose bars define "the last trading day" in live mode.
CALENDAR_SYMBOL = "sh000001"


class AkshareSource:
    """Live FrameSource: AKShare behind rate limits, retries and a disk cache."""

    label = "live AKShare"
    immutable = False  # live rows change: MarketData re-reads (this source keeps its own TTL cache)

    def __init__(
        self,
        settings: Settings,
        *,
        now: Callable[[], dt.datetime] | None = None,
        retry_attempts: int = 3,
        retry_wait_s: float = 1.0,
    ) -> None:
        self.settings = settings
        self.registry: Registry = load_registry(settings.etf_registry)
        self.cache = FrameCache(settings.cache_dir / "akshare")
        self._now = now or (lambda: dt.datetime.now(SHANGHAI))
        self._retry_attempts = max(1, retry_attempts)
        self._retry_wait_s = retry_wait_s
        self._limiters: dict[str, Any] = {}
        self.guard = UpstreamGuard(settings.akshare_timeout_s)  # per-host circuit breakers and a time limit
        self.throttle_waits: dict[str, list[float]] = {}  # host -> seconds each throttled call waited
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._guard = threading.Lock()
        self._calls: dict[str, list[dict[str, str]]] = {}
        self._news: dict[str, Article] = {}
        self._info: SourceInfo | None = None
        self._trading_days: list[dt.date] | None = None

    # ------------------------------------------------------------------------------------------- FrameSource

    @property
    def info(self) -> SourceInfo:
        """origin live; trade_date = the last day with a bar of the calendar index; as_of = now (Shanghai)."""
        if self._info is None:
            now = self._now()
            days = self.trading_days()
            trade_date = days[-1] if days else _last_weekday(now.astimezone(SHANGHAI).date())
            self._info = SourceInfo(
                origin="live", trade_date=trade_date, as_of=now, akshare_version=self.akshare_version
            )
        return self._info

    @property
    def akshare_version(self) -> str | None:
        try:
            return str(importlib.import_module("akshare").__version__)
        except ImportError:
            return None

    def fetch(self, function: str, params: Mapping[str, Any]) -> pd.DataFrame:
        if function not in frames.SPECS:
            raise InputError(f"{function} is not an AKShare function of the call plan")
        call = frames.clean_params(params)
        problem = frames.check_params(function, call)
        if problem:
            raise InputError(problem)
        with self._lock_for(function, call):
            now = self._now()
            df = self.cache.get(function, call, now)
            if df is None:
                try:
                    df = self._download(function, call)
                except (
                    UpstreamError
                ) as err:  # the last good frame, said to be stale and as of when; else raise
                    stale = self.cache.get_stale(function, call)
                    if stale is None:
                        raise
                    df, fetched_at = stale
                    report(f"Served from the last good data, as of {fetched_at}, because {err}")
                else:
                    self.cache.put(function, call, df, now)
        self._remember(function, call, df)
        out = df.copy()
        out.attrs["source"] = function
        return out

    def recorded(self, function: str, params: Mapping[str, Any]) -> pd.DataFrame:
        """Live: the fetched frame (nothing is recorded beyond the fetch cache)."""
        return self.fetch(function, dict(params))

    def recorded_parts(self, function: str) -> list[tuple[dict[str, str], FramePart]]:
        """Live: nothing is recorded (MarketData memoises only an immutable source)."""
        return []

    def calls(self, function: str) -> list[dict[str, str]]:
        """Params of the calls of `function` made through this source so far."""
        return [dict(c) for c in self._calls.get(function, [])]

    def universe(self) -> dict[str, str]:
        return self.registry.universe()

    def articles(self) -> list[Article]:
        """stock_news_em articles fetched through this source so far."""
        return sorted(self._news.values(), key=lambda a: (a.published_at, a.id))

    def documents(self) -> list[Document]:
        return []

    def trading_days(self) -> list[dt.date]:
        """Days with a bar of the calendar index over the last ~3 months; [] when it cannot be fetched."""
        if self._trading_days is None:
            today = self._now().astimezone(SHANGHAI).date()
            params = {
                "symbol": CALENDAR_SYMBOL,
                "start_date": frames.ymd(today - dt.timedelta(days=100)),
                "end_date": frames.ymd(today),
            }
            try:
                bars = self.fetch("stock_zh_index_daily_em", params)
            except (UpstreamError, NotFoundError) as err:
                log.warning("cannot read the trading calendar (%s); assuming the last weekday", err)
                return []
            self._trading_days = sorted(d for d in bars["date"] if d is not None and d <= today)
        return list(self._trading_days)

    # ---------------------------------------------------------------------------------------------- calling

    def _download(self, function: str, params: dict[str, str]) -> pd.DataFrame:
        host = frames.host_of(function)
        raw = self._call_upstream(function, host, params)
        if not isinstance(raw, pd.DataFrame):
            raise UpstreamError(host, function, f"returned {type(raw).__name__}, not a DataFrame")
        if raw.empty and len(raw.columns) == 0:
            shown = ", ".join(f"{k}={v!r}" for k, v in params.items()) or "no params"
            raise NotFoundError(f"{function}({shown}) returned no data from {host}")
        try:
            df = frames.normalise(function, raw)
        except frames.FrameError as err:
            raise UpstreamError(host, function, f"unexpected data ({err})") from err
        if function == "index_stock_cons_weight_csindex":
            problem = frames.weight_sum_problem(df)
            if problem:
                log.warning("%s(%s): %s", function, params.get("symbol"), problem)
                report(f"{function}({params.get('symbol')}): {problem}")
        if function == "fund_overview_em":
            self._check_tracking(params.get("symbol", ""), df)
        return df

    def _call_upstream(self, function: str, host: str, params: dict[str, str]) -> Any:
        try:
            akshare = importlib.import_module("akshare")
        except ImportError as err:
            raise UpstreamError(host, function, f"akshare is not installed ({err})") from err
        fn = getattr(akshare, function)
        wait = (
            wait_exponential_jitter(initial=self._retry_wait_s, max=self._retry_wait_s * 8)
            if self._retry_wait_s > 0
            else wait_none()
        )
        retrying = Retrying(
            stop=stop_after_attempt(self._retry_attempts),
            wait=wait,
            retry=retry_if_exception(is_connection_error),
            reraise=True,
        )

        def attempts() -> Any:
            for attempt in retrying:
                with attempt:
                    self._throttle(host)
                    return self.guard.timed(fn, params)
            raise UpstreamError(host, function, "no attempt was made")  # pragma: no cover

        try:
            return self.guard.call(host, function, attempts)
        except (NotFoundError, UpstreamError):
            raise
        except Exception as err:  # noqa: BLE001 - every upstream failure becomes one UpstreamError
            if is_connection_error(err):
                detail = (
                    f"connection failed after {self._retry_attempts} attempt(s): {type(err).__name__}: {err}"
                )
            else:
                detail = f"{type(err).__name__}: {err}"
            raise UpstreamError(host, function, detail) from err
        raise UpstreamError(host, function, "no attempt was made")  # pragma: no cover

    def _throttle(self, host: str) -> None:
        interval_ms = int(self.settings.akshare_min_interval_s * 1000)
        if interval_ms <= 0:
            return
        with self._guard:
            limiter = self._limiters.get(host)
            if limiter is None:
                from pyrate_limiter import Limiter, Rate

                limiter = self._limiters[host] = Limiter(Rate(1, interval_ms))
        if limiter.try_acquire(host, blocking=False):
            return
        started = (
            time.monotonic()
        )  # had to wait: recorded per host, so tests measure the limiter, not wall time
        limiter.try_acquire(host)
        with self._guard:
            self.throttle_waits.setdefault(host, []).append(time.monotonic() - started)

    def _lock_for(self, function: str, params: dict[str, str]) -> threading.Lock:
        key = (function, json.dumps(sorted(params.items())))
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def _remember(self, function: str, params: dict[str, str], df: pd.DataFrame) -> None:
        recorded = self._calls.setdefault(function, [])
        if params not in recorded:
            recorded.append(dict(params))
        if function == "stock_news_em":
            for article in frames.news_articles(df, params.get("symbol")):
                self._news.setdefault(article.id, article)

    def _check_tracking(self, etf: str, overview: pd.DataFrame) -> None:
        """Warn when fund_overview_em 跟踪标的 does not name the index the registry links the ETF to."""
        entry = self.registry.etfs.get(etf)
        if entry is None or overview.empty or "跟踪标的" not in overview.columns:
            return
        tracked = str(overview["跟踪标的"].iloc[0] or "")
        names = self.registry.index_names(entry.index) | {entry.index}
        if tracked and not any(n and (n in tracked or tracked in n) for n in names):
            log.warning(
                "registry links ETF %s to index %s, but fund_overview_em 跟踪标的 says %r",
                etf,
                entry.index,
                tracked,
            )


def _last_weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


__all__ = [
    "CALENDAR_SYMBOL",
    "SHANGHAI",
    "AkshareSource",
    "FrameCache",
    "UpstreamGuard",
    "cache_expiry",
    "is_connection_error",
    "next_session_open",
]
