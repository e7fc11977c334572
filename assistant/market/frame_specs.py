"""What the call plan expects from each AKShare function (`SPECS`): required columns, which columns are codes,
dates, numbers or text, the upstream host, and the sanity checks that catch a silent payload change (East Money
names its spot columns positionally) before it shows up as wrong numbers."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
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


@dataclass(frozen=True)
class RangeCheck:
    """A numeric column stays within (low, high): catches columns shifted by position."""

    column: str
    low: float
    high: float | None

    def __call__(self, df: pd.DataFrame) -> str | None:
        if self.column not in df.columns:
            return None
        values = df[self.column]
        if values.dtype == "float64":  # normalised numbers: one numpy pass (NaN fails both comparisons)
            array = values.to_numpy()
            flagged = array <= self.low
            if self.high is not None:
                flagged |= array >= self.high
            rows = flagged.nonzero()[0]
            bad = None if not len(rows) else (array[rows[0]], values.index[rows[0]])
        else:
            kept = values.dropna()
            hit = kept[(kept <= self.low) | ((kept >= self.high) if self.high is not None else False)]
            bad = None if not len(hit) else (hit.iloc[0], hit.index[0])
        if bad is None:
            return None
        bound = (
            f"{self.low} < {self.column} < {self.high}"
            if self.high is not None
            else f"{self.column} > {self.low}"
        )
        return f"column {self.column} fails the sanity check {bound} (e.g. {bad[0]!r} in row {bad[1]})"


@dataclass(frozen=True)
class OneRowPerDate:
    """Daily bars hold one row per day: a duplicated date means two sources were mixed or rows were repeated."""

    column: str

    def __call__(self, df: pd.DataFrame) -> str | None:
        if self.column not in df.columns:
            return None
        dates = df[self.column].tolist()
        counts = Counter(d for d in dates if not pd.isna(d))
        if len(counts) == sum(counts.values()):
            return None
        rows = [i for i, d in enumerate(dates) if not pd.isna(d) and counts[d] > 1]
        labels = ", ".join(str(df.index[i]) for i in rows[:3])
        return f"column {self.column} repeats the date {dates[rows[0]]} (rows {labels})"


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


@dataclass(frozen=True)
class WithinDailyLimit:
    """No close-to-close move beyond the board's limit (+1 pp rounding), except on the first bar (listing) or
    after a suspension. A fall beyond it with a reported 涨跌幅 inside it is an ex-rights day (handled later);
    a rise beyond it is not (a price x100 or a shifted column).

    It walks plain lists, not `iterrows`: building a Series per bar made this check the slowest part of loading
    a snapshot."""

    close: str
    date_col: str
    code_col: str | None
    reported: str | None
    index: bool = False

    def __call__(self, df: pd.DataFrame) -> str | None:
        close, date_col = self.close, self.date_col
        if close not in df.columns or date_col not in df.columns or len(df) < 2:
            return None
        closes, days = df[close].tolist(), df[date_col].tolist()
        # the rows with a close and a date in stable date order: what dropna + a stable sort_values would give
        rows = [i for i, (c, d) in enumerate(zip(closes, days)) if not pd.isna(c) and not pd.isna(d)]
        rows.sort(key=days.__getitem__)
        codes = df[self.code_col].tolist() if self.code_col and self.code_col in df.columns else []
        code = next((str(codes[i]) for i in rows if not pd.isna(codes[i])), None) if codes else None
        limit = 25.0 if self.index else _board_limit_pct(code) + 1.0
        said_column = df[self.reported].tolist() if self.reported in df.columns else None
        for prev, row in itertools.pairwise(rows):
            before, now = closes[prev], closes[row]
            if not before or before <= 0 or (days[row] - days[prev]) > _RESUMPTION_GAP:
                continue
            move = (now / before - 1.0) * 100.0
            if abs(move) <= limit:
                continue
            said = said_column[row] if said_column is not None else None
            if move < 0 and said is not None and not pd.isna(said) and abs(float(said)) <= limit:
                continue  # ex-rights: the unadjusted price fell, the reported change did not
            return (
                f"column {close} moves {move:+.2f}% on {days[row]} (from {before:g} to {now:g}), "
                f"beyond the {limit - (0 if self.index else 1):g}% daily limit without a listing or resumption "
                "(a price off by x100 or a shifted column?)"
            )
        return None


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
            checks=(RangeCheck("最新价", 0, 10000), RangeCheck("IOPV实时估值", 0, 10000)),
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
                RangeCheck("收盘", 0, 10000),
                RangeCheck("开盘", 0, 10000),
                OneRowPerDate("日期"),
                WithinDailyLimit("收盘", "日期", None, "涨跌幅"),
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
            checks=(RangeCheck("基金份额", -1e-9, None),),
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
            checks=(RangeCheck("基金份额", -1e-9, None),),
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
                RangeCheck("close", 0, None),
                OneRowPerDate("date"),
                WithinDailyLimit("close", "date", None, None, index=True),
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
            checks=(RangeCheck("权重", -1e-9, 100.0 + 1e-9),),
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
                RangeCheck("收盘", 0, 10000),
                OneRowPerDate("日期"),
                WithinDailyLimit("收盘", "日期", "股票代码", "涨跌幅"),
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
