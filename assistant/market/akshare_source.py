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
import hashlib
import http.client
import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from tenacity import Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter, wait_none

from assistant.caveats import report
from assistant.config import Settings
from assistant.errors import InputError, NotFoundError, UpstreamError
from assistant.market import frames
from assistant.market.frame_files import read_frame, write_frame
from assistant.market.model import Article, Document, SourceInfo
from assistant.market.registry import Registry, load_registry

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo(frames.SHANGHAI)
# The market-wide index whose bars define "the last trading day" in live mode.
CALENDAR_SYMBOL = "sh000001"
_SESSION_OPEN, _SESSION_CLOSE = dt.time(9, 15), dt.time(15, 30)
_INTRADAY = ("fund_etf_hist_em", "stock_zh_a_hist", "stock_zh_index_daily_em", "fund_scale_daily_szse")


def is_connection_error(exc: BaseException) -> bool:
    """Errors worth retrying: the connection dropped or timed out (not a changed payload or a bad code)."""
    kinds: list[type[BaseException]] = [ConnectionError, TimeoutError, http.client.IncompleteRead]
    try:
        import requests

        kinds += [
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ]
    except ImportError:  # pragma: no cover - requests comes with akshare
        pass
    try:
        import urllib3

        kinds += [urllib3.exceptions.ProtocolError]
    except ImportError:  # pragma: no cover
        pass
    try:
        from curl_cffi.requests import exceptions as curl_exc

        kinds += [curl_exc.ConnectionError, curl_exc.Timeout]
    except ImportError:  # pragma: no cover
        pass
    return isinstance(exc, tuple(kinds))


def cache_expiry(function: str, now: dt.datetime) -> dt.datetime:
    """How long a frame stays fresh: spot 60 s, news 10 min, daily data until the next session opens
    (5 min while a session runs, since today's bar is still moving)."""
    if function == "fund_etf_spot_em":
        return now + dt.timedelta(seconds=60)
    if function == "stock_news_em":
        return now + dt.timedelta(minutes=10)
    local = now.astimezone(SHANGHAI)
    in_session = local.weekday() < 5 and _SESSION_OPEN <= local.time() < _SESSION_CLOSE
    if in_session and function in _INTRADAY:
        return now + dt.timedelta(minutes=5)
    return next_session_open(now)


def next_session_open(now: dt.datetime) -> dt.datetime:
    """The next weekday 09:15 Asia/Shanghai strictly after `now` (holidays only make the cache refresh early)."""
    local = now.astimezone(SHANGHAI)
    day = local.date()
    while True:
        candidate = dt.datetime.combine(day, _SESSION_OPEN, tzinfo=SHANGHAI)
        if candidate > local and candidate.weekday() < 5:
            return candidate
        day += dt.timedelta(days=1)


class FrameCache:
    """Normalised frames on disk (Parquet via frame_files: data only), keyed by function + all params."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, function: str, params: Mapping[str, str]) -> Path:
        key = json.dumps([function, sorted(params.items())], ensure_ascii=False)
        return self.root / function / f"{hashlib.sha1(key.encode('utf-8')).hexdigest()[:20]}.parquet"

    def get(self, function: str, params: Mapping[str, str], now: dt.datetime) -> pd.DataFrame | None:
        path = self._path(function, params)
        if not path.is_file():
            return None
        try:
            df, record = read_frame(path)
            expires_at = dt.datetime.fromisoformat(str(record["expires_at"]))
        except (ValueError, KeyError) as err:  # an unreadable entry is only a cache miss
            log.warning("ignoring unreadable cache entry %s: %s", path, err)
            return None
        return df if expires_at > now else None

    def get_stale(self, function: str, params: Mapping[str, str]) -> tuple[pd.DataFrame, str] | None:
        """The last good frame whatever its age, with when it was fetched: served (flagged) when upstream fails."""
        path = self._path(function, params)
        if not path.is_file():
            return None
        try:
            df, record = read_frame(path)
            return df, str(record["fetched_at"])
        except (ValueError, KeyError, OSError):
            return None

    def put(self, function: str, params: Mapping[str, str], df: pd.DataFrame, now: dt.datetime) -> None:
        path = self._path(function, params)
        record = {
            "function": function,
            "params": dict(params),
            "fetched_at": now.isoformat(),
            "expires_at": cache_expiry(function, now).isoformat(),
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_frame(df, path, record)
        except (OSError, ValueError) as err:
            log.warning("could not write cache entry %s: %s", path, err)


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


class UpstreamGuard:
    """Each upstream call under a time limit and its host's circuit breaker (pybreaker).

    AKShare calls `requests` without a timeout, so a dead network could block for minutes (an offline `--live` ask
    waited 328 s for an empty answer): the call runs in a worker thread and is abandoned after `timeout_s`. After
    `fail_max` connection failures a host's breaker opens and later calls to it fail at once until `reset_s`."""

    def __init__(self, timeout_s: float, fail_max: int = 2, reset_s: float = 60.0) -> None:
        self.timeout_s = timeout_s
        self.fail_max, self.reset_s = fail_max, reset_s
        self._breakers: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._failed_s = (
            0.0  # time spent in failed calls, all hosts: past 3 x timeout_s, the source fails fast
        )

    def breaker(self, host: str) -> Any:
        import pybreaker

        with self._lock:
            if host not in self._breakers:  # only connection-type failures count against a host
                self._breakers[host] = pybreaker.CircuitBreaker(
                    fail_max=self.fail_max,
                    reset_timeout=self.reset_s,
                    name=host,
                    throw_new_error_on_trip=False,
                    exclude=[lambda e: not (is_connection_error(e) or isinstance(e, _CallTimeout))],
                )
            return self._breakers[host]

    def call(self, host: str, function: str, attempts: Callable[[], Any]) -> Any:
        """Run `attempts` (the retried upstream call) under the host's breaker: one failure per exhausted call."""
        import pybreaker

        if self._failed_s >= 3 * self.timeout_s:  # no network: fail at once, not after every host's retries
            raise UpstreamError(
                host,
                function,
                f"live data unavailable: upstream calls have failed for "
                f"{self._failed_s:.0f} s in total (network down?)",
            )
        started = time.monotonic()
        try:
            return self.breaker(host).call(attempts)
        except pybreaker.CircuitBreakerError as err:
            raise UpstreamError(
                host,
                function,
                f"{host} failed repeatedly; not retried for {self.reset_s:.0f} s (circuit open)",
            ) from err
        except _CallTimeout as err:
            self._count_failure(started)
            raise UpstreamError(
                host, function, f"no answer within {self.timeout_s:g} s (MARKET_ASSISTANT_AKSHARE_TIMEOUT_S)"
            ) from err
        except Exception as err:
            if is_connection_error(err):
                self._count_failure(started)
            raise

    def _count_failure(self, started: float) -> None:
        with self._lock:
            self._failed_s += time.monotonic() - started

    def timed(self, fn: Callable[..., Any], params: Mapping[str, Any]) -> Any:
        import concurrent.futures as cf

        pool = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="akshare-call")
        future = pool.submit(fn, **params)
        pool.shutdown(wait=False)  # a call that never returns is abandoned, not waited for
        try:
            return future.result(timeout=self.timeout_s)
        except cf.TimeoutError as err:
            raise _CallTimeout(f"no answer within {self.timeout_s:g} s") from err


class _CallTimeout(Exception):
    pass


def _last_weekday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day
