"""record(): a live (faked-at-the-edge) AKShare session written as a snapshot replays to the same numbers."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from akshare_fakes import CONSTITUENTS, ETF, INDEX, FakeAkshare, T

from assistant.config import Settings
from assistant.errors import UpstreamError
from assistant.market.akshare_source import AkshareSource
from assistant.market.data import MarketData
from assistant.market.record import record
from assistant.market.snapshot import SnapshotSource


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[AkshareSource, FakeAkshare]:
    fake = FakeAkshare()
    fake.install(monkeypatch)
    settings = Settings(store=tmp_path / "store", akshare_min_interval_s=0)
    now = dt.datetime(2026, 1, 9, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    return AkshareSource(settings, now=lambda: now, retry_wait_s=0), fake


def test_recorded_snapshot_replays_the_live_numbers(
    tmp_path: Path, live: tuple[AkshareSource, FakeAkshare]
) -> None:
    source, _ = live
    snap = record(source, tmp_path / "snap", [ETF])
    replay = MarketData(SnapshotSource(snap))
    online = MarketData(source)
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["origin"] == "recorded" and manifest["akshare_version"] == "1.19.5"
    assert manifest["trade_date"] == "2026-01-09" and manifest["universe"] == [{"etf": ETF, "index": INDEX}]
    assert replay.info.trade_date == online.info.trade_date == T

    start = dt.date(2025, 12, 15)
    pd.testing.assert_frame_equal(replay.etf_bars(ETF, start), online.etf_bars(ETF, start))
    pd.testing.assert_frame_equal(replay.index_bars(INDEX, start), online.index_bars(INDEX, start))
    pd.testing.assert_frame_equal(replay.weights(INDEX), online.weights(INDEX))
    for code in CONSTITUENTS:
        pd.testing.assert_frame_equal(replay.stock_bars(code, start), online.stock_bars(code, start))
        assert replay.industry(code) == online.industry(code)
    assert replay.etf_spot(ETF) == online.etf_spot(ETF)
    pd.testing.assert_frame_equal(replay.etf_units(ETF), online.etf_units(ETF))
    assert replay.fund_overview(ETF) == online.fund_overview(ETF)
    assert [a.id for a in replay.news_for(ETF)] == [a.id for a in online.news_for(ETF)]
    assert all(a.published_at <= replay.info.as_of for a in replay.articles())

    spot = pd.read_csv(snap / "frames" / "fund_etf_spot_em.csv", dtype=str)
    assert spot["代码"].tolist() == [ETF]  # the full-market frame is cut to the universe
    weights = pd.read_csv(snap / "frames" / "index_stock_cons_weight_csindex_930939.csv", dtype=str)
    assert weights["成分券代码"].tolist() == CONSTITUENTS and weights["日期"].iloc[0] == "2025-12-31"


def test_a_failing_constituent_is_a_note_not_an_abort(
    tmp_path: Path, live: tuple[AkshareSource, FakeAkshare]
) -> None:
    source, fake = live

    def fail_one(kwargs: dict) -> None:
        if kwargs["symbol"] == "000630":
            raise ConnectionError("Remote end closed connection without response")

    fake.fail["stock_zh_a_hist"] = fail_one
    snap = record(source, tmp_path / "snap", [ETF])
    manifest = json.loads((snap / "manifest.json").read_text(encoding="utf-8"))
    assert any("stock_zh_a_hist(symbol=000630" in note for note in manifest["notes"])
    replay = MarketData(SnapshotSource(snap))
    assert replay.stock_bars("000630").empty and not replay.stock_bars("600549").empty


def test_essential_failure_aborts(tmp_path: Path, live: tuple[AkshareSource, FakeAkshare]) -> None:
    source, fake = live
    fake.fail["index_stock_cons_weight_csindex"] = ConnectionError("down")
    with pytest.raises(UpstreamError, match="index_stock_cons_weight_csindex"):
        record(source, tmp_path / "snap", [ETF])
