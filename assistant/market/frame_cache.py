"""The live source's disk cache: normalised frames as Parquet (data only), fresh for as long as the data can
not change (spot 60 s, news 10 min, daily data until the next session opens)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from assistant.market import frames
from assistant.market.frame_files import read_frame, write_frame

log = logging.getLogger(__name__)
SHANGHAI = ZoneInfo(frames.SHANGHAI)
_SESSION_OPEN, _SESSION_CLOSE = dt.time(9, 15), dt.time(15, 30)
_INTRADAY = ("fund_etf_hist_em", "stock_zh_a_hist", "stock_zh_index_daily_em", "fund_scale_daily_szse")


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
