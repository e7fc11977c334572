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
import io
import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from assistant.market.frame_cells import (
    CODE_RE,
    NOT_GIVEN,
    SHANGHAI,
    _csv_scalar,
    _is_missing,
    _iso_date,
    as_object,
    cells,
    first_part,
    given_text,
    normalise_code,
    numbers,
    parse_amount,
    parse_date,
    parse_datetime,
    text_or_none,
)
from assistant.market.frame_specs import SPECS, FrameError, FrameSpec, host_of, spec_for
from assistant.market.model import Article

DATE_PARAMS = ("start_date", "end_date")
INDEX_SYMBOL_RE = re.compile(r"^(csi|sh|sz|bj)\d{6}$")
# akshare switched fund_etf_scale_sse 基金份额 from 万份 to 份 (x10000) in its 2026-01-20 commit, released as
# 1.18.15 ("fix fund_etf_scale_sse interface"); snapshots recorded with an older akshare are rescaled on load.
SSE_SCALE_IN_UNITS_SINCE = (1, 18, 15)

FrameKey = tuple[str, tuple[tuple[str, str], ...]]


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
            codes = as_object(out[col]).map(normalise_code)
            for row, code in zip(codes.index, codes.tolist()):
                if isinstance(code, str) and not CODE_RE.match(code):
                    raise FrameError(f"{label}: column {col} holds {code!r} (row {row}), not a 6-digit code")
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
            problem, floats = numbers(out[col], col)
            if problem or floats is None:
                raise FrameError(f"{label}: {problem}")
            out[col] = floats
    for col in spec.texts:
        if col in out.columns:
            out[col] = as_object(out[col]).map(lambda v: None if _is_missing(v) else str(v))
    if function == "fund_overview_em":
        out = out.astype(object).map(lambda v: None if _is_missing(v) else str(v))
    if function == "fund_etf_scale_sse" and _older_than(akshare_version, SSE_SCALE_IN_UNITS_SINCE):
        out["基金份额"] = out["基金份额"] * 10000.0
    for check in spec.checks:
        problem = check(out)
        if problem:
            raise FrameError(f"{label}: {problem}")
    if spec.date_column and spec.date_column in out.columns and len(out):
        keys = _date_sort_key(out[spec.date_column]).tolist()
        if any(a > b for a, b in itertools.pairwise(keys)):  # recorded frames are mostly in order already
            out = out.sort_values(spec.date_column, kind="stable", key=_date_sort_key).reset_index(drop=True)
    out.attrs["source"] = function
    return out


def read_csv_frame(file: Path, function: str, akshare_version: object = None) -> pd.DataFrame:
    """A frame CSV of a snapshot (text cells, read as written) normalised: the one way snapshot frames are read.

    The same bytes are parsed once per process (keyed by their sha256, so a rewritten file is never served stale):
    a fresh store's ingest builds its lexicon and news from frames the snapshot loader has just validated. Raises
    what read_csv and `normalise` raise (EmptyDataError, ParserError, UnicodeDecodeError, FrameError); failures
    are not remembered."""
    data = Path(file).read_bytes()
    version = str(akshare_version) if akshare_version else None
    key = (hashlib.sha256(data).digest(), function, version)
    with _parsed_lock:
        df = _parsed.get(key)
        if df is not None:
            _parsed.move_to_end(key)
            return df.copy(deep=False)
    raw = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8-sig")
    df = normalise(function, raw, akshare_version=version)
    with _parsed_lock:
        _parsed[key] = df
        while len(_parsed) > _PARSED_MAX:
            _parsed.popitem(last=False)
    return df.copy(deep=False)


_PARSED_MAX = 1024  # frames; a snapshot holds a few hundred
_parsed: OrderedDict[tuple[bytes, str, str | None], pd.DataFrame] = OrderedDict()
_parsed_lock = threading.Lock()


def _date_sort_key(series: pd.Series) -> pd.Series:
    keys = [d.toordinal() if d is not None else -1 for d in series.tolist()]
    return pd.Series(keys, index=series.index, dtype="int64")


def _convert(series: pd.Series, parser: Callable[[Any], Any], label: str, col: str, what: str) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series) and parser is parse_date:
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert(SHANGHAI)
        return series.map(lambda t: None if pd.isna(t) else t.date()).astype(object)
    values = []
    for i, value in enumerate(cells(series)):
        try:
            values.append(parser(value))
        except (ValueError, TypeError, OverflowError):
            raise FrameError(f"{label}: column {col} holds {value!r} (row {i}), not {what}") from None
    return pd.Series(values, index=series.index, dtype=object)


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
    keep = [
        d is None or ((start is None or d >= start) and (end is None or d <= end))
        for d in df[column].tolist()
    ]
    out = (df if all(keep) else df[np.asarray(keep, dtype=bool)]).reset_index(drop=True)
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


__all__ = [
    "CODE_RE",
    "DATE_PARAMS",
    "INDEX_SYMBOL_RE",
    "NOT_GIVEN",
    "SHANGHAI",
    "SPECS",
    "SSE_SCALE_IN_UNITS_SINCE",
    "FrameError",
    "FrameKey",
    "FrameSpec",
    "check_params",
    "clean_params",
    "em_news_id",
    "filter_dates",
    "filter_params",
    "first_part",
    "for_csv",
    "frame_key",
    "given_text",
    "host_of",
    "news_articles",
    "normalise",
    "normalise_code",
    "parse_amount",
    "parse_date",
    "parse_datetime",
    "parse_param_date",
    "read_csv_frame",
    "spec_for",
    "text_or_none",
    "weight_sum_problem",
    "ymd",
]
