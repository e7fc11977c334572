"""The bundled sample snapshot reproduces every figure of the seed article, read with pandas
only (independent of the assistant's own parsing), and the generators are deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "assistant" / "data" / "snapshots" / "sample-560500-2026-01-09"
F = SAMPLE / "frames"


def _csv(name: str, **kw: object) -> pd.DataFrame:
    return pd.read_csv(F / name, encoding="utf-8", **kw)


def _ret(closes: pd.Series, day: str, prev: str) -> float:
    return round((closes[day] / closes[prev] - 1) * 100, 2)


def test_manifest_is_v1_and_lists_existing_files() -> None:
    m = json.loads((SAMPLE / "manifest.json").read_text(encoding="utf-8"))
    assert m["format"] == "market-snapshot/1"
    assert m["trade_date"] == "2026-01-09" and m["as_of"] == "2026-01-09T15:00:00+08:00"
    assert m["origin"] == "sample" and m["universe"] == [{"etf": "560500", "index": "930939"}]
    for fr in m["frames"]:
        assert (SAMPLE / fr["file"]).is_file(), fr["file"]
    keys = [(fr["function"], json.dumps(fr["params"], sort_keys=True)) for fr in m["frames"]]
    assert len(keys) == len(set(keys))


def test_index_and_etf_returns_on_t() -> None:
    idx = _csv("stock_zh_index_daily_em_csi930939.csv").set_index("date")["close"]
    assert _ret(idx, "2026-01-09", "2026-01-08") == 1.64
    etf = _csv("fund_etf_hist_em_560500.csv").set_index("日期")
    assert _ret(etf["收盘"], "2026-01-09", "2026-01-08") == 1.60
    spot = _csv("fund_etf_spot_em.csv", dtype={"代码": str}).iloc[0]
    assert spot["代码"] == "560500" and spot["名称"] == "500质量成长ETF鹏扬"
    assert spot["最新价"] == etf.loc["2026-01-09", "收盘"] and spot["涨跌幅"] == 1.60


@pytest.mark.parametrize(("code", "pct"), [("600549", 10.00), ("000987", 9.99)])
def test_limit_up_stocks(code: str, pct: float) -> None:
    b = _csv(f"stock_zh_a_hist_{code}.csv", dtype={"股票代码": str}).set_index("日期")
    assert _ret(b["收盘"], "2026-01-09", "2026-01-08") == pct
    assert b.loc["2026-01-09", "涨跌幅"] == pct
    limit = float(round(pd.Series([b.loc["2026-01-08", "收盘"] * 1.1 + 1e-9]), 2).iloc[0])
    assert b.loc["2026-01-09", "收盘"] == limit  # closed at the limit price


def test_top_ten_weights() -> None:
    w = _csv("index_stock_cons_weight_csindex_930939.csv", dtype={"成分券代码": str, "指数代码": str})
    assert len(w) == 100 and set(w["日期"]) == {"2025-12-31"}
    assert w["权重"].sum() == pytest.approx(100, abs=1e-6)
    top = w.nlargest(10, "权重")
    assert round(top["权重"].sum(), 2) == 22.96
    assert {"002558", "601168"} <= set(top["成分券代码"])


def test_month_units_and_scale_change() -> None:
    etf = _csv("fund_etf_hist_em_560500.csv").set_index("日期")["收盘"]
    u0 = _csv("fund_etf_scale_sse_20251209.csv", dtype={"基金代码": str})["基金份额"].iloc[0]
    u1 = _csv("fund_etf_scale_sse_20260109.csv", dtype={"基金代码": str})["基金份额"].iloc[0]
    assert round((u1 - u0) / 1e6) == 16
    assert round((u1 * etf["2026-01-09"] - u0 * etf["2025-12-09"]) / 1e6, 2) == 52.66


def test_top_contributors_and_attribution_residual() -> None:
    w = _csv("index_stock_cons_weight_csindex_930939.csv", dtype={"成分券代码": str})
    rows = []
    for code, wt in zip(w["成分券代码"], w["权重"]):
        b = _csv(f"stock_zh_a_hist_{code}.csv").set_index("日期")["收盘"]
        r = b["2026-01-09"] / b["2026-01-08"] - 1 if "2026-01-09" in b.index else 0.0
        rows.append((code, wt * b["2026-01-08"] / b["2025-12-31"], r))
    df = pd.DataFrame(rows, columns=["code", "w", "r"])
    df["w"] /= df["w"].sum()
    df["c"] = df["w"] * df["r"] * 100
    idx = _csv("stock_zh_index_daily_em_csi930939.csv").set_index("date")["close"]
    index_ret = (idx["2026-01-09"] / idx["2026-01-08"] - 1) * 100
    assert abs(df["c"].sum() - index_ret) < 0.02
    assert {"600549", "000987"} <= set(df.nlargest(3, "c")["code"])
    assert {"600549", "000987"} == set(df.nlargest(2, "r")["code"])


def test_news_has_seed_trap_and_injection() -> None:
    items = [json.loads(x) for x in (SAMPLE / "news" / "news.jsonl").read_text(encoding="utf-8").splitlines()]
    ids = [a["id"] for a in items]
    assert len(ids) == len(set(ids)) >= 13
    seed = next(a for a in items if a["id"] == "sina-20260109-560500")
    assert seed["published_at"] == "2026-01-09T05:58:00+08:00" and "22.96%" in seed["body"]
    assert any(a["published_at"] > "2026-01-09T15:00:00+08:00" for a in items)
    assert any("Ignore previous instructions" in a["body"] for a in items)


def test_generators_are_deterministic(tmp_path: Path) -> None:
    from eval.snapshots import sample_560500, scenarios

    def tree(root: Path) -> dict[str, bytes]:
        return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}

    scenarios.generate_all(tmp_path / "a")
    scenarios.generate_all(tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    sample_560500.generate(tmp_path / "s")
    assert tree(tmp_path / "s") == tree(SAMPLE), "bundled sample is out of date: rerun the generator"


def test_suspended_and_stale_weights_scenario(tmp_path: Path) -> None:
    from eval.snapshots import scenarios

    root = scenarios.generate_all(tmp_path)
    sse = next(p for p in root if "562340" in p.name)
    bars = pd.read_csv(sse / "frames" / "stock_zh_a_hist_002916.csv")
    assert "2025-12-19" not in set(bars["日期"]) and "2025-12-18" in set(bars["日期"])
    w = pd.read_csv(sse / "frames" / "index_stock_cons_weight_csindex_930939.csv")
    assert set(w["日期"]) == {"2025-11-28"}
    szse = next(p for p in root if "159919" in p.name)
    units = pd.read_csv(szse / "frames" / "fund_scale_daily_szse_ETF.csv", dtype={"基金代码": str})
    assert {"2025-12-15", "2025-12-16"} <= set(units["日期"])
    idx = pd.read_csv(szse / "frames" / "stock_zh_index_daily_em_csi000300.csv").set_index("date")["close"]
    assert idx["2025-12-16"] < idx["2025-12-15"]
