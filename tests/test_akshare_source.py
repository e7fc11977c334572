"""AkshareSource with the akshare functions monkeypatched (the network edge only)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pandas as pd
import pytest
from akshare_fakes import BARS, ETF, INDEX, SH, Clock, FakeAkshare, T, disconnected

from assistant.config import Settings
from assistant.errors import NotFoundError, UpstreamError
from assistant.market.akshare_source import AkshareSource, cache_expiry, next_session_open
from assistant.market.data import MarketData


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make_source(tmp_path: Path, clock: Clock, interval: float = 0.0) -> AkshareSource:
    settings = Settings(store=tmp_path / "store", akshare_min_interval_s=interval)
    return AkshareSource(settings, now=clock, retry_attempts=3, retry_wait_s=0)


def test_info_is_live_with_last_trading_day(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    info = make_source(tmp_path, clock).info
    assert info.origin == "live" and info.trade_date == T and info.as_of == clock.now
    assert info.akshare_version == "1.19.5"


def test_retries_connection_errors_then_succeeds(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    fake.fail["fund_etf_hist_em"] = [disconnected(), ConnectionResetError("reset")]
    df = make_source(tmp_path, clock).fetch("fund_etf_hist_em", BARS)
    assert fake.calls["fund_etf_hist_em"] == 3 and df["日期"].iloc[-1] == T


def test_gives_up_with_upstream_error_naming_host_and_function(
    tmp_path: Path, fake: FakeAkshare, clock: Clock
) -> None:
    fake.fail["fund_etf_hist_em"] = disconnected()
    with pytest.raises(UpstreamError) as info:
        make_source(tmp_path, clock).fetch("fund_etf_hist_em", BARS)
    assert fake.calls["fund_etf_hist_em"] == 3
    assert info.value.upstream == "push2his.eastmoney.com" and info.value.function == "fund_etf_hist_em"
    assert str(info.value).startswith(
        "upstream push2his.eastmoney.com failed in fund_etf_hist_em: connection failed"
    )


def test_other_errors_are_not_retried(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    fake.fail["index_stock_cons_weight_csindex"] = KeyError("data")
    with pytest.raises(
        UpstreamError, match=r"oss-ch\.csindex\.com\.cn failed in index_stock_cons_weight_csindex: KeyError"
    ):
        make_source(tmp_path, clock).fetch("index_stock_cons_weight_csindex", {"symbol": INDEX})
    assert fake.calls["index_stock_cons_weight_csindex"] == 1


def test_empty_frame_is_not_found(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    with pytest.raises(NotFoundError, match=r"fund_etf_hist_em\(symbol='123456'.*returned no data"):
        make_source(tmp_path, clock).fetch("fund_etf_hist_em", {**BARS, "symbol": "123456"})
    with pytest.raises(NotFoundError, match="no fund_etf_hist_em bars for ETF 123456 in live AKShare"):
        MarketData(make_source(tmp_path, clock)).etf_bars("123456")


def test_shifted_columns_are_an_upstream_error(
    tmp_path: Path, fake: FakeAkshare, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = fake.fund_etf_spot_em
    monkeypatch.setattr(fake, "fund_etf_spot_em", lambda: real().assign(最新价=[12345.0, 1.0, 1.0]))
    fake.install(monkeypatch)
    with pytest.raises(UpstreamError, match=r"unexpected data.*最新价"):
        make_source(tmp_path, clock).fetch("fund_etf_spot_em", {})


def test_cache_hit_avoids_a_second_call(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    first = make_source(tmp_path, clock).fetch("fund_etf_hist_em", BARS)
    again = make_source(tmp_path, clock).fetch("fund_etf_hist_em", BARS)  # new process, same disk cache
    assert fake.calls["fund_etf_hist_em"] == 1
    pd.testing.assert_frame_equal(first, again)
    source = make_source(tmp_path, clock)
    source.fetch("fund_etf_spot_em", {})
    clock.now += dt.timedelta(seconds=30)
    source.fetch("fund_etf_spot_em", {})
    assert fake.calls["fund_etf_spot_em"] == 1
    clock.now += dt.timedelta(seconds=31)  # spot lives 60 s
    source.fetch("fund_etf_spot_em", {})
    assert fake.calls["fund_etf_spot_em"] == 2


def test_cache_ttls() -> None:
    friday_evening = dt.datetime(2026, 1, 9, 16, 0, tzinfo=SH)
    monday_open = dt.datetime(2026, 1, 12, 9, 15, tzinfo=SH)
    assert next_session_open(friday_evening) == monday_open
    assert cache_expiry("index_stock_cons_weight_csindex", friday_evening) == monday_open
    in_session = dt.datetime(2026, 1, 9, 10, 0, tzinfo=SH)
    assert cache_expiry("fund_etf_hist_em", in_session) == in_session + dt.timedelta(minutes=5)
    assert cache_expiry("fund_etf_spot_em", in_session) == in_session + dt.timedelta(seconds=60)


def test_no_fallback_to_sample_data(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    for name in ("fund_etf_hist_em", "stock_zh_index_daily_em", "fund_etf_spot_em"):
        fake.fail[name] = disconnected()
    data = MarketData(make_source(tmp_path, clock))
    assert data.info.origin == "live" and data.info.trade_date == T  # calendar unreachable: last weekday
    with pytest.raises(UpstreamError):
        data.etf_bars(ETF)
    with pytest.raises(UpstreamError):
        data.etf_spot(ETF)
    with pytest.raises(UpstreamError):
        data.index_bars(INDEX)


def test_live_market_data_numbers(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    data = MarketData(make_source(tmp_path, clock))
    assert data.index_of(ETF) == INDEX
    spot = data.etf_spot(ETF)
    assert spot.price == 1.234 and spot.units == 5.2e8 and spot.data_date == T
    assert spot.update_time == dt.datetime(2026, 1, 9, 15, 0, tzinfo=SH)
    assert data.weights(INDEX)["code"].tolist() == ["600549", "000630", "002460"]
    assert data.industry("002460") == "能源金属"
    units = data.etf_units(ETF)
    assert units["date"].iloc[-1] == T and len(units) == 3
    assert data.fund_overview(ETF)["管理费率"] == "0.15%（每年）"
    assert [a.title for a in data.news_for("600549")] == ["600549 早盘走强"]  # 19:00 is after as_of 16:00


def test_tracking_mismatch_is_logged(
    tmp_path: Path, fake: FakeAkshare, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    fake.overview_index_name = "沪深300指数"
    with caplog.at_level(logging.WARNING, logger="assistant.market.akshare_source"):
        make_source(tmp_path, clock).fetch("fund_overview_em", {"symbol": ETF})
    assert "跟踪标的" in caplog.text and "930939" in caplog.text


def test_rate_limit_per_host(tmp_path: Path, fake: FakeAkshare, clock: Clock) -> None:
    """The limiter's own waits are measured (wall time between calls failed under load)."""
    source = make_source(tmp_path, clock, interval=1.5)
    source.fetch("fund_overview_em", {"symbol": ETF})  # fundf10.eastmoney.com
    source.fetch("index_stock_cons_weight_csindex", {"symbol": INDEX})  # another host: no wait
    assert source.throttle_waits == {}
    source.fetch("fund_overview_em", {"symbol": "510300"})  # same host again within the interval: waits
    assert list(source.throttle_waits) == ["fundf10.eastmoney.com"]
    assert len(source.throttle_waits["fundf10.eastmoney.com"]) == 1
    assert 0 < source.throttle_waits["fundf10.eastmoney.com"][0] <= 1.6
