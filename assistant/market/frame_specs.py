"""What the call plan expects from each AKShare function (`SPECS`): required columns, which columns are codes,
dates, numbers or text, the upstream host, and the sanity checks that catch a silent payload change (East Money
names its spot columns positionally) before it shows up as wrong numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd


class FrameError(ValueError):
    """A frame breaks the call-plan contract (missing column, bad code, absurd value)."""


@dataclass(frozen=True)
class FrameSpec:
    """What the call plan expects from one AKShare function."""

    function: str
    host: str  # upstream host, for rate limiting and error messages
    required: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()  # -> 6-digit str
    dates: tuple[str, ...] = ()  # -> datetime.date
    datetimes: tuple[str, ...] = ()  # -> tz-aware Asia/Shanghai
    numerics: tuple[str, ...] = ()  # -> float64
    texts: tuple[str, ...] = ()  # -> str (NaN -> None); values of mixed type become their str()
    date_column: str | None = None  # rows after trade_date are dropped; start_date/end_date filter on it
    symbol_kind: str = "code"  # params["symbol"]: code | index | keyword | category | none
    checks: tuple[Callable[[pd.DataFrame], str | None], ...] = field(default=())


def _range_check(column: str, low: float, high: float | None) -> Callable[[pd.DataFrame], str | None]:
    """A check that a numeric column stays within (low, high): catches columns shifted by position."""

    def check(df: pd.DataFrame) -> str | None:
        if column not in df.columns:
            return None
        values = df[column].dropna()
        bad = values[(values <= low) | ((values >= high) if high is not None else False)]
        if len(bad):
            bound = f"{low} < {column} < {high}" if high is not None else f"{column} > {low}"
            return (
                f"column {column} fails the sanity check {bound} (e.g. {bad.iloc[0]!r} in row {bad.index[0]})"
            )
        return None

    return check


def _one_row_per_date(column: str) -> Callable[[pd.DataFrame], str | None]:
    """Daily bars hold one row per day: a duplicated date means two sources were mixed or rows were repeated."""

    def check(df: pd.DataFrame) -> str | None:
        if column not in df.columns:
            return None
        dup = df[column][df[column].duplicated(keep=False) & df[column].notna()]
        return (
            f"column {column} repeats the date {dup.iloc[0]} (rows {', '.join(map(str, dup.index[:3]))})"
            if len(dup)
            else None
        )

    return check


_RESUMPTION_GAP = dt.timedelta(days=10)  # a longer gap is a suspension: the first bar after it has no limit


def _board_limit_pct(code: str | None) -> float:
    """The daily price limit of the board: ChiNext/STAR 20%, Beijing 30%, other A-shares 10% (ETFs on 20%
    boards included, so 20% for funds is the safe bound)."""
    if not code:
        return 20.0
    if code.startswith(("8", "4", "92")):
        return 30.0
    if code.startswith(("300", "301", "688", "689", "15", "51", "56", "58")):
        return 20.0
    return 10.0


def _within_daily_limit(
    close: str, date_col: str, code_col: str | None, reported: str | None, index: bool = False
) -> Callable[[pd.DataFrame], str | None]:
    """No close-to-close move beyond the board's limit (+1 pp rounding), except on the first bar (listing) or
    after a suspension. A fall beyond it with a reported 涨跌幅 inside it is an ex-rights day (handled later);
    a rise beyond it is not (a price x100 or a shifted column)."""

    def check(df: pd.DataFrame) -> str | None:
        if close not in df.columns or date_col not in df.columns or len(df) < 2:
            return None
        ordered = df.dropna(subset=[close, date_col]).sort_values(date_col, kind="stable")
        code = None
        if code_col and code_col in ordered.columns and ordered[code_col].notna().any():
            code = str(ordered[code_col].dropna().iloc[0])
        limit = 25.0 if index else _board_limit_pct(code) + 1.0
        prev_close, prev_day = ordered[close].shift(1), ordered[date_col].shift(1)
        for (_, row), before, day in zip(ordered.iloc[1:].iterrows(), prev_close.iloc[1:], prev_day.iloc[1:]):
            if not before or before <= 0 or (row[date_col] - day) > _RESUMPTION_GAP:
                continue
            move = (row[close] / before - 1.0) * 100.0
            if abs(move) <= limit:
                continue
            said = row.get(reported) if reported else None
            if move < 0 and said is not None and not pd.isna(said) and abs(float(said)) <= limit:
                continue  # ex-rights: the unadjusted price fell, the reported change did not
            return (
                f"column {close} moves {move:+.2f}% on {row[date_col]} (from {before:g} to {row[close]:g}), "
                f"beyond the {limit - (0 if index else 1):g}% daily limit without a listing or resumption "
                "(a price off by x100 or a shifted column?)"
            )
        return None

    return check


_SPOT_NUMERIC = (
    "最新价",
    "IOPV实时估值",
    "基金折价率",
    "涨跌额",
    "涨跌幅",
    "成交量",
    "成交额",
    "开盘价",
    "最高价",
    "最低价",
    "昨收",
    "振幅",
    "换手率",
    "量比",
    "委比",
    "外盘",
    "内盘",
    "主力净流入-净额",
    "主力净流入-净占比",
    "超大单净流入-净额",
    "超大单净流入-净占比",
    "大单净流入-净额",
    "大单净流入-净占比",
    "中单净流入-净额",
    "中单净流入-净占比",
    "小单净流入-净额",
    "小单净流入-净占比",
    "现手",
    "买一",
    "卖一",
    "最新份额",
    "流通市值",
    "总市值",
)
_EM_BAR_NUMERIC = ("开盘", "收盘", "最高", "最低", "成交量", "成交额", "振幅", "涨跌幅", "涨跌额", "换手率")

SPECS: dict[str, FrameSpec] = {
    spec.function: spec
    for spec in (
        FrameSpec(
            "fund_etf_spot_em",
            "push2delay.eastmoney.com",
            required=(
                "代码",
                "名称",
                "最新价",
                "IOPV实时估值",
                "基金折价率",
                "涨跌额",
                "涨跌幅",
                "成交量",
                "成交额",
                "开盘价",
                "最高价",
                "最低价",
                "昨收",
                "换手率",
                "最新份额",
                "流通市值",
                "总市值",
                "数据日期",
                "更新时间",
            ),
            codes=("代码",),
            dates=("数据日期",),
            datetimes=("更新时间",),
            numerics=_SPOT_NUMERIC,
            texts=("名称",),
            date_column="数据日期",
            symbol_kind="none",
            checks=(_range_check("最新价", 0, 10000), _range_check("IOPV实时估值", 0, 10000)),
        ),
        FrameSpec(
            "fund_etf_hist_em",
            "push2his.eastmoney.com",
            required=(
                "日期",
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
            ),
            dates=("日期",),
            numerics=_EM_BAR_NUMERIC,
            date_column="日期",
            checks=(
                _range_check("收盘", 0, 10000),
                _range_check("开盘", 0, 10000),
                _one_row_per_date("日期"),
                _within_daily_limit("收盘", "日期", None, "涨跌幅"),
            ),
        ),
        FrameSpec(
            "fund_overview_em",
            "fundf10.eastmoney.com",
            required=(
                "基金全称",
                "基金简称",
                "基金代码",
                "基金类型",
                "成立日期/规模",
                "资产规模",
                "份额规模",
                "基金管理人",
                "基金托管人",
                "基金经理人",
                "管理费率",
                "托管费率",
                "业绩比较基准",
                "跟踪标的",
            ),
        ),
        FrameSpec(
            "fund_etf_scale_sse",
            "query.sse.com.cn",
            required=("基金代码", "基金简称", "ETF类型", "统计日期", "基金份额"),
            codes=("基金代码",),
            dates=("统计日期",),
            numerics=("序号", "基金份额"),
            texts=("基金简称", "ETF类型"),
            date_column="统计日期",
            symbol_kind="none",
            checks=(_range_check("基金份额", -1e-9, None),),
        ),
        FrameSpec(
            "fund_scale_daily_szse",
            "www.szse.cn",
            required=("日期", "基金代码", "基金简称", "基金份额"),
            codes=("基金代码",),
            dates=("日期",),
            numerics=("基金份额",),
            texts=("基金简称",),
            date_column="日期",
            symbol_kind="category",
            checks=(_range_check("基金份额", -1e-9, None),),
        ),
        FrameSpec(
            "stock_zh_index_daily_em",
            "push2his.eastmoney.com",
            required=("date", "open", "close", "high", "low", "volume", "amount"),
            dates=("date",),
            numerics=("open", "close", "high", "low", "volume", "amount"),
            date_column="date",
            symbol_kind="index",
            checks=(
                _range_check("close", 0, None),
                _one_row_per_date("date"),
                _within_daily_limit("close", "date", None, None, index=True),
            ),
        ),
        FrameSpec(
            "index_stock_cons_weight_csindex",
            "oss-ch.csindex.com.cn",
            required=(
                "日期",
                "指数代码",
                "指数名称",
                "指数英文名称",
                "成分券代码",
                "成分券名称",
                "成分券英文名称",
                "交易所",
                "交易所英文名称",
                "权重",
            ),
            codes=("指数代码", "成分券代码"),
            dates=("日期",),
            numerics=("权重",),
            texts=("指数名称", "指数英文名称", "成分券名称", "成分券英文名称", "交易所", "交易所英文名称"),
            date_column="日期",
            checks=(_range_check("权重", -1e-9, 100.0 + 1e-9),),
        ),
        FrameSpec(
            "stock_zh_a_hist",
            "push2his.eastmoney.com",
            required=(
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
            ),
            codes=("股票代码",),
            dates=("日期",),
            numerics=_EM_BAR_NUMERIC,
            date_column="日期",
            checks=(
                _range_check("收盘", 0, 10000),
                _one_row_per_date("日期"),
                _within_daily_limit("收盘", "日期", "股票代码", "涨跌幅"),
            ),
        ),
        FrameSpec(
            "stock_individual_info_em",
            "push2.eastmoney.com",
            required=("item", "value"),
            texts=("item", "value"),
        ),
        FrameSpec(
            "stock_news_em",
            "search-api-web.eastmoney.com",
            required=("关键词", "新闻标题", "新闻内容", "发布时间", "文章来源", "新闻链接"),
            datetimes=("发布时间",),
            texts=("关键词", "新闻标题", "新闻内容", "文章来源", "新闻链接"),
            symbol_kind="keyword",
        ),
    )
}


def spec_for(function: str) -> FrameSpec:
    """The spec of a call-plan function; unknown functions get a permissive spec (columns passed through)."""
    return SPECS.get(function) or FrameSpec(function, "unknown", symbol_kind="keyword")


def host_of(function: str) -> str:
    return spec_for(function).host
