"""The live layer under injected faults (no network): timeouts, dropped connections, bans, broken payloads.

For each: the last good cached frame, flagged as stale with its date, or a clear "unavailable"; never a wrong
number, never a traceback, and a host that keeps failing is not hammered (circuit breaker)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
from akshare_fakes import BARS, ETF, Clock, FakeAkshare, disconnected

from assistant.caveats import collecting
from assistant.config import Settings
from assistant.errors import NotFoundError, UpstreamError
from assistant.market.akshare_source import AkshareSource


def source(tmp_path: Path, clock: Clock, timeout: float = 5.0) -> AkshareSource:
    return AkshareSource(
        Settings(store=tmp_path / "store", akshare_min_interval_s=0, akshare_timeout_s=timeout),
        now=clock,
        retry_attempts=2,
        retry_wait_s=0,
    )


def http_error(status: int) -> Exception:
    response = requests.Response()
    response.status_code = status
    return requests.exceptions.HTTPError(f"{status} Client Error", response=response)


def renamed(kwargs: dict) -> None:
    raise KeyError("收盘")  # what AKShare raises when the site renamed a column it indexes


FAULTS = {
    "remote disconnected": disconnected(),
    "timeout": requests.exceptions.ReadTimeout("read timed out"),
    "403 ban": http_error(403),
    "429 rate limit": http_error(429),
    "renamed column": renamed,
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_serves_the_last_good_frame_flagged_stale(
    tmp_path: Path, fake: FakeAkshare, fault: str
) -> None:
    clock = Clock()
    good = source(tmp_path, clock).fetch("fund_etf_hist_em", BARS)
    clock.now += dt.timedelta(days=3)  # the cached frame has expired
    fake.fail["fund_etf_hist_em"] = FAULTS[fault]
    with collecting() as warnings:
        df = source(tmp_path, clock).fetch("fund_etf_hist_em", BARS)
    pd.testing.assert_frame_equal(df.reset_index(drop=True), good.reset_index(drop=True))
    assert len(warnings) == 1 and "last good data, as of 2026-01-09T16:00:00+08:00" in warnings[0]


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_without_cache_is_a_clear_upstream_error(tmp_path: Path, fake: FakeAkshare, fault: str) -> None:
    fake.fail["fund_etf_hist_em"] = FAULTS[fault]
    with pytest.raises(UpstreamError) as err:
        source(tmp_path, Clock()).fetch("fund_etf_hist_em", BARS)
    assert "push2his.eastmoney.com" in str(err.value) and "fund_etf_hist_em" in str(err.value)


def test_columnless_empty_frame_is_no_data_not_a_number(tmp_path: Path, fake: FakeAkshare) -> None:
    fake.fail["fund_etf_hist_em"] = lambda kwargs: (_ for _ in ()).throw(NotFoundError("no data"))
    with pytest.raises(NotFoundError):
        source(tmp_path, Clock()).fetch("fund_etf_hist_em", BARS)


def test_a_hanging_call_fails_within_the_timeout_and_the_breaker_opens(
    tmp_path: Path, fake: FakeAkshare
) -> None:
    fake.fail["fund_etf_hist_em"] = lambda kwargs: time.sleep(30)
    src = source(tmp_path, Clock(), timeout=0.5)
    started = time.monotonic()
    for _ in range(2):
        with pytest.raises(UpstreamError, match=r"no answer within 0\.5 s"):
            src.fetch("fund_etf_hist_em", BARS)
    with pytest.raises(UpstreamError, match="circuit open"):  # the host failed twice: not called again
        src.fetch("stock_zh_a_hist", {"symbol": "600549", "period": "daily", "adjust": ""})
    assert time.monotonic() - started < 10


def test_no_network_fails_fast_across_hosts(tmp_path: Path, fake: FakeAkshare) -> None:
    """`--live` without network walked every host's retries (328 s, then an empty answer): once failed calls have
    used the time limit, every later call fails at once with a clear message."""

    def down(kwargs: dict) -> None:
        time.sleep(0.2)
        raise disconnected()

    for name in (
        "fund_etf_hist_em",
        "stock_zh_index_daily_em",
        "index_stock_cons_weight_csindex",
        "fund_overview_em",
        "fund_etf_spot_em",
    ):
        fake.fail[name] = down
    src = source(tmp_path, Clock(), timeout=0.3)  # budget: 3 x 0.3 s of failed calls
    started, messages = time.monotonic(), []
    for function, params in [
        ("fund_etf_hist_em", BARS),
        ("stock_zh_index_daily_em", {"symbol": "csi930939"}),
        ("index_stock_cons_weight_csindex", {"symbol": "930939"}),
        ("fund_overview_em", {"symbol": ETF}),
        ("fund_etf_spot_em", {}),
    ] * 4:
        with pytest.raises(UpstreamError) as err:
            src.fetch(function, params)
        messages.append(str(err.value))
    assert time.monotonic() - started < 8
    assert all("network down?" in m for m in messages[-5:])
