"""Snapshot v1 validation: every rejection names the file and the problem; valid snapshots load; as_of holds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest
from snapshot_factory import ETF, INDEX, TRADE_DATE, build_snapshot

from assistant.config import bundled_sample_path
from assistant.errors import NotFoundError, SnapshotError
from assistant.market.data import MarketData
from assistant.market.snapshot import SnapshotSource


def rejects(snap: Path, file_part: str, *problem_parts: str) -> SnapshotError:
    with pytest.raises(SnapshotError) as info:
        SnapshotSource(snap)
    err = info.value
    assert file_part in err.file, f"file {err.file!r} should name {file_part!r}"
    for part in problem_parts:
        assert part in str(err), f"{str(err)!r} should mention {part!r}"
    return err


# ----------------------------------------------------------------------------------------------------- manifest


def test_missing_manifest(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path)
    (snap / "manifest.json").unlink()
    rejects(snap, "manifest.json", "missing")


def test_invalid_manifest_json(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path)
    (snap / "manifest.json").write_text("{not json", encoding="utf-8")
    rejects(snap, "manifest.json", "invalid JSON")


@pytest.mark.parametrize("key", ["format", "trade_date", "as_of", "origin", "universe", "frames"])
def test_missing_manifest_key(tmp_path: Path, key: str) -> None:
    snap = build_snapshot(tmp_path, edit_manifest=lambda m: m.pop(key))
    rejects(snap, "manifest.json", "missing manifest key", key)


def test_wrong_format(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path, edit_manifest=lambda m: m.update(format="market-snapshot/2"))
    rejects(snap, "manifest.json", "market-snapshot/2", "market-snapshot/1")


def test_as_of_without_time_zone(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path, edit_manifest=lambda m: m.update(as_of="2026-01-09T15:00:00"))
    rejects(snap, "manifest.json", "as_of", "time zone")


def test_bad_trade_date(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path, edit_manifest=lambda m: m.update(trade_date="09/01/2026"))
    rejects(snap, "manifest.json", "trade_date", "YYYY-MM-DD")


def test_bad_origin(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path, edit_manifest=lambda m: m.update(origin="live"))
    rejects(snap, "manifest.json", "origin", "'live'")


def test_non_six_digit_universe_code(tmp_path: Path) -> None:
    snap = build_snapshot(
        tmp_path, edit_manifest=lambda m: m.update(universe=[{"etf": "56050", "index": INDEX}])
    )
    rejects(snap, "manifest.json", "universe[0].etf", "'56050'", "6-digit")


def test_non_six_digit_param_symbol(tmp_path: Path) -> None:
    def edit(m: dict) -> None:
        for f in m["frames"]:
            if f["function"] == "stock_zh_a_hist":
                f["params"]["symbol"] = "630"
                break

    snap = build_snapshot(tmp_path, edit_manifest=edit)
    rejects(snap, "manifest.json", "params.symbol", "'630'", "6-digit")


def test_duplicate_frame_keys_ignore_date_params(tmp_path: Path) -> None:
    def edit(m: dict) -> None:
        first = next(f for f in m["frames"] if f["function"] == "fund_etf_hist_em")
        m["frames"].append({**first, "params": {**first["params"], "start_date": "20260101"}})

    snap = build_snapshot(tmp_path, edit_manifest=edit)
    rejects(snap, "manifest.json", "duplicates the key", "fund_etf_hist_em")


# ------------------------------------------------------------------------------------------------------- frames


def test_frame_file_missing(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path)
    (snap / "frames" / "fund_overview_em.csv").unlink()
    rejects(snap, "frames/fund_overview_em.csv", "does not exist")


def test_frame_missing_required_columns(tmp_path: Path) -> None:
    def edit(frames: dict) -> None:
        function, params, df = frames["fund_etf_hist_em.csv"]
        frames["fund_etf_hist_em.csv"] = (function, params, df.drop(columns=["收盘", "成交额"]))

    snap = build_snapshot(tmp_path, edit_frames=edit)
    rejects(snap, "fund_etf_hist_em.csv", "missing required column", "收盘", "成交额")


def test_non_six_digit_code_column(tmp_path: Path) -> None:
    def edit(frames: dict) -> None:
        _function, _params, df = frames["index_stock_cons_weight_csindex.csv"]
        df.loc[1, "成分券代码"] = "60054X"

    snap = build_snapshot(tmp_path, edit_frames=edit)
    rejects(snap, "index_stock_cons_weight_csindex.csv", "成分券代码", "60054X", "6-digit")


def test_weights_must_sum_to_100(tmp_path: Path) -> None:
    def edit(frames: dict) -> None:
        frames["index_stock_cons_weight_csindex.csv"][2].loc[0, "权重"] = 10.0

    snap = build_snapshot(tmp_path, edit_frames=edit)
    rejects(snap, "index_stock_cons_weight_csindex.csv", "sum to", "100 ± 0.5")


def test_spot_price_sanity_check(tmp_path: Path) -> None:
    def edit(frames: dict) -> None:
        frames["fund_etf_spot_em.csv"][2].loc[0, "最新价"] = 123456.0  # e.g. 成交量 shifted into 最新价

    snap = build_snapshot(tmp_path, edit_frames=edit)
    rejects(snap, "fund_etf_spot_em.csv", "最新价", "sanity")


def test_etf_without_bar_on_trade_date(tmp_path: Path) -> None:
    def edit(frames: dict) -> None:
        function, params, df = frames["fund_etf_hist_em.csv"]
        frames["fund_etf_hist_em.csv"] = (function, params, df.iloc[:-1])

    snap = build_snapshot(tmp_path, edit_frames=edit)
    rejects(snap, "manifest.json", f"ETF {ETF}", "no fund_etf_hist_em bar on trade_date 2026-01-09")


def test_index_without_bar_on_trade_date(tmp_path: Path) -> None:
    snap = build_snapshot(tmp_path, edit_frames=lambda f: f.pop("stock_zh_index_daily_em.csv"))
    rejects(snap, "manifest.json", f"index {INDEX}", "stock_zh_index_daily_em", "trade_date")


def test_unparseable_date(tmp_path: Path) -> None:
    def edit(frames: dict) -> None:
        frames["stock_zh_a_hist_600549.csv"][2].loc[3, "日期"] = "yesterday"

    snap = build_snapshot(tmp_path, edit_frames=edit)
    rejects(snap, "stock_zh_a_hist_600549.csv", "日期", "'yesterday'", "not a date")


# --------------------------------------------------------------------------------------------------------- news


def test_malformed_news_lines_are_skipped_and_reported(tmp_path: Path) -> None:
    good = {"id": "ok", "title": "t", "published_at": "2026-01-09T08:00:00+08:00", "body": "b"}
    lines = [
        json.dumps(good),
        "{broken",
        json.dumps({"id": "x", "title": "t", "body": "b"}),
        json.dumps({**good, "id": "naive", "published_at": "2026-01-09T08:00:00"}),
    ]
    snap = build_snapshot(tmp_path, news=lines)
    source = SnapshotSource(snap)
    assert [a.id for a in source.articles() if not a.id.startswith("em-")] == ["ok"]
    assert any("news.jsonl:2" in p and "invalid JSON" in p for p in source.problems)
    assert any("news.jsonl:3" in p and "published_at" in p for p in source.problems)
    assert any("news.jsonl:4" in p and "time zone" in p for p in source.problems)
    with pytest.raises(SnapshotError) as info:
        SnapshotSource(snap, strict_news=True)
    assert info.value.file.endswith("news.jsonl:2") and "invalid JSON" in str(info.value)


def test_duplicate_news_ids(tmp_path: Path) -> None:
    item = {"id": "dup", "title": "t", "published_at": "2026-01-09T08:00:00+08:00", "body": "b"}
    snap = build_snapshot(tmp_path, news=[json.dumps(item), json.dumps({**item, "title": "again"})])
    source = SnapshotSource(snap)
    assert [a.title for a in source.articles() if a.id == "dup"] == ["t"]
    assert any(
        "news.jsonl:2" in p and "duplicate news id 'dup'" in p and "news.jsonl:1" in p
        for p in source.problems
    )


# ---------------------------------------------------------------------------------------------- positive paths


def test_valid_snapshot_loads_and_replays(tmp_path: Path) -> None:
    docs = {
        "csi-930939-methodology.md": "---\ntitle: 编制方案\npublished_at: 2025-06-01\nsymbols: ['930939']\n---\n# H\n",
        "funds/560500-contract.txt": "contract",
        "later.md": "---\npublished_at: 2026-02-01T00:00:00+08:00\n---\n",
    }
    source = SnapshotSource(build_snapshot(tmp_path, n_constituents=4, documents=docs))
    data = MarketData(source)
    assert source.problems == []
    assert data.info.origin == "synthetic" and data.info.trade_date == TRADE_DATE
    assert data.universe() == {ETF: INDEX} and data.index_of(ETF) == INDEX
    bars = data.etf_bars(ETF)
    assert bars.attrs["source"] == "fund_etf_hist_em" and bars["date"].iloc[-1] == TRADE_DATE
    assert bars["close"].iloc[-1] == pytest.approx(round(1.002**29, 4))
    assert data.weights(INDEX)["weight"].sum() == pytest.approx(100.0)
    assert set(data.weights(INDEX)["code"]) == {"600549", "000630", "002460", "603799"}
    assert data.stock_bars("000630")["close"].iloc[0] == pytest.approx(11.0)
    assert data.stock_bars("999999").empty
    assert data.industry("000630") == "行业1" and data.industry("999999") is None
    assert list(data.etf_units(ETF)["units"]) == [5.0e8, 5.1e8, 5.2e8]
    assert data.etf_spot(ETF).price == pytest.approx(bars["close"].iloc[-1])
    assert data.fund_overview(ETF)["跟踪标的"] == "中证500质量成长指数"
    assert {d.id for d in data.documents()} == {"csi-930939-methodology", "funds/560500-contract"}
    doc = next(d for d in data.documents() if d.id == "csi-930939-methodology")
    assert doc.title == "编制方案" and doc.symbols == ("930939",)
    with pytest.raises(NotFoundError, match="no fund_etf_hist_em bars for ETF 510300 in snapshot snap"):
        data.etf_bars("510300")
    with pytest.raises(NotFoundError, match="not in the universe"):
        data.index_of("510300")


def test_nothing_after_as_of_or_trade_date(tmp_path: Path) -> None:
    def add_future_rows(frames: dict) -> None:
        function, params, df = frames["fund_etf_hist_em.csv"]
        future = df.iloc[[-1]].assign(日期="2026-01-12")
        frames["fund_etf_hist_em.csv"] = (function, params, pd.concat([df, future]))

    source = SnapshotSource(build_snapshot(tmp_path, edit_frames=add_future_rows))
    data = MarketData(source)
    assert data.etf_bars(ETF)["date"].max() == TRADE_DATE
    assert (
        source.fetch("fund_etf_hist_em", {"symbol": ETF, "period": "daily", "adjust": ""})["日期"].max()
        == TRADE_DATE
    )
    ids = {a.id for a in data.articles()}
    assert "n-early" in ids and "n-late" not in ids  # 20:00 news is after the 15:00 as_of
    assert all(a.published_at <= data.info.as_of for a in data.articles())
    assert len([i for i in ids if i.startswith("em-")]) == 1  # the 18:00 stock_news_em row is dropped too
    assert [a.title for a in data.news_for(ETF)] == ["500质量成长ETF获资金流入"]


def test_date_params_filter_rows(tmp_path: Path) -> None:
    source = SnapshotSource(build_snapshot(tmp_path))
    df = source.fetch(
        "fund_etf_hist_em",
        {"symbol": ETF, "period": "daily", "adjust": "", "start_date": "20260105", "end_date": "20260108"},
    )
    assert list(df["日期"]) == [dt.date(2026, 1, d) for d in (5, 6, 7, 8)]
    assert MarketData(source).etf_bars(ETF, start=dt.date(2026, 1, 8))["date"].tolist() == [
        dt.date(2026, 1, 8),
        TRADE_DATE,
    ]


def test_old_akshare_sse_scale_is_rescaled_to_units(tmp_path: Path) -> None:
    def in_wan_fen(frames: dict) -> None:
        for name, (_, _, df) in frames.items():
            if name.startswith("fund_etf_scale_sse"):
                df["基金份额"] = df["基金份额"] / 10000

    snap = build_snapshot(
        tmp_path, edit_frames=in_wan_fen, edit_manifest=lambda m: m.update(akshare_version="1.17.90")
    )
    assert list(MarketData(SnapshotSource(snap)).etf_units(ETF)["units"]) == pytest.approx(
        [5.0e8, 5.1e8, 5.2e8]
    )


def test_index_pct_change_uses_close_before_start(tmp_path: Path) -> None:
    data = MarketData(SnapshotSource(build_snapshot(tmp_path)))
    bars = data.index_bars(INDEX, start=TRADE_DATE)
    assert bars["date"].tolist() == [TRADE_DATE] and bars["pct_change"].iloc[0] == pytest.approx(
        0.3, abs=1e-3
    )


@pytest.mark.skipif(
    not (bundled_sample_path() / "manifest.json").exists(), reason="bundled sample not generated yet"
)
def test_bundled_sample_loads_and_validates() -> None:
    source = SnapshotSource(bundled_sample_path())
    data = MarketData(source)
    assert source.info.origin == "sample"
    for etf, index in data.universe().items():
        assert data.etf_bars(etf)["date"].iloc[-1] == source.info.trade_date
        assert data.index_bars(index)["date"].iloc[-1] == source.info.trade_date
        assert abs(data.weights(index)["weight"].sum() - 100) <= 0.5
