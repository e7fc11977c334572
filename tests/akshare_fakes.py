"""Stand-ins for the AKShare functions of the call plan (the network edge only), returning DataFrames with
AKShare 1.19.5's exact columns and the dtypes its code produces under pandas 3: fund_etf_hist_em / index 日期
as str, stock_zh_a_hist and CSIndex / SSE dates as datetime.date objects, spot 数据日期 datetime64 and
更新时间 tz-aware, volumes int64, stock_individual_info_em values of mixed type.
"""

from __future__ import annotations

import datetime as dt
import http.client
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
import requests

T = dt.date(2026, 1, 9)
ETF, INDEX = "560500", "930939"
SH = ZoneInfo("Asia/Shanghai")
BARS = {"symbol": ETF, "period": "daily", "adjust": ""}  # fund_etf_hist_em's arguments for the ETF's bars


class Clock:
    """A settable wall clock for AkshareSource(now=...): the sample's trade day, after the close."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 9, 16, 0, tzinfo=SH)

    def __call__(self) -> dt.datetime:
        return self.now


def disconnected() -> requests.exceptions.ConnectionError:
    """The error `requests` raises when the server drops the connection (a retryable upstream fault)."""
    return requests.exceptions.ConnectionError(
        (
            "Connection aborted.",
            http.client.RemoteDisconnected("Remote end closed connection without response"),
        )
    )


CONSTITUENTS = ["600549", "000630", "002460"]


def _days(end: dt.date = T, n: int = 45) -> list[dt.date]:
    out, day = [], end
    while len(out) < n:
        if day.weekday() < 5:
            out.append(day)
        day -= dt.timedelta(days=1)
    return sorted(out)


def _in_range(df: pd.DataFrame, start_date: str, end_date: str) -> pd.DataFrame:
    """Like AKShare's beg/end: the series is fixed, the range only selects rows."""
    lo, hi = (
        dt.datetime.strptime(start_date, "%Y%m%d").date(),
        dt.datetime.strptime(end_date, "%Y%m%d").date(),
    )
    keep = df["日期"].map(lambda d: lo <= dt.date.fromisoformat(d) <= hi)
    return df[keep].reset_index(drop=True)


def _kline(days: list[dt.date], base: float, step: float) -> pd.DataFrame:
    closes = [round(base * (1 + step) ** i, 3) for i in range(len(days))]
    prev = [closes[0], *closes[:-1]]
    return pd.DataFrame(
        {
            "日期": pd.array([d.isoformat() for d in days], dtype="str"),
            "开盘": closes,
            "收盘": closes,
            "最高": closes,
            "最低": closes,
            "成交量": pd.array([1000 + i for i in range(len(days))], dtype="int64"),
            "成交额": [c * 1e5 for c in closes],
            "振幅": [0.0] * len(days),
            "涨跌幅": [round((c / p - 1) * 100, 2) for c, p in zip(closes, prev)],
            "涨跌额": [round(c - p, 3) for c, p in zip(closes, prev)],
            "换手率": [0.5] * len(days),
        }
    )


class FakeAkshare:
    """Records calls; `fail` maps a function name to an exception (or a list consumed one per call)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.fail: dict[str, Any] = {}
        self.overview_index_name = "中证500质量成长指数"

    def install(self, monkeypatch: Any) -> None:
        import akshare

        for name in (
            "fund_etf_spot_em",
            "fund_etf_hist_em",
            "stock_zh_a_hist",
            "stock_zh_index_daily_em",
            "index_stock_cons_weight_csindex",
            "stock_individual_info_em",
            "fund_etf_scale_sse",
            "fund_scale_daily_szse",
            "fund_overview_em",
            "stock_news_em",
        ):
            monkeypatch.setattr(akshare, name, self._wrap(name, getattr(self, name)))

    def _wrap(self, name: str, fn: Any) -> Any:
        def call(**kwargs: Any) -> pd.DataFrame:
            self.calls[name] += 1
            failure = self.fail.get(name)
            if isinstance(failure, list) and failure:
                raise failure.pop(0)
            if isinstance(failure, BaseException):
                raise failure
            if callable(failure):
                failure(kwargs)
            return fn(**kwargs)

        return call

    # ------------------------------------------------------------------------------------ the call plan

    def fund_etf_spot_em(self) -> pd.DataFrame:
        codes = [ETF, "510300", "159915"]
        num = {c: [1.234, 4.5, 2.1] for c in ("最新价", "开盘价", "最高价", "最低价", "昨收")}
        df = pd.DataFrame(
            {
                "代码": pd.array(codes, dtype="str"),
                "名称": pd.array(["500质量成长ETF鹏扬", "b", "c"], dtype="str"),
                "最新价": num["最新价"],
                "IOPV实时估值": [1.233, 4.49, 2.1],
                "基金折价率": [-0.08, 0.1, 0.0],
                "涨跌额": [0.02, 0.0, 0.0],
                "涨跌幅": [1.65, 0.0, 0.0],
                "成交量": [12345.0, 1.0, 1.0],
                "成交额": [1.5e6, 1.0, 1.0],
                "开盘价": num["开盘价"],
                "最高价": num["最高价"],
                "最低价": num["最低价"],
                "昨收": num["昨收"],
                "振幅": [1.0] * 3,
                "换手率": [1.2] * 3,
                "量比": [1.0] * 3,
                "最新份额": [5.2e8, 1e9, 1e9],
                "流通市值": [6.4e8, 1.0, 1.0],
                "总市值": [6.4e8, 1.0, 1.0],
            }
        )
        df["数据日期"] = pd.to_datetime(["20260109"] * 3, format="%Y%m%d", errors="coerce")
        df["更新时间"] = (
            pd.to_datetime(pd.Series([1767942000] * 3), unit="s", errors="coerce")
            .dt.tz_localize("UTC")
            .dt.tz_convert("Asia/Shanghai")
        )
        return df

    def fund_etf_hist_em(
        self,
        symbol: str = "159707",
        period: str = "daily",
        start_date: str = "19700101",
        end_date: str = "20500101",
        adjust: str = "",
    ) -> pd.DataFrame:
        if symbol != ETF:
            return pd.DataFrame()
        return _in_range(_kline(_days(), 1.0, 0.002), start_date, end_date)

    def stock_zh_a_hist(
        self,
        symbol: str = "000001",
        period: str = "daily",
        start_date: str = "19700101",
        end_date: str = "20500101",
        adjust: str = "",
        timeout: float | None = None,
    ) -> pd.DataFrame:
        if symbol not in CONSTITUENTS:
            return pd.DataFrame()
        k = CONSTITUENTS.index(symbol)
        df = _in_range(_kline(_days(), 10.0 + k, 0.001 * (k + 1)), start_date, end_date)
        df["股票代码"] = symbol
        df["日期"] = pd.to_datetime(df["日期"], errors="coerce").dt.date
        return df[
            [
                "日期",
                "股票代码",
                "开盘",
                "收盘",
                "最高",
                "最低",
                "成交量",
                "成交额",
                "振幅",
                "涨跌幅",
                "涨跌额",
                "换手率",
            ]
        ]

    def stock_zh_index_daily_em(
        self, symbol: str = "csi931151", start_date: str = "19900101", end_date: str = "20500101"
    ) -> pd.DataFrame:
        if symbol not in (f"csi{INDEX}", "sh000001"):
            return pd.DataFrame()
        bars = _in_range(_kline(_days(), 5000.0, 0.003), start_date, end_date)
        return pd.DataFrame(
            {
                "date": bars["日期"],
                "open": bars["开盘"],
                "close": bars["收盘"],
                "high": bars["最高"],
                "low": bars["最低"],
                "volume": bars["成交量"],
                "amount": bars["成交额"],
            }
        )

    def index_stock_cons_weight_csindex(self, symbol: str = "000300") -> pd.DataFrame:
        n = len(CONSTITUENTS)
        return pd.DataFrame(
            {
                "日期": [dt.date(2025, 12, 31)] * n,
                "指数代码": pd.array([symbol] * n, dtype="str"),
                "指数名称": ["500质量"] * n,
                "指数英文名称": ["CSI 500 QG"] * n,
                "成分券代码": pd.array(CONSTITUENTS, dtype="str"),
                "成分券名称": ["西部矿业", "中国铜业", "赣锋锂业"],
                "成分券英文名称": ["a", "b", "c"],
                "交易所": ["上海证券交易所", "深圳证券交易所", "深圳证券交易所"],
                "交易所英文名称": ["SSE", "SZSE", "SZSE"],
                "权重": [50.0, 30.0, 20.0],
            }
        )

    def stock_individual_info_em(self, symbol: str = "603777", timeout: float | None = None) -> pd.DataFrame:
        k = CONSTITUENTS.index(symbol)
        return pd.DataFrame(
            {
                "item": [
                    "最新",
                    "股票代码",
                    "股票简称",
                    "总股本",
                    "流通股",
                    "总市值",
                    "流通市值",
                    "行业",
                    "上市时间",
                ],
                "value": pd.Series(
                    [
                        10.5,
                        symbol,
                        f"股票{k}",
                        2.383e9,
                        2.383e9,
                        4.0e10,
                        4.0e10,
                        ["有色金属", "有色金属", "能源金属"][k],
                        20070712,
                    ],
                    dtype=object,
                ),
            }
        )

    def fund_etf_scale_sse(self, date: str = "20250115") -> pd.DataFrame:
        day = dt.datetime.strptime(date, "%Y%m%d").date()
        units = 5.0e8 + (day - dt.date(2025, 12, 1)).days * 1e6
        return pd.DataFrame(
            {
                "序号": pd.array([1, 2], dtype="int64"),
                "基金代码": pd.array([ETF, "510300"], dtype="str"),
                "基金简称": ["500质量", "300ETF"],
                "ETF类型": ["单市", "跨市"],
                "统计日期": [day, day],
                "基金份额": [units, 9.9e10],
            }
        )

    def fund_scale_daily_szse(
        self, start_date: str = "20260401", end_date: str = "20260401", symbol: str = "ETF"
    ) -> pd.DataFrame:
        return pd.DataFrame(columns=["日期", "基金代码", "基金简称", "基金份额"])

    def fund_overview_em(self, symbol: str = "015641") -> pd.DataFrame:
        return pd.DataFrame(
            [
                {
                    "基金全称": "鹏扬中证500质量成长交易型开放式指数证券投资基金",
                    "基金简称": "500质量成长ETF",
                    "基金代码": f"{symbol}（主代码）",
                    "基金类型": "指数型-股票",
                    "发行日期": "2021年07月19日",
                    "成立日期/规模": "2021年08月04日 / 8.120亿份",
                    "资产规模": "6.40亿元（截止至：2025年12月31日）",
                    "份额规模": "5.2000亿份（截止至：2025年12月31日）",
                    "基金管理人": "鹏扬基金",
                    "基金托管人": "兴业银行",
                    "基金经理人": "施红俊",
                    "成立来分红": "每份累计0.00元（0次）",
                    "管理费率": "0.15%（每年）",
                    "托管费率": "0.05%（每年）",
                    "销售服务费率": "---",
                    "最高认购费率": "0.80%",
                    "业绩比较基准": "中证500质量成长指数收益率",
                    "跟踪标的": self.overview_index_name,
                }
            ]
        )

    def stock_news_em(self, symbol: str = "603777") -> pd.DataFrame:
        return pd.DataFrame(
            {
                "关键词": [symbol, symbol],
                "新闻标题": [f"{symbol} 早盘走强", f"{symbol} 晚间公告"],
                "新闻内容": ["内容一", "内容二"],
                "发布时间": ["2026-01-09 10:01:02", "2026-01-09 19:00:00"],
                "文章来源": ["东方财富网", "证券时报"],
                "新闻链接": [
                    f"http://finance.eastmoney.com/a/{symbol}1.html",
                    f"http://finance.eastmoney.com/a/{symbol}2.html",
                ],
            }
        )
