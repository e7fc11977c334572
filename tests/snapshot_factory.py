"""Builds small, valid v1 snapshots in a temp folder, by hand (plain CSV + JSON, no project writer), so tests
exercise the format as the spec describes it. A test breaks one thing through `edit_manifest` / `edit_frames`
or by touching the files afterwards.

Numbers are deterministic: on trading day i (0 = first) the ETF closes at 1.000 * 1.002**i, the index at
5000 * 1.003**i, constituent k at (10 + k) * (1 + 0.001 * (k + 1))**i.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

TRADE_DATE = dt.date(2026, 1, 9)
AS_OF = "2026-01-09T15:00:00+08:00"
ETF, INDEX = "560500", "930939"


def trading_days(end: dt.date = TRADE_DATE, n: int = 30) -> list[dt.date]:
    days, day = [], end
    while len(days) < n:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return sorted(days)


def constituent_codes(n: int) -> list[str]:
    """Codes that need their leading zeros (000xxx, 002xxx) next to Shanghai ones."""
    pool = ["600549", "000630", "002460", "603799", "000001", "300750", "601899", "000878"]
    return [pool[i] if i < len(pool) else f"{600100 + i:06d}" for i in range(n)]


def _em_bars(days: list[dt.date], base: float, step: float, code: str | None = None) -> pd.DataFrame:
    rows = []
    prev = None
    for i, day in enumerate(days):
        close = round(base * (1 + step) ** i, 4)
        pct = 0.0 if prev is None else round((close / prev - 1) * 100, 4)
        row = {"日期": day.isoformat()}
        if code is not None:
            row["股票代码"] = code
        row.update(
            {
                "开盘": close,
                "收盘": close,
                "最高": close,
                "最低": close,
                "成交量": 1000 + i,
                "成交额": round(close * 100000, 2),
                "振幅": 0.0,
                "涨跌幅": pct,
                "涨跌额": 0.0 if prev is None else round(close - prev, 4),
                "换手率": 0.5,
            }
        )
        rows.append(row)
        prev = close
    return pd.DataFrame(rows)


def default_frames(
    etf: str, index: str, n_constituents: int, days: list[dt.date]
) -> dict[str, tuple[str, dict, pd.DataFrame]]:
    """file name -> (function, params, frame) for a complete call plan."""
    t = days[-1]
    codes = constituent_codes(n_constituents)
    out: dict[str, tuple[str, dict, pd.DataFrame]] = {}
    etf_bars = _em_bars(days, 1.0, 0.002)
    out["fund_etf_hist_em.csv"] = (
        "fund_etf_hist_em",
        {"symbol": etf, "period": "daily", "adjust": ""},
        etf_bars,
    )
    idx_rows = [
        {
            "date": d.isoformat(),
            "open": 5000 * 1.003**i,
            "close": round(5000 * 1.003**i, 4),
            "high": 5000 * 1.003**i,
            "low": 5000 * 1.003**i,
            "volume": 1e6,
            "amount": 1e9,
        }
        for i, d in enumerate(days)
    ]
    out["stock_zh_index_daily_em.csv"] = (
        "stock_zh_index_daily_em",
        {"symbol": f"csi{index}"},
        pd.DataFrame(idx_rows),
    )
    last = etf_bars.iloc[-1]
    out["fund_etf_spot_em.csv"] = (
        "fund_etf_spot_em",
        {},
        pd.DataFrame(
            [
                {
                    "代码": etf,
                    "名称": "500质量成长ETF鹏扬",
                    "最新价": last["收盘"],
                    "IOPV实时估值": round(last["收盘"] * 0.999, 4),
                    "基金折价率": -0.1,
                    "涨跌额": last["涨跌额"],
                    "涨跌幅": last["涨跌幅"],
                    "成交量": 12345,
                    "成交额": 1.5e6,
                    "开盘价": last["收盘"],
                    "最高价": last["收盘"],
                    "最低价": last["收盘"],
                    "昨收": etf_bars.iloc[-2]["收盘"],
                    "振幅": 0.0,
                    "换手率": 1.2,
                    "最新份额": 5.0e8,
                    "流通市值": 5.0e8,
                    "总市值": 5.0e8,
                    "数据日期": t.isoformat(),
                    "更新时间": f"{t.isoformat()} 15:00:00+08:00",
                }
            ]
        ),
    )
    for j, day in enumerate([days[0], days[-2], days[-1]]):
        out[f"fund_etf_scale_sse_{day:%Y%m%d}.csv"] = (
            "fund_etf_scale_sse",
            {"date": f"{day:%Y%m%d}"},
            pd.DataFrame(
                [
                    {
                        "序号": 1,
                        "基金代码": etf,
                        "基金简称": "500质量",
                        "ETF类型": "单市",
                        "统计日期": day.isoformat(),
                        "基金份额": 5.0e8 + j * 1.0e7,
                    }
                ]
            ),
        )
    weight = round(100.0 / n_constituents, 6)
    weights = [
        {
            "日期": days[-6].isoformat(),
            "指数代码": index,
            "指数名称": "500质量成长",
            "指数英文名称": "CSI 500 QG",
            "成分券代码": c,
            "成分券名称": f"股票{c}",
            "成分券英文名称": f"Stock {c}",
            "交易所": "上海证券交易所",
            "交易所英文名称": "Shanghai Stock Exchange",
            "权重": weight,
        }
        for c in codes
    ]
    weights[0]["权重"] = round(100.0 - weight * (n_constituents - 1), 6)
    out["index_stock_cons_weight_csindex.csv"] = (
        "index_stock_cons_weight_csindex",
        {"symbol": index},
        pd.DataFrame(weights),
    )
    for k, code in enumerate(codes):
        out[f"stock_zh_a_hist_{code}.csv"] = (
            "stock_zh_a_hist",
            {"symbol": code, "period": "daily", "adjust": ""},
            _em_bars(days, 10.0 + k, 0.001 * (k + 1), code),
        )
        out[f"stock_individual_info_em_{code}.csv"] = (
            "stock_individual_info_em",
            {"symbol": code},
            pd.DataFrame(
                {
                    "item": ["最新", "股票代码", "股票简称", "行业"],
                    "value": [str(10 + k), code, f"股票{code}", f"行业{k % 2}"],
                }
            ),
        )
    out["fund_overview_em.csv"] = (
        "fund_overview_em",
        {"symbol": etf},
        pd.DataFrame(
            [
                {
                    "基金全称": "鹏扬中证500质量成长交易型开放式指数证券投资基金",
                    "基金简称": "500质量成长ETF",
                    "基金代码": f"{etf}（主代码）",
                    "基金类型": "指数型-股票",
                    "成立日期/规模": "2021年08月04日 / 8.120亿份",
                    "资产规模": "5.00亿元",
                    "份额规模": "5.0000亿份",
                    "基金管理人": "鹏扬基金",
                    "基金托管人": "兴业银行",
                    "基金经理人": "施红俊",
                    "管理费率": "0.15%（每年）",
                    "托管费率": "0.05%（每年）",
                    "业绩比较基准": "中证500质量成长指数收益率",
                    "跟踪标的": "中证500质量成长指数",
                }
            ]
        ),
    )
    out["stock_news_em_560500.csv"] = (
        "stock_news_em",
        {"symbol": etf},
        pd.DataFrame(
            [
                {
                    "关键词": etf,
                    "新闻标题": "500质量成长ETF获资金流入",
                    "新闻内容": "资金持续流入。",
                    "发布时间": f"{t.isoformat()} 09:30:00",
                    "文章来源": "东方财富网",
                    "新闻链接": "http://finance.eastmoney.com/a/202601090001.html",
                },
                {
                    "关键词": etf,
                    "新闻标题": "盘后点评",
                    "新闻内容": "收盘后发布。",
                    "发布时间": f"{t.isoformat()} 18:00:00",
                    "文章来源": "东方财富网",
                    "新闻链接": "http://finance.eastmoney.com/a/202601090002.html",
                },
            ]
        ),
    )
    return out


def default_news(t: dt.date = TRADE_DATE) -> list[dict[str, Any]]:
    return [
        {
            "id": "n-early",
            "title": "早间新闻",
            "published_at": f"{t.isoformat()}T08:00:00+08:00",
            "source": "Test",
            "url": None,
            "language": "zh",
            "symbols": [ETF, INDEX],
            "body": "正文一",
        },
        {
            "id": "n-late",
            "title": "Evening news",
            "published_at": f"{t.isoformat()}T20:00:00+08:00",
            "source": "Test",
            "url": None,
            "language": "en",
            "symbols": [ETF],
            "body": "after the close",
        },
    ]


def build_snapshot(
    root: Path,
    *,
    n_constituents: int = 3,
    trade_date: dt.date = TRADE_DATE,
    n_days: int = 30,
    origin: str = "synthetic",
    news: list[dict[str, Any]] | list[str] | None = None,
    documents: dict[str, str] | None = None,
    edit_frames: Callable[[dict[str, tuple[str, dict, pd.DataFrame]]], None] | None = None,
    edit_manifest: Callable[[dict[str, Any]], None] | None = None,
) -> Path:
    """Write a minimal valid snapshot (one ETF, its index, N constituents) into root/snap; returns the folder.

    news: dicts (serialised as JSON lines) or raw strings (written verbatim: to break a line)."""
    snap = root / "snap"
    (snap / "frames").mkdir(parents=True)
    days = trading_days(trade_date, n_days)
    frame_map = default_frames(ETF, INDEX, n_constituents, days)
    if edit_frames:
        edit_frames(frame_map)
    entries = []
    for name, (function, params, df) in frame_map.items():
        df.to_csv(snap / "frames" / name, index=False, encoding="utf-8")
        entries.append({"function": function, "params": params, "file": f"frames/{name}"})
    manifest: dict[str, Any] = {
        "format": "market-snapshot/1",
        "trade_date": trade_date.isoformat(),
        "as_of": f"{trade_date.isoformat()}T15:00:00+08:00",
        "origin": origin,
        "akshare_version": "1.19.5",
        "universe": [{"etf": ETF, "index": INDEX}],
        "frames": entries,
    }
    if edit_manifest:
        edit_manifest(manifest)
    (snap / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = default_news(trade_date) if news is None else news
    if lines:
        (snap / "news").mkdir()
        text = "\n".join(x if isinstance(x, str) else json.dumps(x, ensure_ascii=False) for x in lines)
        (snap / "news" / "news.jsonl").write_text(text + "\n", encoding="utf-8")
    for name, content in (documents or {}).items():
        path = snap / "documents" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return snap
