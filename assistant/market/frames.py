"""The one parsing path from AKShare-shaped DataFrames to normalised frames.

A snapshot CSV (read with dtype=str) and a live AKShare DataFrame (pandas 3: StringDtype text, `datetime.date`
objects, datetime64, tz-aware datetime64...) of the same function must come out identical, so both sources call
`normalise()` and nothing else. Per function it knows the required columns of the v1 call plan, which columns
are codes / dates / numbers, where the upstream host is, and a few sanity checks: East Money names its spot
columns positionally, so a silent payload change would otherwise show up as wrong numbers instead of an error.

Problems raise `FrameError` (a ValueError with a message naming the function and column); the snapshot loader
wraps it in SnapshotError(file, ...), the live source in UpstreamError(host, function, ...).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from assistant.market.model import Article

if TYPE_CHECKING:
    from pandas._libs import NaTType

SHANGHAI = "Asia/Shanghai"
DATE_PARAMS = ("start_date", "end_date")
CODE_RE = re.compile(r"^\d{6}$")
INDEX_SYMBOL_RE = re.compile(r"^(csi|sh|sz|bj)\d{6}$")
# akshare switched fund_etf_scale_sse 基金份额 from 万份 to 份 (x10000) in its 2026-01-20 commit, released as
# 1.18.15 ("fix fund_etf_scale_sse interface"); snapshots recorded with an older akshare are rescaled on load.
SSE_SCALE_IN_UNITS_SINCE = (1, 18, 15)

FrameKey = tuple[str, tuple[tuple[str, str], ...]]


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


# ---------------------------------------------------------------------------------------------- keys & params


def clean_params(params: Mapping[str, Any]) -> dict[str, str]:
    """Params as strings (JSON numbers become text); None is kept out."""
    return {str(k): ("" if v is None else str(v)) for k, v in params.items()}


def frame_key(function: str, params: Mapping[str, Any]) -> FrameKey:
    """The identity of a recorded frame: function + params, minus the date-range filters."""
    kept = {k: v for k, v in clean_params(params).items() if k not in DATE_PARAMS}
    return function, tuple(sorted(kept.items()))


def check_params(function: str, params: Mapping[str, Any]) -> str | None:
    """A problem with the key params of a call (non-6-digit symbol...), or None."""
    p = clean_params(params)
    symbol = p.get("symbol")
    kind = spec_for(function).symbol_kind
    if symbol is not None:
        if kind == "code" and not CODE_RE.match(symbol):
            return f"params.symbol {symbol!r} of {function} is not a 6-digit code"
        if kind == "index" and not INDEX_SYMBOL_RE.match(symbol):
            return f"params.symbol {symbol!r} of {function} is not a market prefix + 6-digit index code (csi930939)"
    if function == "fund_etf_scale_sse":
        date = p.get("date", "")
        if not re.fullmatch(r"\d{8}", date):
            return f"params.date {date!r} of fund_etf_scale_sse is not YYYYMMDD"
    for name in DATE_PARAMS:
        if name in p and p[name] and parse_param_date(p[name]) is None:
            return f"params.{name} {p[name]!r} of {function} is not YYYYMMDD"
    return None


def parse_param_date(value: str | dt.date | None) -> dt.date | None:
    """A YYYYMMDD (or YYYY-MM-DD) param value as a date; None if absent or unparseable."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    digits = value.replace("-", "")
    try:
        return dt.datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def ymd(day: dt.date) -> str:
    """A date as AKShare's YYYYMMDD parameter."""
    return day.strftime("%Y%m%d")


# --------------------------------------------------------------------------------------------- element parsers


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip() in ("", "nan", "NaN", "None", "NaT", "<NA>")


def normalise_code(value: Any) -> str | None:
    """A security code as 6 digits, restoring leading zeros lost to int/float/Excel; None when missing.

    Never raises: text that cannot be a code comes back as-is so the caller can name it in its error.
    """
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = str(int(value)) if value.is_integer() else str(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"\d+\.0+", text):
            text = text.split(".")[0]
    if text.isdigit() and len(text) < 6:
        text = text.zfill(6)
    return text


_DATE_RE = re.compile(r"^(\d{4})[-/]?(\d{1,2})[-/]?(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(value: Any) -> dt.date | None:
    """A date from YYYY-MM-DD / YYYYMMDD strings, date/datetime/Timestamp objects or numpy datetimes."""
    if _is_missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        stamp = value if value.tzinfo is None else value.tz_convert(SHANGHAI)
        return stamp.date()
    if isinstance(value, dt.datetime):
        moment = value if value.tzinfo is None else value.astimezone(pd.Timestamp.now(tz=SHANGHAI).tzinfo)
        return moment.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = str(int(value))
    else:
        text = str(value).strip()
    m = _DATE_RE.match(text)
    if not m:
        ts = pd.Timestamp(text) if _looks_like_timestamp(text) else None
        if ts is None:
            raise ValueError(text)
        return parse_date(ts)
    return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))


def _looks_like_timestamp(text: str) -> bool:
    try:
        pd.Timestamp(text)
    except (ValueError, TypeError):
        return False
    return True


def parse_datetime(value: Any) -> pd.Timestamp | None:
    """A tz-aware Asia/Shanghai timestamp; naive values are taken as Shanghai wall time (AKShare's convention)."""
    if _is_missing(value):
        return None
    try:
        ts: pd.Timestamp | NaTType = pd.Timestamp(value)  # "NaT" and the like give NaT
    except (ValueError, TypeError) as err:
        raise ValueError(str(value)) from err
    if isinstance(ts, type(pd.NaT)):
        return None
    return ts.tz_localize(SHANGHAI) if ts.tzinfo is None else ts.tz_convert(SHANGHAI)


_MISSING_TEXT = {"", "-", "--", "nan", "NaN", "None", "null"}
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _number_text_problem(series: pd.Series, col: str) -> str | None:
    """Numbers written as text must be plain numbers: a thousands separator (or a decimal comma) or any other
    text became a silently different number or NaN."""
    if pd.api.types.is_numeric_dtype(series):
        return None
    for i, value in series.items():
        if not isinstance(value, str) or value.strip() in _MISSING_TEXT:
            continue
        text = value.strip()
        if "," in text and not _GROUPED.match(text):  # "1,234,000" is fine; "1,23" or "12,34" is ambiguous
            return f"column {col} holds {value!r} (row {i}): a separator that is not thousands grouping"
        try:
            float(text.replace(",", ""))
        except ValueError:
            return f"column {col} holds {value!r} (row {i}), not a number"
    return None


def _to_float(series: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype("float64")
    text = series.astype(object).map(lambda v: v.replace(",", "").strip() if isinstance(v, str) else v)
    return pd.to_numeric(text, errors="coerce").astype("float64")


# ------------------------------------------------------------------------------------------------- normalise


def normalise(
    function: str, df: pd.DataFrame, *, akshare_version: str | None = None, where: str | None = None
) -> pd.DataFrame:
    """Normalise one AKShare frame (live or read from CSV with dtype=str) and check it against the call plan.

    Codes become 6-digit str, dates `datetime.date` (object column), timestamps tz-aware Asia/Shanghai,
    numbers float64, text str; other columns are passed through untouched. `akshare_version` is the version
    that produced the frame (snapshots): older fund_etf_scale_sse units are rescaled to 份.
    Raises FrameError naming the function, the column and an offending value.
    """
    spec = spec_for(function)
    label = where or function
    missing = [c for c in spec.required if c not in df.columns]
    if missing:
        raise FrameError(f"{label}: missing required column(s) {', '.join(missing)} of {function}")
    out = df.copy()
    out = out.reset_index(drop=True)
    for col in spec.codes:
        if col in out.columns:
            codes = out[col].astype(object).map(normalise_code)
            bad = codes[codes.map(lambda c: c is not None and not CODE_RE.match(c))]
            if len(bad):
                raise FrameError(
                    f"{label}: column {col} holds {bad.iloc[0]!r} (row {bad.index[0]}), not a 6-digit code"
                )
            out[col] = codes.astype(object)
    for col in spec.dates:
        if col in out.columns:
            out[col] = _convert(out[col], parse_date, label, col, "a date")
    for col in spec.datetimes:
        if col in out.columns:
            stamps = _convert(out[col], parse_datetime, label, col, "a date-time")
            cells: list[Any] = [pd.NaT if t is None else t for t in stamps]
            utc = pd.to_datetime(cells, utc=True)
            out[col] = (
                pd.Series(utc, index=out.index)
                .dt.tz_convert(SHANGHAI)
                .astype(pd.DatetimeTZDtype("ns", SHANGHAI))
            )
    for col in spec.numerics:
        if col in out.columns:
            problem = _number_text_problem(out[col], col)
            if problem:
                raise FrameError(f"{label}: {problem}")
            out[col] = _to_float(out[col])
    for col in spec.texts:
        if col in out.columns:
            out[col] = out[col].astype(object).map(lambda v: None if _is_missing(v) else str(v))
    if function == "fund_overview_em":
        out = out.astype(object).map(lambda v: None if _is_missing(v) else str(v))
    if function == "fund_etf_scale_sse" and _older_than(akshare_version, SSE_SCALE_IN_UNITS_SINCE):
        out["基金份额"] = out["基金份额"] * 10000.0
    for check in spec.checks:
        problem = check(out)
        if problem:
            raise FrameError(f"{label}: {problem}")
    if spec.date_column and spec.date_column in out.columns and len(out):
        out = out.sort_values(spec.date_column, kind="stable", key=_date_sort_key).reset_index(drop=True)
    out.attrs["source"] = function
    return out


def _date_sort_key(series: pd.Series) -> pd.Series:
    return series.map(lambda d: d.toordinal() if d is not None else -1)


def _convert(series: pd.Series, parser: Callable[[Any], Any], label: str, col: str, what: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series) and parser is parse_date:
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert(SHANGHAI)
        return series.map(lambda t: None if pd.isna(t) else t.date()).astype(object)
    values = []
    for i, value in enumerate(series.astype(object).tolist()):
        try:
            values.append(parser(value))
        except (ValueError, TypeError, OverflowError):
            raise FrameError(f"{label}: column {col} holds {value!r} (row {i}), not {what}") from None
    return pd.Series(values, index=series.index, dtype=object)


def _iso_date(value: Any) -> str | None:
    """A date cell as YYYY-MM-DD (None when missing)."""
    day = parse_date(value)
    return None if day is None else day.isoformat()


def _older_than(version: str | None, reference: tuple[int, ...]) -> bool:
    if not version:
        return False
    parts = re.findall(r"\d+", version)[: len(reference)]
    try:
        return tuple(int(p) for p in parts) < reference
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------- filters & checks


def filter_dates(
    function: str, df: pd.DataFrame, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Rows of a normalised frame whose date column lies in [start, end]; frames without one pass through."""
    column = spec_for(function).date_column
    if column is None or column not in df.columns or (start is None and end is None):
        return df
    dates = df[column]
    keep = pd.Series(True, index=df.index)
    if start is not None:
        keep &= dates.map(lambda d: d is None or d >= start)
    if end is not None:
        keep &= dates.map(lambda d: d is None or d <= end)
    out = df[keep].reset_index(drop=True)
    out.attrs = dict(df.attrs)
    return out


def filter_params(function: str, df: pd.DataFrame, params: Mapping[str, Any]) -> pd.DataFrame:
    """Apply the start_date / end_date params of a call to a recorded frame."""
    p = clean_params(params)
    return filter_dates(
        function, df, parse_param_date(p.get("start_date")), parse_param_date(p.get("end_date"))
    )


def weight_sum_problem(df: pd.DataFrame, tolerance: float = 0.5) -> str | None:
    """CSIndex weights must sum to 100 ± tolerance (issue #6319 shows files that do not)."""
    if "权重" not in df.columns or df.empty:
        return None
    total = float(df["权重"].sum())
    if abs(total - 100.0) > tolerance:
        return f"constituent weights (权重) sum to {total:.3f}, not 100 ± {tolerance}"
    return None


def for_csv(function: str, df: pd.DataFrame) -> pd.DataFrame:
    """A normalised frame as the strings a v1 snapshot stores: dates YYYY-MM-DD, codes 6 digits, ISO times."""
    spec = spec_for(function)
    out = df.copy()
    for col in out.columns:
        series = out[col]
        if col in spec.codes:
            out[col] = series.astype(object).map(normalise_code)
        elif col in spec.datetimes or isinstance(series.dtype, pd.DatetimeTZDtype):
            out[col] = series.map(lambda t: None if pd.isna(t) else pd.Timestamp(t).isoformat(sep=" "))
        elif col in spec.dates or pd.api.types.is_datetime64_any_dtype(series):
            out[col] = series.map(_iso_date)
        elif series.dtype == object:
            out[col] = series.map(_csv_scalar)
    return out


def _csv_scalar(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# ---------------------------------------------------------------------------------------------------- news rows


def em_news_id(url: str) -> str:
    """The stable citation id of a stock_news_em row: "em-" + the first 12 hex digits of sha1(新闻链接)."""
    return "em-" + hashlib.sha1(url.strip().encode("utf-8")).hexdigest()[:12]


def news_articles(df: pd.DataFrame, symbol: str | None = None) -> list[Article]:
    """Articles from a normalised stock_news_em frame; rows without a link or time are skipped (no stable id).

    `symbol` (the call's keyword) is added to each article's symbols when it is a 6-digit code."""
    articles: list[Article] = []
    for row in df.to_dict("records"):
        url, published = row.get("新闻链接"), row.get("发布时间")
        if not url or published is None or pd.isna(published):
            continue
        symbols = {s for s in (row.get("关键词"), symbol) if isinstance(s, str) and CODE_RE.match(s)}
        articles.append(
            Article(
                id=em_news_id(url),
                title=row.get("新闻标题") or "",
                body=row.get("新闻内容") or "",
                published_at=pd.Timestamp(published).to_pydatetime(),
                source=row.get("文章来源"),
                url=url,
                language="zh",
                symbols=tuple(sorted(symbols)),
            )
        )
    return articles


# ------------------------------------------------------------------------------------ free-text fields (fund_overview_em)

# What fund_overview_em writes for "nothing here".
NOT_GIVEN = frozenset({"", "---", "--", "-", "nan", "None"})
_AMOUNT_RE = re.compile(r"([\d,.]+)\s*(亿|万)?\s*(元|份)")
_CN_DATE_RE = re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日")


def text_or_none(value: object) -> str | None:
    """A cell as stripped text; None for None, NaN and blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def given_text(value: object) -> str | None:
    """A cell's text, or None when the source wrote a placeholder ("---", "nan"...) instead of a value."""
    text = text_or_none(value)
    return None if text is None or text in NOT_GIVEN else text


def first_part(value: str | None) -> str | None:
    """The part before the first "/" ("2019-12-17 / 6.02亿份" -> "2019-12-17"); None when it is a placeholder."""
    if value is None:
        return None
    first = value.split("/")[0].strip()
    return None if first in NOT_GIVEN else first


def parse_amount(text: str | None) -> tuple[float, dt.date | None] | None:
    """'6.02亿元（截止至：2026年01月09日）' -> (602000000.0, 2026-01-09); None when no amount is written."""
    if not text:
        return None
    m = _AMOUNT_RE.search(text)
    if not m:
        return None
    try:
        value = float(m.group(1).replace(",", "")) * {"亿": 1e8, "万": 1e4, None: 1.0}[m.group(2)]
    except ValueError:
        return None
    d = _CN_DATE_RE.search(text)
    when = dt.date(int(d.group(1)), int(d.group(2)), int(d.group(3))) if d else None
    return value, when
